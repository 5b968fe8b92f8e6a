"""Writes to accounts. Each function owns its transaction."""

from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import Profile, Role, User

# Created by the migration community/moderation/0002_moderators_group.
MODERATORS_GROUP = "Moderators"


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


def staff_access_sync(*, user: User) -> None:
    """Puts a moderator in the Moderators group (what they may do in the admin) and takes
    anyone else out of it. Idempotent."""
    group = Group.objects.filter(name=MODERATORS_GROUP).first()
    if group is None:
        return
    if user.role == Role.MODERATOR:
        user.groups.add(group)
    else:
        user.groups.remove(group)
