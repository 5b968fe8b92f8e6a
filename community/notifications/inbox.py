"""The in-app inbox: reads narrowed to what the recipient may still see, and marking read."""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from community.forum.models import PostState
from community.forum.policies import can_view_board
from community.notifications.models import Notification


def _still_visible(*, recipient: User) -> Q:
    """A notification about a post shows only while the recipient may see that post: a post
    later hidden, withdrawn or held no longer appears (their own posts always do)."""
    if recipient.is_moderator:
        return Q()
    return (
        Q(post__isnull=True)
        | Q(post__author=recipient)
        | Q(post__state=PostState.PUBLISHED, post__thread__state=PostState.PUBLISHED)
    )


def is_still_visible(*, notification: Notification, recipient: User) -> bool:
    """The same rule as ``_still_visible``, for a notification already loaded with its post,
    thread and board (emails check it again when they are sent)."""
    post, thread = notification.post, notification.thread
    if recipient.is_moderator:
        return True
    if post is None:
        return thread is None or thread.state == PostState.PUBLISHED
    if post.author_id == recipient.pk:
        return True
    return (
        post.state == PostState.PUBLISHED
        and post.thread.state == PostState.PUBLISHED
        and can_view_board(viewer=recipient, board=post.thread.board)
    )


def notification_list_for(*, recipient: User) -> QuerySet[Notification]:
    """The recipient's notifications, newest first (keyset on id)."""
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
    not the recipient's."""
    if not Notification.objects.filter(pk=notification_id, recipient=recipient).exists():
        raise Http404
    updated = Notification.objects.filter(
        pk=notification_id, recipient=recipient, read_at__isnull=True
    ).update(read_at=timezone.now())
    return bool(updated)


def notifications_mark_all_read(*, recipient: User) -> int:
    """Marks every unread notification read; returns how many changed."""
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).update(
        read_at=timezone.now()
    )
