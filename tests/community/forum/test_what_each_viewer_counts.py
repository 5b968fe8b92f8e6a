"""Counts, last poster and last activity cover only what the viewer may see.

An urgent post (a member may be in crisis) is kept from some viewers while it waits for a
moderator (``MODERATION_CRISIS_VISIBILITY``): from visitors by default, from everyone but
moderators under "moderators", from no one under "everyone". Whoever it is kept from sees no
trace of it: not in a thread's reply count, last poster or last activity, not in a board's
thread and post counts or last activity, not in the order of the thread list, not in unread
counts. Every test walks each setting and each viewer.
"""

from datetime import datetime

import pytest
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from community.forum.models import Board, Post, PostingPolicy, PostState, Thread
from community.moderation.services.posts import post_clear_urgent, post_hide, post_restore
from tests import factories

pytestmark = pytest.mark.django_db

CRISIS_TEXT = "I want to kill myself, I can't take this pain any more."
SETTINGS = ["members", "moderators", "everyone"]
VIEWERS = ["visitor", "member", "moderator"]


def kept_from(viewer: str, setting: str) -> bool:
    """Whether urgent posts are kept from this viewer under this setting."""
    if setting == "everyone" or viewer == "moderator":
        return False
    return setting == "moderators" or viewer == "visitor"


@pytest.fixture(autouse=True)
def _no_flood_control(settings):
    settings.MODERATION_FLOOD_SECONDS = 0


@pytest.fixture
def people(db):
    return {
        "starter": factories.UserFactory(username="starter"),
        "replier": factories.UserFactory(username="replier"),
        "in_crisis": factories.UserFactory(username="in_crisis"),
        "member": factories.UserFactory(username="reader"),
        "moderator": factories.ModeratorFactory(username="mod"),
    }


@pytest.fixture
def clients(people):
    made = {"visitor": APIClient()}
    for name in ("member", "moderator"):
        made[name] = APIClient()
        made[name].force_login(people[name])
    return made


def at(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


def thread_view(client: APIClient, thread: Thread) -> dict:
    response = client.get(f"/api/v1/threads/{thread.pk}")
    assert response.status_code == 200, response.content
    return response.json()


def board_view(client: APIClient, board: Board) -> dict:
    response = client.get(f"/api/v1/boards/{board.slug}")
    assert response.status_code == 200, response.content
    return response.json()


def thread_rows(client: APIClient, board: Board) -> list[dict]:
    response = client.get(f"/api/v1/boards/{board.slug}/threads")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def poster(card: dict) -> str | None:
    return card["last_poster"]["username"] if card["last_poster"] else None


@pytest.fixture
def board(db):
    return factories.BoardFactory(posting_policy=PostingPolicy.OPEN)


@pytest.mark.parametrize("setting", SETTINGS)
def test_an_urgent_reply_leaves_no_trace_for_those_it_is_kept_from(
    setting, settings, board, people, clients
):
    settings.MODERATION_CRISIS_VISIBILITY = setting
    thread = factories.make_thread(board=board, author=people["starter"], title="Evenings")
    calm = factories.make_reply(thread=thread, author=people["replier"])
    quieter = factories.make_thread(board=board, author=people["starter"], title="Quieter")
    urgent = factories.make_reply(thread=thread, author=people["in_crisis"], body=CRISIS_TEXT)
    assert urgent.is_urgent
    assert urgent.state == PostState.PUBLISHED

    for viewer in VIEWERS:
        client = clients[viewer]
        kept = kept_from(viewer, setting)
        shown, expected_poster, replies = (calm, "replier", 1) if kept else (urgent, "in_crisis", 2)
        detail = thread_view(client, thread)
        assert detail["reply_count"] == replies, viewer
        assert poster(detail) == expected_poster, viewer
        assert at(detail["last_post_at"]) == shown.created_at, viewer

        rows = thread_rows(client, board)
        by_id = {row["id"]: row for row in rows}
        assert by_id[thread.pk]["reply_count"] == replies, viewer
        assert poster(by_id[thread.pk]) == expected_poster, viewer
        # The urgent reply does not lift its thread above a later one for those kept from it.
        first = quieter.pk if kept else thread.pk
        assert [row["id"] for row in rows] == [first, ({thread.pk, quieter.pk} - {first}).pop()]

        summary = board_view(client, board)
        assert summary["thread_count"] == 2, viewer
        assert summary["post_count"] == (3 if kept else 4), viewer
        latest = quieter.opening_post.created_at if kept else urgent.created_at
        assert at(summary["last_post_at"]) == latest, viewer


@pytest.mark.parametrize("setting", SETTINGS)
def test_a_thread_opened_in_crisis_is_not_counted_for_those_it_is_kept_from(
    setting, settings, board, people, clients
):
    settings.MODERATION_CRISIS_VISIBILITY = setting
    calm = factories.make_thread(board=board, author=people["starter"], title="Stretches")
    crisis = factories.make_thread(
        board=board, author=people["in_crisis"], title="Can't go on", body=CRISIS_TEXT
    )
    reply = factories.make_reply(thread=crisis, author=people["moderator"])
    assert Thread.objects.get(pk=crisis.pk).is_urgent

    for viewer in VIEWERS:
        kept = kept_from(viewer, setting)
        summary = board_view(clients[viewer], board)
        assert summary["thread_count"] == (1 if kept else 2), viewer
        assert summary["post_count"] == (1 if kept else 3), viewer
        latest = calm.opening_post.created_at if kept else reply.created_at
        assert at(summary["last_post_at"]) == latest, viewer
        listed = [row["id"] for row in thread_rows(clients[viewer], board)]
        assert (crisis.pk in listed) is not kept, viewer


def test_clearing_the_urgency_counts_the_post_for_everyone_again(settings, board, people, clients):
    settings.MODERATION_CRISIS_VISIBILITY = "moderators"
    thread = factories.make_thread(board=board, author=people["starter"])
    urgent = factories.make_reply(thread=thread, author=people["in_crisis"], body=CRISIS_TEXT)
    assert thread_view(clients["member"], thread)["reply_count"] == 0

    post_clear_urgent(moderator=people["moderator"], post_id=urgent.pk)

    for viewer in VIEWERS:
        detail = thread_view(clients[viewer], thread)
        assert detail["reply_count"] == 1, viewer
        assert poster(detail) == "in_crisis", viewer
        summary = board_view(clients[viewer], board)
        assert summary["post_count"] == 2, viewer
        assert at(summary["last_post_at"]) == urgent.created_at, viewer


def test_a_crisis_flag_takes_the_post_out_of_the_counts_at_once(settings, board, people, clients):
    thread = factories.make_thread(board=board, author=people["starter"])
    reply = factories.make_reply(thread=thread, author=people["in_crisis"], body="Bad day.")
    assert thread_view(clients["visitor"], thread)["reply_count"] == 1

    response = clients["member"].post(
        f"/api/v1/posts/{reply.pk}/flags", {"reason": "crisis"}, format="json"
    )
    assert response.status_code == 201, response.content

    detail = thread_view(clients["visitor"], thread)
    assert detail["reply_count"] == 0
    assert poster(detail) == "starter"
    assert board_view(clients["visitor"], board)["post_count"] == 1
    assert thread_view(clients["moderator"], thread)["reply_count"] == 1


def test_a_hidden_post_takes_its_time_from_the_board(board, people, clients):
    earlier = factories.make_thread(board=board, author=people["starter"], title="Earlier")
    thread = factories.make_thread(board=board, author=people["starter"], title="Later")
    reply = factories.make_reply(thread=thread, author=people["replier"])
    assert at(board_view(clients["visitor"], board)["last_post_at"]) == reply.created_at

    post_hide(moderator=people["moderator"], post_id=reply.pk, reason="Off topic")

    opening = Post.objects.get(thread=thread, position=1)
    for viewer in VIEWERS:
        summary = board_view(clients[viewer], board)
        assert at(summary["last_post_at"]) == opening.created_at, viewer
        assert summary["post_count"] == 2, viewer
    post_hide(moderator=people["moderator"], post_id=opening.pk, reason="Off topic")
    summary = board_view(clients["visitor"], board)
    assert at(summary["last_post_at"]) == earlier.opening_post.created_at
    assert summary["thread_count"] == 1


def test_unread_counts_leave_out_what_a_member_is_kept_from(settings, board, people, clients):
    settings.MODERATION_CRISIS_VISIBILITY = "moderators"
    thread = factories.make_thread(board=board, author=people["starter"])
    client = clients["member"]
    response = client.post(f"/api/v1/threads/{thread.pk}/read", {"position": 1}, format="json")
    assert response.status_code == 200, response.content
    factories.make_reply(thread=thread, author=people["in_crisis"], body=CRISIS_TEXT)

    assert thread_view(client, thread)["first_unread_position"] is None
    assert thread_rows(client, board)[0]["unread_count"] == 0
    assert board_view(client, board)["unread_threads"] == 0
    # Reading "to the end" stops at what they may see, so the post counts once it is cleared.
    response = client.post(f"/api/v1/threads/{thread.pk}/read", {"position": 99}, format="json")
    assert response.json() == {"position": 1}


def test_a_restored_thread_brings_its_latest_reply_back_to_the_board(board, people, clients):
    thread = factories.make_thread(board=board, author=people["starter"], title="Restored")
    reply = factories.make_reply(thread=thread, author=people["replier"])
    opening = Post.objects.get(thread=thread, position=1)
    post_hide(moderator=people["moderator"], post_id=opening.pk, reason="Checking a link")
    assert board_view(clients["visitor"], board)["last_post_at"] is None

    post_restore(moderator=people["moderator"], post_id=opening.pk)

    summary = board_view(clients["visitor"], board)
    assert at(summary["last_post_at"]) == reply.created_at
    assert (summary["thread_count"], summary["post_count"]) == (1, 2)
