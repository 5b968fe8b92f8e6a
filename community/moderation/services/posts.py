"""Moderator verbs on posts: approve, reject, hide, restore, clear the crisis mark."""

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from community.forum.models import Post, PostState
from community.forum.services import counters
from community.forum.services.locks import locked_post, locked_thread
from community.moderation.models import Flag, FlagState, ModerationAction, Verb
from community.moderation.policies import check_can_moderate
from community.moderation.services.common import (
    Result,
    author_tell,
    clean_reason,
    log_action,
    wrong_state,
)
from community.moderation.services.members import trust_maybe_promote
from community.notifications.fanout import fanout_schedule
from community.notifications.kinds import Kind


@transaction.atomic
def post_approve(*, moderator: User | AnonymousUser, post_id: int) -> Result[Post]:
    """Publishes a held post: counted, its watchers told, its author told (and made established
    when they have earned it). Idempotent: approving a published post changes nothing."""
    actor = check_can_moderate(viewer=moderator)
    post = locked_post(post_id=post_id)
    if post.state == PostState.PUBLISHED:
        return Result(post, changed=False)
    if post.state != PostState.PENDING:
        raise wrong_state("Only a post waiting for approval can be approved.", code="not_pending")
    thread = locked_thread(thread_id=post.thread_id)
    counters.post_state_set(post=post, state=PostState.PUBLISHED, thread=thread)
    fanout_schedule(post=post)
    log_action(
        actor=actor, verb=Verb.APPROVE, post=post, thread=thread, target_user_id=post.author_id
    )
    author_tell(post=post, board_id=thread.board_id, kind=Kind.POST_APPROVED, event="approved")
    trust_maybe_promote(user=post.author)
    return Result(post, changed=True)


@transaction.atomic
def post_reject(*, moderator: User | AnonymousUser, post_id: int, reason: str) -> Result[Post]:
    """Declines a held post with a reason its author is sent; they still see the post, nobody
    else ever does. Idempotent: rejecting a rejected post changes nothing."""
    actor = check_can_moderate(viewer=moderator)
    reason = clean_reason(reason, required=True)
    post = locked_post(post_id=post_id)
    if post.state == PostState.REJECTED:
        return Result(post, changed=False)
    if post.state != PostState.PENDING:
        raise wrong_state("Only a post waiting for approval can be rejected.", code="not_pending")
    thread = locked_thread(thread_id=post.thread_id)
    counters.post_state_set(post=post, state=PostState.REJECTED, thread=thread)
    log_action(
        actor=actor,
        verb=Verb.REJECT,
        post=post,
        thread=thread,
        target_user_id=post.author_id,
        reason=reason,
    )
    author_tell(
        post=post,
        board_id=thread.board_id,
        kind=Kind.POST_REJECTED,
        event="rejected",
        data={"reason": reason},
    )
    return Result(post, changed=True)


@transaction.atomic
def post_hide(*, moderator: User | AnonymousUser, post_id: int, reason: str = "") -> Result[Post]:
    """Takes a published post out of view (never deleted: moderators hide, they do not erase)
    and tells its author. Idempotent: hiding a hidden post changes nothing."""
    actor = check_can_moderate(viewer=moderator)
    reason = clean_reason(reason, required=False)
    post = locked_post(post_id=post_id)
    if post.state == PostState.HIDDEN:
        return Result(post, changed=False)
    if post.state != PostState.PUBLISHED:
        raise wrong_state("Only a published post can be hidden.", code="not_published")
    thread = locked_thread(thread_id=post.thread_id)
    counters.post_state_set(post=post, state=PostState.HIDDEN, thread=thread)
    log_action(
        actor=actor,
        verb=Verb.HIDE,
        post=post,
        thread=thread,
        target_user_id=post.author_id,
        reason=reason,
    )
    author_tell(
        post=post,
        board_id=thread.board_id,
        kind=Kind.POST_HIDDEN,
        event="hidden",
        data={"reason": reason} if reason else None,
    )
    return Result(post, changed=True)


@transaction.atomic
def post_restore(*, moderator: User | AnonymousUser, post_id: int) -> Result[Post]:
    """Publishes a hidden post again and counts it. Watchers are not told a second time: they
    heard of the post when it was first published. Idempotent."""
    actor = check_can_moderate(viewer=moderator)
    post = locked_post(post_id=post_id)
    if post.state == PostState.PUBLISHED:
        return Result(post, changed=False)
    if post.state != PostState.HIDDEN:
        raise wrong_state("Only a hidden post can be restored.", code="not_hidden")
    thread = locked_thread(thread_id=post.thread_id)
    counters.post_state_set(post=post, state=PostState.PUBLISHED, thread=thread)
    # A moderator's restore answers the open reports too: left open, one more flag would hide
    # the post again at once.
    Flag.objects.filter(post=post, state=FlagState.OPEN).update(
        state=FlagState.DISMISSED, resolved_by=actor, resolved_at=timezone.now()
    )
    log_action(
        actor=actor, verb=Verb.RESTORE, post=post, thread=thread, target_user_id=post.author_id
    )
    return Result(post, changed=True)


@transaction.atomic
def post_clear_urgent(
    *, moderator: User | AnonymousUser, post_id: int, reason: str = ""
) -> Result[Post]:
    """A moderator has looked after a post marked urgent (a member may be in crisis): it leaves
    the top of the queue and, if it is published, returns to public view and search. Members
    it was kept from hear of it now, as they would have when it was published (and, for a
    thread opened in crisis, of the replies posted since it was marked). Idempotent."""
    actor = check_can_moderate(viewer=moderator)
    reason = clean_reason(reason, required=False)
    post = locked_post(post_id=post_id)
    if not counters.post_urgency_set(post=post, urgent=False):
        return Result(post, changed=False)
    log_action(
        actor=actor,
        verb=Verb.CLEAR_URGENT,
        post=post,
        thread_id=post.thread_id,
        target_user_id=post.author_id,
        reason=reason,
    )
    _fanout_withheld(post=post)
    return Result(post, changed=True)


def _fanout_withheld(*, post: Post) -> None:
    """Runs the fan-out again for what urgency kept from members (under
    ``MODERATION_CRISIS_VISIBILITY``): the post, and for an opening post the replies published
    since it was marked, whose thread was out of view meanwhile. The fan-out tells only those
    it has not told, so members who could see the post all along hear nothing twice."""
    if post.state != PostState.PUBLISHED:
        return
    fanout_schedule(post=post)
    if post.position != 1:
        return
    marked_at = (
        ModerationAction.objects.filter(post=post, verb=Verb.MARK_URGENT)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if marked_at is None:
        return
    for reply in Post.objects.filter(
        thread_id=post.thread_id,
        state=PostState.PUBLISHED,
        position__gt=1,
        created_at__gte=marked_at,
    ).only("pk"):
        fanout_schedule(post=reply)
