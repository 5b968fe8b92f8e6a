"""Writes to the library. Members suggest, save and mark resources; curators publish, edit,
archive and review them. Each curator verb checks the curator itself, locks the row, is
idempotent (a repeat changes nothing and writes nothing) and writes one audit row in the
moderation log when it acts. The API and the admin actions call these same functions.
"""

import calendar
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.policies import check_not_suspended
from community.forum.markdown import render_markdown
from community.moderation.models import ModerationAction, Verb
from community.moderation.services import Result
from community.notifications.fanout import notify
from community.notifications.kinds import Kind
from community.resources.inputs import EDITABLE, clean, invalid
from community.resources.models import (
    HelpfulMark,
    LinkStatus,
    Resource,
    ResourceState,
    SavedResource,
    Tag,
)
from community.resources.selectors import curator_ids
from config.api.errors import ApiError

REASON_MAX = 1000


# --- checks -------------------------------------------------------------------------------


def check_member(*, user: User | AnonymousUser) -> User:
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


def months_after(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months later (the month's last day when it is
    shorter)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _duplicate_refusal(*, url: str, viewer: User, excluding: int | None = None) -> None:
    """A link already in the library is refused (409 ``duplicate_url``), pointing to the
    resource when the member may see it; someone else's suggestion is only named as such."""
    others = Resource.objects.filter(url=url)
    if excluding is not None:
        others = others.exclude(pk=excluding)
    existing = others.first()
    if existing is None:
        return
    if existing.state == ResourceState.PUBLISHED:
        message = f"This link is already in the library: “{existing.title}”."
    elif existing.state == ResourceState.SUGGESTED:
        message = "This link has already been suggested and is waiting for a curator."
    elif existing.published_at is None:
        message = "A curator has already considered this link and did not add it."
    else:
        message = "This link was in the library and has been archived by a curator."
    may_see = existing.state == ResourceState.PUBLISHED or viewer.can_curate
    may_see = may_see or (
        existing.state == ResourceState.SUGGESTED and existing.suggested_by_id == viewer.pk
    )
    extra = (
        {"existing": {"id": existing.pk, "title": existing.title, "url": existing.url}}
        if may_see
        else {}
    )
    raise ApiError(
        message, code="duplicate_url", status_code=409, fields={"url": [message]}, extra=extra
    )


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


def _tags_resolve(slugs: Iterable[str], *, may_create: bool) -> list[Tag]:
    slugs = list(slugs)
    tags = {tag.slug: tag for tag in Tag.objects.filter(slug__in=slugs)}
    missing = [slug for slug in slugs if slug not in tags]
    if missing and not may_create:
        raise invalid({"tags": [f"Unknown tag: {', '.join(missing)}. Choose existing tags."]})
    for slug in missing:
        tags[slug], _ = Tag.objects.get_or_create(
            slug=slug, defaults={"name": slug.replace("-", " ")}
        )
    return [tags[slug] for slug in slugs]


def _apply(resource: Resource, cleaned: dict[str, Any]) -> list[str]:
    """Sets the changed fields on ``resource``; returns their names (tags not included)."""
    changed = []
    for name, value in cleaned.items():
        if name == "tags":
            continue
        if name == "summary":
            if resource.summary_source != value:
                resource.summary_source = value
                resource.summary_html = render_markdown(value) if value else ""
                changed += ["summary_source", "summary_html"]
            continue
        if getattr(resource, name) != value:
            setattr(resource, name, value)
            changed.append(name)
    return changed


def _locked(*, resource_id: int) -> Resource:
    resource = Resource.objects.select_for_update().filter(pk=resource_id).first()
    if resource is None:
        raise Http404
    return resource


def _log(*, actor: User, verb: str, resource: Resource, **fields: Any) -> None:
    ModerationAction.objects.create(actor=actor, verb=verb, resource=resource, **fields)


def curator_page_url(resource: Resource) -> str:
    """The resource's admin page, where curators act on it (emails link here)."""
    path = reverse("admin:resources_resource_change", args=[resource.pk])
    return f"{settings.SITE_URL}{path}"


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


# --- members ------------------------------------------------------------------------------


@transaction.atomic
def resource_suggest(*, user: User | AnonymousUser, data: dict[str, Any]) -> Resource:
    """A member's suggestion: stored as ``suggested``, seen only by them and the curators until
    a curator publishes it. A link already in the library is refused (409 ``duplicate_url``)."""
    member = check_member(user=user)
    cleaned = clean(data, partial=False)
    _check_waiting_suggestions(member=member)
    _duplicate_refusal(url=cleaned["url"], viewer=member)
    tags = _tags_resolve(cleaned.get("tags", []), may_create=member.can_curate)
    resource = Resource(
        suggested_by=member,
        review_interval_months=settings.RESOURCES_REVIEW_INTERVAL_MONTHS,
    )
    _apply(resource, cleaned)
    try:
        with transaction.atomic():
            resource.save()
    except IntegrityError:
        # Someone added the same link a moment ago.
        _duplicate_refusal(url=cleaned["url"], viewer=member)
        raise
    resource.tags.set(tags)
    notify(
        recipient_ids=[pk for pk in curator_ids() if pk != member.pk],
        kind=Kind.RESOURCE_SUGGESTED,
        event_key=f"resource:{resource.pk}:suggested",
        actor_id=member.pk,
        data={"resource": resource.pk, "title": resource.title, "url": curator_page_url(resource)},
    )
    return resource


@transaction.atomic
def resource_save(*, user: User | AnonymousUser, resource_id: int) -> Result[Resource]:
    """Puts a published resource on the member's own list. Idempotent."""
    member = check_member(user=user)
    resource = _published(resource_id=resource_id, viewer=member)
    _, created = SavedResource.objects.get_or_create(user=member, resource=resource)
    return Result(obj=resource, changed=created)


@transaction.atomic
def resource_unsave(*, user: User | AnonymousUser, resource_id: int) -> Result[Resource]:
    """Takes a resource off the member's list. Idempotent."""
    member = check_member(user=user)
    deleted, _ = SavedResource.objects.filter(user=member, resource_id=resource_id).delete()
    resource = Resource.objects.filter(pk=resource_id).first()
    if resource is None:
        raise Http404
    return Result(obj=resource, changed=bool(deleted))


@transaction.atomic
def helpful_mark(*, user: User | AnonymousUser, resource_id: int) -> Result[Resource]:
    """ "This helped me": one per member and resource; the count goes up once. Idempotent."""
    member = check_member(user=user)
    resource = _published(resource_id=resource_id, viewer=member)
    _, created = HelpfulMark.objects.get_or_create(user=member, resource=resource)
    if created:
        Resource.objects.filter(pk=resource.pk).update(helpful_count=F("helpful_count") + 1)
        resource.refresh_from_db(fields=["helpful_count"])
    return Result(obj=resource, changed=created)


@transaction.atomic
def helpful_unmark(*, user: User | AnonymousUser, resource_id: int) -> Result[Resource]:
    """Takes the member's "this helped me" back. Idempotent."""
    member = check_member(user=user)
    resource = _published(resource_id=resource_id, viewer=member)
    deleted, _ = HelpfulMark.objects.filter(user=member, resource=resource).delete()
    if deleted:
        Resource.objects.filter(pk=resource.pk, helpful_count__gt=0).update(
            helpful_count=F("helpful_count") - 1
        )
        resource.refresh_from_db(fields=["helpful_count"])
    return Result(obj=resource, changed=bool(deleted))


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


# --- curators -----------------------------------------------------------------------------


@transaction.atomic
def resource_publish(*, curator: User | AnonymousUser, resource_id: int) -> Result[Resource]:
    """Puts a suggested or archived resource in the library and starts its review clock.
    A published one is left as it is."""
    actor = check_curator(curator=curator)
    resource = _locked(resource_id=resource_id)
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
    resource = _locked(resource_id=resource_id)
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


LINK_HEALTH_FIELDS = (
    "link_status",
    "link_status_code",
    "link_checked_at",
    "link_failures",
    "link_failing_since",
    "link_final_url",
    "link_error",
)


def _changes_apply(
    resource: Resource, cleaned: dict[str, Any], *, viewer: User
) -> tuple[list[str], bool]:
    """Applies an edit to the locked ``resource``: the changed columns (saved by the caller)
    and whether the tags changed (saved here). A new link is checked for duplicates and its
    health starts afresh; a new review interval moves the due date."""
    if "url" in cleaned and cleaned["url"] != resource.url:
        _duplicate_refusal(url=cleaned["url"], viewer=viewer, excluding=resource.pk)
    changed = _apply(resource, cleaned)
    if "url" in changed:
        resource.link_status = LinkStatus.UNCHECKED
        resource.link_status_code = None
        resource.link_checked_at = None
        resource.link_failures = 0
        resource.link_failing_since = None
        resource.link_final_url = ""
        resource.link_error = ""
        changed += LINK_HEALTH_FIELDS
    if "review_interval_months" in changed and resource.last_reviewed_at is not None:
        resource.review_due_at = months_after(
            resource.last_reviewed_at, resource.review_interval_months
        )
        changed.append("review_due_at")
    tags_changed = False
    if "tags" in cleaned:
        tags = _tags_resolve(cleaned["tags"], may_create=viewer.can_curate)
        if set(resource.tags.values_list("pk", flat=True)) != {tag.pk for tag in tags}:
            resource.tags.set(tags)
            tags_changed = True
    return changed, tags_changed


@transaction.atomic
def resource_edit(
    *, curator: User | AnonymousUser, resource_id: int, data: dict[str, Any]
) -> Result[Resource]:
    """Changes the fields sent, with one audit row naming them. Sending what is there
    changes nothing and writes nothing."""
    actor = check_curator(curator=curator)
    cleaned = clean(data, partial=True)
    resource = _locked(resource_id=resource_id)
    changed, tags_changed = _changes_apply(resource, cleaned, viewer=actor)
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


def _own_suggestion(*, member: User, resource_id: int) -> Resource:
    """The member's own suggestion, locked, while it waits for a curator."""
    resource = _locked(resource_id=resource_id)
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
    *, user: User | AnonymousUser, resource_id: int, data: dict[str, Any]
) -> Result[Resource]:
    """The member fixes their own suggestion while it waits (every field but the review
    interval, which is the curators'). Sending what is there changes nothing."""
    member = check_member(user=user)
    if "review_interval_months" in data:
        raise invalid({"review_interval_months": ["Curators set how often it is reviewed."]})
    cleaned = clean(data, partial=True)
    resource = _own_suggestion(member=member, resource_id=resource_id)
    changed, tags_changed = _changes_apply(resource, cleaned, viewer=member)
    if changed:
        resource.save(update_fields=[*changed, "updated_at"])
    return Result(obj=resource, changed=bool(changed) or tags_changed)


@transaction.atomic
def suggestion_withdraw(*, user: User | AnonymousUser, resource_id: int) -> None:
    """The member takes back their own suggestion while it waits: it is gone, unless a
    curator already edited it (the audit log points to it), in which case it is archived."""
    member = check_member(user=user)
    resource = _own_suggestion(member=member, resource_id=resource_id)
    if ModerationAction.objects.filter(resource=resource).exists():
        resource.state = ResourceState.ARCHIVED
        resource.save(update_fields=["state", "updated_at"])
        return
    resource.delete()


@transaction.atomic
def resource_review(*, curator: User | AnonymousUser, resource_id: int) -> Result[Resource]:
    """Marks a published resource as checked by a curator today and moves its next review.
    Reviewing it again the same day changes nothing."""
    actor = check_curator(curator=curator)
    resource = _locked(resource_id=resource_id)
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
