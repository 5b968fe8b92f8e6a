"""Reads of the library, already narrowed to what the viewer may see."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Role, User
from community.resources.filters import ResourceFilter
from community.resources.models import HelpfulMark, Resource, ResourceState, SavedResource
from community.resources.policies import can_curate


def curator_ids() -> list[int]:
    """Everyone who curates the library: curators, moderators and admins who can sign in."""
    return list(
        User.objects.filter(
            Q(is_curator=True) | Q(role__in=(Role.MODERATOR, Role.ADMIN)), is_active=True
        )
        .order_by("id")
        .values_list("id", flat=True)
    )


def resource_visible_to(*, viewer: User | AnonymousUser) -> QuerySet[Resource]:
    """Published resources for everyone; a suggestion also for the member who made it;
    everything for curators."""
    resources = Resource.objects.all()
    if can_curate(viewer):
        return resources
    if isinstance(viewer, User) and viewer.is_authenticated:
        return resources.filter(
            Q(state=ResourceState.PUBLISHED)
            | Q(state=ResourceState.SUGGESTED, suggested_by_id=viewer.pk)
        )
    return resources.filter(state=ResourceState.PUBLISHED)


def resource_list(
    *,
    viewer: User | AnonymousUser,
    state: str = ResourceState.PUBLISHED,
    filters: Mapping[str, Any] | None = None,
) -> QuerySet[Resource]:
    """The resources in ``state`` this viewer may list (a member's suggestions are their own),
    narrowed by ``filters``: ``ResourceFilter``'s query parameters, ``q`` matching the words
    without ranking them. A filter value that is not valid raises ``ValidationError``."""
    resources = resource_visible_to(viewer=viewer).filter(state=state)
    if state == ResourceState.SUGGESTED and not can_curate(viewer):
        resources = resources.filter(suggested_by_id=viewer.pk or 0)
    filterset = ResourceFilter(filters or {}, queryset=resources)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors.as_data())
    return filterset.qs


def with_viewer_marks(
    resources: QuerySet[Resource], *, viewer: User | AnonymousUser
) -> QuerySet[Resource]:
    """Adds ``saved`` and ``helped_me`` for a signed-in viewer, in the same query."""
    if not (isinstance(viewer, User) and viewer.is_authenticated):
        return resources
    return resources.annotate(
        saved=Exists(SavedResource.objects.filter(user_id=viewer.pk, resource=OuterRef("pk"))),
        helped_me=Exists(HelpfulMark.objects.filter(user_id=viewer.pk, resource=OuterRef("pk"))),
    )


def tags_attach(resources: Iterable[Resource]) -> None:
    """Sets ``tag_list`` (slug and name pairs, by slug) on each resource, in one query for all
    of them: the lists' rows show their tags."""
    rows = list(resources)
    through = Resource.tags.through
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for resource_id, slug, name in (
        through.objects.filter(resource_id__in=[row.pk for row in rows])
        .order_by("tag__slug")
        .values_list("resource_id", "tag__slug", "tag__name")
    ):
        found[resource_id].append((slug, name))
    for row in rows:
        row.tag_list = found.get(row.pk, [])  # type: ignore[attr-defined]
