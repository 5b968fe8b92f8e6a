"""Reads of accounts, already narrowed to what the viewer may see."""

from django.http import Http404

from accounts.models import User
from accounts.validators import USERNAME_PATTERN


def member_get_visible(*, username: str) -> User:
    """The active member with this pseudonym (any case) and their profile, in one query.

    A name that cannot exist, an unknown name and a deactivated account are the same 404.
    """
    if not USERNAME_PATTERN.fullmatch(username):
        raise Http404
    try:
        return User.objects.select_related("profile").get(username__iexact=username, is_active=True)
    except User.DoesNotExist:
        raise Http404 from None


def me_get(*, user_id: int) -> User:
    """The signed-in member's own account with profile and badge verifier, in one query."""
    return User.objects.select_related("profile").get(pk=user_id)
