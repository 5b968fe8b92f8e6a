"""The email outbox: rows written with their event, claimed, sent, retried and swept.

Delivery is at least once and never silently lost:

- a row is written in the same transaction as what it tells of, and a send task is enqueued
  when that transaction commits;
- the ``email`` queue claims due rows with ``SELECT ... FOR UPDATE SKIP LOCKED`` and marks
  them ``sending`` in one short transaction, then sends them outside any transaction over one
  SMTP connection per batch, marking each row ``sent`` the moment the server accepts it;
- transient failures (SMTP 4xx, refused connections, timeouts) come back later with
  exponential backoff and jitter, permanent ones (5xx) are ``dead`` at once, and so is a row
  after its last try; the error is kept;
- the beat sweeper frees rows left ``sending`` by a worker that died and re-enqueues what is
  due, so a broker that lost its messages (Redis restarted) delays mail but does not lose it.
"""

import hashlib
import logging
import random
import smtplib
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import uuid4

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from community.notifications.emails import Composed, compose_batch
from community.notifications.kinds import RULES, Delivery
from community.notifications.models import (
    DeliveryState,
    EmailCategory,
    EmailDelivery,
    Notification,
    PendingFanout,
)
from community.notifications.preferences import deliveries_for

logger = logging.getLogger(__name__)

DUE_STATES = (DeliveryState.PENDING, DeliveryState.FAILED)


def schedule_send(*, countdown: float = 0) -> None:
    """Asks the email queue to send what is due once the current transaction commits."""
    from community.notifications.tasks import send_due_task

    if countdown > 0:
        transaction.on_commit(lambda: send_due_task.apply_async(countdown=countdown))
    else:
        transaction.on_commit(send_due_task.delay)


# --- Writing rows ---------------------------------------------------------------------------


def essential_enqueue(
    *,
    to_email: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    recipient: User | None = None,
    template: str = "",
) -> EmailDelivery:
    """Queues account mail (verification, password reset): sent at once, never capped, no
    unsubscribe header. Each call is its own event."""
    with transaction.atomic():
        row = EmailDelivery.objects.create(
            dedupe_key=f"essential:{uuid4().hex}",
            category=EmailCategory.ESSENTIAL,
            kind=template[:60],
            recipient=recipient,
            to_email=to_email,
            subject=subject[:255],
            body_text=body_text,
            body_html=body_html,
        )
        schedule_send()
    return row


def coalesce_key_for(notification: Notification) -> str:
    if notification.thread_id is not None:
        return f"thread:{notification.thread_id}"
    return f"kind:{notification.kind}"


def attach_emails(
    notifications: list[Notification], *, event_key: str, now: datetime | None = None
) -> None:
    """Decides which of these new notifications are emailed at once and points each at its
    email row (``notification.email``), creating rows as needed. Call inside the transaction
    that saves the notifications, before saving them.

    Urgent kinds get a row each, due now. Others join the recipient's email still pending for
    the same thread (or kind) or open one due at the end of the coalescing window, so a burst
    of replies is one email. Digest and in-app-only choices get no row here.
    """
    if not notifications:
        return
    now = now or timezone.now()
    user_ids = {n.recipient_id for n in notifications}
    wanted = deliveries_for(user_ids=user_ids, kinds={n.kind for n in notifications})
    addresses = dict(
        User.objects.filter(pk__in=user_ids, is_active=True)
        .exclude(email="")
        .values_list("pk", "email")
    )
    now_ones = [
        n
        for n in notifications
        if n.recipient_id in addresses and wanted[(n.recipient_id, n.kind)] == Delivery.NOW
    ]
    urgent = [n for n in now_ones if RULES[n.kind].urgent]
    coalesced = [n for n in now_ones if not RULES[n.kind].urgent]

    if urgent:
        rows = [
            EmailDelivery(
                dedupe_key=f"{event_key}:{n.kind}:{n.recipient_id}",
                category=EmailCategory.NOTIFICATION,
                kind=n.kind,
                urgent=True,
                recipient_id=n.recipient_id,
                to_email=addresses[n.recipient_id],
                thread_id=n.thread_id,
                send_after=now,
            )
            for n in urgent
        ]
        EmailDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        ids = dict(
            EmailDelivery.objects.filter(dedupe_key__in=[r.dedupe_key for r in rows]).values_list(
                "dedupe_key", "pk"
            )
        )
        for n, row in zip(urgent, rows, strict=True):
            n.email_id = ids.get(row.dedupe_key)
        schedule_send()

    if coalesced:
        _attach_coalesced(coalesced, addresses=addresses, event_key=event_key, now=now)


def _open_rows(*, pairs: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """The pending rows for these (recipient, coalesce key) pairs, locked so that no worker
    claims them until our notifications are attached (claims skip locked rows)."""
    found = (
        EmailDelivery.objects.select_for_update()
        .filter(
            state=DeliveryState.PENDING,
            recipient_id__in={user_id for user_id, _ in pairs},
            coalesce_key__in={key for _, key in pairs},
        )
        .order_by("pk")
        .values_list("recipient_id", "coalesce_key", "pk")
    )
    return {
        (user_id, key): pk
        for user_id, key, pk in found
        if user_id is not None and (user_id, key) in pairs
    }


def _lock_keys(keys: set[str]) -> None:
    """Serialises concurrent fan-outs that may open the same recipients' emails (replies to
    one thread): without it two would wait on each other's new rows and deadlock. A
    transaction-scoped advisory lock per coalescing key, taken in a fixed order. (SQLite
    writes one transaction at a time anyway.)"""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted(keys):
            digest = hashlib.blake2b(f"email:{key}".encode(), digest_size=8).digest()
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)]
            )


def _attach_coalesced(
    notifications: list[Notification], *, addresses: dict[int, str], event_key: str, now: datetime
) -> None:
    window = timedelta(seconds=settings.EMAIL_COALESCE_SECONDS)
    by_pair = {(n.recipient_id, coalesce_key_for(n)): n for n in notifications}
    _lock_keys({key for _, key in by_pair})
    open_rows = _open_rows(pairs=set(by_pair))
    # A worker may claim an open row between our insert and our read; a second round opens a
    # new one for those pairs.
    for _ in range(3):
        missing = [pair for pair in by_pair if pair not in open_rows]
        if not missing:
            break
        EmailDelivery.objects.bulk_create(
            [
                EmailDelivery(
                    dedupe_key=f"{event_key}:{by_pair[pair].kind}:{pair[0]}",
                    category=EmailCategory.NOTIFICATION,
                    kind=by_pair[pair].kind,
                    recipient_id=pair[0],
                    to_email=addresses[pair[0]],
                    thread_id=by_pair[pair].thread_id,
                    coalesce_key=pair[1],
                    send_after=now + window,
                )
                for pair in missing
            ],
            ignore_conflicts=True,
        )
        open_rows.update(_open_rows(pairs=set(missing)))
    for pair, notification in by_pair.items():
        notification.email_id = open_rows.get(pair)
    schedule_send(countdown=window.total_seconds())


# --- Claiming and sending -------------------------------------------------------------------


def claim_due(*, limit: int, now: datetime | None = None) -> list[int]:
    """Marks up to ``limit`` due rows ``sending`` and returns their ids. Rows another worker
    holds are skipped, so two workers never claim the same row."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            EmailDelivery.objects.select_for_update(skip_locked=True)
            .filter(state__in=DUE_STATES, send_after__lte=now)
            .order_by("send_after", "id")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            EmailDelivery.objects.filter(pk__in=ids).update(
                state=DeliveryState.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
    return ids


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


def _is_connection_lost(exc: BaseException) -> bool:
    """No server to talk to (refused, dropped, timed out), as opposed to an answer about one
    message. (smtplib's errors are OSErrors too.)"""
    if isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError)):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


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
    """Exponential backoff with jitter: half the step fixed, half random ("equal jitter")."""
    step = min(
        settings.EMAIL_RETRY_MAX_SECONDS, settings.EMAIL_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    )
    return step / 2 + random.uniform(0, step / 2)  # noqa: S311 - jitter, not a secret


def _record_failure(row: EmailDelivery, *, error: str, permanent: bool, report: SendReport) -> None:
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
    EmailDelivery.objects.filter(pk=row.pk, state=DeliveryState.SENDING).update(
        claimed_at=None, last_error=error[:2000], updated_at=now, **changes
    )


def _mark_sent(row: EmailDelivery, *, subject: str) -> None:
    """Records the server's acceptance at once, one row at a time: a worker killed mid-batch
    leaves only the email it was sending to be sent again."""
    now = timezone.now()
    EmailDelivery.objects.filter(pk=row.pk, state=DeliveryState.SENDING).update(
        state=DeliveryState.SENT,
        sent_at=now,
        claimed_at=None,
        subject=subject[:255],
        last_error="",
        updated_at=now,
    )


@contextmanager
def _commits_without_waiting_for_disk() -> Iterator[None]:
    """While sending, commits do not wait for the disk (``synchronous_commit`` off for this
    session). A worker that dies still leaves every commit it made; only a crash of the
    database server itself within a fraction of a second could forget a "sent" mark, and then
    an email goes twice rather than never."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def send_claimed(ids: Iterable[int]) -> SendReport:
    """Sends claimed rows over one SMTP connection. Never inside a transaction: each row is
    marked the moment its outcome is known, so a worker killed mid-batch leaves only the row
    it was sending to be sent again."""
    report = SendReport()
    rows = list(
        EmailDelivery.objects.filter(pk__in=list(ids), state=DeliveryState.SENDING)
        .select_related("recipient", "thread")
        .order_by("send_after", "id")
    )
    if not rows:
        return report
    composed = compose_batch(rows)
    with _commits_without_waiting_for_disk():
        _send_composed(rows, composed, report)
    return report


def _send_composed(
    rows: list[EmailDelivery], composed: dict[int, Composed], report: SendReport
) -> None:
    smtp = get_connection(fail_silently=False)
    opened = False
    for index, row in enumerate(rows):
        outcome = composed[row.pk]
        if outcome.message is None:
            EmailDelivery.objects.filter(pk=row.pk, state=DeliveryState.SENDING).update(
                state=DeliveryState.SKIPPED,
                claimed_at=None,
                subject=outcome.subject[:255],
                last_error=outcome.skip_reason,
                updated_at=timezone.now(),
            )
            report.skipped += 1
            continue
        try:
            if not opened:
                smtp.open()
                opened = True
            smtp.send_messages([outcome.message])
        except Exception as exc:
            error = _describe(exc)
            _record_failure(row, error=error, permanent=_is_permanent(exc), report=report)
            if _is_connection_lost(exc):
                # The server is gone: the rest of the batch waits for its retry too.
                for rest in rows[index + 1 :]:
                    if composed[rest.pk].message is not None:
                        _record_failure(rest, error=error, permanent=False, report=report)
                    else:
                        EmailDelivery.objects.filter(pk=rest.pk).update(
                            state=DeliveryState.SKIPPED,
                            claimed_at=None,
                            last_error=composed[rest.pk].skip_reason,
                        )
                        report.skipped += 1
                break
            continue
        _mark_sent(row, subject=outcome.subject)
        report.sent += 1
    if opened:
        try:
            smtp.close()
        except Exception:
            logger.info("SMTP connection did not close cleanly", exc_info=True)


def send_due(*, batch_size: int | None = None, time_budget: float = 50.0) -> SendReport:
    """Sends due rows batch after batch until none is left or the time budget is spent
    (then ``more_due`` asks the caller to come back)."""
    batch_size = batch_size or settings.EMAIL_BATCH_SIZE
    deadline = time.monotonic() + time_budget
    report = SendReport()
    while True:
        ids = claim_due(limit=batch_size)
        if not ids:
            return report
        report.add(send_claimed(ids))
        if time.monotonic() >= deadline:
            report.more_due = True
            return report


# --- Sweeping and operators' verbs ----------------------------------------------------------


@dataclass
class SweepReport:
    freed: int
    given_up: int
    due: int
    fanouts: list[int]


def outbox_sweep(*, now: datetime | None = None) -> SweepReport:
    """Frees rows stuck in ``sending`` past the timeout (their worker died), counts rows due
    for longer than the grace (their message was lost) and lists published posts whose
    notifications were never made. The task re-enqueues the work."""
    now = now or timezone.now()
    stuck_before = now - timedelta(seconds=settings.EMAIL_SENDING_TIMEOUT_SECONDS)
    stuck = EmailDelivery.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=stuck_before)
    given_up = stuck.filter(attempts__gte=settings.EMAIL_MAX_ATTEMPTS).update(
        state=DeliveryState.DEAD,
        claimed_at=None,
        last_error="The worker sending it stopped, on every try.",
        updated_at=now,
    )
    # A freed row takes no new notifications (the member may have a newer open email about the
    # same thread, and only one may be open).
    freed = stuck.update(
        state=DeliveryState.PENDING, claimed_at=None, coalesce_key="", updated_at=now
    )
    grace = now - timedelta(seconds=settings.EMAIL_SWEEP_GRACE_SECONDS)
    due = EmailDelivery.objects.filter(state__in=DUE_STATES, send_after__lte=grace).count()
    fanouts = list(
        PendingFanout.objects.filter(created_at__lte=grace)
        .order_by("created_at")
        .values_list("post_id", flat=True)[:1000]
    )
    return SweepReport(freed=freed, given_up=given_up, due=due, fanouts=fanouts)


def deliveries_retry(*, ids: Iterable[int]) -> int:
    """Gives dead rows another full set of tries, due now. Returns how many were revived;
    rows in any other state are left alone."""
    with transaction.atomic():
        revived = EmailDelivery.objects.filter(pk__in=list(ids), state=DeliveryState.DEAD).update(
            state=DeliveryState.PENDING,
            attempts=0,
            coalesce_key="",
            send_after=timezone.now(),
            claimed_at=None,
            updated_at=timezone.now(),
        )
        if revived:
            schedule_send()
    return revived
