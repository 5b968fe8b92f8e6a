"""How a resource's fields are set, for a new suggestion and for an edit alike: one link per
resource, tags by slug, the summary rendered once, and what an edit starts afresh."""

from collections.abc import Iterable
from typing import Any

from accounts.models import User
from community.forum.markdown import render_markdown
from community.resources.models import LinkStatus, Resource, ResourceState, Tag
from community.resources.services.common import months_after
from config.api.errors import ApiError

# The fields a suggestion or an edit sets, by the names the audit log gives them.
EDITABLE = (
    "title",
    "url",
    "summary",
    "organisation",
    "category",
    "audience",
    "tags",
    "language",
    "review_interval_months",
)

LINK_HEALTH_FIELDS = (
    "link_status",
    "link_status_code",
    "link_checked_at",
    "link_failures",
    "link_failing_since",
    "link_final_url",
    "link_error",
)


def fields_given(**fields: Any) -> dict[str, Any]:
    """The fields an edit changes: those given, ``None`` meaning "leave it as it is"."""
    return {name: value for name, value in fields.items() if value is not None}


def duplicate_refusal(*, url: str, viewer: User, excluding: int | None = None) -> None:
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


def tags_resolve(slugs: Iterable[str], *, may_create: bool) -> list[Tag]:
    """The tags with these slugs, in order; a curator's new slug becomes a tag, a member's is
    refused (422 ``invalid``: well formed, but not a tag of the library)."""
    slugs = list(slugs)
    tags = {tag.slug: tag for tag in Tag.objects.filter(slug__in=slugs)}
    missing = [slug for slug in slugs if slug not in tags]
    if missing and not may_create:
        message = f"Unknown tag: {', '.join(missing)}. Choose existing tags."
        raise ApiError(message, code="invalid", status_code=422, fields={"tags": [message]})
    for slug in missing:
        tags[slug], _ = Tag.objects.get_or_create(
            slug=slug, defaults={"name": slug.replace("-", " ")}
        )
    return [tags[slug] for slug in slugs]


def fields_apply(resource: Resource, fields: dict[str, Any]) -> list[str]:
    """Sets the changed fields on ``resource``; returns their names (tags not included)."""
    changed = []
    for name, value in fields.items():
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


def changes_apply(
    resource: Resource, fields: dict[str, Any], *, viewer: User
) -> tuple[list[str], bool]:
    """Applies an edit to the locked ``resource``: the changed columns (saved by the caller)
    and whether the tags changed (saved here). A new link is checked for duplicates and its
    health starts afresh; a new review interval moves the due date."""
    if "url" in fields and fields["url"] != resource.url:
        duplicate_refusal(url=fields["url"], viewer=viewer, excluding=resource.pk)
    changed = fields_apply(resource, fields)
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
    if "tags" in fields:
        tags = tags_resolve(fields["tags"], may_create=viewer.can_curate)
        if set(resource.tags.values_list("pk", flat=True)) != {tag.pk for tag in tags}:
            resource.tags.set(tags)
            tags_changed = True
    return changed, tags_changed
