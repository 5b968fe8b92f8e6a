"""Writes to accounts. Each function owns its transaction."""

from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import Profile, Role, User

# Created by the migrations community/moderation/0002_moderators_group and
# community/resources/0002_search_and_curators.
MODERATORS_GROUP = "Moderators"
CURATORS_GROUP = "Curators"


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
    """Puts a moderator in the Moderators group and a curator in the Curators group (what
    they may do in the admin) and takes anyone else out of them. Idempotent."""
    wanted = {MODERATORS_GROUP: user.role == Role.MODERATOR, CURATORS_GROUP: user.is_curator}
    for group in Group.objects.filter(name__in=wanted):
        if wanted[group.name]:
            user.groups.add(group)
        else:
            user.groups.remove(group)
