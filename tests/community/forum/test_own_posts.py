"""A member's own words are always where they left them.

A new member's thread held for a moderator, or one a moderator turned down, is not in the
board's list for others; for its author it tops the first page, marked with its state and,
once turned down or hidden, the reason they were given. ``GET me/posts`` lists everything they
wrote, in every state, newest first, page by page.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from community.forum.models import Post, PostingPolicy, PostState
from community.moderation.services.posts import post_hide, post_reject
from tests import factories

pytestmark = pytest.mark.django_db

REASON = "Please leave out the clinic's phone number; post again without it and we'll approve."


@pytest.fixture(autouse=True)
def _no_flood_control(settings):
    settings.MODERATION_FLOOD_SECONDS = 0


@pytest.fixture
def board(db):
    return factories.BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)


@pytest.fixture
def newcomer(db):
    return factories.NewMemberFactory(username="newcomer")


@pytest.fixture
def regular(db):
    return factories.UserFactory(username="regular")


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def rows(client: APIClient, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_held_thread_tops_its_authors_first_page_and_no_one_elses(
    board, newcomer, regular, moderator
):
    older = factories.make_thread(board=board, author=regular, title="Heat packs")
    held = factories.make_thread(
        board=board, author=newcomer, title="First time posting", state=PostState.PENDING
    )
    assert held.state == PostState.PENDING
    url = f"/api/v1/boards/{board.slug}/threads"

    mine = rows(client_for(newcomer), url)
    assert [(row["id"], row["state"]) for row in mine] == [
        (held.pk, "pending"),
        (older.pk, "published"),
    ]
    assert mine[0]["moderation_reason"] is None
    for other in (None, regular, moderator):
        assert [row["id"] for row in rows(client_for(other), url)] == [older.pk]


def test_the_next_pages_do_not_repeat_the_authors_own_threads(board, newcomer, regular):
    published = [
        factories.make_thread(board=board, author=regular, title=f"Thread {n}") for n in range(3)
    ]
    held = factories.make_thread(
        board=board, author=newcomer, title="Waiting", state=PostState.PENDING
    )
    client = client_for(newcomer)
    response = client.get(f"/api/v1/boards/{board.slug}/threads?page_size=2")
    first = response.json()
    assert [row["id"] for row in first["results"]] == [held.pk, published[2].pk, published[1].pk]
    second = client.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == [published[0].pk]


def test_a_turned_down_thread_shows_its_author_why(board, newcomer, regular, moderator):
    held = factories.make_thread(
        board=board, author=newcomer, title="My clinic", state=PostState.PENDING
    )
    opening = Post.objects.get(thread=held, position=1)
    post_reject(moderator=moderator, post_id=opening.pk, reason=REASON)
    author = client_for(newcomer)

    row = rows(author, f"/api/v1/boards/{board.slug}/threads")[0]
    assert (row["id"], row["state"], row["moderation_reason"]) == (held.pk, "rejected", REASON)
    detail = author.get(f"/api/v1/threads/{held.pk}").json()
    assert (detail["state"], detail["moderation_reason"]) == ("rejected", REASON)
    post = rows(author, f"/api/v1/threads/{held.pk}/posts")[0]
    assert (post["state"], post["moderation_reason"]) == ("rejected", REASON)
    assert post["body_source"] == opening.body_source

    assert client_for(regular).get(f"/api/v1/threads/{held.pk}").status_code == 404
    assert client_for(moderator).get(f"/api/v1/threads/{held.pk}").json()["moderation_reason"] == (
        REASON
    )


def test_a_hidden_reply_shows_its_author_why_and_others_nothing(board, regular, moderator):
    thread = factories.make_thread(board=board, author=moderator, title="Open thread")
    reply = factories.make_reply(thread=thread, author=regular, body="My neurologist's number")
    post_hide(moderator=moderator, post_id=reply.pk, reason=REASON)

    author_view = rows(client_for(regular), f"/api/v1/threads/{thread.pk}/posts")
    assert [(p["id"], p["state"], p["moderation_reason"]) for p in author_view][1:] == [
        (reply.pk, "hidden", REASON)
    ]
    other_view = rows(client_for(factories.UserFactory()), f"/api/v1/threads/{thread.pk}/posts")
    assert [p["id"] for p in other_view] == [thread.opening_post.pk]
    assert all(p["moderation_reason"] is None for p in other_view)


def test_me_posts_lists_everything_the_member_wrote_newest_first(
    board, newcomer, regular, moderator
):
    open_board = factories.BoardFactory(posting_policy=PostingPolicy.OPEN)
    others = factories.make_thread(board=open_board, author=regular, title="Someone else's")
    published = factories.make_reply(thread=others, author=newcomer, body="Thank you all.")
    withdrawn = factories.make_reply(thread=others, author=newcomer, body="Too much, sorry.")
    client = client_for(newcomer)
    assert client.post(f"/api/v1/posts/{withdrawn.pk}/withdraw").status_code == 200
    held = factories.make_thread(
        board=board, author=newcomer, title="Waiting thread", state=PostState.PENDING
    )
    rejected = factories.make_thread(
        board=board, author=newcomer, title="Turned down", state=PostState.PENDING
    )
    post_reject(
        moderator=moderator,
        post_id=Post.objects.get(thread=rejected, position=1).pk,
        reason=REASON,
    )
    factories.make_reply(thread=others, author=regular, body="Not theirs.")

    listed = rows(client, "/api/v1/me/posts?page_size=100")
    assert [(p["thread"], p["state"]) for p in listed] == [
        (rejected.pk, "rejected"),
        (held.pk, "pending"),
        (others.pk, "withdrawn"),
        (others.pk, "published"),
    ]
    assert listed[0]["moderation_reason"] == REASON
    assert listed[0]["thread_title"] == "Turned down"
    assert listed[0]["is_opening_post"]
    assert listed[2]["body_source"] == "Too much, sorry."
    assert listed[3]["id"] == published.pk
    assert listed[3]["thread_title"] == "Someone else's"
    assert listed[3]["board"] == open_board.slug
    assert not listed[3]["is_opening_post"]

    # Page by page, the same list.
    seen, url = [], "/api/v1/me/posts?page_size=1"
    while url:
        page = client.get(url).json()
        seen += [p["id"] for p in page["results"]]
        url = page["next"]
    assert seen == [p["id"] for p in listed]


def test_me_posts_keeps_the_words_but_not_the_title_of_a_thread_they_may_no_longer_open(
    board, regular, moderator
):
    open_board = factories.BoardFactory(posting_policy=PostingPolicy.OPEN)
    thread = factories.make_thread(board=open_board, author=moderator, title="Removed topic")
    reply = factories.make_reply(thread=thread, author=regular, body="My words stay mine.")
    post_hide(moderator=moderator, post_id=thread.opening_post.pk, reason="Spam")

    (row,) = rows(client_for(regular), "/api/v1/me/posts")
    assert row["id"] == reply.pk
    assert row["body_source"] == "My words stay mine."
    assert (row["thread_title"], row["board"]) == (None, None)
    assert "Removed topic" not in str(row)


def test_me_posts_is_for_signed_in_members(anon_client):
    response = anon_client.get("/api/v1/me/posts")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_me_posts_reads_a_page_in_constant_queries(board, regular, moderator):
    open_board = factories.BoardFactory(posting_policy=PostingPolicy.OPEN)
    thread = factories.make_thread(board=open_board, author=regular)
    client = client_for(regular)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/me/posts").status_code == 200
        return len(captured)

    for n in range(3):
        reply = factories.make_reply(thread=thread, author=regular, body=f"Reply {n}")
    post_hide(moderator=moderator, post_id=reply.pk, reason=REASON)
    few = queries()
    for n in range(10):
        reply = factories.make_reply(thread=thread, author=regular, body=f"More {n}")
        post_hide(moderator=moderator, post_id=reply.pk, reason=REASON)
    assert queries() == few
