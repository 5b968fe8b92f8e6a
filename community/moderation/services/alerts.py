"""Telling moderators about a post that screening (``community.moderation.screening``) or a
crisis flag marked: the audit row of an urgent post, and the notifications. Screening itself
only matches and writes nothing; the callers that saved the post call these in the same
transaction."""

from typing import Any

from community.forum.models import Post, PostState
from community.moderation.models import ModerationAction, Verb
from community.moderation.screening import Screening
from community.moderation.selectors import moderator_ids
from community.notifications.fanout import notify
from community.notifications.kinds import Kind


def urgent_alert(*, post: Post, data: dict[str, Any]) -> None:
    """Records that ``post`` was marked urgent and alerts every moderator at once, in the app
    and by email (urgent mail is never batched or capped). Call in the transaction that set
    ``post.is_urgent``; ``data`` says why (matched phrases, or the crisis flag). Each
    moderator is notified of a post once, however often it is marked."""
    ModerationAction.objects.create(
        verb=Verb.MARK_URGENT,
        actor=None,
        target_user_id=post.author_id,
        post=post,
        thread_id=post.thread_id,
        data=data,
    )
    notify(
        recipient_ids=moderator_ids(exclude=post.author_id),
        kind=Kind.URGENT_CRISIS,
        event_key=f"post:{post.pk}:urgent",
        actor_id=post.author_id,
        board_id=post.thread.board_id,
        thread_id=post.thread_id,
        post_id=post.pk,
        data=data,
    )


def after_create(*, post: Post, screening: Screening) -> None:
    """Call in the transaction that saved ``post``: alerts moderators of an urgent post and
    tells them of a held one."""
    if screening.urgent:
        urgent_alert(post=post, data={"reasons": screening.reasons})
    elif post.state == PostState.PENDING:
        notify(
            recipient_ids=moderator_ids(exclude=post.author_id),
            kind=Kind.QUEUE_WAITING,
            event_key=f"post:{post.pk}:queued",
            actor_id=post.author_id,
            board_id=post.thread.board_id,
            thread_id=post.thread_id,
            post_id=post.pk,
        )
