"""Writes to accounts. Each function owns its transaction."""

from typing import Any

from django.db import transaction

from accounts.models import Profile, User


@transaction.atomic
def me_update(*, user: User, account: dict[str, Any], profile: dict[str, Any]) -> User:
    """Changes the member's own display name and profile fields (already validated).

    Writes only the columns that were sent; sending nothing changes nothing.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    account_fields = [name for name in ("display_name",) if name in account]
    for name in account_fields:
        setattr(locked, name, account[name])
    if account_fields:
        locked.save(update_fields=account_fields)

    if profile:
        own, _ = Profile.objects.select_for_update().get_or_create(user=locked)
        for name, value in profile.items():
            setattr(own, name, value)
        own.save(update_fields=[*profile.keys(), "updated_at"])
    return locked
