"""Link health as curators see it: links checked against a real local server, broken links
and recoveries, one notice per broken episode, and the weekly review reminder."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

import community.resources.tasks  # noqa: F401  (registers the tasks under the names beat sends)
from community.notifications.kinds import Kind
from community.notifications.models import Notification
from community.resources.health import (
    link_check_run,
    link_result_record,
    review_reminders_send,
)
from community.resources.linkcheck import CheckResult
from community.resources.models import LinkStatus, Resource, ResourceState
from config.celery import app
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def curators(curator, moderator, admin_user):
    return [curator, moderator, admin_user]


def _notices(user, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=kind).order_by("id"))


def _failure(url: str) -> CheckResult:
    return CheckResult(ok=False, status_code=404, final_url=url, error="HTTP 404")


def test_three_failures_in_a_row_break_a_link_and_tell_each_curator_once(curators, member):
    resource = factories.make_resource(title="Botox diary", url="https://example.org/diary")
    t0 = timezone.now()

    link_result_record(resource_id=resource.pk, result=_failure(resource.url), now=t0)
    resource.refresh_from_db()
    assert resource.link_status == LinkStatus.FAILING
    assert (resource.link_failures, resource.link_failing_since) == (1, t0)
    assert (resource.link_status_code, resource.link_error) == (404, "HTTP 404")
    assert resource.link_checked_at == t0

    link_result_record(
        resource_id=resource.pk, result=_failure(resource.url), now=t0 + timedelta(days=1)
    )
    assert Notification.objects.filter(kind=Kind.RESOURCE_BROKEN).count() == 0

    link_result_record(
        resource_id=resource.pk, result=_failure(resource.url), now=t0 + timedelta(days=2)
    )
    resource.refresh_from_db()
    assert resource.link_status == LinkStatus.BROKEN
    assert (resource.link_failures, resource.link_failing_since) == (3, t0)
    for curator in curators:
        [notice] = _notices(curator, Kind.RESOURCE_BROKEN)
        assert notice.data == {
            "resource": resource.pk,
            "title": "Botox diary",
            "link": "https://example.org/diary",
            "error": "HTTP 404",
            "url": f"{settings.SITE_URL}/admin/resources/resource/{resource.pk}/change/",
        }
    assert _notices(member, Kind.RESOURCE_BROKEN) == []

    # Still broken the next day: nobody hears of it twice.
    link_result_record(
        resource_id=resource.pk, result=_failure(resource.url), now=t0 + timedelta(days=3)
    )
    resource.refresh_from_db()
    assert (resource.link_status, resource.link_failures) == (LinkStatus.BROKEN, 4)
    for curator in curators:
        assert len(_notices(curator, Kind.RESOURCE_BROKEN)) == 1


def test_a_link_that_works_again_is_cleared_and_a_new_break_is_news_again(curator):
    resource = factories.make_resource(url="https://example.org/moved")
    t0 = timezone.now()
    for day in range(3):
        link_result_record(
            resource_id=resource.pk, result=_failure(resource.url), now=t0 + timedelta(days=day)
        )

    working = CheckResult(ok=True, status_code=200, final_url=resource.url, error="")
    link_result_record(resource_id=resource.pk, result=working, now=t0 + timedelta(days=3))
    resource.refresh_from_db()
    assert resource.link_status == LinkStatus.OK
    assert (resource.link_failures, resource.link_failing_since, resource.link_error) == (
        0,
        None,
        "",
    )
    assert resource.link_status_code == 200

    for day in range(4, 7):
        link_result_record(
            resource_id=resource.pk, result=_failure(resource.url), now=t0 + timedelta(days=day)
        )
    assert len(_notices(curator, Kind.RESOURCE_BROKEN)) == 2


def test_a_result_for_a_resource_archived_meanwhile_is_dropped(curator):
    resource = factories.make_resource(state=ResourceState.ARCHIVED)

    link_result_record(resource_id=resource.pk, result=_failure(resource.url), now=timezone.now())

    resource.refresh_from_db()
    assert (resource.link_status, resource.link_failures) == (LinkStatus.UNCHECKED, 0)
    assert resource.link_checked_at is None


def test_a_run_checks_never_checked_links_first_then_the_oldest(server):
    now = timezone.now()

    def make(name: str, *, checked_hours_ago: float | None, state: str = "published"):
        checked = None if checked_hours_ago is None else now - timedelta(hours=checked_hours_ago)
        return factories.make_resource(
            title=name, url=server.url(f"/ok/{name}"), state=state, link_checked_at=checked
        )

    day_old = make("day-old", checked_hours_ago=30)
    never = make("never", checked_hours_ago=None)
    oldest = make("oldest", checked_hours_ago=40)
    recent = make("recent", checked_hours_ago=1)
    archived = make("archived", checked_hours_ago=None, state=ResourceState.ARCHIVED)
    suggested = make("suggested", checked_hours_ago=None, state=ResourceState.SUGGESTED)

    first = link_check_run(limit=2, now=now)

    assert (first.checked, first.ok, first.failed) == (2, 2, 0)
    assert sorted(server.paths()) == ["/ok/never", "/ok/oldest"]
    checked_now = set(Resource.objects.filter(link_checked_at=now).values_list("pk", flat=True))
    assert checked_now == {never.pk, oldest.pk}

    second = link_check_run(now=now)

    assert second.checked == 1
    assert server.paths()[2:] == ["/ok/day-old"]
    for untouched in (recent, archived, suggested):
        untouched.refresh_from_db()
        assert untouched.link_status == LinkStatus.UNCHECKED
    day_old.refresh_from_db()
    assert (day_old.link_status, day_old.link_status_code) == (LinkStatus.OK, 200)


def test_the_hourly_task_checks_links_and_records_what_it_found(server):
    working = factories.make_resource(url=server.url("/ok"))
    missing = factories.make_resource(url=server.url("/status/404"))
    no_head = factories.make_resource(url=server.url("/head-not-allowed"))
    moved = factories.make_resource(url=server.url("/redirect/2"))

    summary = app.tasks["resources.check_links"].delay().get()

    assert {key: summary[key] for key in ("checked", "ok", "failed")} == {
        "checked": 4,
        "ok": 3,
        "failed": 1,
    }
    for resource in (working, missing, no_head, moved):
        resource.refresh_from_db()
        assert resource.link_checked_at is not None
    assert (working.link_status, working.link_status_code) == (LinkStatus.OK, 200)
    assert (missing.link_status, missing.link_error) == (LinkStatus.FAILING, "HTTP 404")
    assert no_head.link_status == LinkStatus.OK
    assert moved.link_final_url == server.url("/redirect/0")


def test_runs_a_day_apart_break_a_failing_link_and_a_fix_recovers_it(server, curator):
    server.answer("/leaflet", 500)
    resource = factories.make_resource(title="Neck exercises", url=server.url("/leaflet"))
    t0 = timezone.now()

    runs = [link_check_run(now=t0 + timedelta(hours=25 * n)) for n in range(3)]

    assert [run.newly_broken for run in runs] == [0, 0, 1]
    resource.refresh_from_db()
    assert (resource.link_status, resource.link_error) == (LinkStatus.BROKEN, "HTTP 500")
    [notice] = _notices(curator, Kind.RESOURCE_BROKEN)
    assert notice.data["title"] == "Neck exercises"

    server.answer("/leaflet", 200)
    fixed = link_check_run(now=t0 + timedelta(hours=75))

    assert (fixed.recovered, fixed.newly_broken) == (1, 0)
    resource.refresh_from_db()
    assert (resource.link_status, resource.link_failures) == (LinkStatus.OK, 0)


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_check_each_link_once(server):
    urls = [server.url(f"/slow/0.2?n={n}") for n in range(6)]
    for url in urls:
        factories.make_resource(url=url)
    summaries = []

    def run() -> None:
        try:
            summaries.append(link_check_run())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(server.paths()) == sorted(url.removeprefix(server.url("")) for url in urls)
    assert sum(summary.checked for summary in summaries) == 6
    assert Resource.objects.filter(link_status=LinkStatus.OK).count() == 6


def test_curators_get_one_review_reminder_a_week_however_many_resources_are_due(
    curator, moderator, member, time_machine
):
    # A Wednesday: "the same week" below stays the same week.
    time_machine.move_to(datetime(2026, 3, 4, 9, 0, tzinfo=UTC), tick=True)
    now = timezone.now()
    overdue = [factories.make_resource(title=f"Overdue {n}") for n in range(5)]
    for n, resource in enumerate(overdue):
        Resource.objects.filter(pk=resource.pk).update(review_due_at=now - timedelta(days=30 - n))
    factories.make_resource(title="Reviewed lately")
    archived = factories.make_resource(title="Archived", state=ResourceState.ARCHIVED)
    Resource.objects.filter(pk=archived.pk).update(review_due_at=now - timedelta(days=90))

    assert app.tasks["resources.review_reminders"].delay().get() == 2

    for user in (curator, moderator):
        [notice] = _notices(user, Kind.RESOURCE_REVIEW_DUE)
        assert notice.data == {
            "count": 5,
            "titles": [f"Overdue {n}" for n in range(5)],
            # The email's link: the admin's list of resources due for review.
            "url": f"{settings.SITE_URL}/admin/resources/resource/?review=due",
        }
    assert _notices(member, Kind.RESOURCE_REVIEW_DUE) == []

    # Again in the same week: nothing new.
    assert review_reminders_send(now=timezone.now()) == 0
    assert len(_notices(curator, Kind.RESOURCE_REVIEW_DUE)) == 1

    # A week later, still not reviewed: reminded again.
    assert review_reminders_send(now=now + timedelta(days=7)) == 2
    assert len(_notices(curator, Kind.RESOURCE_REVIEW_DUE)) == 2


def test_no_reminder_when_nothing_is_due(curator):
    factories.make_resource(title="Reviewed lately")

    assert review_reminders_send() == 0
    assert _notices(curator, Kind.RESOURCE_REVIEW_DUE) == []
