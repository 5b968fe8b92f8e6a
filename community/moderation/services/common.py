"""What every moderator verb shares: the result type, input checks, the member's row lock, the
audit row and telling an author. Who may act is ``policies.check_can_moderate``; the forum's
rows are locked by ``community.forum.services.locks``."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.http import Http404
from django.utils import timezone

from accounts.models import User
from community.forum.models import Post
from community.moderation.models import ModerationAction
from community.notifications.fanout import notify
from config.api.errors import ApiError

REASON_MAX_LENGTH = 1000

T = TypeVar("T")


@dataclass(frozen=True)
class Result(Generic[T]):
    """What a verb acted on, as it is now, and whether this call changed it."""

    obj: T
    changed: bool


# --- shared checks and helpers -----------------------------------------------------------------


def invalid(field: str, message: str) -> ApiError:
    return ApiError(message, code="invalid", fields={field: [message]})


def clean_reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise invalid("reason", "Give a reason: the member will read it.")
    if len(reason) > REASON_MAX_LENGTH:
        raise invalid("reason", f"Keep the reason to {REASON_MAX_LENGTH} characters or fewer.")
    return reason


def future(value: datetime, *, field: str) -> datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value <= timezone.now():
        # Well formed, but already past: 422 (the schema cannot know the time).
        message = "Choose a date and time in the future."
        raise ApiError(message, code="invalid", status_code=422, fields={field: [message]})
    return value


def author_tell(
    *, post: Post, board_id: int, kind: str, event: str, data: dict[str, Any] | None = None
) -> None:
    """Tells a post's author what moderation did to it, without naming the moderator. Once
    per post and event."""
    notify(
        recipient_ids=[post.author_id],
        kind=kind,
        event_key=f"post:{post.pk}:{event}",
        board_id=board_id,
        thread_id=post.thread_id,
        post_id=post.pk,
        data=data,
    )


def log_action(*, actor: User | None, verb: str, **fields: Any) -> ModerationAction:
    return ModerationAction.objects.create(actor=actor, verb=verb, **fields)


def locked_member(*, user_id: int) -> User:
    """The member's row, locked: taken after any forum row the verb locks."""
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise Http404
    return user


def wrong_state(message: str, *, code: str) -> ApiError:
    return ApiError(message, code=code, status_code=403)
