"""Members suggest resources, and fix or take back a suggestion while it waits for a curator.
A curator adding a resource in the admin suggests it too, then publishes it."""

from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.http import Http404

from accounts.models import User
from community.moderation.models import ModerationAction
from community.moderation.services import Result
from community.notifications.fanout import notify
from community.notifications.kinds import Kind
from community.resources.models import Audience, Resource, ResourceState
from community.resources.selectors import curator_ids
from community.resources.services.changes import (
    changes_apply,
    duplicate_refusal,
    fields_apply,
    fields_given,
    tags_resolve,
)
from community.resources.services.common import check_member, curator_page_url, resource_locked
from config.api.errors import ApiError


def _check_waiting_suggestions(*, member: User) -> None:
    """Curators read every suggestion: a member may have only a few waiting at once."""
    if member.can_curate:
        return
    limit = settings.RESOURCES_MAX_WAITING_SUGGESTIONS
    waiting = Resource.objects.filter(suggested_by=member, state=ResourceState.SUGGESTED)
    if waiting.count() >= limit:
        raise ApiError(
            f"You have {limit} suggestions waiting for a curator. You can suggest more once "
            "they have looked at them.",
            code="suggestion_limit",
            status_code=403,
        )


@transaction.atomic
def resource_suggest(
    *,
    member: User | AnonymousUser,
    title: str,
    url: str,
    category: str,
    summary: str = "",
    organisation: str = "",
    audience: str = Audience.EVERYONE,
    tags: Sequence[str] = (),
    language: str = "en",
    review_interval_months: int | None = None,
) -> Resource:
    """A member's suggestion: stored as ``suggested``, seen only by them and the curators until
    a curator publishes it. A link already in the library is refused (409 ``duplicate_url``).
    Without ``review_interval_months`` it is reviewed as often as the library's default."""
    member = check_member(user=member)
    _check_waiting_suggestions(member=member)
    duplicate_refusal(url=url, viewer=member)
    resolved = tags_resolve(tags, may_create=member.can_curate)
    resource = Resource(suggested_by=member)
    fields_apply(
        resource,
        {
            "title": title,
            "url": url,
            "summary": summary,
            "organisation": organisation,
            "category": category,
            "audience": audience,
            "language": language,
            "review_interval_months": settings.RESOURCES_REVIEW_INTERVAL_MONTHS
            if review_interval_months is None
            else review_interval_months,
        },
    )
    try:
        with transaction.atomic():
            resource.save()
    except IntegrityError:
        # Someone added the same link a moment ago.
        duplicate_refusal(url=url, viewer=member)
        raise
    resource.tags.set(resolved)
    notify(
        recipient_ids=[pk for pk in curator_ids() if pk != member.pk],
        kind=Kind.RESOURCE_SUGGESTED,
        event_key=f"resource:{resource.pk}:suggested",
        actor_id=member.pk,
        data={"resource": resource.pk, "title": resource.title, "url": curator_page_url(resource)},
    )
    return resource


def _own_suggestion(*, member: User, resource_id: int) -> Resource:
    """The member's own suggestion, locked, while it waits for a curator."""
    resource = resource_locked(resource_id=resource_id)
    if resource.suggested_by_id != member.pk:
        raise Http404
    if resource.state != ResourceState.SUGGESTED:
        raise ApiError(
            "A curator has already looked at this suggestion: it can no longer be changed.",
            code="not_waiting",
            status_code=409,
        )
    return resource


@transaction.atomic
def suggestion_edit(
    *,
    member: User | AnonymousUser,
    resource_id: int,
    title: str | None = None,
    url: str | None = None,
    summary: str | None = None,
    organisation: str | None = None,
    category: str | None = None,
    audience: str | None = None,
    tags: Sequence[str] | None = None,
    language: str | None = None,
) -> Result[Resource]:
    """The member fixes their own suggestion while it waits: the fields given (``None`` leaves
    one as it is; the review interval is the curators'). Giving what is there changes
    nothing."""
    member = check_member(user=member)
    resource = _own_suggestion(member=member, resource_id=resource_id)
    fields = fields_given(
        title=title,
        url=url,
        summary=summary,
        organisation=organisation,
        category=category,
        audience=audience,
        tags=tags,
        language=language,
    )
    changed, tags_changed = changes_apply(resource, fields, viewer=member)
    if changed:
        resource.save(update_fields=[*changed, "updated_at"])
    return Result(obj=resource, changed=bool(changed) or tags_changed)


@transaction.atomic
def suggestion_withdraw(*, member: User | AnonymousUser, resource_id: int) -> None:
    """The member takes back their own suggestion while it waits: it is gone, unless a
    curator already edited it (the audit log points to it), in which case it is archived."""
    member = check_member(user=member)
    resource = _own_suggestion(member=member, resource_id=resource_id)
    if ModerationAction.objects.filter(resource=resource).exists():
        resource.state = ResourceState.ARCHIVED
        resource.save(update_fields=["state", "updated_at"])
        return
    resource.delete()
