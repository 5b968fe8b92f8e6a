"""Members' flags: reporting a post, the post hiding itself, and moderators resolving flags.
The flag queue is read through ``selectors.flag_queue_for``.

Every write takes the post's row lock first (then the thread's, like withdrawing does), so two
flags or two resolutions arriving together count once and write one audit row.

Crisis flags mark the post urgent instead of counting toward hiding it: whether an urgent post
stays visible while it waits is ``MODERATION_CRISIS_VISIBILITY``'s decision, and someone who
may be in crisis must not be silenced by members worried about them.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from accounts.models import TrustLevel, User
from accounts.policies import check_not_suspended
from community.forum import selectors
from community.forum.models import Post, PostState
from community.forum.policies import Viewer
from community.forum.services import counters
from community.forum.services.locks import locked_post
from community.moderation.models import Flag, FlagReason, FlagState, ModerationAction, Verb
from community.moderation.policies import STAFF_ROLES, check_can_moderate, counts_toward_hiding
from community.moderation.selectors import moderator_ids
from community.moderation.services.alerts import urgent_alert
from community.moderation.services.common import author_tell
from community.notifications.fanout import fanout_schedule, notify
from community.notifications.kinds import Kind
from config.api.errors import ApiError

RESOLUTIONS = (FlagState.UPHELD, FlagState.DISMISSED)

# The verbs that decide a post's state; the latest one says who hid a hidden post.
_STATE_VERBS = (
    Verb.APPROVE,
    Verb.REJECT,
    Verb.HIDE,
    Verb.RESTORE,
    Verb.FLAG_HIDE,
    Verb.FLAG_UPHOLD,
    Verb.FLAG_DISMISS,
)


@dataclass(frozen=True)
class FlagResult:
    flag: Flag
    # False when the member already had an open flag on the post: nothing was written.
    created: bool


@dataclass(frozen=True)
class ResolveResult:
    # False when no flag of the post was open any more: nothing was written.
    changed: bool
    resolved: int
    post: Post


# --- shared steps ------------------------------------------------------------------------------


def _unpublish(*, post: Post) -> None:
    """Takes a published post out of view; the counters change under the thread's lock."""
    counters.post_state_set(post=post, state=PostState.HIDDEN)


def _post_republish(*, post: Post) -> None:
    """Puts a hidden post back in view, counted again and told to its thread's watchers (the
    fan-out skips anyone who heard of it already)."""
    counters.post_state_set(post=post, state=PostState.PUBLISHED)
    fanout_schedule(post=post)


# --- members flag a post ---------------------------------------------------------------------


def _check_can_flag(*, flagger: User, post: Post) -> None:
    """404 for a post the member cannot see (or that is not published: there is nothing to
    report in a placeholder), 403 ``own_post`` for their own."""
    selectors.post_get_visible(viewer=flagger, post_id=post.pk)
    if post.author_id == flagger.pk:
        raise ApiError("You cannot report your own post.", code="own_post", status_code=403)
    if post.state != PostState.PUBLISHED:
        raise Http404


def _hiding_flag_count(*, post: Post) -> int:
    """Distinct established members (or moderators) with an open, non-crisis flag."""
    return (
        Flag.objects.filter(post=post, state=FlagState.OPEN)
        .exclude(reason=FlagReason.CRISIS)
        .filter(Q(flagger__trust_level=TrustLevel.ESTABLISHED) | Q(flagger__role__in=STAFF_ROLES))
        .values("flagger_id")
        .distinct()
        .count()
    )


def _mark_urgent(*, post: Post, flag: Flag) -> None:
    """A crisis flag: the post tops the queues and every moderator is alerted at once. The
    event key is the one crisis screening uses, so a post alerts moderators once."""
    counters.post_urgency_set(post=post, urgent=True)
    urgent_alert(post=post, data={"flag": flag.pk})


@transaction.atomic
def flag_create(*, flagger: Viewer, post_id: int, reason: str, note: str = "") -> FlagResult:
    """Reports a post, keeping its text as it is now. Hides the post once enough established
    members (or one moderator) flagged it; a crisis flag marks it urgent instead.

    Idempotent: a member's second flag on a post returns their open one and writes nothing.
    """
    if not isinstance(flagger, User):
        raise ApiError("Sign in to do this.", code="not_authenticated", status_code=401)
    check_not_suspended(user=flagger)
    post = locked_post(post_id=post_id)
    existing = Flag.objects.filter(post=post, flagger=flagger, state=FlagState.OPEN).first()
    if existing is not None:
        return FlagResult(flag=existing, created=False)
    _check_can_flag(flagger=flagger, post=post)

    flag = Flag.objects.create(
        post=post, flagger=flagger, reason=reason, note=note, snapshot=post.body_source
    )
    if reason == FlagReason.CRISIS:
        if not post.is_urgent:
            _mark_urgent(post=post, flag=flag)
    elif counts_toward_hiding(flagger) and (
        flagger.is_moderator
        or _hiding_flag_count(post=post) >= settings.MODERATION_FLAG_HIDE_THRESHOLD
    ):
        _unpublish(post=post)
        ModerationAction.objects.create(
            verb=Verb.FLAG_HIDE,
            actor=flagger if flagger.is_moderator else None,
            target_user_id=post.author_id,
            post=post,
            thread_id=post.thread_id,
            data={"flags": Flag.objects.filter(post=post, state=FlagState.OPEN).count()},
        )
        author_tell(post=post, board_id=post.thread.board_id, kind=Kind.POST_HIDDEN, event="hidden")
    notify(
        recipient_ids=moderator_ids(exclude=flagger.pk),
        kind=Kind.NEW_FLAG,
        event_key=f"flag:{flag.pk}",
        actor_id=flagger.pk,
        board_id=post.thread.board_id,
        thread_id=post.thread_id,
        post_id=post.pk,
        data={"flag": flag.pk, "reason": reason},
    )
    return FlagResult(flag=flag, created=True)


# --- moderators resolve flags ----------------------------------------------------------------


def _hidden_by_flags(*, post: Post) -> bool:
    """Hidden, and the last decision about its state was members' (or a moderator's) flags,
    not a moderator hiding it by hand or upholding flags."""
    if post.state != PostState.HIDDEN:
        return False
    last = (
        ModerationAction.objects.filter(post_id=post.pk, verb__in=_STATE_VERBS)
        .order_by("-id")
        .values_list("verb", flat=True)
        .first()
    )
    return last == Verb.FLAG_HIDE


@transaction.atomic
def flag_resolve(*, moderator: Viewer, post_id: int, outcome: str, note: str = "") -> ResolveResult:
    """Closes every open flag of a post. Upheld: the post stays hidden (or is hidden now).
    Dismissed: a post that flags hid is published again.

    Idempotent: with no open flag left it returns ``changed=False`` and writes nothing.
    """
    actor = check_can_moderate(viewer=moderator)
    if outcome not in RESOLUTIONS:
        raise ApiError(
            "Choose upheld or dismissed.",
            code="invalid",
            fields={"outcome": ["Choose upheld or dismissed."]},
        )
    post = locked_post(post_id=post_id)
    open_flags = Flag.objects.filter(post=post, state=FlagState.OPEN)
    flag_ids = list(open_flags.values_list("pk", flat=True))
    if not flag_ids:
        return ResolveResult(changed=False, resolved=0, post=post)

    Flag.objects.filter(pk__in=flag_ids).update(
        state=outcome, resolved_by=actor, resolved_at=timezone.now()
    )
    before = post.state
    if outcome == FlagState.UPHELD and post.state == PostState.PUBLISHED:
        _unpublish(post=post)
        author_tell(post=post, board_id=post.thread.board_id, kind=Kind.POST_HIDDEN, event="hidden")
    elif outcome == FlagState.DISMISSED and _hidden_by_flags(post=post):
        _post_republish(post=post)
    ModerationAction.objects.create(
        verb=Verb.FLAG_UPHOLD if outcome == FlagState.UPHELD else Verb.FLAG_DISMISS,
        actor=actor,
        target_user_id=post.author_id,
        post=post,
        thread_id=post.thread_id,
        reason=note,
        data={"flags": len(flag_ids), "from_state": before, "to_state": post.state},
    )
    return ResolveResult(changed=True, resolved=len(flag_ids), post=post)
