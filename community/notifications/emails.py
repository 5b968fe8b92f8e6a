"""Puts emails together when they are sent, from the notifications that point at them.

Discreet by default: subjects never carry thread titles, board names or post text (any of them
may name a condition or a treatment), bodies hold a link instead of the post unless the member
opted in. Everything is checked again at send time: a post hidden since, a kind switched off
since, a notification already read in the app, or the daily cap, and the email shrinks or is
not sent at all.
"""

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.policy import Compat32
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart, SafeMIMEText
from django.db import connection, transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from community.forum.policies import can_see_author
from community.notifications.inbox import still_visible_ids
from community.notifications.kinds import RULES, Delivery, Kind
from community.notifications.models import (
    DeliveryState,
    EmailCategory,
    EmailDelivery,
    EmailSettings,
    Notification,
)
from community.notifications.preferences import deliveries_for
from community.notifications.unsubscribe import list_unsubscribe_headers, token_make

# The most telling kind names a mixed email.
PRIORITY = [
    Kind.URGENT_CRISIS,
    Kind.MENTION,
    Kind.REPLY_TO_MY_POST,
    Kind.POST_REJECTED,
    Kind.POST_HIDDEN,
    Kind.POST_APPROVED,
    Kind.REPLY_IN_WATCHED_THREAD,
    Kind.NEW_THREAD_IN_WATCHED_BOARD,
    Kind.NEW_FLAG,
    Kind.QUEUE_WAITING,
    Kind.RESOURCE_DECLINED,
    Kind.RESOURCE_PUBLISHED,
    Kind.RESOURCE_BROKEN,
    Kind.RESOURCE_SUGGESTED,
    Kind.RESOURCE_REVIEW_DUE,
]

# Subjects name what happened, never what it is about.
SUBJECTS: dict[str, str] = {
    Kind.REPLY_IN_WATCHED_THREAD: "New reply in a thread you follow",
    Kind.REPLY_TO_MY_POST: "Someone replied to your post",
    Kind.MENTION: "You were mentioned in a post",
    Kind.NEW_THREAD_IN_WATCHED_BOARD: "A new thread in a board you follow",
    Kind.POST_APPROVED: "Your post is now published",
    Kind.POST_REJECTED: "About your post",
    Kind.POST_HIDDEN: "Your post is hidden while a moderator looks at it",
    Kind.QUEUE_WAITING: "Posts are waiting for review",
    Kind.URGENT_CRISIS: "Urgent: a post needs a moderator now",
    Kind.NEW_FLAG: "A post was reported",
    Kind.RESOURCE_REVIEW_DUE: "Resources are due for review",
    Kind.RESOURCE_BROKEN: "A resource link is broken",
    Kind.RESOURCE_SUGGESTED: "A resource was suggested for the library",
    Kind.RESOURCE_PUBLISHED: "Your suggestion is in the library",
    Kind.RESOURCE_DECLINED: "About your suggestion for the library",
}

# One line per notification in the body; {actor} is a pseudonym or "A member".
HEADLINES: dict[str, str] = {
    Kind.REPLY_IN_WATCHED_THREAD: "{actor} replied in a thread you follow.",
    Kind.REPLY_TO_MY_POST: "{actor} replied to your post.",
    Kind.MENTION: "{actor} mentioned you in a post.",
    Kind.NEW_THREAD_IN_WATCHED_BOARD: "{actor} started a thread in a board you follow.",
    Kind.POST_APPROVED: "Your post was approved and is now published.",
    Kind.POST_REJECTED: "A moderator did not approve your post.",
    Kind.POST_HIDDEN: "Your post was hidden until a moderator has looked at it.",
    Kind.QUEUE_WAITING: "Posts are waiting for review.",
    Kind.URGENT_CRISIS: "A member may be in crisis: their post needs a moderator now.",
    Kind.NEW_FLAG: "A post was reported.",
    Kind.RESOURCE_REVIEW_DUE: "A resource is due for review.",
    Kind.RESOURCE_BROKEN: "A resource link is broken.",
    Kind.RESOURCE_SUGGESTED: "A member suggested a resource for the library.",
    Kind.RESOURCE_PUBLISHED: "A curator added the resource you suggested to the library.",
    Kind.RESOURCE_DECLINED: "A curator did not add the resource you suggested.",
}

EXCERPT_CHARS = 600


@dataclass
class Item:
    kind: str
    headline: str
    url: str
    title: str = ""
    excerpt_text: str = ""
    excerpt_html: str = ""
    reason: str = ""


class _Headers(Compat32):
    """The standard library's way of writing headers (``compat32``, Django's), with a short cut
    for a header that needs no folding or encoding: plain ASCII on one line that fits. The
    standard way gives it back unchanged, after splitting and measuring it, a quarter of a
    millisecond an email in a worker sending thousands."""

    def _unchanged(self, name: str, value: Any) -> str | None:
        if (
            isinstance(value, str)
            and value.isascii()
            and len(name) + 2 + len(value) <= (self.max_line_length or 78)
            and value == " ".join(value.split())
        ):
            return f"{name}: {value}{self.linesep}"
        return None

    def fold(self, name: str, value: Any) -> str:
        return self._unchanged(name, value) or super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        line = self._unchanged(name, value)
        return line.encode("ascii") if line is not None else super().fold_binary(name, value)


_HEADERS = _Headers()


class _Email(EmailMultiAlternatives):
    """Django's email, made cheaper to write out: its MIME boundaries are chosen as it is built
    (a random token no text can hold; left to itself, the standard library checks each
    boundary against the whole text with a pattern compiled afresh for every email) and its
    headers are written by ``_Headers``."""

    def message(self) -> SafeMIMEMultipart | SafeMIMEText:
        built = super().message()
        for part in built.walk():
            part.policy = _HEADERS
            if part.is_multipart() and part.get_boundary() is None:
                part.set_boundary(f"=={secrets.token_hex(16)}==")
        return built


@dataclass
class Composed:
    message: EmailMessage | None
    subject: str = ""
    skip_reason: str = ""


def _domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _subject(text: str) -> str:
    return f"[{settings.COMMUNITY_NAME}] {text}"


def message_id(row: EmailDelivery) -> str:
    """Stable per row, so a resend after a crash carries the same id (receivers may drop it)."""
    return f"<email.{row.pk}@{_domain()}>"


def thread_reference(thread_id: int) -> str:
    return f"<thread.{thread_id}@{_domain()}>"


def _base_headers(row: EmailDelivery) -> dict[str, str]:
    headers = {"Message-ID": message_id(row), "Auto-Submitted": "auto-generated"}
    if row.thread_id is not None:
        # Mail clients group every email about one thread under one conversation.
        headers["In-Reply-To"] = thread_reference(row.thread_id)
        headers["References"] = thread_reference(row.thread_id)
    return headers


def _item(notification: Notification, *, recipient: User, with_text: bool) -> Item:
    post, thread = notification.post, notification.thread
    actor = "A member"
    if (
        post is not None
        and notification.actor is not None
        and can_see_author(viewer=recipient, post=post)
    ):
        actor = notification.actor.username
    urls = settings.FRONTEND_URLS
    if post is not None:
        url = urls["post"].format(thread_id=post.thread_id, position=post.position)
    elif thread is not None:
        url = urls["thread"].format(thread_id=thread.pk)
    else:
        url = str(notification.data.get("url") or urls["notification_settings"])
    item = Item(
        kind=notification.kind,
        headline=HEADLINES[notification.kind].format(actor=actor),
        url=url,
        reason=str(notification.data.get("reason", "")),
    )
    if with_text:
        if thread is not None:
            item.title = thread.title
        if post is not None:
            source = post.body_source
            item.excerpt_text = (
                source if len(source) <= EXCERPT_CHARS else source[:EXCERPT_CHARS].rstrip() + "…"
            )
            item.excerpt_html = post.body_html
    return item


def _primary_kind(items: list[Item]) -> str:
    kinds = {item.kind for item in items}
    return next(kind for kind in PRIORITY if kind in kinds)


def _essential(row: EmailDelivery) -> Composed:
    message = _Email(
        subject=row.subject,
        body=row.body_text,
        to=[row.to_email],
        headers=_base_headers(row),
    )
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    return Composed(message=message, subject=row.subject)


def compose_batch(rows: list[EmailDelivery]) -> dict[int, Composed]:
    """Every claimed row's email, or why it is not sent. A fixed number of queries for the
    whole batch, whatever its size."""
    now = timezone.now()
    result: dict[int, Composed] = {}
    others = [row for row in rows if row.category != EmailCategory.ESSENTIAL]
    for row in rows:
        if row.category == EmailCategory.ESSENTIAL:
            result[row.pk] = _essential(row)
    if not others:
        return result

    grouped: dict[int, list[Notification]] = defaultdict(list)
    for notification in (
        Notification.objects.filter(email_id__in=[row.pk for row in others])
        .select_related("actor", "post", "thread")
        .order_by("id")
    ):
        grouped[notification.email_id or 0].append(notification)
    user_ids = {row.recipient_id for row in others if row.recipient_id is not None}
    wanted = deliveries_for(
        user_ids=user_ids, kinds={n.kind for group in grouped.values() for n in group}
    )
    # What each recipient may open now (a post hidden or marked urgent since is left out).
    visible = still_visible_ids(
        (row.recipient, n)
        for row in others
        if row.recipient is not None
        for n in grouped.get(row.pk, [])
    )
    with_text = set(
        EmailSettings.objects.filter(user_id__in=user_ids, include_post_text=True).values_list(
            "user_id", flat=True
        )
    )
    kept_by_row: dict[int, tuple[User, list[Notification]]] = {}
    for row in others:
        recipient = row.recipient
        if recipient is None or not recipient.is_active:
            result[row.pk] = Composed(message=None, skip_reason="The account is closed.")
            continue
        expected = Delivery.NOW if row.category == EmailCategory.NOTIFICATION else row.kind
        kept = [
            n
            for n in grouped.get(row.pk, [])
            if wanted.get((recipient.pk, n.kind)) == expected
            and (RULES[n.kind].urgent or n.read_at is None)
            and n.pk in visible
        ]
        if not kept:
            result[row.pk] = Composed(
                message=None,
                skip_reason="Nothing left to tell: read in the app, no longer visible, "
                "or switched off since.",
            )
            continue
        kept_by_row[row.pk] = (recipient, kept)

    admitted = _admit_within_cap(
        [row for row in others if row.pk in kept_by_row and not row.urgent], now=now
    )
    for row in others:
        if row.pk not in kept_by_row:
            continue
        recipient, kept = kept_by_row[row.pk]
        if not row.urgent and row.pk not in admitted:
            result[row.pk] = Composed(
                message=None,
                skip_reason=f"Daily limit of {settings.EMAIL_DAILY_CAP} emails reached; "
                "the notifications are in the app.",
            )
            continue
        result[row.pk] = _compose(
            row,
            recipient=recipient,
            notifications=kept,
            text=recipient.pk in with_text,
        )
    return result


# The namespace of the daily cap's advisory locks, one per member (any number not used
# elsewhere).
_CAP_LOCKS = 0x63617073  # "caps"


def _admit_within_cap(rows: list[EmailDelivery], *, now: datetime) -> set[int]:
    """Which of these capped emails may go: each member gets at most ``EMAIL_DAILY_CAP`` in any
    24 hours, counting what was sent and what other senders let go and are sending now.

    Members are locked (a transaction advisory lock each, in a fixed order), counted and their
    admitted emails stamped in one transaction, so two senders composing at once for the same
    member count each other's emails. A fixed number of queries whatever the batch."""
    if not rows:
        return set()
    members = sorted({row.recipient_id for row in rows if row.recipient_id is not None})
    batch = [row.pk for row in rows]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(pg_advisory_xact_lock(%s, member)) FROM unnest(%s) AS member",
                    [_CAP_LOCKS, members],
                )
        counted = dict(
            EmailDelivery.objects.filter(recipient_id__in=members, urgent=False)
            .filter(
                Q(state=DeliveryState.SENT, sent_at__gte=now - timedelta(days=1))
                | Q(state=DeliveryState.SENDING, admitted_at__isnull=False)
            )
            .exclude(category=EmailCategory.ESSENTIAL)
            .exclude(pk__in=batch)
            .values("recipient_id")
            .annotate(n=Count("id"))
            .values_list("recipient_id", "n")
        )
        admitted = set()
        for row in sorted(rows, key=lambda row: (row.send_after, row.pk)):
            member = row.recipient_id or 0
            count = counted.get(member, 0)
            if count < settings.EMAIL_DAILY_CAP:
                admitted.add(row.pk)
                counted[member] = count + 1
        EmailDelivery.objects.filter(pk__in=admitted).update(admitted_at=now)
    return admitted


def _compose(
    row: EmailDelivery, *, recipient: User, notifications: list[Notification], text: bool
) -> Composed:
    items = [_item(n, recipient=recipient, with_text=text) for n in notifications]
    if row.category == EmailCategory.DIGEST:
        period = "daily" if row.kind == Delivery.DAILY else "weekly"
        subject = _subject(f"Your {period} summary ({len(items)} new)")
        template = "notifications/email/digest"
    else:
        primary = _primary_kind(items)
        if len(items) == 1 or primary == Kind.URGENT_CRISIS:
            subject = _subject(SUBJECTS[primary])
        elif row.thread_id is not None:
            subject = _subject(f"{len(items)} new posts in a thread you follow")
        else:
            subject = _subject(f"{SUBJECTS[primary]} ({len(items)})")
        template = "notifications/email/notification"
    headers = _base_headers(row)
    unsubscribe = ""
    if not row.urgent:
        token = token_make(user_id=recipient.pk, kinds=sorted({item.kind for item in items}))
        headers.update(list_unsubscribe_headers(token))
        unsubscribe = headers["List-Unsubscribe"].split(">", 1)[0].lstrip("<")
    context = {
        "community_name": settings.COMMUNITY_NAME,
        "recipient": recipient,
        "items": items,
        "thread_url": (
            settings.FRONTEND_URLS["thread"].format(thread_id=row.thread_id)
            if row.thread_id is not None
            else ""
        ),
        "settings_url": settings.FRONTEND_URLS["notification_settings"],
        "unsubscribe_url": unsubscribe,
        "with_text": text,
        "period": row.kind,
    }
    message = _Email(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        to=[row.to_email],
        headers=headers,
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return Composed(message=message, subject=subject)
