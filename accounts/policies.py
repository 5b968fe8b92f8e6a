"""Pure rules about accounts: ``check_*`` raises, the bare name answers a bool."""

from datetime import UTC

from django.contrib.auth.models import AnonymousUser

from accounts.models import Profile, User, Visibility
from config.api.errors import ApiError


def check_not_suspended(*, user: User | AnonymousUser) -> None:
    """Suspended members may read but not write: 403 ``suspended`` with the end date."""
    if isinstance(user, User) and user.is_suspended() and user.suspended_until is not None:
        until = user.suspended_until
        raise ApiError(
            f"Your account is suspended until {until:%d %B %Y, %H:%M} UTC. "
            "You can still read the community.",
            code="suspended",
            status_code=403,
            extra={"until": until.astimezone(UTC).isoformat()},
        )


def can_see_profile_field(*, viewer: User | AnonymousUser, owner: User, visibility: str) -> bool:
    """Public fields for everyone, members-only for signed-in members, only-me for the owner."""
    if viewer.is_authenticated and viewer.pk == owner.pk:
        return True
    if visibility == Visibility.PUBLIC:
        return True
    if visibility == Visibility.MEMBERS:
        return viewer.is_authenticated
    return False


def visible_profile_fields(
    *, viewer: User | AnonymousUser, owner: User, profile: Profile
) -> set[str]:
    """The names of the profile fields this viewer may read."""
    return {
        name
        for name in Profile.VISIBLE_FIELDS
        if can_see_profile_field(
            viewer=viewer,
            owner=owner,
            visibility=getattr(profile, f"{name}_visibility"),
        )
    }
