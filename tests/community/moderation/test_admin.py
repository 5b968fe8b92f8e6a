"""The moderators' admin site through the Django test client: the queue, the flag queue, the
audit log, watched words and members, as a volunteer moderator sees them."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role, TrustLevel, User
from community.forum.models import Board, Post, PostingPolicy, PostState, Thread
from community.moderation import services
from community.moderation.models import Flag, FlagState, ModerationAction, Verb, WatchedWord
from community.moderation.services import flags
from community.notifications.kinds import Kind
from community.notifications.models import Notification
from tests import factories
from tests.factories import BoardFactory, make_reply, make_thread
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

MIGRATION = import_module("community.moderation.migrations.0002_moderators_group")
QUEUE = "/admin/moderation/pendingpost/"
FLAGS = "/admin/moderation/flag/"
LOG = "/admin/moderation/moderationaction/"
WORDS = "/admin/moderation/watchedword/"
USERS = "/admin/accounts/user/"


@pytest.fixture(autouse=True)
def _no_flood_wait(settings):
    """Set-up writes many posts in a row; flood control is tested elsewhere."""
    settings.MODERATION_FLOOD_SECONDS = 0


@pytest.fixture
def volunteer(db) -> User:
    """A moderator put in the Moderators group by the migration, as it does on deployment."""
    user = factories.ModeratorFactory(username="steady_owl")
    MIGRATION.moderators_group_create(django_apps)
    return user


@pytest.fixture
def mod_client(volunteer) -> Client:
    client = Client()
    client.force_login(volunteer)
    return client


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def texts(response) -> list[str]:
    """The messages shown on the page the moderator lands on."""
    return [str(message) for message in response.context["messages"]]


class Queue:
    """A board that holds every post, a published thread, and what members wrote in it."""

    def __init__(self) -> None:
        self.board: Board = BoardFactory(name="Botox and injections")
        self.board.posting_policy = PostingPolicy.PREMODERATE_ALL
        self.board.save(update_fields=["posting_policy"])
        self.starter = factories.ModeratorFactory(username="thread_host")
        self.thread: Thread = make_thread(
            board=self.board,
            author=self.starter,
            title="Fourth round of injections",
            body="How long did your first injections take to work?",
        )

    def held(self, body: str = "Mine took two weeks to kick in.", **author) -> Post:
        return make_reply(
            thread=self.thread,
            author=factories.UserFactory(**author),
            body=body,
            state=PostState.PENDING,
        )


@pytest.fixture
def queue() -> Queue:
    return Queue()


def refreshed(post: Post) -> Post:
    post.refresh_from_db()
    return post


def row_ids(response) -> list[int]:
    return [obj.pk for obj in response.context["cl"].result_list]


def rows_listed(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return len(response.context["cl"].result_list)


# --- the group ------------------------------------------------------------------------------


def test_migration_makes_moderators_staff_in_a_group_with_only_moderation_rights(volunteer):
    bystander = factories.UserFactory()
    group = Group.objects.get(name="Moderators")
    rights = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }

    assert volunteer.groups.filter(pk=group.pk).exists()
    assert not bystander.groups.exists()
    assert {
        "moderation.view_pendingpost",
        "moderation.change_pendingpost",
        "moderation.change_flag",
        "moderation.view_moderationaction",
        "moderation.add_watchedword",
        "forum.view_post",
        "accounts.view_user",
        "accounts.change_user",
    } <= rights
    assert (
        not {
            "moderation.change_moderationaction",
            "moderation.delete_moderationaction",
            "accounts.add_user",
            "accounts.delete_user",
            "forum.delete_post",
            "auth.change_group",
            "auth.change_permission",
        }
        & rights
    )
    # Running it again (a re-applied migration) changes nothing.
    MIGRATION.moderators_group_create(django_apps)
    assert Group.objects.filter(name="Moderators").count() == 1
    assert group.permissions.count() == len(rights)


# --- the queue ------------------------------------------------------------------------------


def test_queue_lists_crisis_posts_first_then_oldest_first_with_their_context(mod_client, queue):
    older = queue.held("Mine took two weeks to kick in.", username="slow_heron")
    newer = queue.held("The second round worked faster for me.", username="quick_wren")
    crisis = queue.held("I can't do this any more, I want to end it all.", username="low_robin")
    Post.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(hours=3))
    Post.objects.filter(pk=crisis.pk).update(is_urgent=True)
    published = make_reply(thread=queue.thread, author=factories.UserFactory())
    published_elsewhere = make_thread(board=BoardFactory(), author=factories.UserFactory())

    response = mod_client.get(QUEUE)

    assert response.status_code == 200
    assert row_ids(response) == [crisis.pk, older.pk, newer.pk]
    assert published.pk not in row_ids(response)
    assert published_elsewhere.posts.get().pk not in row_ids(response)
    page = response.content.decode()
    assert page.count('class="crisis-badge"') == 1
    assert page.index("low_robin") < page.index("slow_heron") < page.index("quick_wren")
    for shown in (
        "Mine took two weeks to kick in.",
        "Botox and injections",
        "Fourth round of injections",
        f"/admin/forum/thread/{queue.thread.pk}/change/",
        "3\u00a0hours",  # timesince joins with a no-break space
        # The thread context: the published post before each held one.
        "How long did your first injections take to work?",
        f'form="approve-{older.pk}"',
        f'id="reject-{older.pk}"',
    ):
        assert shown in page, shown


def test_an_empty_queue_says_so_and_buttons_keep_the_moderators_filter(mod_client, queue):
    assert "No posts are waiting." in mod_client.get(QUEUE).content.decode()

    post = queue.held()
    page = mod_client.get(QUEUE, {"crisis": "no"}).content.decode()

    assert "No posts are waiting." not in page
    # After deciding, the moderator lands back on the same filtered list.
    for verb in ("approve", "reject"):
        assert f'action="{QUEUE}{post.pk}/{verb}/?_changelist_filters=crisis%3Dno"' in page
    # One checkbox per row for the bulk actions, and the box that selects them all.
    assert page.count('class="action-select"') == 1
    assert 'id="action-toggle"' in page


def test_queue_detail_shows_the_whole_post_and_the_thread_before_it(mod_client, queue):
    long_text = "I have had this for years. " * 40 + "The end of a long post."
    post = queue.held(long_text)

    page = mod_client.get(f"{QUEUE}{post.pk}/change/").content.decode()

    assert "The end of a long post." in page
    assert "How long did your first injections take to work?" in page
    assert 'name="_save"' not in page
    assert f'action="/admin/moderation/pendingpost/{post.pk}/approve/"' in page


def test_approve_in_one_click_publishes_once(mod_client, volunteer, queue):
    post = queue.held(username="slow_heron")
    other = factories.UserFactory()

    response = mod_client.post(f"{QUEUE}{post.pk}/approve/", follow=True)

    assert response.redirect_chain == [(QUEUE, 302)]
    assert texts(response) == [f"Approved post #{post.pk} by slow_heron: it is published."]
    assert refreshed(post).state == PostState.PUBLISHED
    seen = api_client(other).get(f"/api/v1/threads/{queue.thread.pk}/posts").json()["results"]
    assert post.pk in [item["id"] for item in seen]
    assert Notification.objects.filter(recipient=post.author, kind=Kind.POST_APPROVED).exists()

    again = mod_client.post(f"{QUEUE}{post.pk}/approve/", follow=True)

    assert texts(again) == [f"Post #{post.pk} by slow_heron was already approved; nothing changed."]
    assert (
        ModerationAction.objects.filter(post=post, verb=Verb.APPROVE, actor=volunteer).count() == 1
    )
    assert post.pk not in row_ids(mod_client.get(QUEUE))


def test_one_click_keeps_the_queue_filters(mod_client, queue):
    post = queue.held()

    response = mod_client.post(f"{QUEUE}{post.pk}/approve/?_changelist_filters=crisis%3Dno")

    assert response["Location"] == f"{QUEUE}?crisis=no"


def test_reject_in_one_click_sends_the_reason_to_the_author(mod_client, queue):
    post = queue.held(username="slow_heron")
    reason = "Please leave out the clinic's phone number and post it again."

    response = mod_client.post(f"{QUEUE}{post.pk}/reject/", {"reason": reason}, follow=True)

    assert texts(response) == [
        f"Rejected post #{post.pk} by slow_heron. The author was told: “{reason}”"
    ]
    assert refreshed(post).state == PostState.REJECTED
    told = api_client(post.author).get("/api/v1/notifications").json()["results"]
    assert [(n["kind"], n["post"], n["details"]) for n in told] == [
        (Kind.POST_REJECTED, post.pk, {"reason": reason})
    ]


def test_reject_without_a_reason_changes_nothing(mod_client, queue):
    post = queue.held()

    response = mod_client.post(f"{QUEUE}{post.pk}/reject/", {"reason": "   "}, follow=True)

    assert texts(response) == [f"Post #{post.pk} was not rejected: give a reason."]
    assert refreshed(post).state == PostState.PENDING
    assert not ModerationAction.objects.exists()


def test_one_click_on_a_post_that_left_the_queue_says_why(mod_client, queue):
    post = queue.held()
    Post.objects.filter(pk=post.pk).update(state=PostState.WITHDRAWN)

    response = mod_client.post(f"{QUEUE}{post.pk}/approve/", follow=True)

    assert texts(response) == [
        f"Post #{post.pk} was not approved: Only a post waiting for approval can be approved."
    ]
    assert refreshed(post).state == PostState.WITHDRAWN
    assert texts(mod_client.post(f"{QUEUE}987654/approve/", follow=True)) == [
        "Post #987654 was not approved: It no longer exists, or you cannot act on it."
    ]


def test_one_click_views_take_only_post(mod_client, queue):
    post = queue.held()

    assert mod_client.get(f"{QUEUE}{post.pk}/approve/").status_code == 405
    assert refreshed(post).state == PostState.PENDING


def test_bulk_approve_tells_what_changed_and_what_was_done_already(mod_client, queue):
    first, second = queue.held(username="slow_heron"), queue.held(username="quick_wren")
    done = queue.held(username="early_lark")
    selection = [first.pk, second.pk, done.pk]
    # Someone else approves one while this moderator is still reading the page.
    services.post_approve(moderator=factories.ModeratorFactory(), post_id=done.pk)

    response = mod_client.post(
        QUEUE, {"action": "approve_selected", "_selected_action": selection}, follow=True
    )

    assert response.redirect_chain == [(QUEUE, 302)]
    assert texts(response) == [
        f"Approved: post #{first.pk} by slow_heron, post #{second.pk} by quick_wren."
    ]
    assert refreshed(first).state == refreshed(second).state == PostState.PUBLISHED
    assert ModerationAction.objects.filter(post=done).count() == 1


def test_clearing_the_crisis_mark_takes_a_published_post_off_the_queue(mod_client, queue):
    looked_after = make_reply(thread=queue.thread, author=factories.UserFactory())
    Post.objects.filter(pk=looked_after.pk).update(is_urgent=True)
    assert row_ids(mod_client.get(QUEUE)) == [looked_after.pk]

    response = mod_client.post(
        QUEUE,
        {"action": "clear_urgent_selected", "_selected_action": [looked_after.pk]},
        follow=True,
    )

    assert texts(response) == [
        f"Crisis mark cleared: post #{looked_after.pk} by {looked_after.author.username}."
    ]
    assert row_ids(mod_client.get(QUEUE)) == []
    assert ModerationAction.objects.filter(post=looked_after, verb="clear_urgent").count() == 1


def test_bulk_reject_asks_for_a_reason_first(mod_client, queue):
    first, second = queue.held(username="slow_heron"), queue.held(username="quick_wren")
    keep = queue.held()
    selection = {"action": "reject_selected", "_selected_action": [first.pk, second.pk]}

    asked = mod_client.post(QUEUE, selection)

    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Reject posts" in page
    assert f"Post #{first.pk} by slow_heron: Mine took two weeks" in page
    assert 'name="reason"' in page
    assert refreshed(first).state == PostState.PENDING

    empty = mod_client.post(QUEUE, {**selection, "apply": "1", "reason": ""})
    assert empty.status_code == 200
    assert "This field is required." in empty.content.decode()
    assert refreshed(first).state == PostState.PENDING

    reason = "Off topic for this board: try the Daily life board."
    done = mod_client.post(QUEUE, {**selection, "apply": "1", "reason": reason}, follow=True)

    assert done.redirect_chain == [(QUEUE, 302)]
    assert texts(done) == [
        f"Rejected, and each author was told “{reason}”: post #{first.pk} by slow_heron, "
        f"post #{second.pk} by quick_wren."
    ]
    assert refreshed(first).state == refreshed(second).state == PostState.REJECTED
    assert refreshed(keep).state == PostState.PENDING
    assert Notification.objects.get(recipient=second.author, kind=Kind.POST_REJECTED).data == {
        "reason": reason
    }


def test_a_member_reaches_none_of_it(queue, member):
    post = queue.held()
    client = Client()
    client.force_login(member)

    for url in (QUEUE, f"{QUEUE}{post.pk}/change/", FLAGS, LOG, WORDS, USERS):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url
    for url in (f"{QUEUE}{post.pk}/approve/", f"{QUEUE}{post.pk}/reject/"):
        assert client.post(url, {"reason": "No."})["Location"].startswith("/admin/login/")
    client.post(QUEUE, {"action": "approve_selected", "_selected_action": [post.pk]})
    assert refreshed(post).state == PostState.PENDING


def test_staff_outside_the_group_cannot_decide(queue):
    post = queue.held()
    operator = factories.UserFactory(is_staff=True)
    client = Client()
    client.force_login(operator)

    assert client.get(QUEUE).status_code == 403
    assert client.post(f"{QUEUE}{post.pk}/approve/").status_code == 403
    assert refreshed(post).state == PostState.PENDING


def test_suspended_moderator_is_told_and_changes_nothing(mod_client, volunteer, queue):
    post = queue.held()
    User.objects.filter(pk=volunteer.pk).update(suspended_until=timezone.now() + timedelta(days=1))

    response = mod_client.post(f"{QUEUE}{post.pk}/approve/", follow=True)

    assert texts(response)[0].startswith(f"Post #{post.pk} was not approved: Your account is")
    assert refreshed(post).state == PostState.PENDING


# --- flags ----------------------------------------------------------------------------------


def flagged_post(queue: Queue, *, hidden: bool) -> Post:
    author = factories.UserFactory()
    post = make_reply(
        thread=queue.thread, author=queue.starter, body="Buy my neck pillow at example.com"
    )
    Post.objects.filter(pk=post.pk).update(author=author)
    flaggers = factories.UserFactory.create_batch(3 if hidden else 1)
    for n, member in enumerate(flaggers):
        flags.flag_create(flagger=member, post_id=post.pk, reason="spam", note=f"note {n}")
    assert refreshed(post).state == (PostState.HIDDEN if hidden else PostState.PUBLISHED)
    return post


def test_flag_queue_shows_open_flags_first_with_snapshot_and_flagger(mod_client, volunteer, queue):
    old = flagged_post(queue, hidden=False)
    old_flag = Flag.objects.get(post=old)
    flags.flag_resolve(moderator=volunteer, post_id=old.pk, outcome=FlagState.DISMISSED)
    Flag.objects.filter(pk=old_flag.pk).update(created_at=timezone.now() - timedelta(days=2))
    recent = flagged_post(queue, hidden=True)

    response = mod_client.get(FLAGS)
    everything = mod_client.get(FLAGS, {"status": "all"}).context["cl"].result_list
    resolved = mod_client.get(FLAGS, {"status": "resolved"}).context["cl"].result_list

    open_flags = list(Flag.objects.filter(post=recent).order_by("created_at", "id"))
    assert list(response.context["cl"].result_list) == open_flags
    assert [flag.state for flag in everything] == [FlagState.OPEN] * 3 + [FlagState.DISMISSED]
    assert [flag.pk for flag in resolved] == [old_flag.pk]
    page = response.content.decode()
    for shown in ("Buy my neck pillow at example.com", "note 0", f"#{recent.pk}", "Spam"):
        assert shown in page
    assert Flag.objects.filter(post=recent).first().flagger.username in page


def test_dismissing_flags_restores_the_post(mod_client, volunteer, queue):
    post = flagged_post(queue, hidden=True)
    one = Flag.objects.filter(post=post).first()

    response = mod_client.post(
        FLAGS, {"action": "dismiss_selected", "_selected_action": [one.pk]}, follow=True
    )

    assert texts(response) == [
        f"Dismissed the flags; posts the flags had hidden are visible again: post #{post.pk}."
    ]
    assert refreshed(post).state == PostState.PUBLISHED
    assert set(Flag.objects.filter(post=post).values_list("state", flat=True)) == {"dismissed"}
    assert ModerationAction.objects.filter(verb=Verb.FLAG_DISMISS, actor=volunteer).count() == 1

    again = mod_client.post(
        FLAGS, {"action": "dismiss_selected", "_selected_action": [one.pk]}, follow=True
    )

    assert texts(again) == ["None of the selected flags is open; nothing changed."]
    assert ModerationAction.objects.filter(verb=Verb.FLAG_DISMISS).count() == 1


def test_upholding_flags_keeps_the_post_hidden(mod_client, queue):
    post = flagged_post(queue, hidden=False)

    mod_client.post(
        FLAGS,
        {"action": "uphold_selected", "_selected_action": [Flag.objects.get(post=post).pk]},
    )

    assert refreshed(post).state == PostState.HIDDEN
    assert Flag.objects.get(post=post).state == FlagState.UPHELD


def test_flags_are_not_added_edited_or_deleted_in_the_admin(mod_client, queue):
    one = Flag.objects.filter(post=flagged_post(queue, hidden=False)).get()

    assert mod_client.get(f"{FLAGS}add/").status_code == 403
    assert mod_client.get(f"{FLAGS}{one.pk}/delete/").status_code == 403
    page = mod_client.get(f"{FLAGS}{one.pk}/change/").content.decode()
    assert "Buy my neck pillow" in page
    assert 'name="_save"' not in page


# --- the audit log --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["moderator", "superuser"])
def test_audit_log_is_read_only_for_everyone(mod_client, volunteer, queue, who):
    post = queue.held()
    mod_client.post(f"{QUEUE}{post.pk}/approve/")
    entry = ModerationAction.objects.get()
    client = mod_client
    if who == "superuser":
        client = Client()
        client.force_login(factories.AdminFactory())

    assert client.get(LOG).status_code == 200
    assert client.get(f"{LOG}add/").status_code == 403
    assert client.get(f"{LOG}{entry.pk}/delete/").status_code == 403
    assert client.post(f"{LOG}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    page = client.get(f"{LOG}{entry.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    assert client.post(f"{LOG}{entry.pk}/change/", {"reason": "tidied"}).status_code == 403
    assert list(ModerationAction.objects.values_list("reason", flat=True)) == [""]
    assert "delete_selected" not in client.get(LOG).content.decode()


def test_audit_log_is_newest_first_and_filters_by_verb_and_actor(mod_client, volunteer, queue):
    other = factories.ModeratorFactory(username="night_owl")
    approved, rejected = queue.held(), queue.held()
    mod_client.post(f"{QUEUE}{approved.pk}/approve/")
    services.post_reject(moderator=other, post_id=rejected.pk, reason="Duplicate post.")

    everything = mod_client.get(LOG)
    assert [a.verb for a in everything.context["cl"].result_list] == [Verb.REJECT, Verb.APPROVE]
    assert "night_owl" in everything.content.decode()

    by_verb = mod_client.get(LOG, {"verb__exact": Verb.APPROVE})
    assert [a.post_id for a in by_verb.context["cl"].result_list] == [approved.pk]
    by_actor = mod_client.get(LOG, {"actor": other.pk})
    assert [a.post_id for a in by_actor.context["cl"].result_list] == [rejected.pk]
    assert "The system" in by_actor.content.decode()


# --- watched words --------------------------------------------------------------------------


def test_moderators_add_watched_words_and_see_why_a_word_is_refused(mod_client):
    added = mod_client.post(
        f"{WORDS}add/",
        {"pattern": "miracle cure", "is_regex": "", "action": "require_approval", "note": "spam"},
    )
    assert added.status_code == 302
    word = WatchedWord.objects.get()
    assert (word.pattern, word.is_regex, word.action) == (
        "miracle cure",
        False,
        "require_approval",
    )

    twice = mod_client.post(
        f"{WORDS}add/", {"pattern": "miracle cure", "action": "require_approval", "note": ""}
    )

    assert twice.status_code == 200
    assert "already exists" in twice.content.decode()
    assert WatchedWord.objects.count() == 1


# --- members --------------------------------------------------------------------------------


def test_moderator_sees_members_without_their_login_emails(mod_client):
    heron = factories.UserFactory(username="quiet_heron", email="heron.keeper@example.org")

    listing = mod_client.get(USERS).content.decode()
    assert "quiet_heron" in listing
    assert "@example.org" not in listing

    # Searching or filtering by email would tell it too.
    assert list(mod_client.get(USERS, {"q": "heron.keeper"}).context["cl"].result_list) == []
    assert mod_client.get(USERS, {"email__startswith": "heron"}).status_code == 400

    page = mod_client.get(f"{USERS}{heron.pk}/change/").content.decode()
    assert "quiet_heron" in page
    assert "heron.keeper" not in page
    assert f"{USERS}{heron.pk}/password/" not in page
    assert 'name="_save"' not in page


def test_moderator_cannot_change_a_members_role_email_password_or_staff_flags(mod_client):
    heron = factories.UserFactory(username="quiet_heron", email="heron.keeper@example.org")

    changed = mod_client.post(
        f"{USERS}{heron.pk}/change/",
        {"username": "quiet_heron", "email": "mine@example.org", "role": "admin", "is_staff": "on"},
    )
    password = mod_client.post(
        f"{USERS}{heron.pk}/password/", {"password1": "x-9-long-pass", "password2": "x-9-long-pass"}
    )

    assert changed.status_code == 403
    assert password.status_code == 403
    heron.refresh_from_db()
    assert (heron.email, heron.role, heron.is_staff) == (
        "heron.keeper@example.org",
        "member",
        False,
    )
    assert heron.check_password(factories.PASSWORD)
    assert mod_client.get(f"{USERS}add/").status_code == 403


def test_admin_sees_login_emails(admin_user):
    factories.UserFactory(username="quiet_heron", email="heron.keeper@example.org")
    client = Client()
    client.force_login(admin_user)

    assert "heron.keeper@example.org" in client.get(USERS).content.decode()
    found = client.get(USERS, {"q": "heron.keeper"}).context["cl"].result_list
    assert [user.username for user in found] == ["quiet_heron"]


def change_form_data(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "role": user.role,
        "is_active": "on",
        "profile-TOTAL_FORMS": "1",
        "profile-INITIAL_FORMS": "1",
        "profile-MIN_NUM_FORMS": "0",
        "profile-MAX_NUM_FORMS": "1",
        "profile-0-user": str(user.pk),
        "profile-0-bio": "",
        "profile-0-bio_visibility": "members",
        "profile-0-diagnosis_year_visibility": "members",
        "profile-0-treatments_visibility": "members",
        "profile-0-country_visibility": "members",
    }
    data.update(changes)
    return data


def test_admin_making_someone_a_moderator_gives_them_the_moderators_admin(admin_user, volunteer):
    heron = factories.UserFactory(username="quiet_heron")
    client = Client()
    client.force_login(admin_user)

    promoted = client.post(f"{USERS}{heron.pk}/change/", change_form_data(heron, role="moderator"))

    assert promoted.status_code == 302, promoted.context["adminform"].form.errors
    heron.refresh_from_db()
    assert (heron.role, heron.is_staff, heron.is_superuser) == (Role.MODERATOR, True, False)
    assert list(heron.groups.values_list("name", flat=True)) == ["Moderators"]
    heron_client = Client()
    heron_client.force_login(heron)
    assert heron_client.get(QUEUE).status_code == 200

    client.post(f"{USERS}{heron.pk}/change/", change_form_data(heron, role="member"))

    heron.refresh_from_db()
    assert (heron.role, heron.is_staff) == (Role.MEMBER, False)
    assert not heron.groups.exists()
    assert heron_client.get(QUEUE).status_code == 302


def suspend(client: Client, member: User, **form):
    return client.post(
        USERS, {"action": "suspend_selected", "_selected_action": [member.pk], **form}, follow=True
    )


def test_suspend_asks_for_a_date_and_reason_then_ends_the_members_writes(mod_client, volunteer):
    member = factories.UserFactory(username="loud_falcon")
    member_api = api_client(member)
    until = (timezone.now() + timedelta(days=7)).replace(second=0, microsecond=0)

    asked = suspend(mod_client, member)
    page = asked.content.decode()
    assert asked.status_code == 200
    assert "Suspend members" in page
    assert 'class="vDateField"' in page
    assert 'class="vTimeField"' in page
    assert "admin/js/admin/DateTimeShortcuts.js" in page

    past = suspend(
        mod_client, member, apply="1", until_0="2020-01-01", until_1="10:00", reason="Spam."
    )
    assert "Choose a date and time in the future." in past.content.decode()
    member.refresh_from_db()
    assert member.suspended_until is None

    done = suspend(
        mod_client,
        member,
        apply="1",
        until_0=f"{until:%Y-%m-%d}",
        until_1=f"{until:%H:%M}",
        reason="Repeated abuse after a warning.",
    )

    assert done.redirect_chain == [(USERS, 302)]
    assert texts(done) == [
        f"Suspended until {until:%d %B %Y, %H:%M} and signed out everywhere: loud_falcon."
    ]
    member.refresh_from_db()
    assert member.suspended_until == until
    entry = ModerationAction.objects.get(verb=Verb.SUSPEND)
    assert (entry.actor, entry.target_user, entry.reason) == (
        volunteer,
        member,
        "Repeated abuse after a warning.",
    )
    # Signed out at once; signed in again, a write is refused as suspended.
    assert member_api.patch("/api/v1/me", {"display_name": "X"}, format="json").status_code in (
        401,
        403,
    )
    again = api_client(member).patch("/api/v1/me", {"display_name": "X"}, format="json")
    assert again.status_code == 403
    assert again.json()["code"] == "suspended"


def test_lift_suspension_and_refusals_are_told(mod_client):
    benched = factories.SuspendedMemberFactory(username="benched_wren")
    fellow = factories.ModeratorFactory(username="night_owl")

    lifted = mod_client.post(
        USERS,
        {"action": "lift_suspension", "_selected_action": [benched.pk, fellow.pk]},
        follow=True,
    )

    assert texts(lifted) == [
        "Lifted the suspension of: benched_wren.",
        "Not done for night_owl: Only an admin can lift the suspension of a moderator.",
    ]
    benched.refresh_from_db()
    assert not benched.is_suspended()


def test_trust_actions_go_through_the_audit_log(mod_client):
    newcomer = factories.NewMemberFactory(username="fresh_finch")

    response = mod_client.post(
        USERS, {"action": "trust_established", "_selected_action": [newcomer.pk]}, follow=True
    )

    assert texts(response) == ["Now established: fresh_finch."]
    newcomer.refresh_from_db()
    assert newcomer.trust_level == TrustLevel.ESTABLISHED
    assert ModerationAction.objects.filter(verb=Verb.SET_TRUST, target_user=newcomer).exists()


# --- every list costs the same for 2 rows as for 25 ------------------------------------------


def grow_queue(queue: Queue, n: int) -> None:
    for i in range(n):
        post = queue.held(f"Held reply number {i}.")
        if i % 3 == 0:
            Post.objects.filter(pk=post.pk).update(is_urgent=True)


def grow_flags(queue: Queue, n: int) -> None:
    for _ in range(n):
        post = make_reply(thread=queue.thread, author=queue.starter, body="Flag me.")
        flags.flag_create(flagger=factories.UserFactory(), post_id=post.pk, reason="abuse")


def grow_log(queue: Queue, n: int) -> None:
    moderator = factories.ModeratorFactory()
    for _ in range(n):
        services.post_approve(moderator=moderator, post_id=queue.held().pk)


def grow_members(queue: Queue, n: int) -> None:
    for i in range(n):
        factory = [factories.UserFactory, factories.SuspendedMemberFactory][i % 2]
        factory(password=None)


@pytest.mark.parametrize(
    ("url", "grow"),
    [(QUEUE, grow_queue), (FLAGS, grow_flags), (LOG, grow_log), (USERS, grow_members)],
    ids=["queue", "flags", "log", "members"],
)
def test_admin_lists_cost_the_same_for_2_and_25_rows(mod_client, queue, url, grow):
    few_rows, many_rows = assert_constant_queries(
        lambda _n: rows_listed(mod_client, url),
        grow=lambda have, want: grow(queue, want - have),
        what=url,
    )

    assert many_rows >= 25
    assert many_rows > few_rows


# --- threads and posts: through the services, never by editing the row -----------------------

THREADS = "/admin/forum/thread/"
POSTS = "/admin/forum/post/"


def test_moderators_lock_and_move_threads_with_counters_kept(mod_client, volunteer):
    source, target = BoardFactory(name="Daily life"), BoardFactory(name="Treatments")
    thread = make_thread(board=source, author=factories.UserFactory(), title="Heat pads")
    make_reply(thread=thread, author=factories.UserFactory())

    locked = mod_client.post(
        THREADS, {"action": "lock", "_selected_action": [thread.pk]}, follow=True
    )
    asked = mod_client.post(THREADS, {"action": "move", "_selected_action": [thread.pk]})
    moved = mod_client.post(
        THREADS,
        {"action": "move", "_selected_action": [thread.pk], "apply": "1", "board": target.pk},
        follow=True,
    )

    assert texts(locked) == ["Locked: “Heat pads”."]
    assert "Move threads" in asked.content.decode()
    assert texts(moved) == ["Moved to Treatments: “Heat pads”."]
    thread.refresh_from_db()
    source.refresh_from_db()
    target.refresh_from_db()
    assert (thread.is_locked, thread.board_id) == (True, target.pk)
    assert (source.thread_count, source.post_count) == (0, 0)
    assert (target.thread_count, target.post_count) == (1, 2)
    assert list(
        ModerationAction.objects.filter(actor=volunteer)
        .order_by("id")
        .values_list("verb", flat=True)
    ) == [Verb.LOCK, Verb.MOVE]


def test_a_threads_page_changes_only_its_title(mod_client):
    source, target = BoardFactory(), BoardFactory()
    thread = make_thread(board=source, author=factories.UserFactory(), title="Heat pads")

    response = mod_client.post(
        f"{THREADS}{thread.pk}/change/",
        {"title": "Heat pads and cold packs", "board": target.pk, "is_locked": "on"},
    )

    assert response.status_code == 302
    thread.refresh_from_db()
    assert (thread.title, thread.board_id, thread.is_locked) == (
        "Heat pads and cold packs",
        source.pk,
        False,
    )


def test_moderators_hide_and_restore_posts_from_the_posts_list(mod_client):
    thread = make_thread(board=BoardFactory(), author=factories.UserFactory())
    post = make_reply(thread=thread, author=factories.UserFactory())

    hidden = mod_client.post(POSTS, {"action": "hide", "_selected_action": [post.pk]}, follow=True)

    assert texts(hidden) == [f"Hidden: post #{post.pk}."]
    assert refreshed(post).state == PostState.HIDDEN
    assert Notification.objects.filter(recipient=post.author, kind=Kind.POST_HIDDEN).exists()

    restored = mod_client.post(
        POSTS, {"action": "restore", "_selected_action": [post.pk]}, follow=True
    )

    assert texts(restored) == [f"Restored: post #{post.pk}."]
    assert refreshed(post).state == PostState.PUBLISHED


def test_verifying_a_clinician_with_an_expiry(mod_client, volunteer):
    doctor = factories.UserFactory(username="dr_neck")
    expires = (timezone.now() + timedelta(days=365)).replace(second=0, microsecond=0)

    done = mod_client.post(
        USERS,
        {
            "action": "verify_clinician",
            "_selected_action": [doctor.pk],
            "apply": "1",
            "expires_at_0": f"{expires:%Y-%m-%d}",
            "expires_at_1": f"{expires:%H:%M}",
        },
        follow=True,
    )

    assert texts(done) == ["Verified as clinicians: dr_neck."]
    doctor.refresh_from_db()
    assert (doctor.clinician_verified_by, doctor.clinician_expires_at) == (volunteer, expires)
    assert doctor.has_valid_clinician_badge()


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("(unclosed", "This is not a valid regular expression"),
        ("(a+)+$", "takes too long on long posts"),
        ("x*", "matches an empty text"),
    ],
)
def test_a_regex_screening_cannot_use_is_refused_with_the_reason(mod_client, pattern, why):
    response = mod_client.post(
        f"{WORDS}add/", {"pattern": pattern, "is_regex": "on", "action": "block", "note": ""}
    )

    assert response.status_code == 200
    assert why in response.content.decode()
    assert not WatchedWord.objects.exists()
