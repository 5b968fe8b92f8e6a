"""Link health: the checker's runs and what each result does to a resource, and the weekly
reminder of resources due for review.

A run claims its links in one short transaction (``SELECT ... FOR UPDATE SKIP LOCKED``, then
``link_checked_at = now``), checks them with no transaction open, and records each result in
its own short transaction. A second run at the same time skips the locked rows and, once the
claim commits, finds them checked recently: each link is checked by one run.
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from community.notifications.fanout import notify
from community.notifications.kinds import Kind
from community.resources.linkcheck import CheckResult, check_many
from community.resources.models import LinkStatus, Resource, ResourceState
from community.resources.selectors import curator_ids
from community.resources.services.common import curator_page_url

# How many titles the weekly reminder names; the count says how many there are in all.
REVIEW_TITLES_SHOWN = 5


class _Change(Enum):
    NONE = "none"
    BROKE = "broke"
    RECOVERED = "recovered"


@dataclass(frozen=True)
class LinkCheckRun:
    checked: int
    ok: int
    failed: int
    newly_broken: int
    recovered: int
    seconds: float


def _result_save(*, resource_id: int, result: CheckResult, now: datetime) -> _Change:
    with transaction.atomic():
        resource = (
            Resource.objects.select_for_update()
            .filter(pk=resource_id, state=ResourceState.PUBLISHED)
            .first()
        )
        if resource is None:
            return _Change.NONE  # archived (or gone) while its link was being checked
        was = resource.link_status
        resource.link_checked_at = now
        resource.link_status_code = result.status_code
        resource.link_final_url = result.final_url[:2000]
        if result.ok:
            resource.link_status = LinkStatus.OK
            resource.link_failures = 0
            resource.link_failing_since = None
            resource.link_error = ""
        else:
            resource.link_failures += 1
            resource.link_failing_since = resource.link_failing_since or now
            resource.link_error = result.error[:300]
            broken = resource.link_failures >= settings.RESOURCES_LINK_BROKEN_AFTER
            resource.link_status = LinkStatus.BROKEN if broken else LinkStatus.FAILING
        resource.save(
            update_fields=[
                "link_checked_at",
                "link_status_code",
                "link_final_url",
                "link_status",
                "link_failures",
                "link_failing_since",
                "link_error",
            ]
        )
        if resource.link_status == LinkStatus.BROKEN and was != LinkStatus.BROKEN:
            _broken_tell(resource=resource, failing_since=resource.link_failing_since or now)
            return _Change.BROKE
        if resource.link_status == LinkStatus.OK and was == LinkStatus.BROKEN:
            return _Change.RECOVERED
        return _Change.NONE


def _broken_tell(*, resource: Resource, failing_since: datetime) -> None:
    # One episode, one key: a link that breaks again later is news again.
    since = int(failing_since.timestamp())
    notify(
        recipient_ids=curator_ids(),
        kind=Kind.RESOURCE_BROKEN,
        event_key=f"resource:{resource.pk}:broken:{since}",
        data={
            "resource": resource.pk,
            "title": resource.title,
            "link": resource.url,
            "error": resource.link_error,
            # Where curators fix it: the email links here.
            "url": curator_page_url(resource),
        },
    )


def link_result_record(*, resource_id: int, result: CheckResult, now: datetime) -> None:
    """Writes one check's result to a published resource (locked). A working link is cleared
    of past failures; RESOURCES_LINK_BROKEN_AFTER failures in a row make it broken, and the
    curators hear of it once per broken episode. An archived resource is left alone."""
    _result_save(resource_id=resource_id, result=result, now=now)


def _due_claim(*, now: datetime, limit: int) -> list[tuple[int, str]]:
    """Published links never checked or not checked for a while, never-checked first then
    the oldest; marks them checked now so no other run takes them."""
    cutoff = now - timedelta(hours=settings.RESOURCES_LINK_CHECK_EVERY_HOURS)
    with transaction.atomic():
        due = list(
            Resource.objects.filter(state=ResourceState.PUBLISHED)
            .filter(Q(link_checked_at__isnull=True) | Q(link_checked_at__lt=cutoff))
            .order_by(F("link_checked_at").asc(nulls_first=True), "id")
            .select_for_update(skip_locked=True)
            .values_list("id", "url")[:limit]
        )
        Resource.objects.filter(pk__in=[pk for pk, _ in due]).update(link_checked_at=now)
    return due


def link_check_run(*, limit: int | None = None, now: datetime | None = None) -> LinkCheckRun:
    """Checks the published links that are due (at most ``limit``, default
    RESOURCES_LINK_CHECK_BATCH) and records each result. Safe to run twice at once: each due
    link is claimed by one run. Returns what it found."""
    started = time.monotonic()
    now = now or timezone.now()
    limit = settings.RESOURCES_LINK_CHECK_BATCH if limit is None else limit
    due = _due_claim(now=now, limit=limit)
    # No transaction is open here: checking a thousand links must not hold locks or a
    # connection in a transaction for minutes.
    results = check_many(
        [url for _, url in due], concurrency=settings.RESOURCES_LINK_CHECK_CONCURRENCY
    )
    changes = [
        _result_save(resource_id=pk, result=result, now=now)
        for (pk, _), result in zip(due, results, strict=True)
    ]
    ok = sum(result.ok for result in results)
    return LinkCheckRun(
        checked=len(results),
        ok=ok,
        failed=len(results) - ok,
        newly_broken=changes.count(_Change.BROKE),
        recovered=changes.count(_Change.RECOVERED),
        seconds=round(time.monotonic() - started, 3),
    )


def review_reminders_send(*, now: datetime | None = None) -> int:
    """Tells every curator, once per ISO week, how many published resources are past their
    review date (with the first few titles). Safe to run twice. Returns notifications made."""
    now = now or timezone.now()
    overdue = Resource.objects.filter(
        state=ResourceState.PUBLISHED, review_due_at__lte=now
    ).order_by("review_due_at", "id")
    count = overdue.count()
    if count == 0:
        return 0
    year, week, _ = now.astimezone(UTC).isocalendar()
    created = notify(
        recipient_ids=curator_ids(),
        kind=Kind.RESOURCE_REVIEW_DUE,
        event_key=f"resources:review-due:{year}-W{week:02d}",
        data={
            "count": count,
            "titles": list(overdue.values_list("title", flat=True)[:REVIEW_TITLES_SHOWN]),
            "url": f"{settings.SITE_URL}{reverse('admin:resources_resource_changelist')}"
            "?review=due",
        },
    )
    return len(created)
