"""Claiming due rows, composing them at send time and sending them over SMTP, marking each
one sent, skipped, failed (to come back with backoff) or dead.

A claim is a lease (``EMAIL_LEASE_SECONDS``): the worker stamps the rows with its claim token
and the time the lease runs until, renews it while it sends (``_Lease``), and marks a row only
while it still holds it. A worker that dies loses its rows when the lease lapses, and the next
claim by any worker takes them; a worker that is only slow keeps them, so no row is sent by two
live workers at once.

Claims take urgent mail (crisis alerts, account mail) first, so it never waits behind a
backlog for more than the batch being sent. Up to ``EMAIL_MAX_CONNECTIONS`` senders work at
once, in any number of worker processes, each holding one of that many connection slots (a
PostgreSQL advisory lock) while it has an SMTP connection open. A "sent" mark is committed
durably the moment the server accepted the email, and written again until it lands if the
database was away, so a database crash never sends an email twice.
"""

import logging
import random
import secrets
import smtplib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.core.mail import get_connection
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from community.notifications.emails import Composed, compose_batch
from community.notifications.models import DeliveryState, EmailDelivery
from community.notifications.outbox.schedule import schedule_another_sender

logger = logging.getLogger(__name__)

T = TypeVar("T")

DUE_STATES = (DeliveryState.PENDING, DeliveryState.FAILED)


@dataclass(frozen=True)
class Claim:
    """Rows one worker holds, under one token."""

    token: str
    ids: list[int]

    def __bool__(self) -> bool:
        return bool(self.ids)


def _lease_end(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.EMAIL_LEASE_SECONDS)


def claim_due(*, limit: int, now: datetime | None = None) -> Claim:
    """Leases up to ``limit`` rows to this worker: rows whose last worker's lease lapsed (it
    died) while they have tries left (the sweeper ends the others), then due rows, urgent
    ones first, then the longest due. Rows another worker is claiming are skipped, so two
    workers never claim the same row."""
    now = now or timezone.now()
    token = secrets.token_hex(16)
    with transaction.atomic():
        ids = list(
            EmailDelivery.objects.select_for_update(skip_locked=True)
            .filter(
                state=DeliveryState.SENDING,
                lease_until__lt=now,
                attempts__lt=settings.EMAIL_MAX_ATTEMPTS,
            )
            .order_by("-urgent", "lease_until", "id")
            .values_list("pk", flat=True)[:limit]
        )
        if len(ids) < limit:
            ids += (
                EmailDelivery.objects.select_for_update(skip_locked=True)
                .filter(state__in=DUE_STATES, send_after__lte=now)
                .order_by("-urgent", "send_after", "id")
                .values_list("pk", flat=True)[: limit - len(ids)]
            )
        if ids:
            EmailDelivery.objects.filter(pk__in=ids).update(
                state=DeliveryState.SENDING,
                claim=token,
                claimed_at=now,
                lease_until=_lease_end(now),
                attempts=F("attempts") + 1,
            )
    return Claim(token=token, ids=ids)


class _Lease:
    """The worker's hold on the rows of one claim while it sends them.

    A heartbeat thread renews the lease every third of it, so a worker blocked on a slow SMTP
    answer keeps its rows; only a worker that stopped (died, or froze longer than the lease)
    loses them. The sending loop checks, as often, that the rows are still its own, so a
    worker that froze and woke up sends nothing more that another worker has taken (only the
    email it was in the middle of can go twice). Every mark goes through ``rows``, so a row is
    only ever marked by the worker holding it.
    """

    def __init__(self, claim: Claim) -> None:
        self.token = claim.token
        self.every = settings.EMAIL_LEASE_SECONDS / 3
        self.checked = time.monotonic()
        # Until when (monotonic clock) the rows are surely still this worker's: the lease as
        # last written. Reads and marks that fail because the database is away are tried
        # again until then.
        self.expires = time.monotonic() + settings.EMAIL_LEASE_SECONDS
        self.lost: set[int] = set()
        self._stop = threading.Event()
        self._heartbeat = threading.Thread(target=self._beat, name="email-lease", daemon=True)

    def __enter__(self) -> "_Lease":
        self._heartbeat.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._heartbeat.join()

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    self._renew()
                except DatabaseError:
                    # The database is away (restarting): try again at the next beat, on a
                    # new connection.
                    logger.warning("could not renew an email lease", exc_info=True)
                    connection.close()
        finally:
            connection.close()

    def _renew(self) -> None:
        renewed_at = time.monotonic()
        with transaction.atomic():
            # Rows being marked this moment are skipped: their lease no longer matters.
            ids = list(
                EmailDelivery.objects.select_for_update(skip_locked=True)
                .filter(state=DeliveryState.SENDING, claim=self.token)
                .values_list("pk", flat=True)
            )
            EmailDelivery.objects.filter(pk__in=ids).update(lease_until=_lease_end(timezone.now()))
        self.expires = renewed_at + settings.EMAIL_LEASE_SECONDS

    def durably(self, write: Callable[[], T]) -> T:
        """Runs a read or write of this claim's rows, again and again on a new connection
        while the database is away, for as long as the lease surely holds. A "sent" mark that
        could not be written would send the email a second time."""
        pause = 0.2
        while True:
            try:
                return write()
            except (OperationalError, InterfaceError):
                if connection.in_atomic_block or time.monotonic() + pause >= self.expires - 1:
                    raise
                logger.warning("the database is away; trying again", exc_info=True)
                connection.close()
                time.sleep(pause)
                pause = min(pause * 2, 2.0)

    def held(self, ids: list[int]) -> set[int]:
        """Which of ``ids`` this worker still holds (one query a third of a lease at most;
        none otherwise)."""
        if time.monotonic() - self.checked < self.every:
            return set(ids) - self.lost
        self.checked = time.monotonic()
        kept = self.durably(
            lambda: set(
                EmailDelivery.objects.filter(
                    pk__in=ids, state=DeliveryState.SENDING, claim=self.token
                ).values_list("pk", flat=True)
            )
        )
        if len(kept) < len(ids):
            logger.warning(
                "lost the lease on %s emails: another worker has them", len(ids) - len(kept)
            )
        self.lost |= set(ids) - kept
        return kept

    def rows(self, row: EmailDelivery) -> QuerySet[EmailDelivery]:
        """The row, while this worker holds it."""
        return EmailDelivery.objects.filter(
            pk=row.pk, state=DeliveryState.SENDING, claim=self.token
        )

    def mark(self, row: EmailDelivery, **changes: object) -> bool:
        """Writes a row's outcome and lets go of it, if this worker still holds it (durably:
        see ``durably``). False when another worker had taken it."""
        return bool(self.durably(lambda: self.rows(row).update(**_released(**changes))))


@dataclass
class SendReport:
    sent: int = 0
    skipped: int = 0
    retrying: int = 0
    dead: int = 0
    # When the earliest retry is due, in seconds from now.
    next_retry_in: float | None = None
    more_due: bool = False
    errors: list[str] = field(default_factory=list)

    def add(self, other: "SendReport") -> None:
        self.sent += other.sent
        self.skipped += other.skipped
        self.retrying += other.retrying
        self.dead += other.dead
        self.errors += other.errors
        if other.next_retry_in is not None:
            self.next_retry_in = min(self.next_retry_in or other.next_retry_in, other.next_retry_in)

    @property
    def follow_up_in(self) -> float | None:
        """When the email queue should come back, in seconds from now: at once when the time
        budget ran out with more due, at the earliest retry otherwise, never if neither."""
        if self.more_due:
            return 0
        return self.next_retry_in


def _is_permanent(exc: BaseException) -> bool:
    """SMTP 5xx answers are permanent; 4xx, dropped connections and timeouts are not."""
    if isinstance(exc, smtplib.SMTPConnectError):
        return False
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return False


def _text(message: bytes | str) -> str:
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {_text(message)}"
            for address, (code, message) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


def backoff_seconds(attempt: int) -> float:
    """The wait after a failed try: the base for each of the first three (a short refusal
    spell is over within a minute of its end), then twice as long each time up to the max.
    Half of it fixed, half random ("equal jitter"), so refused mail does not come back all at
    once."""
    step = min(
        settings.EMAIL_RETRY_MAX_SECONDS,
        settings.EMAIL_RETRY_BASE_SECONDS * 2 ** max(0, attempt - 3),
    )
    return step / 2 + random.uniform(0, step / 2)  # noqa: S311 - jitter, not a secret


def _released(**changes: object) -> dict[str, object]:
    """A row's columns as its worker lets go of it."""
    return {
        "claim": "",
        "claimed_at": None,
        "lease_until": None,
        "updated_at": timezone.now(),
        **changes,
    }


def _record_failure(
    lease: _Lease, row: EmailDelivery, *, error: str, permanent: bool, report: SendReport
) -> None:
    now = timezone.now()
    if permanent or row.attempts >= settings.EMAIL_MAX_ATTEMPTS:
        changes: dict[str, object] = {"state": DeliveryState.DEAD}
        report.dead += 1
        logger.warning("email %s dead after %s tries: %s", row.pk, row.attempts, error)
    else:
        delay = backoff_seconds(row.attempts)
        changes = {"state": DeliveryState.FAILED, "send_after": now + timedelta(seconds=delay)}
        report.retrying += 1
        report.next_retry_in = min(report.next_retry_in or delay, delay)
        logger.info(
            "email %s failed (try %s), retry in %.1fs: %s", row.pk, row.attempts, delay, error
        )
    report.errors.append(error)
    lease.mark(row, last_error=error[:2000], **changes)


_MARK_SENT = f"""
    UPDATE {EmailDelivery._meta.db_table}
    SET state = %s, sent_at = %s, updated_at = %s, subject = %s, last_error = '',
        claim = '', claimed_at = NULL, lease_until = NULL
    WHERE id = %s AND state = %s AND claim = %s
"""  # noqa: S608 - the table name is the model's own


def _mark_sent(lease: _Lease, row: EmailDelivery, *, subject: str) -> bool:
    """Records the server's acceptance at once, one row at a time, in its own durable commit:
    a worker killed mid-batch leaves only the email it was sending to be sent again, and a
    database that crashes right after keeps the mark. False when the row was no longer this
    worker's to mark.

    The one write made for every email sent, so it is plain SQL: the same UPDATE the other
    marks make through the ORM, without a millisecond of query building each time."""

    def write() -> bool:
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                _MARK_SENT,
                [
                    DeliveryState.SENT.value,
                    now,
                    now,
                    subject[:255],
                    row.pk,
                    DeliveryState.SENDING.value,
                    lease.token,
                ],
            )
            return cursor.rowcount == 1

    return lease.durably(write)


def _mark_skipped(lease: _Lease, row: EmailDelivery, outcome: Composed) -> None:
    lease.mark(
        row,
        state=DeliveryState.SKIPPED,
        subject=outcome.subject[:255],
        last_error=outcome.skip_reason,
    )


def send_claimed(claim: Claim) -> SendReport:
    """Sends the rows of a claim over one SMTP connection. Never inside a transaction: each
    row is marked the moment its outcome is known, so a worker killed mid-batch leaves only
    the row it was sending to be sent again."""
    report = SendReport()
    rows = list(
        EmailDelivery.objects.filter(
            pk__in=claim.ids, state=DeliveryState.SENDING, claim=claim.token
        )
        .select_related("recipient")
        .order_by("-urgent", "send_after", "id")
    )
    if not rows:
        return report
    composed = compose_batch(rows)
    with _Lease(claim) as lease:
        _send_composed(lease, rows, composed, report)
    return report


def _closed(smtp: Any) -> bool:
    """Whether the SMTP connection was closed under the sender: by the server (a dropped
    connection, a timeout) or by smtplib itself after a 421 answer. Backends without a
    connection (files, memory) never are."""
    connection = getattr(smtp, "connection", None)
    return connection is not None and getattr(connection, "sock", None) is None


def _defer(lease: _Lease, row: EmailDelivery, *, error: str, report: SendReport) -> None:
    """A row never offered to the server (there was none to offer it to): back in the queue
    with its try given back, so a long outage never makes unsent mail ``dead``."""
    delay = backoff_seconds(max(row.attempts - 1, 1))
    report.retrying += 1
    report.next_retry_in = min(report.next_retry_in or delay, delay)
    report.errors.append(error)
    lease.mark(
        row,
        state=DeliveryState.FAILED,
        attempts=F("attempts") - 1,
        send_after=timezone.now() + timedelta(seconds=delay),
        last_error=error[:2000],
    )


def _send_composed(
    lease: _Lease, rows: list[EmailDelivery], composed: dict[int, Composed], report: SendReport
) -> None:
    """Sends over one connection, opened again whenever the server closed it, so one refusal
    costs one message, not the rest of the batch. A try is spent only on a message the server
    was offered."""
    smtp = get_connection(fail_silently=False)
    opened = False
    ids = [row.pk for row in rows]
    for index, row in enumerate(rows):
        if row.pk not in lease.held(ids[index:]):
            continue  # its lease lapsed and another worker took it
        outcome = composed[row.pk]
        if outcome.message is None:
            _mark_skipped(lease, row, outcome)
            report.skipped += 1
            continue
        if not opened or _closed(smtp):
            try:
                if opened:
                    smtp.close()
                smtp.open()
                opened = True
            except Exception as exc:
                # No server to offer them to: this one and the rest wait, no try spent.
                error = _describe(exc)
                for rest in rows[index:]:
                    if composed[rest.pk].message is None:
                        _mark_skipped(lease, rest, composed[rest.pk])
                        report.skipped += 1
                    else:
                        _defer(lease, rest, error=error, report=report)
                opened = False
                break
        try:
            smtp.send_messages([outcome.message])
        except Exception as exc:
            _record_failure(
                lease, row, error=_describe(exc), permanent=_is_permanent(exc), report=report
            )
            continue
        if _mark_sent(lease, row, subject=outcome.subject):
            report.sent += 1
    if opened:
        try:
            smtp.close()
        except Exception:
            logger.info("SMTP connection did not close cleanly", exc_info=True)


def first_due(*, after: datetime | None = None, until: datetime | None = None) -> datetime | None:
    """The earliest ``send_after`` of the emails waiting to be sent (pending, or failed and
    waiting for a retry) within these bounds, or None. One read of the due index for each value
    of ``urgent``, which leads it (``send_after`` is in order only within one value): the same
    cost with a backlog of millions as with none."""
    waiting = EmailDelivery.objects.filter(state__in=DUE_STATES)
    if after is not None:
        waiting = waiting.filter(send_after__gt=after)
    if until is not None:
        waiting = waiting.filter(send_after__lte=until)
    firsts = [
        waiting.filter(urgent=urgent)
        .order_by("send_after")
        .values_list("send_after", flat=True)
        .first()
        for urgent in (True, False)
    ]
    return min((at for at in firsts if at is not None), default=None)


def _come_back_for_the_next_due(report: SendReport) -> None:
    """Nothing is due now: asks to come back when the next email falls due (a retry another
    sender scheduled, say), if that is sooner than the sweeper would notice it. Later ones are
    the sweeper's, so a quiet outbox keeps no task waiting."""
    now = timezone.now()
    horizon = now + timedelta(
        seconds=settings.EMAIL_SWEEP_SECONDS + settings.EMAIL_SWEEP_GRACE_SECONDS
    )
    due = first_due(after=now, until=horizon)
    if due is not None:
        wait = max((due - now).total_seconds(), 0.0)
        report.next_retry_in = min(report.next_retry_in or wait, wait)


# The namespace of the connection slots' advisory locks (any number not used elsewhere).
_SLOT_LOCKS = 0x6D61696C  # "mail"


@contextmanager
def _connection_slot() -> Iterator[int | None]:
    """One of ``EMAIL_MAX_CONNECTIONS`` slots, held while this sender may have an SMTP
    connection open: a session advisory lock, so the limit holds across every worker and
    process, and a sender that dies frees its slot with its database connection. None when
    every slot is taken. (SQLite runs one sender at a time anyway.)"""
    if connection.vendor != "postgresql":
        yield 0
        return
    slots = list(range(settings.EMAIL_MAX_CONNECTIONS))
    random.shuffle(slots)
    held = None
    with connection.cursor() as cursor:
        for slot in slots:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_SLOT_LOCKS, slot])
            if cursor.fetchone()[0]:
                held = slot
                break
    try:
        yield held
    finally:
        if held is not None:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_SLOT_LOCKS, held])
            except DatabaseError:
                # The connection is gone, and the lock with it.
                connection.close()


# A sender that found every connection slot taken comes back this much later, in case the
# senders holding them were about to stop.
BUSY_RETRY_SECONDS = 5.0


def send_due(*, batch_size: int | None = None, time_budget: float = 50.0) -> SendReport:
    """Sends due rows batch after batch until none is left or the time budget is spent
    (then ``more_due`` asks the caller to come back).

    A sender that claims a full batch asks for one more sender, so a backlog is sent by as
    many worker processes as are free, up to ``EMAIL_MAX_CONNECTIONS`` at once; one that
    finds every connection slot taken comes back a little later."""
    batch_size = batch_size or settings.EMAIL_BATCH_SIZE
    deadline = time.monotonic() + time_budget
    report = SendReport()
    with _connection_slot() as slot:
        if slot is None:
            report.next_retry_in = BUSY_RETRY_SECONDS
            return report
        helped = False
        while True:
            claim = claim_due(limit=batch_size)
            if not claim:
                _come_back_for_the_next_due(report)
                return report
            if len(claim.ids) == batch_size and not helped:
                schedule_another_sender()
                helped = True
            report.add(send_claimed(claim))
            if time.monotonic() >= deadline:
                report.more_due = True
                return report
