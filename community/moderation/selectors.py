"""Reads for moderators: the queue of posts waiting for them, and the audit log.

Only moderators reach these (the API answers 404 to everyone else, the admin site is staff
only), so they are not narrowed by viewer.
"""

from django.db.models import Q, QuerySet

from community.forum.models import Post, PostState
from community.forum.selectors import AUTHOR_CARD_FIELDS
from community.moderation.models import ModerationAction

# The queue's order, for keyset pagination: crisis posts first, then the longest waiting.
QUEUE_KEYS = ("is_urgent", "created_at", "id")
QUEUE_DESCENDING = (True, False, False)

# The audit log's order: newest first (index ``moderation_action_recent``).
ACTION_KEYS = ("created_at", "id")

_USER_CARD = (*AUTHOR_CARD_FIELDS, "trust_level")


def _fields(relation: str, names: tuple[str, ...]) -> list[str]:
    return [f"{relation}__{name}" for name in names]


def queue_list() -> QuerySet[Post]:
    """Posts a moderator must look at: every held post, and published posts marked urgent (a
    member may be in crisis). Urgent first, then oldest first, with author, thread and board
    joined in the same query."""
    return (
        Post.objects.filter(
            Q(state=PostState.PENDING) | Q(state=PostState.PUBLISHED, is_urgent=True)
        )
        .select_related("author", "thread__board")
        .only(
            "id",
            "thread_id",
            "author_id",
            "is_anonymous",
            "position",
            "body_html",
            "state",
            "is_urgent",
            "created_at",
            "edited_at",
            *_fields("author", _USER_CARD),
            "author__date_joined",
            "thread__id",
            "thread__title",
            "thread__state",
            "thread__board_id",
            "thread__board__id",
            "thread__board__slug",
            "thread__board__name",
        )
        .order_by("-is_urgent", "created_at", "id")
    )


def action_list() -> QuerySet[ModerationAction]:
    """The audit log, newest first, with who acted, on whom, in which thread or on which
    resource."""
    return (
        ModerationAction.objects.select_related("actor", "target_user", "thread", "resource")
        .only(
            *(f.name for f in ModerationAction._meta.concrete_fields),
            *_fields("actor", ("id", "username", "display_name", "role")),
            *_fields("target_user", ("id", "username", "display_name", "role")),
            "thread__id",
            "thread__title",
            "resource__id",
            "resource__title",
        )
        .order_by("-created_at", "-id")
    )
