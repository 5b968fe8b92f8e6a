"""Claiming due rows, composing them at send time and sending them over SMTP, marking each
one sent, skipped, failed (to come back with backoff) or dead."""

import logging
import random
import smtplib
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from community.notifications.emails import Composed, compose_batch
from community.notifications.models import DeliveryState, EmailDelivery

logger = logging.getLogger(__name__)

DUE_STATES = (DeliveryState.PENDING, DeliveryState.FAILED)


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
