"""Subscriptions (watching, normal, muted) and how far members have read."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from community.forum import policies, unread_cache
from community.forum.models import Board, BoardReadMark, ReadState, Subscription, Thread


def subscription_set(
    *, user: User, level: str, thread: Thread | None = None, board: Board | None = None
) -> Subscription:
    """Sets how the member follows one thread or one board. Setting the same level again
    changes nothing."""
    subscription, _ = Subscription.objects.update_or_create(
        user=user, thread=thread, board=board, defaults={"level": level}
    )
    return subscription


def thread_mark_read(*, user: User, thread: Thread, position: int) -> int:
    """Moves the member's read marker forward to ``position`` (never back, never past the last
    published post they may see, so a post approved or cleared later still counts as unread).
    Returns the position now stored."""
    shown_to_end: int = getattr(thread, policies.tally_for(viewer=user).last_position)
    position = max(0, min(position, shown_to_end))
    unread_cache.forget(user_id=user.pk)
    updated = ReadState.objects.filter(
        user=user, thread=thread, last_read_position__lt=position
    ).update(last_read_position=position, updated_at=timezone.now())
    if not updated:
        try:
            with transaction.atomic():
                state, _ = ReadState.objects.get_or_create(
                    user=user, thread=thread, defaults={"last_read_position": position}
                )
        except IntegrityError:
            state = ReadState.objects.get(user=user, thread=thread)
        return state.last_read_position
    return position


def board_mark_read(*, user: User, board: Board) -> BoardReadMark:
    """Everything posted in the board until now counts as read for this member."""
    unread_cache.forget(user_id=user.pk)
    mark, _ = BoardReadMark.objects.update_or_create(
        user=user, board=board, defaults={"read_at": timezone.now()}
    )
    return mark
