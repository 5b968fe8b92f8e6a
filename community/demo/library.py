"""The demo library for the laptop default: loads the resources and suggestions of
``community.demo.library_data`` through the models, and points two demo posts at a resource.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from community.demo.library_data import POST_LINKS, RESOURCES, SUGGESTIONS, DemoResource
from community.forum.markdown import render_markdown
from community.forum.models import Post, PostState
from community.resources.models import Resource, ResourceState, Tag
from community.resources.services.common import months_after

__all__ = ["RESOURCES", "SUGGESTIONS", "demo_posts_link", "demo_resources_load", "tag_name"]


_UPPER = {"uk", "us", "eu"}


def tag_name(slug: str) -> str:
    """A tag's display name from its slug: "deep-brain-stimulation" -> "Deep brain
    stimulation", "uk" -> "UK"."""
    name = " ".join(word.upper() if word in _UPPER else word for word in slug.split("-"))
    return name[:1].upper() + name[1:]


def _tags_ensure(slugs: set[str]) -> dict[str, Tag]:
    existing = {tag.slug: tag for tag in Tag.objects.filter(slug__in=slugs)}
    for slug in sorted(slugs - existing.keys()):
        existing[slug], _ = Tag.objects.get_or_create(slug=slug, defaults={"name": tag_name(slug)})
    return existing


def _resource_create(
    spec: DemoResource, *, tags: dict[str, Tag], state: str, **fields: Any
) -> Resource:
    resource = Resource.objects.create(
        title=spec["title"],
        url=spec["url"],
        organisation=spec["organisation"],
        category=spec["category"],
        audience=spec["audience"],
        language=spec["language"],
        summary_source=spec["summary"],
        summary_html=render_markdown(spec["summary"]),
        state=state,
        review_interval_months=settings.RESOURCES_REVIEW_INTERVAL_MONTHS,
        **fields,
    )
    resource.tags.set([tags[slug] for slug in spec["tags"]])
    return resource


@transaction.atomic
def demo_resources_load(*, curator: User, suggested_by: User | None = None) -> int:
    """Creates the demo library, published and curated by ``curator``, plus two suggestions
    from ``suggested_by`` when given. Idempotent: a URL already in the library is skipped.
    Returns how many resources were created."""
    now = timezone.now()
    due = months_after(now, settings.RESOURCES_REVIEW_INTERVAL_MONTHS)
    wanted = [(spec, ResourceState.PUBLISHED) for spec in RESOURCES]
    if suggested_by is not None:
        wanted += [(spec, ResourceState.SUGGESTED) for spec in SUGGESTIONS]
    present = set(
        Resource.objects.filter(url__in=[spec["url"] for spec, _ in wanted]).values_list(
            "url", flat=True
        )
    )
    missing = [(spec, state) for spec, state in wanted if spec["url"] not in present]
    tags = _tags_ensure({slug for spec, _ in missing for slug in spec["tags"]})
    for position, (spec, state) in enumerate(missing):
        if state == ResourceState.PUBLISHED:
            _resource_create(
                spec,
                tags=tags,
                state=state,
                curated_by=curator,
                # A minute apart, so the library (newest first) opens in the order above.
                published_at=now - timedelta(minutes=position),
                last_reviewed_at=now,
                review_due_at=due,
            )
        else:
            _resource_create(spec, tags=tags, state=state, suggested_by=suggested_by)
    return len(missing)


def demo_posts_link() -> int:
    """Points the demo posts in ``POST_LINKS`` at the published resource their text links to.
    Idempotent: a post that already points to a resource is left alone. Returns how many
    posts changed."""
    linked = 0
    for thread_title, url in POST_LINKS:
        resource = Resource.objects.filter(url=url, state=ResourceState.PUBLISHED).first()
        if resource is None:
            continue
        post = (
            Post.objects.filter(
                thread__title=thread_title,
                state=PostState.PUBLISHED,
                body_source__contains=url,
                resource__isnull=True,
            )
            .order_by("thread_id", "position")
            .first()
        )
        if post is not None:
            linked += Post.objects.filter(pk=post.pk).update(resource=resource)
    return linked
