"""Curators publish, edit, archive and review resources. Each verb checks the curator
itself, locks the row, is idempotent (a repeat changes nothing and writes nothing) and writes
one audit row in the moderation log when it acts. The API and the admin actions call these
same functions.
"""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from community.moderation.models import ModerationAction, Verb
from community.moderation.services import Result
from community.notifications.fanout import notify
from community.notifications.kinds import Kind
from community.resources.inputs import invalid
from community.resources.models import Resource, ResourceState
from community.resources.services.changes import EDITABLE, changes_apply, fields_given
from community.resources.services.common import check_curator, months_after, resource_locked
from config.api.errors import ApiError

REASON_MAX = 1000


def _log(*, actor: User, verb: str, resource: Resource, **fields: Any) -> None:
    ModerationAction.objects.create(actor=actor, verb=verb, resource=resource, **fields)


def _suggester_tell(*, resource: Resource, actor: User, kind: str, event: str, **data: Any) -> None:
    """Tells the member who suggested a resource what became of it, once per event; not a
    curator who suggested it themselves."""
    if resource.suggested_by_id is None or resource.suggested_by_id == actor.pk:
        return
    notify(
        recipient_ids=[resource.suggested_by_id],
        kind=kind,
        event_key=f"resource:{resource.pk}:{event}",
        data={
            "resource": resource.pk,
            "title": resource.title,
            "url": settings.FRONTEND_URLS["resource"].format(resource_id=resource.pk),
            **data,
        },
    )


@transaction.atomic
def resource_publish(*, curator: User | AnonymousUser, resource_id: int) -> Result[Resource]:
    """Puts a suggested or archived resource in the library and starts its review clock.
    A published one is left as it is."""
    actor = check_curator(curator=curator)
    resource = resource_locked(resource_id=resource_id)
    if resource.state == ResourceState.PUBLISHED:
        return Result(obj=resource, changed=False)
    now = timezone.now()
    was = resource.state
    resource.state = ResourceState.PUBLISHED
    resource.published_at = resource.published_at or now
    resource.curated_by = actor
    resource.last_reviewed_at = now
    resource.review_due_at = months_after(now, resource.review_interval_months)
    resource.save(
        update_fields=[
            "state",
            "published_at",
            "curated_by",
            "last_reviewed_at",
            "review_due_at",
            "updated_at",
        ]
    )
    _log(actor=actor, verb=Verb.RESOURCE_PUBLISH, resource=resource, data={"from": was})
    if was == ResourceState.SUGGESTED:
        _suggester_tell(
            resource=resource, actor=actor, kind=Kind.RESOURCE_PUBLISHED, event="published"
        )
    return Result(obj=resource, changed=True)


@transaction.atomic
def resource_archive(
    *, curator: User | AnonymousUser, resource_id: int, reason: str = ""
) -> Result[Resource]:
    """Takes a resource out of the library (it stays on record, and can be published again).
    Idempotent."""
    actor = check_curator(curator=curator)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise invalid({"reason": [f"Keep the reason to {REASON_MAX} characters or fewer."]})
    resource = resource_locked(resource_id=resource_id)
    if resource.state == ResourceState.ARCHIVED:
        return Result(obj=resource, changed=False)
    was = resource.state
    resource.state = ResourceState.ARCHIVED
    resource.curated_by = actor
    resource.save(update_fields=["state", "curated_by", "updated_at"])
    _log(
        actor=actor,
        verb=Verb.RESOURCE_ARCHIVE,
        resource=resource,
        reason=reason,
        data={"from": was},
    )
    if was == ResourceState.SUGGESTED:
        _suggester_tell(
            resource=resource,
            actor=actor,
            kind=Kind.RESOURCE_DECLINED,
            event="declined",
            reason=reason,
        )
    return Result(obj=resource, changed=True)


@transaction.atomic
def resource_edit(
    *,
    curator: User | AnonymousUser,
    resource_id: int,
    title: str | None = None,
    url: str | None = None,
    summary: str | None = None,
    organisation: str | None = None,
    category: str | None = None,
    audience: str | None = None,
    tags: Sequence[str] | None = None,
    language: str | None = None,
    review_interval_months: int | None = None,
) -> Result[Resource]:
    """Changes the fields given (``None`` leaves one as it is), with one audit row naming
    them. Giving what is there changes nothing and writes nothing."""
    actor = check_curator(curator=curator)
    resource = resource_locked(resource_id=resource_id)
    fields = fields_given(
        title=title,
        url=url,
        summary=summary,
        organisation=organisation,
        category=category,
        audience=audience,
        tags=tags,
        language=language,
        review_interval_months=review_interval_months,
    )
    changed, tags_changed = changes_apply(resource, fields, viewer=actor)
    if not changed and not tags_changed:
        return Result(obj=resource, changed=False)
    if changed:
        resource.curated_by = actor
        resource.save(update_fields=[*changed, "curated_by", "updated_at"])
    edited = {"summary" if name.startswith("summary") else name for name in changed}
    edited = {name for name in edited if name in EDITABLE}
    if tags_changed:
        edited.add("tags")
    _log(
        actor=actor,
        verb=Verb.RESOURCE_EDIT,
        resource=resource,
        data={"fields": sorted(edited)},
    )
    return Result(obj=resource, changed=True)


@transaction.atomic
def resource_review(*, curator: User | AnonymousUser, resource_id: int) -> Result[Resource]:
    """Marks a published resource as checked by a curator today and moves its next review.
    Reviewing it again the same day changes nothing."""
    actor = check_curator(curator=curator)
    resource = resource_locked(resource_id=resource_id)
    if resource.state != ResourceState.PUBLISHED:
        raise ApiError(
            "Only published resources are reviewed.", code="not_published", status_code=409
        )
    now = timezone.now()
    if resource.last_reviewed_at is not None and resource.last_reviewed_at.date() == now.date():
        return Result(obj=resource, changed=False)
    resource.last_reviewed_at = now
    resource.review_due_at = months_after(now, resource.review_interval_months)
    resource.curated_by = actor
    resource.save(update_fields=["last_reviewed_at", "review_due_at", "curated_by", "updated_at"])
    _log(actor=actor, verb=Verb.RESOURCE_REVIEW, resource=resource)
    return Result(obj=resource, changed=True)
