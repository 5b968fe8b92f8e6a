"""What every write to the library starts with: who may make it, and the locked row."""

import calendar
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.urls import reverse

from accounts.models import User
from accounts.policies import check_not_suspended
from community.resources.models import Resource
from config.api.errors import ApiError


def check_member(*, user: User | AnonymousUser) -> User:
    """A signed-in member who may write now: 401 for a visitor, 403 ``suspended``."""
    if not isinstance(user, User) or not user.is_authenticated:
        raise ApiError("Sign in to do this.", code="not_authenticated", status_code=401)
    check_not_suspended(user=user)
    return user


def check_curator(*, curator: User | AnonymousUser) -> User:
    """Curator verbs do not exist for anyone else (404, like anything a viewer may not see);
    a suspended curator is refused with 403 ``suspended``."""
    if not isinstance(curator, User) or not curator.is_authenticated or not curator.can_curate:
        raise Http404
    check_not_suspended(user=curator)
    return curator


def resource_locked(*, resource_id: int) -> Resource:
    """The resource, locked for the rest of the transaction; 404 when there is none."""
    resource = Resource.objects.select_for_update().filter(pk=resource_id).first()
    if resource is None:
        raise Http404
    return resource


def months_after(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months later (the month's last day when it is
    shorter)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def curator_page_url(resource: Resource) -> str:
    """The resource's admin page, where curators act on it (emails link here)."""
    path = reverse("admin:resources_resource_change", args=[resource.pk])
    return f"{settings.SITE_URL}{path}"
