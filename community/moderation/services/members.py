"""Moderator verbs on members: suspend, lift, verify a clinician, set trust; and the automatic
promotion to established."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import TrustLevel, User
from community.forum.models import Post, PostState
from community.moderation.models import Verb
from community.moderation.policies import check_can_moderate, check_can_suspend
from community.moderation.services.common import (
    Result,
    clean_reason,
    future,
    invalid,
    locked_member,
    log_action,
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
    actor = check_can_moderate(viewer=moderator)
    reason = clean_reason(reason, required=True)
    until = future(until, field="until")
    member = locked_member(user_id=user_id)
    check_can_suspend(actor=actor, target=member, lifting=False)
    if member.suspended_until == until:
        return Result(member, changed=False)
    previous = member.suspended_until if member.is_suspended() else None
    member.suspended_until = until
    member.save(update_fields=["suspended_until"])
    sessions_end(user_id=member.pk)
    log_action(
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
    actor = check_can_moderate(viewer=moderator)
    member = locked_member(user_id=user_id)
    check_can_suspend(actor=actor, target=member, lifting=True)
    if not member.is_suspended() or member.suspended_until is None:
        return Result(member, changed=False)
    was_until = member.suspended_until
    member.suspended_until = None
    member.save(update_fields=["suspended_until"])
    log_action(
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
    actor = check_can_moderate(viewer=moderator)
    if expires_at is not None:
        expires_at = future(expires_at, field="expires_at")
    member = locked_member(user_id=user_id)
    if member.has_valid_clinician_badge() and member.clinician_expires_at == expires_at:
        return Result(member, changed=False)
    member.clinician_verified_by = actor
    member.clinician_verified_at = timezone.now()
    member.clinician_expires_at = expires_at
    member.save(
        update_fields=["clinician_verified_by", "clinician_verified_at", "clinician_expires_at"]
    )
    log_action(
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
    actor = check_can_moderate(viewer=moderator)
    if trust_level not in TrustLevel.values:
        raise invalid("trust_level", f"Choose one of: {', '.join(TrustLevel.values)}.")
    member = locked_member(user_id=user_id)
    if member.trust_level == trust_level:
        return Result(member, changed=False)
    previous = member.trust_level
    member.trust_level = trust_level
    member.trust_changed_at = timezone.now()
    member.save(update_fields=["trust_level", "trust_changed_at"])
    log_action(
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
    member = locked_member(user_id=user.pk)
    if member.trust_level != TrustLevel.NEW:
        return False
    member.trust_level = TrustLevel.ESTABLISHED
    member.trust_changed_at = now
    member.save(update_fields=["trust_level", "trust_changed_at"])
    user.trust_level, user.trust_changed_at = member.trust_level, now
    log_action(
        actor=None,
        verb=Verb.SET_TRUST,
        target_user=member,
        data={"automatic": True, "from": TrustLevel.NEW, "to": TrustLevel.ESTABLISHED},
    )
    return True
