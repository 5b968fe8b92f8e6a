"""Recording emails in the caller's transaction: account mail, sent at once and never capped,
and the emails of new notifications, urgent ones on their own and the others coalesced by
thread or kind. Each write asks the email queue to send once the transaction commits."""

import hashlib
from datetime import datetime, timedelta
from uuid import uuid4

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from community.notifications.kinds import RULES, Delivery
from community.notifications.models import (
    DeliveryState,
    EmailCategory,
    EmailDelivery,
    Notification,
)
from community.notifications.outbox.schedule import schedule_send
from community.notifications.preferences import deliveries_for


def essential_enqueue(
    *,
    to_email: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    recipient: User | None = None,
    template: str = "",
) -> EmailDelivery:
    """Queues account mail (verification, password reset): sent at once, ahead of other mail,
    never capped, no unsubscribe header. Each call is its own event."""
    with transaction.atomic():
        row = EmailDelivery.objects.create(
            dedupe_key=f"essential:{uuid4().hex}",
            category=EmailCategory.ESSENTIAL,
            kind=template[:60],
            # A member waiting for a verification or reset link goes ahead of any backlog.
            urgent=True,
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
