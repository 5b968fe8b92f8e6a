"""A member's own marks on published resources: their saved list and "this helped me".
Each verb is idempotent."""

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import F
from django.http import Http404

from accounts.models import User
from community.moderation.services import Result
from community.resources.models import HelpfulMark, Resource, ResourceState, SavedResource
from community.resources.services.common import check_member
from config.api.errors import ApiError


def _published(*, resource_id: int, viewer: User) -> Resource:
    resource = Resource.objects.filter(pk=resource_id).first()
    if resource is None or (
        resource.state != ResourceState.PUBLISHED
        and not viewer.can_curate
        and resource.suggested_by_id != viewer.pk
    ):
        raise Http404
    if resource.state != ResourceState.PUBLISHED:
        raise ApiError(
            "Only published resources can be saved or marked as helpful.",
            code="not_published",
            status_code=409,
        )
    return resource


@transaction.atomic
def resource_save(*, member: User | AnonymousUser, resource_id: int) -> Result[Resource]:
    """Puts a published resource on the member's own list. Idempotent."""
    member = check_member(user=member)
    resource = _published(resource_id=resource_id, viewer=member)
    _, created = SavedResource.objects.get_or_create(user=member, resource=resource)
    return Result(obj=resource, changed=created)


@transaction.atomic
def resource_unsave(*, member: User | AnonymousUser, resource_id: int) -> Result[Resource]:
    """Takes a resource off the member's list. Idempotent."""
    member = check_member(user=member)
    deleted, _ = SavedResource.objects.filter(user=member, resource_id=resource_id).delete()
    resource = Resource.objects.filter(pk=resource_id).first()
    if resource is None:
        raise Http404
    return Result(obj=resource, changed=bool(deleted))


@transaction.atomic
def helpful_mark(*, member: User | AnonymousUser, resource_id: int) -> Result[Resource]:
    """ "This helped me": one per member and resource; the count goes up once. Idempotent."""
    member = check_member(user=member)
    resource = _published(resource_id=resource_id, viewer=member)
    _, created = HelpfulMark.objects.get_or_create(user=member, resource=resource)
    if created:
        Resource.objects.filter(pk=resource.pk).update(helpful_count=F("helpful_count") + 1)
        resource.refresh_from_db(fields=["helpful_count"])
    return Result(obj=resource, changed=created)


@transaction.atomic
def helpful_unmark(*, member: User | AnonymousUser, resource_id: int) -> Result[Resource]:
    """Takes the member's "this helped me" back. Idempotent."""
    member = check_member(user=member)
    resource = _published(resource_id=resource_id, viewer=member)
    deleted, _ = HelpfulMark.objects.filter(user=member, resource=resource).delete()
    if deleted:
        Resource.objects.filter(pk=resource.pk, helpful_count__gt=0).update(
            helpful_count=F("helpful_count") - 1
        )
        resource.refresh_from_db(fields=["helpful_count"])
    return Result(obj=resource, changed=bool(deleted))
