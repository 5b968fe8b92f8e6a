"""Reads for moderation: the queue of posts waiting for moderators, the audit log, the flag
queue, and the moderators to alert.

Only moderators reach the queue and the log (the API answers 404 to everyone else, the admin
site is staff only), so they are not narrowed by viewer; the flag queue checks its viewer
itself.
"""

from collections import Counter
from typing import Any

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from accounts.models import User
from community.forum.models import Post, PostState
from community.forum.policies import Viewer
from community.forum.selectors import AUTHOR_CARD_FIELDS
from community.moderation.models import Flag, FlagReason, FlagState, ModerationAction, Verb
from community.moderation.policies import STAFF_ROLES, Page, check_can_moderate

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


# Verbs that take a post out of view with a reason its author may read.
DECISIONS = (Verb.REJECT, Verb.HIDE, Verb.FLAG_HIDE)


def _latest_reasons(*, key: str, **where: Any) -> dict[int, str]:
    """The reason of the latest decision per ``key``; blank reasons left out."""
    rows = (
        ModerationAction.objects.filter(verb__in=DECISIONS, **where)
        .order_by(key, "-created_at", "-id")
        .values_list(key, "reason")
    )
    reasons: dict[int, str] = {}
    for found, reason in rows:
        reasons.setdefault(found, reason)
    return {found: reason for found, reason in reasons.items() if reason}


def decision_reasons(*, post_ids: list[int]) -> dict[int, str]:
    """The reason of the latest decision that took each post out of view (rejected or
    hidden), by post id; a post with no reason given is left out. One query; none when
    ``post_ids`` is empty."""
    return _latest_reasons(key="post_id", post_id__in=post_ids) if post_ids else {}


def opening_decision_reasons(*, thread_ids: list[int]) -> dict[int, str]:
    """The same for threads, by thread id: the reasons given for their opening posts."""
    if not thread_ids:
        return {}
    return _latest_reasons(key="post__thread_id", post__thread_id__in=thread_ids, post__position=1)


# --- the flag queue --------------------------------------------------------------------------


def _open_flags_of_post() -> QuerySet[Flag]:
    return Flag.objects.filter(post_id=OuterRef("pk"), state=FlagState.OPEN)


def flag_queue_for(*, viewer: Viewer) -> QuerySet[Post]:
    """Posts with open flags for moderators: urgent or crisis-flagged ones first, then the one
    waiting longest. Each carries its open flags (``open_flag_list``, one query per page).

    Ordered for keyset pagination on (queue_rank, first_flagged_at, id), all ascending.
    """
    check_can_moderate(viewer=viewer, reading=Page.FLAGS)
    crisis = _open_flags_of_post().filter(reason=FlagReason.CRISIS)
    return (
        Post.objects.filter(Exists(_open_flags_of_post()))
        .annotate(
            queue_rank=Case(
                When(is_urgent=True, then=Value(0)),
                When(Exists(crisis), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            first_flagged_at=Subquery(
                _open_flags_of_post().order_by("created_at").values("created_at")[:1]
            ),
        )
        .select_related("author", "thread__board")
        .prefetch_related(
            Prefetch(
                "flags",
                queryset=Flag.objects.filter(state=FlagState.OPEN)
                .select_related("flagger")
                .order_by("created_at", "id"),
                to_attr="open_flag_list",
            )
        )
        .order_by("queue_rank", "first_flagged_at", "id")
    )


def reason_counts(flags: list[Flag]) -> dict[str, int]:
    """How many open flags give each reason (every reason present, zero when none)."""
    counted = Counter(flag.reason for flag in flags)
    return {reason: counted.get(reason, 0) for reason in FlagReason.values}


# --- whom to alert ---------------------------------------------------------------------------


def moderator_ids(*, exclude: int | None = None) -> list[int]:
    """Active moderators and admins who are not suspended (one query)."""
    staff = User.objects.filter(role__in=STAFF_ROLES, is_active=True).exclude(
        Q(suspended_until__gt=timezone.now())
    )
    if exclude is not None:
        staff = staff.exclude(pk=exclude)
    return list(staff.values_list("pk", flat=True))
