"""The in-app inbox: reads narrowed to what the recipient may still see, and marking read.

Whether a member may see what a notification is about is the forum's rule
(``selectors.post_readable_filter`` for queries, ``selectors.post_pairs_readable`` for rows
already loaded), asked each time a notification is listed, counted, emailed or put in a
digest: a post hidden, withdrawn or marked urgent since it was notified leaves no trace (no
title, no author, no unread count) while the member may not open it, and shows again once
they may.
"""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from community.forum.models import Post
from community.forum.selectors import post_pairs_readable, post_readable_filter
from community.notifications.models import Notification


def _still_visible(*, recipient: User) -> Q:
    """Notifications whose post the recipient may open now (a condition in the same query).
    Notifications of no post (the library's) point at no thread either."""
    if recipient.is_moderator:
        return Q()
    readable = Post.objects.filter(pk=OuterRef("post_id")).filter(
        post_readable_filter(viewer=recipient)
    )
    return Q(post__isnull=True) | Q(Exists(readable))


def still_visible_ids(pairs: Iterable[tuple[User, Notification]]) -> set[int]:
    """The ids of these notifications whose recipient (given with each) may still open what
    it is about: the rule of the inbox, for notifications already loaded (emails and digests
    ask it when they are put together). One query for any number."""
    pairs = list(pairs)
    readable = post_pairs_readable(
        pairs=[(recipient, n.post_id) for recipient, n in pairs if n.post_id is not None]
    )
    return {
        n.pk for recipient, n in pairs if n.post_id is None or (recipient.pk, n.post_id) in readable
    }


def notification_list_for(*, recipient: User) -> QuerySet[Notification]:
    """The recipient's notifications they may still see, newest first (keyset on id)."""
    return (
        Notification.objects.filter(recipient=recipient)
        .filter(_still_visible(recipient=recipient))
        .select_related("actor", "thread", "post", "board")
        .order_by("-id")
    )


def unread_count(*, recipient: User) -> int:
    return (
        Notification.objects.filter(recipient=recipient, read_at__isnull=True)
        .filter(_still_visible(recipient=recipient))
        .count()
    )


def notification_mark_read(*, recipient: User, notification_id: int) -> bool:
    """Marks one notification read. Idempotent: False when it already was; 404 when it is
    not the recipient's or not shown to them now (the same as one that does not exist)."""
    mine = Notification.objects.filter(pk=notification_id, recipient=recipient).filter(
        _still_visible(recipient=recipient)
    )
    if not mine.exists():
        raise Http404
    updated = mine.filter(read_at__isnull=True).update(read_at=timezone.now())
    return bool(updated)


def notifications_mark_all_read(*, recipient: User) -> int:
    """Marks every unread notification the recipient sees read; returns how many changed.
    One kept out of view stays unread, to show when the member may see its post again."""
    return (
        Notification.objects.filter(recipient=recipient, read_at__isnull=True)
        .filter(_still_visible(recipient=recipient))
        .update(read_at=timezone.now())
    )
