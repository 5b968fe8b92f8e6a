"""Moderator verbs. Each checks permission itself, locks the row it changes, is idempotent (a
repeat changes nothing and writes nothing) and writes exactly one ``ModerationAction`` when it
acts. The API and the admin actions call these same functions.

Locks are taken post, then thread, then boards (in id order), then members: the order the
posting services use, so verbs and members' writes never deadlock each other.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import F, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.utils import timezone

from accounts.models import Role, TrustLevel, User
from accounts.policies import check_not_suspended
from community.forum.models import Board, Post, PostState, Thread
from community.forum.services import counters
from community.moderation.models import Flag, FlagState, ModerationAction, Verb
from community.notifications.fanout import fanout_schedule, notify
from community.notifications.kinds import Kind
from config.api.errors import ApiError

REASON_MAX_LENGTH = 1000

T = TypeVar("T")


@dataclass(frozen=True)
class Result(Generic[T]):
    """What a verb acted on, as it is now, and whether this call changed it."""

    obj: T
    changed: bool


# --- shared checks and helpers -----------------------------------------------------------------


def check_moderator(*, moderator: User | AnonymousUser) -> User:
    """The verbs do not exist for anyone but moderators and admins (404, like anything a viewer
    may not see); a suspended moderator is refused with 403 ``suspended``."""
    if not isinstance(moderator, User) or not moderator.is_moderator:
        raise Http404
    check_not_suspended(user=moderator)
    return moderator


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(message, code="invalid", fields={field: [message]})


def _clean_reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise _invalid("reason", "Give a reason: the member will read it.")
    if len(reason) > REASON_MAX_LENGTH:
        raise _invalid("reason", f"Keep the reason to {REASON_MAX_LENGTH} characters or fewer.")
    return reason


def _future(value: datetime, *, field: str) -> datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value <= timezone.now():
        raise _invalid(field, "Choose a date and time in the future.")
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


def _log(*, actor: User | None, verb: str, **fields: Any) -> ModerationAction:
    return ModerationAction.objects.create(actor=actor, verb=verb, **fields)


def _locked_post(*, post_id: int) -> Post:
    post = (
        Post.objects.select_for_update(of=("self",))
        .select_related("author")
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        raise Http404
    return post


def _locked_thread(*, thread_id: int) -> Thread:
    thread = (
        Thread.objects.select_for_update(of=("self",))
        .select_related("board")
        .filter(pk=thread_id)
        .first()
    )
    if thread is None:
        raise Http404
    return thread


def _locked_member(*, user_id: int) -> User:
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise Http404
    return user


def _wrong_state(message: str, *, code: str) -> ApiError:
    return ApiError(message, code=code, status_code=403)


# --- posts ---------------------------------------------------------------------------------


@transaction.atomic
def post_approve(*, moderator: User | AnonymousUser, post_id: int) -> Result[Post]:
    """Publishes a held post: counted, its watchers told, its author told (and made established
    when they have earned it). Idempotent: approving a published post changes nothing."""
    actor = check_moderator(moderator=moderator)
    post = _locked_post(post_id=post_id)
    if post.state == PostState.PUBLISHED:
        return Result(post, changed=False)
    if post.state != PostState.PENDING:
        raise _wrong_state("Only a post waiting for approval can be approved.", code="not_pending")
    thread = _locked_thread(thread_id=post.thread_id)
    counters.post_state_set(post=post, state=PostState.PUBLISHED, thread=thread)
    fanout_schedule(post=post)
    _log(actor=actor, verb=Verb.APPROVE, post=post, thread=thread, target_user_id=post.author_id)
    author_tell(post=post, board_id=thread.board_id, kind=Kind.POST_APPROVED, event="approved")
    trust_maybe_promote(user=post.author)
    return Result(post, changed=True)


@transaction.atomic
def post_reject(*, moderator: User | AnonymousUser, post_id: int, reason: str) -> Result[Post]:
    """Declines a held post with a reason its author is sent; they still see the post, nobody
    else ever does. Idempotent: rejecting a rejected post changes nothing."""
    actor = check_moderator(moderator=moderator)
    reason = _clean_reason(reason, required=True)
    post = _locked_post(post_id=post_id)
    if post.state == PostState.REJECTED:
        return Result(post, changed=False)
    if post.state != PostState.PENDING:
        raise _wrong_state("Only a post waiting for approval can be rejected.", code="not_pending")
    thread = _locked_thread(thread_id=post.thread_id)
    post.state = PostState.REJECTED
    post.save(update_fields=["state"])
    if post.position == 1:
        # A thread mirrors its opening post; it was never counted, so no counter changes.
        thread.state = PostState.REJECTED
        thread.save(update_fields=["state"])
    _log(
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
    actor = check_moderator(moderator=moderator)
    reason = _clean_reason(reason, required=False)
    post = _locked_post(post_id=post_id)
    if post.state == PostState.HIDDEN:
        return Result(post, changed=False)
    if post.state != PostState.PUBLISHED:
        raise _wrong_state("Only a published post can be hidden.", code="not_published")
    thread = _locked_thread(thread_id=post.thread_id)
    counters.post_state_set(post=post, state=PostState.HIDDEN, thread=thread)
    _log(
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
    actor = check_moderator(moderator=moderator)
    post = _locked_post(post_id=post_id)
    if post.state == PostState.PUBLISHED:
        return Result(post, changed=False)
    if post.state != PostState.HIDDEN:
        raise _wrong_state("Only a hidden post can be restored.", code="not_hidden")
    thread = _locked_thread(thread_id=post.thread_id)
    counters.post_state_set(post=post, state=PostState.PUBLISHED, thread=thread)
    # A moderator's restore answers the open reports too: left open, one more flag would hide
    # the post again at once.
    Flag.objects.filter(post=post, state=FlagState.OPEN).update(
        state=FlagState.DISMISSED, resolved_by=actor, resolved_at=timezone.now()
    )
    _log(actor=actor, verb=Verb.RESTORE, post=post, thread=thread, target_user_id=post.author_id)
    return Result(post, changed=True)


@transaction.atomic
def post_clear_urgent(
    *, moderator: User | AnonymousUser, post_id: int, reason: str = ""
) -> Result[Post]:
    """A moderator has looked after a post marked urgent (a member may be in crisis): it leaves
    the top of the queue and, if it is published, returns to public view and search.
    Idempotent."""
    actor = check_moderator(moderator=moderator)
    reason = _clean_reason(reason, required=False)
    post = _locked_post(post_id=post_id)
    if not post.is_urgent:
        return Result(post, changed=False)
    post.is_urgent = False
    post.save(update_fields=["is_urgent"])
    _log(
        actor=actor,
        verb=Verb.CLEAR_URGENT,
        post=post,
        thread_id=post.thread_id,
        target_user_id=post.author_id,
        reason=reason,
    )
    return Result(post, changed=True)


# --- threads -------------------------------------------------------------------------------


def _thread_set(
    *, moderator: User | AnonymousUser, thread_id: int, field: str, value: bool, verb: str
) -> Result[Thread]:
    actor = check_moderator(moderator=moderator)
    thread = _locked_thread(thread_id=thread_id)
    if getattr(thread, field) == value:
        return Result(thread, changed=False)
    setattr(thread, field, value)
    thread.save(update_fields=[field])
    _log(actor=actor, verb=verb, thread=thread)
    return Result(thread, changed=True)


@transaction.atomic
def thread_lock(*, moderator: User | AnonymousUser, thread_id: int) -> Result[Thread]:
    """Closes a thread to replies (it stays readable). Idempotent."""
    return _thread_set(
        moderator=moderator, thread_id=thread_id, field="is_locked", value=True, verb=Verb.LOCK
    )


@transaction.atomic
def thread_unlock(*, moderator: User | AnonymousUser, thread_id: int) -> Result[Thread]:
    """Opens a locked thread to replies again. Idempotent."""
    return _thread_set(
        moderator=moderator, thread_id=thread_id, field="is_locked", value=False, verb=Verb.UNLOCK
    )


@transaction.atomic
def thread_pin(*, moderator: User | AnonymousUser, thread_id: int) -> Result[Thread]:
    """Keeps a thread at the top of its board's list. Idempotent."""
    return _thread_set(
        moderator=moderator, thread_id=thread_id, field="is_pinned", value=True, verb=Verb.PIN
    )


@transaction.atomic
def thread_unpin(*, moderator: User | AnonymousUser, thread_id: int) -> Result[Thread]:
    """Lets a pinned thread take its place by activity again. Idempotent."""
    return _thread_set(
        moderator=moderator, thread_id=thread_id, field="is_pinned", value=False, verb=Verb.UNPIN
    )


def _board_counts_move(*, thread: Thread, source: Board, target: Board) -> None:
    """Moves a listed thread's counts from one board to the other (``counters`` only knows
    posts being published or unpublished). Both board rows are locked by the caller."""
    if thread.state != PostState.PUBLISHED:
        return  # boards count listed threads only
    posts = 1 + thread.reply_count
    latest_left = (
        Thread.objects.filter(board_id=source.pk, state=PostState.PUBLISHED)
        .exclude(pk=thread.pk)
        .order_by("-last_post_at")
        .values("last_post_at")[:1]
    )
    Board.objects.filter(pk=source.pk).update(
        thread_count=F("thread_count") - 1,
        post_count=F("post_count") - posts,
        last_post_at=Subquery(latest_left),
    )
    Board.objects.filter(pk=target.pk).update(
        thread_count=F("thread_count") + 1,
        post_count=F("post_count") + posts,
        last_post_at=Greatest(
            Coalesce(F("last_post_at"), thread.last_post_at), thread.last_post_at
        ),
    )


@transaction.atomic
def thread_move(
    *, moderator: User | AnonymousUser, thread_id: int, board_id: int
) -> Result[Thread]:
    """Moves a thread, with its posts and counts, to another board. Moving it to the board it
    is in changes nothing."""
    actor = check_moderator(moderator=moderator)
    thread = _locked_thread(thread_id=thread_id)
    if thread.board_id == board_id:
        return Result(thread, changed=False)
    boards = {
        board.pk: board
        for board in Board.objects.select_for_update()
        .filter(pk__in=[thread.board_id, board_id])
        .order_by("pk")
    }
    if board_id not in boards:
        raise _invalid("board", "There is no such board.")
    source, target = boards[thread.board_id], boards[board_id]
    _board_counts_move(thread=thread, source=source, target=target)
    thread.board = target
    thread.save(update_fields=["board"])
    _log(
        actor=actor,
        verb=Verb.MOVE,
        thread=thread,
        data={
            "from_board": source.pk,
            "from_slug": source.slug,
            "to_board": target.pk,
            "to_slug": target.slug,
        },
    )
    return Result(thread, changed=True)


# --- members -------------------------------------------------------------------------------


def _check_can_suspend(*, actor: User, target: User, lifting: bool) -> None:
    """Nobody suspends themselves or an admin; only an admin suspends a moderator."""
    verb = "lift the suspension of" if lifting else "suspend"
    if target.pk == actor.pk:
        raise ApiError(
            f"You cannot {verb} your own account.", code="cannot_suspend_self", status_code=403
        )
    if target.role == Role.ADMIN:
        raise ApiError(f"You cannot {verb} an admin.", code="cannot_suspend_admin", status_code=403)
    if target.role == Role.MODERATOR and actor.role != Role.ADMIN:
        raise ApiError(
            f"Only an admin can {verb} a moderator.",
            code="cannot_suspend_moderator",
            status_code=403,
        )


def sessions_end(*, user_id: int) -> None:
    """Signs the member out everywhere at once: every browser session and every app session
    token (the authentication API's app tokens are sessions too). Raising the member's session
    epoch changes the signature Django checks on each request, so every existing session stops
    authenticating with one UPDATE, however many sessions the site holds."""
    User.objects.filter(pk=user_id).update(session_epoch=F("session_epoch") + 1)


@transaction.atomic
def member_suspend(
    *, moderator: User | AnonymousUser, user_id: int, until: datetime, reason: str
) -> Result[User]:
    """Suspends a member until a date: they may read but not write, and every session and app
    token they hold ends now. Idempotent for the same end date; a new date replaces the old."""
    actor = check_moderator(moderator=moderator)
    reason = _clean_reason(reason, required=True)
    until = _future(until, field="until")
    member = _locked_member(user_id=user_id)
    _check_can_suspend(actor=actor, target=member, lifting=False)
    if member.suspended_until == until:
        return Result(member, changed=False)
    previous = member.suspended_until if member.is_suspended() else None
    member.suspended_until = until
    member.save(update_fields=["suspended_until"])
    sessions_end(user_id=member.pk)
    _log(
        actor=actor,
        verb=Verb.SUSPEND,
        target_user=member,
        reason=reason,
        data={
            "until": until.isoformat(),
            "previous_until": previous.isoformat() if previous else None,
        },
    )
    return Result(member, changed=True)


@transaction.atomic
def member_lift_suspension(*, moderator: User | AnonymousUser, user_id: int) -> Result[User]:
    """Ends a suspension now. Idempotent: a member who is not suspended is left as they are."""
    actor = check_moderator(moderator=moderator)
    member = _locked_member(user_id=user_id)
    _check_can_suspend(actor=actor, target=member, lifting=True)
    if not member.is_suspended() or member.suspended_until is None:
        return Result(member, changed=False)
    was_until = member.suspended_until
    member.suspended_until = None
    member.save(update_fields=["suspended_until"])
    _log(
        actor=actor,
        verb=Verb.LIFT_SUSPENSION,
        target_user=member,
        data={"was_until": was_until.isoformat()},
    )
    return Result(member, changed=True)


@transaction.atomic
def member_verify_clinician(
    *, moderator: User | AnonymousUser, user_id: int, expires_at: datetime | None
) -> Result[User]:
    """Gives a member the clinician badge, checked by this moderator, until ``expires_at``
    (None: no expiry). Idempotent for a valid badge with the same expiry."""
    actor = check_moderator(moderator=moderator)
    if expires_at is not None:
        expires_at = _future(expires_at, field="expires_at")
    member = _locked_member(user_id=user_id)
    if member.has_valid_clinician_badge() and member.clinician_expires_at == expires_at:
        return Result(member, changed=False)
    member.clinician_verified_by = actor
    member.clinician_verified_at = timezone.now()
    member.clinician_expires_at = expires_at
    member.save(
        update_fields=["clinician_verified_by", "clinician_verified_at", "clinician_expires_at"]
    )
    _log(
        actor=actor,
        verb=Verb.VERIFY_CLINICIAN,
        target_user=member,
        data={"expires_at": expires_at.isoformat() if expires_at else None},
    )
    return Result(member, changed=True)


@transaction.atomic
def member_set_trust(
    *, moderator: User | AnonymousUser, user_id: int, trust_level: str
) -> Result[User]:
    """Sets a member's trust by hand (a new member's posts may be held). Idempotent."""
    actor = check_moderator(moderator=moderator)
    if trust_level not in TrustLevel.values:
        raise _invalid("trust_level", f"Choose one of: {', '.join(TrustLevel.values)}.")
    member = _locked_member(user_id=user_id)
    if member.trust_level == trust_level:
        return Result(member, changed=False)
    previous = member.trust_level
    member.trust_level = trust_level
    member.trust_changed_at = timezone.now()
    member.save(update_fields=["trust_level", "trust_changed_at"])
    _log(
        actor=actor,
        verb=Verb.SET_TRUST,
        target_user=member,
        data={"from": previous, "to": trust_level},
    )
    return Result(member, changed=True)


@transaction.atomic
def trust_maybe_promote(*, user: User) -> bool:
    """Makes a new member established once they have been here ``MODERATION_TRUST_DAYS`` and
    have ``MODERATION_TRUST_APPROVED_POSTS`` published posts written since their trust last
    changed (so a moderator's demotion is not undone by posts from before it).

    Returns whether it promoted them; idempotent. Logged as an automatic trust change.
    """
    if user.trust_level != TrustLevel.NEW:
        return False
    now = timezone.now()
    if now - user.date_joined < timedelta(days=settings.MODERATION_TRUST_DAYS):
        return False
    needed = settings.MODERATION_TRUST_APPROVED_POSTS
    published = Post.objects.filter(
        author_id=user.pk, state=PostState.PUBLISHED, created_at__gte=user.trust_changed_at
    )[:needed].count()
    if published < needed:
        return False
    member = _locked_member(user_id=user.pk)
    if member.trust_level != TrustLevel.NEW:
        return False
    member.trust_level = TrustLevel.ESTABLISHED
    member.trust_changed_at = now
    member.save(update_fields=["trust_level", "trust_changed_at"])
    user.trust_level, user.trust_changed_at = member.trust_level, now
    _log(
        actor=None,
        verb=Verb.SET_TRUST,
        target_user=member,
        data={"automatic": True, "from": TrustLevel.NEW, "to": TrustLevel.ESTABLISHED},
    )
    return True
