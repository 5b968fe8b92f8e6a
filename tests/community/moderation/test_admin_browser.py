"""A volunteer moderator at work in the admin, in a real headless Chromium: signs in, clears the
queue, resolves a flag and suspends a member; members then see the result through the API."""

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from rest_framework.test import APIClient

from accounts.models import User
from community.forum.models import Board, Post, PostingPolicy, PostState, Thread
from community.moderation.models import Flag, FlagState
from community.moderation.services import flags
from community.notifications.kinds import Kind
from tests import factories
from tests.factories import BoardFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db(transaction=True)

MIGRATION = import_module("community.moderation.migrations.0002_moderators_group")
QUEUE = "/admin/moderation/pendingpost/"
FLAGS = "/admin/moderation/flag/"
USERS = "/admin/accounts/user/"


def screenshot_path(name: str) -> Path:
    """Where CI finds the screenshots: ``$SCREENSHOT_DIR``, or var/screenshots (git-ignored)."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or settings.BASE_DIR / "var" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder.resolve() / name


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1600, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _no_flood_wait(settings):
    settings.MODERATION_FLOOD_SECONDS = 0


@pytest.fixture
def volunteer() -> User:
    """A moderator, put in the Moderators group by the migration as on deployment."""
    user = factories.ModeratorFactory(username="steady_owl")
    MIGRATION.moderators_group_create(django_apps)
    return user


@pytest.fixture
def moderator_page(page: Page, volunteer: User) -> Page:
    """Signed in through the admin's own login page, as a volunteer would."""
    page.goto("/admin/login/")
    page.get_by_label("Login email").fill(volunteer.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    return page


def api_client(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def states_seen_by(user: User, thread: Thread) -> dict[int, str]:
    response = api_client(user).get(f"/api/v1/threads/{thread.pk}/posts")
    assert response.status_code == 200, response.content
    return {item["id"]: item["state"] for item in response.json()["results"]}


def message(page: Page, text: str) -> None:
    expect(page.locator("ul.messagelist")).to_contain_text(text)


def held_scene() -> tuple[Board, Thread]:
    board = BoardFactory(name="Botox and injections", posting_policy=PostingPolicy.PREMODERATE_ALL)
    host = factories.ModeratorFactory(username="thread_host")
    thread = make_thread(
        board=board,
        author=host,
        title="Fourth round of injections",
        body="How long did your first injections take to work?",
    )
    return board, thread


def held(thread: Thread, body: str, username: str) -> Post:
    author = factories.UserFactory(username=username)
    return make_reply(thread=thread, author=author, body=body, state=PostState.PENDING)


def test_approving_a_held_post_publishes_it_for_its_author(moderator_page: Page, record_property):
    page = moderator_page
    _, thread = held_scene()
    post = held(thread, "Mine took two weeks to kick in, then lasted ten.", "slow_heron")
    crisis = held(thread, "Some days I want to end it all.", "low_robin")
    Post.objects.filter(pk=crisis.pk).update(is_urgent=True)
    reader = factories.UserFactory()
    assert states_seen_by(post.author, thread)[post.pk] == PostState.PENDING
    assert post.pk not in states_seen_by(reader, thread)

    page.get_by_role("link", name="Moderation queue").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    # The crisis post is on top, marked; the held post shows its author, board and thread.
    expect(rows.nth(0).locator(".crisis-badge")).to_have_text("Crisis")
    expect(rows.nth(0)).to_contain_text("low_robin")
    expect(rows.nth(1)).to_contain_text("slow_heron")
    expect(rows.nth(1)).to_contain_text("Botox and injections")
    expect(rows.nth(1)).to_contain_text("Fourth round of injections")
    expect(rows.nth(1)).to_contain_text("How long did your first injections take to work?")
    shot = screenshot_path("moderation-queue.png")
    page.screenshot(path=shot, full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG")
    record_property("screenshot", str(shot))
    print(f"queue screenshot: {shot}")

    page.get_by_role("button", name=f"Approve post {post.pk}").click()

    message(page, f"Approved post #{post.pk} by slow_heron: it is published.")
    expect(rows).to_have_count(1)
    assert states_seen_by(post.author, thread)[post.pk] == PostState.PUBLISHED
    assert states_seen_by(reader, thread)[post.pk] == PostState.PUBLISHED


def test_rejecting_with_a_reason_tells_the_author(moderator_page: Page):
    page = moderator_page
    _, thread = held_scene()
    post = held(thread, "Call my clinic on 0123 456 789, ask for Dr Smith.", "slow_heron")
    reason = "Please leave out phone numbers and names of staff, then post it again."

    page.goto(QUEUE)
    page.get_by_label(f"Reason for rejecting post {post.pk}").fill(reason)
    page.get_by_role("button", name=f"Reject post {post.pk}").click()

    message(page, f"Rejected post #{post.pk} by slow_heron. The author was told: “{reason}”")
    expect(page.locator("#result_list")).to_have_count(0)
    told = api_client(post.author).get("/api/v1/notifications")
    assert told.status_code == 200
    assert [(n["kind"], n["post"], n["details"]) for n in told.json()["results"]] == [
        (Kind.POST_REJECTED, post.pk, {"reason": reason})
    ]
    assert states_seen_by(post.author, thread)[post.pk] == PostState.REJECTED


def test_dismissing_flags_puts_the_post_back(moderator_page: Page):
    page = moderator_page
    board = BoardFactory()
    thread = make_thread(board=board, author=factories.UserFactory())
    post = make_reply(
        thread=thread,
        author=factories.UserFactory(username="blunt_crow"),
        body="Honestly, the physio advice here is rubbish.",
    )
    for member in factories.UserFactory.create_batch(3):
        flags.flag_create(flagger=member, post_id=post.pk, reason="abuse", note="Rude to us.")
    reader = factories.UserFactory()
    assert post.pk not in states_seen_by(reader, thread)

    page.goto(FLAGS)
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Honestly, the physio advice here is rubbish.")
    expect(rows.nth(0)).to_contain_text("Rude to us.")
    rows.nth(0).locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label="Dismiss: restore the post")
    page.get_by_role("button", name="Go", exact=True).click()

    message(
        page, f"Dismissed the flags; posts the flags had hidden are visible again: post #{post.pk}."
    )
    assert set(Flag.objects.values_list("state", flat=True)) == {FlagState.DISMISSED}
    assert states_seen_by(reader, thread)[post.pk] == PostState.PUBLISHED


def test_suspending_with_the_date_picker_stops_the_members_writes(moderator_page: Page):
    page = moderator_page
    member = factories.UserFactory(username="loud_falcon")
    factories.UserFactory(username="calm_swift")

    page.goto(USERS)
    page.locator("#searchbar").fill("loud_falcon")
    page.locator("#changelist-search input[type=submit]").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    rows.nth(0).locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label="Suspend selected members…")
    page.get_by_role("button", name="Go", exact=True).click()

    expect(page.get_by_text("Suspended members can read but not post")).to_be_visible()
    # The date from the calendar: the 15th of next month; the time from the clock: noon.
    page.locator("#calendarlink0").click()
    calendar = page.locator("#calendarbox0")
    expect(calendar).to_be_visible()
    calendar.locator(".calendarnav-next").click()
    calendar.locator("td:not(.nonday) a", has_text=re.compile(r"^15$")).click()
    page.locator("#clocklink0").click()
    page.locator("#clockbox0").get_by_role("link", name="Noon").click()
    expect(page.locator("#id_until_1")).to_have_value(re.compile(r"^12:00"))
    page.get_by_label("Reason").fill("Repeated abuse after two warnings.")
    page.get_by_role("button", name="Suspend").click()

    message(page, "and signed out everywhere: loud_falcon.")
    today = timezone.localdate()
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=15)
    until = datetime.combine(next_month, time(12, 0), tzinfo=UTC)
    member.refresh_from_db()
    assert member.suspended_until == until
    response = api_client(member).patch("/api/v1/me", {"display_name": "Falcon"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "suspended"
