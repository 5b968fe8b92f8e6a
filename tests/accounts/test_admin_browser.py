"""The admin's member pages as a moderator sees them, in a real headless Chromium."""

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect

from accounts.models import TrustLevel
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

USERS_PATH = "/admin/accounts/user/"


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def admin_page(page: Page, live_server) -> Page:
    """A browser page already signed in to the admin as an admin."""
    client = Client()
    client.force_login(factories.AdminFactory.create())
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return page


def results(page: Page) -> Locator:
    return page.locator("#result_list tbody")


def search_users(page: Page, text: str) -> None:
    page.locator("#searchbar").fill(text)
    page.locator("#changelist-search input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"[?&]q="))
    expect(page.locator("#searchbar")).to_have_value(text)


def choose_filter(page: Page, title: str, choice: str) -> None:
    section = page.locator(f"#changelist-filter details[data-filter-title='{title}']")
    section.get_by_role("link", name=choice, exact=True).click()
    expect(section.locator("li.selected")).to_have_text(choice)


def test_admin_signs_in_and_searches_members_by_email_and_username(page: Page):
    admin = factories.AdminFactory.create()
    heron = factories.UserFactory.create(username="quiet_heron", email="heron.keeper@example.org")
    falcon = factories.UserFactory.create(username="loud_falcon", email="falcon.rider@example.org")

    page.goto("/admin/login/")
    page.get_by_label("Login email").fill(admin.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    # The header greets by pseudonym; a login email is not shown on every page.
    expect(page.locator("#user-tools")).to_contain_text(admin.username)
    expect(page.locator("#user-tools")).not_to_contain_text(admin.email)
    members = page.locator("#content-main .app-accounts")
    expect(members.get_by_role("caption")).to_have_text("Members")
    members.get_by_role("link", name="Users", exact=True).click()
    expect(page).to_have_url(re.compile(f"{USERS_PATH}$"))
    expect(page.get_by_role("heading", name="Select user to change")).to_be_visible()
    expect(results(page)).to_contain_text(heron.username)
    expect(results(page)).to_contain_text(falcon.username)

    search_users(page, heron.email)
    expect(results(page).locator("tr")).to_have_count(1)
    expect(results(page)).to_contain_text(heron.username)
    expect(results(page)).to_contain_text(heron.email)
    expect(results(page)).not_to_contain_text(falcon.username)
    expect(results(page)).not_to_contain_text(admin.username)

    search_users(page, "falc")
    expect(results(page).locator("tr")).to_have_count(1)
    expect(results(page)).to_contain_text(falcon.username)
    expect(results(page)).not_to_contain_text(heron.username)
    expect(results(page)).not_to_contain_text(admin.username)


def test_filter_suspended_now_shows_suspended_and_hides_active_members(admin_page: Page):
    suspended = factories.SuspendedMemberFactory.create(username="benched_wren")
    active = factories.UserFactory.create(username="busy_robin")
    lapsed = factories.UserFactory.create(
        username="former_jay", suspended_until=timezone.now() - timedelta(days=1)
    )

    admin_page.goto(USERS_PATH)
    expect(results(admin_page)).to_contain_text(active.username)

    choose_filter(admin_page, "suspension", "Suspended now")
    expect(results(admin_page).locator("tr")).to_have_count(1)
    expect(results(admin_page)).to_contain_text(suspended.username)
    expect(results(admin_page)).not_to_contain_text(active.username)
    expect(results(admin_page)).not_to_contain_text(lapsed.username)

    choose_filter(admin_page, "suspension", "Not suspended")
    expect(results(admin_page)).to_contain_text(active.username)
    expect(results(admin_page)).to_contain_text(lapsed.username)
    expect(results(admin_page)).not_to_contain_text(suspended.username)


def test_filter_by_role_and_by_trust(admin_page: Page):
    moderator = factories.ModeratorFactory.create(username="steady_owl")
    newcomer = factories.NewMemberFactory.create(username="fresh_finch")
    regular = factories.UserFactory.create(username="old_crow")
    assert regular.trust_level == TrustLevel.ESTABLISHED

    admin_page.goto(USERS_PATH)
    choose_filter(admin_page, "role", "Moderator")
    expect(results(admin_page).locator("tr")).to_have_count(1)
    expect(results(admin_page)).to_contain_text(moderator.username)
    expect(results(admin_page)).not_to_contain_text(regular.username)
    expect(results(admin_page)).not_to_contain_text(newcomer.username)

    admin_page.goto(USERS_PATH)
    choose_filter(admin_page, "trust level", "New")
    expect(results(admin_page).locator("tr")).to_have_count(1)
    expect(results(admin_page)).to_contain_text(newcomer.username)
    expect(results(admin_page)).not_to_contain_text(regular.username)
    expect(results(admin_page)).not_to_contain_text(moderator.username)


def test_member_change_page_shows_profile_inline_with_bio(admin_page: Page, tmp_path):
    member = factories.UserFactory.create(username="calm_swift")
    member.profile.bio = "Diagnosed in 2019; botox every twelve weeks helps me most."
    member.profile.treatments = ["botulinum_toxin", "yoga"]
    member.profile.save()
    factories.UserFactory.create(username="other_gull")

    admin_page.goto(USERS_PATH)
    results(admin_page).get_by_role("link", name=member.username, exact=True).click()

    expect(admin_page.get_by_role("heading", name="Change user")).to_be_visible()
    expect(admin_page.locator("#id_username")).to_have_value(member.username)
    inline = admin_page.locator("#profile-group")
    expect(inline.get_by_role("heading", name="Profile", exact=True)).to_be_visible()
    expect(inline.get_by_role("textbox", name="Bio")).to_have_value(member.profile.bio)
    expect(inline.get_by_role("combobox", name="Bio visibility")).to_have_value("members")
    # Treatments are ticked from the fixed list, not typed as JSON.
    expect(inline.get_by_role("checkbox", name="Botulinum toxin injections")).to_be_checked()
    expect(inline.get_by_role("checkbox", name="Yoga")).to_be_checked()
    expect(inline.get_by_role("checkbox", name="Acupuncture")).not_to_be_checked()

    shot = tmp_path / "member-change.png"
    admin_page.screenshot(path=shot, full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert shot.stat().st_size > 1000
