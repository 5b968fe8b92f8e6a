"""Drafts: saved as members type, kept whenever posting fails, gone once the post exists."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from community.forum.models import Board, Draft, Post, PostingPolicy, PostState, Thread
from community.forum.services.drafts import draft_save
from community.posting import services as posting
from tests import factories
from tests.factories import BoardFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


TITLE = "Sensory tricks that work for me"
BODY = "Touching my chin lightly keeps my head straight for a while. " * 20


def client_for(user, **kwargs) -> APIClient:
    client = APIClient(**kwargs)
    client.force_login(user)
    return client


def board_draft_url(board: Board) -> str:
    return f"/api/v1/boards/{board.slug}/draft"


def thread_draft_url(thread: Thread) -> str:
    return f"/api/v1/threads/{thread.pk}/draft"


def threads_url(board: Board) -> str:
    return f"/api/v1/boards/{board.slug}/threads"


def posts_url(thread: Thread) -> str:
    return f"/api/v1/threads/{thread.pk}/posts"


def assert_draft_kept(client: APIClient, url: str, *, title: str, body: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response.json()["title"] == title
    assert response.json()["body"] == body


@pytest.fixture
def board():
    return BoardFactory()


@pytest.fixture
def thread(board):
    return make_thread(board=board, author=factories.UserFactory())


# --- Saving, reading, replacing, discarding --------------------------------------------------


def test_put_saves_and_get_returns_the_board_draft(member_client, board):
    saved = member_client.put(board_draft_url(board), {"title": TITLE, "body": BODY}, "json")

    assert saved.status_code == 200, saved.content
    assert saved.json()["title"] == TITLE
    assert saved.json()["body"] == BODY
    assert saved.json()["updated_at"]
    fetched = member_client.get(board_draft_url(board))
    assert fetched.status_code == 200
    assert fetched.json() == saved.json()


def test_put_saves_and_get_returns_the_reply_draft(member_client, thread):
    opening = Post.objects.get(thread=thread, position=1)

    saved = member_client.put(
        thread_draft_url(thread), {"body": "Half a reply", "reply_to": opening.pk}, "json"
    )

    assert saved.status_code == 200, saved.content
    fetched = member_client.get(thread_draft_url(thread)).json()
    assert fetched["body"] == "Half a reply"
    assert fetched["title"] == ""
    assert fetched["reply_to"] == opening.pk


def test_a_reply_draft_keeps_its_words_when_reply_to_points_elsewhere(
    member, member_client, board, thread
):
    elsewhere = make_thread(board=board, author=factories.UserFactory(), title="Another thread")
    hidden = make_reply(thread=thread, author=factories.UserFactory(), state=PostState.HIDDEN)

    for target in (elsewhere.posts.get().pk, hidden.pk):
        saved = member_client.put(
            thread_draft_url(thread), {"body": "Still typing", "reply_to": target}, "json"
        )

        assert saved.status_code == 200, saved.content
        assert saved.json()["reply_to"] is None
        assert Draft.objects.get(user=member, thread=thread).body == "Still typing"


def test_put_again_replaces_the_draft(member, member_client, board):
    member_client.put(board_draft_url(board), {"title": TITLE, "body": "First try"}, "json")

    response = member_client.put(
        board_draft_url(board), {"title": "Better title", "body": "Second try"}, "json"
    )

    assert response.status_code == 200, response.content
    assert_draft_kept(
        member_client, board_draft_url(board), title="Better title", body="Second try"
    )
    assert Draft.objects.filter(user=member).count() == 1


def test_delete_removes_the_draft(member, member_client, board):
    member_client.put(board_draft_url(board), {"title": TITLE, "body": BODY}, "json")

    response = member_client.delete(board_draft_url(board))

    assert response.status_code == 204
    missing = member_client.get(board_draft_url(board))
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert not Draft.objects.filter(user=member).exists()
    assert member_client.delete(board_draft_url(board)).status_code == 404


def test_a_draft_belongs_to_its_member_only(member_client, board, thread):
    member_client.put(board_draft_url(board), {"title": TITLE, "body": BODY}, "json")
    member_client.put(thread_draft_url(thread), {"body": "My reply"}, "json")
    other = client_for(factories.UserFactory())

    assert other.get(board_draft_url(board)).status_code == 404
    assert other.get(thread_draft_url(thread)).status_code == 404
    assert other.delete(board_draft_url(board)).status_code == 404
    assert (
        other.put(board_draft_url(board), {"title": "Theirs", "body": "x"}, "json").status_code
        == 200
    )
    assert_draft_kept(member_client, board_draft_url(board), title=TITLE, body=BODY)
    assert_draft_kept(member_client, thread_draft_url(thread), title="", body="My reply")


def test_a_board_draft_and_a_reply_draft_are_separate(member_client, board, thread):
    member_client.put(board_draft_url(board), {"title": TITLE, "body": "New thread"}, "json")
    member_client.put(thread_draft_url(thread), {"body": "A reply"}, "json")

    assert member_client.delete(thread_draft_url(thread)).status_code == 204

    assert_draft_kept(member_client, board_draft_url(board), title=TITLE, body="New thread")


# --- A member's words are never lost ---------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": TITLE, "body": ""}, "body"),
        ({"title": TITLE, "body": "   \n\t "}, "body"),
        ({"title": "x" * 151, "body": BODY}, "title"),
        ({"title": "", "body": BODY}, "title"),
    ],
    ids=["empty-body", "blank-body", "oversized-title", "empty-title"],
)
def test_draft_survives_a_validation_error_on_a_new_thread(member_client, board, payload, field):
    member_client.put(board_draft_url(board), {"title": TITLE, "body": BODY}, "json")

    response = member_client.post(threads_url(board), payload, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]
    assert_draft_kept(member_client, board_draft_url(board), title=TITLE, body=BODY)
    assert not Thread.objects.filter(board=board, title=TITLE).exists()


@pytest.mark.parametrize("body", ["", "  \n ", "x" * 20_001], ids=["empty", "blank", "oversized"])
def test_draft_survives_a_validation_error_on_a_reply(member_client, thread, body):
    member_client.put(thread_draft_url(thread), {"body": "My careful reply"}, "json")

    response = member_client.post(posts_url(thread), {"body": body}, format="json")

    assert response.status_code == 400
    assert "body" in response.json()["fields"]
    assert_draft_kept(member_client, thread_draft_url(thread), title="", body="My careful reply")
    assert Post.objects.filter(thread=thread).count() == 1


def test_draft_survives_being_throttled(member_client, thread, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000/min", "user": "1/min"},
    }
    saved = member_client.put(thread_draft_url(thread), {"body": "My careful reply"}, "json")
    assert saved.status_code == 200, saved.content

    response = member_client.post(posts_url(thread), {"body": "My careful reply"}, format="json")

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert Post.objects.filter(thread=thread).count() == 1
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000/min", "user": "1000/min"},
    }
    assert_draft_kept(member_client, thread_draft_url(thread), title="", body="My careful reply")


@pytest.mark.parametrize("target", ["board", "thread"])
def test_draft_survives_a_suspension(member, member_client, board, thread, target):
    if target == "board":
        draft_save(user=member, title=TITLE, body=BODY, board=board)
        url, post_url, title = board_draft_url(board), threads_url(board), TITLE
    else:
        draft_save(user=member, title="", body=BODY, thread=thread)
        url, post_url, title = thread_draft_url(thread), posts_url(thread), ""
    member.suspended_until = timezone.now() + timedelta(days=3)
    member.save(update_fields=["suspended_until"])

    response = member_client.post(post_url, {"title": TITLE, "body": BODY}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "suspended"
    refused = member_client.put(url, {"title": "Overwritten", "body": "Overwritten"}, "json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "suspended"
    assert_draft_kept(member_client, url, title=title, body=BODY)
    assert Draft.objects.filter(user=member).count() == 1


def test_draft_survives_a_locked_thread(member_client, thread):
    member_client.put(thread_draft_url(thread), {"body": "My careful reply"}, "json")
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)

    response = member_client.post(posts_url(thread), {"body": "My careful reply"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "thread_locked"
    assert_draft_kept(member_client, thread_draft_url(thread), title="", body="My careful reply")
    assert Post.objects.filter(thread=thread).count() == 1


def test_draft_survives_an_archived_board_for_a_new_thread(member_client, board):
    member_client.put(board_draft_url(board), {"title": TITLE, "body": BODY}, "json")
    Board.objects.filter(pk=board.pk).update(is_archived=True)

    response = member_client.post(threads_url(board), {"title": TITLE, "body": BODY}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "board_archived"
    assert_draft_kept(member_client, board_draft_url(board), title=TITLE, body=BODY)
    assert not Thread.objects.filter(board=board, title=TITLE).exists()


def test_draft_survives_an_archived_board_for_a_reply(member_client, board, thread):
    member_client.put(thread_draft_url(thread), {"body": "My careful reply"}, "json")
    Board.objects.filter(pk=board.pk).update(is_archived=True)

    response = member_client.post(posts_url(thread), {"body": "My careful reply"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "board_archived"
    assert_draft_kept(member_client, thread_draft_url(thread), title="", body="My careful reply")


def _broken_renderer(source: str) -> str:
    raise RuntimeError("renderer exploded")


@pytest.mark.parametrize("target", ["board", "thread"])
def test_draft_survives_a_server_error(member, board, thread, monkeypatch, target):
    client = client_for(member, raise_request_exception=False)
    if target == "board":
        url, post_url, title = board_draft_url(board), threads_url(board), TITLE
    else:
        url, post_url, title = thread_draft_url(thread), posts_url(thread), ""
    draft = {"title": title, "body": BODY} if target == "board" else {"body": BODY}
    assert client.put(url, draft, "json").status_code == 200
    posts_before = Post.objects.count()
    monkeypatch.setattr(posting, "render_markdown", _broken_renderer)

    response = client.post(post_url, {"title": TITLE, "body": BODY}, format="json")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "server_error"
    assert b"renderer exploded" not in response.content
    assert Post.objects.count() == posts_before
    assert not Thread.objects.filter(title=TITLE).exists()
    assert_draft_kept(client, url, title=title, body=BODY)


# --- Posted: the draft is gone ---------------------------------------------------------------


def test_starting_the_thread_removes_the_board_draft(member, member_client, board):
    member_client.put(board_draft_url(board), {"title": TITLE, "body": BODY}, "json")

    response = member_client.post(threads_url(board), {"title": TITLE, "body": BODY}, format="json")

    assert response.status_code == 201, response.content
    assert member_client.get(board_draft_url(board)).status_code == 404
    assert not Draft.objects.filter(user=member).exists()


def test_replying_removes_the_reply_draft(member, member_client, thread):
    member_client.put(thread_draft_url(thread), {"body": "My careful reply"}, "json")

    response = member_client.post(posts_url(thread), {"body": "My careful reply"}, format="json")

    assert response.status_code == 201, response.content
    assert member_client.get(thread_draft_url(thread)).status_code == 404
    assert not Draft.objects.filter(user=member).exists()


def test_posting_removes_only_the_draft_it_came_from(member, member_client, board, thread):
    other_thread = make_thread(board=board, author=factories.UserFactory())
    member_client.put(board_draft_url(board), {"title": TITLE, "body": "A new thread"}, "json")
    member_client.put(thread_draft_url(thread), {"body": "Reply here"}, "json")
    member_client.put(thread_draft_url(other_thread), {"body": "Reply there"}, "json")

    response = member_client.post(posts_url(thread), {"body": "Reply here"}, format="json")

    assert response.status_code == 201, response.content
    assert member_client.get(thread_draft_url(thread)).status_code == 404
    assert_draft_kept(member_client, thread_draft_url(other_thread), title="", body="Reply there")
    assert_draft_kept(member_client, board_draft_url(board), title=TITLE, body="A new thread")


def test_a_held_post_also_removes_the_draft(new_member):
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)
    thread = make_thread(board=board, author=factories.UserFactory())
    make_reply(thread=thread, author=factories.UserFactory())
    client = client_for(new_member)
    client.put(thread_draft_url(thread), {"body": "My first reply"}, "json")

    response = client.post(posts_url(thread), {"body": "My first reply"}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["state"] == PostState.PENDING
    assert client.get(thread_draft_url(thread)).status_code == 404


# --- A draft is emptied only by a request that says so ---------------------------------------


def _raw(client: APIClient, method: str, url: str, raw: str):
    return client.generic(method, url, raw, content_type="application/json")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ("", "body"),
        ("{}", "body"),
        ('{"title": "Only a title"}', "body"),
        ('{"body": "x"}', "title"),
    ],
    ids=["no-body", "empty-object", "only-title", "only-body"],
)
def test_put_on_a_board_draft_needs_every_field_it_replaces(member_client, board, raw, field):
    member_client.put(board_draft_url(board), {"title": TITLE, "body": BODY}, "json")

    response = _raw(member_client, "PUT", board_draft_url(board), raw)

    assert response.status_code == 400, response.content
    assert response.json()["code"] in ("invalid", "parse_error")
    if raw:
        assert field in response.json()["fields"], response.json()
    assert_draft_kept(member_client, board_draft_url(board), title=TITLE, body=BODY)


@pytest.mark.parametrize("raw", ["", "{}", '{"title": "A title"}', '{"reply_to": null}'])
def test_put_on_a_reply_draft_needs_its_body(member_client, thread, raw):
    member_client.put(thread_draft_url(thread), {"body": "My careful reply"}, "json")

    response = _raw(member_client, "PUT", thread_draft_url(thread), raw)

    assert response.status_code == 400, response.content
    assert_draft_kept(member_client, thread_draft_url(thread), title="", body="My careful reply")


def test_put_replaces_and_clears_what_it_says_to_clear(member_client, board, thread):
    opening = Post.objects.get(thread=thread, position=1)
    member_client.put(thread_draft_url(thread), {"body": "Reply", "reply_to": opening.pk}, "json")

    replaced = member_client.put(thread_draft_url(thread), {"body": ""}, "json")

    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["body"] == ""
    assert replaced.json()["reply_to"] is None


def test_patch_changes_only_the_fields_it_names(member_client, board, thread):
    member_client.put(board_draft_url(board), {"title": TITLE, "body": BODY}, "json")
    opening = Post.objects.get(thread=thread, position=1)
    member_client.put(thread_draft_url(thread), {"body": "Reply", "reply_to": opening.pk}, "json")

    titled = member_client.patch(board_draft_url(board), {"title": "Better title"}, "json")
    pointed = member_client.patch(thread_draft_url(thread), {"body": "Longer reply"}, "json")

    assert titled.status_code == 200, titled.content
    assert_draft_kept(member_client, board_draft_url(board), title="Better title", body=BODY)
    assert pointed.status_code == 200, pointed.content
    assert pointed.json()["body"] == "Longer reply"
    assert pointed.json()["reply_to"] == opening.pk


@pytest.mark.parametrize("raw", ["{}", '{"bodyy": "typo"}'])
def test_patch_naming_no_field_is_400_and_changes_nothing(member_client, board, raw):
    member_client.put(board_draft_url(board), {"title": TITLE, "body": BODY}, "json")

    response = _raw(member_client, "PATCH", board_draft_url(board), raw)

    assert response.status_code == 400, response.content
    body = response.json()
    assert "at least one field" in body["message"] or "bodyy" in body["fields"]
    assert_draft_kept(member_client, board_draft_url(board), title=TITLE, body=BODY)


def test_a_draft_refuses_fields_it_does_not_know(member_client, board, thread):
    member_client.put(board_draft_url(board), {"title": TITLE, "body": BODY}, "json")

    board_typo = member_client.patch(board_draft_url(board), {"bdoy": "typo"}, "json")
    reply_title = member_client.put(thread_draft_url(thread), {"title": "x", "body": "y"}, "json")

    assert board_typo.status_code == 400
    assert "bdoy" in board_typo.json()["fields"]
    assert reply_title.status_code == 400
    assert "title" in reply_title.json()["fields"]
    assert_draft_kept(member_client, board_draft_url(board), title=TITLE, body=BODY)


def test_patch_starts_a_draft_when_there_is_none(member_client, thread):
    response = member_client.patch(thread_draft_url(thread), {"body": "First words"}, "json")

    assert response.status_code == 200, response.content
    assert_draft_kept(member_client, thread_draft_url(thread), title="", body="First words")


# --- A member's own draft is always theirs ---------------------------------------------------


def _hide_opening(thread: Thread) -> None:
    from community.moderation.services.posts import post_hide

    post_hide(
        moderator=factories.ModeratorFactory(),
        post_id=Post.objects.get(thread=thread, position=1).pk,
        reason="Checking this with the author.",
    )


def _reject_opening(thread: Thread) -> None:
    from community.moderation.services.posts import post_reject

    post_reject(
        moderator=factories.ModeratorFactory(),
        post_id=Post.objects.get(thread=thread, position=1).pk,
        reason="Please repost in the treatment board.",
    )


@pytest.mark.parametrize("decision", ["hide", "reject"])
def test_a_draft_in_a_thread_a_moderator_took_down_stays_the_members(member, board, decision):
    state = PostState.PUBLISHED if decision == "hide" else PostState.PENDING
    thread = make_thread(board=board, author=member, state=state)
    client = client_for(member)
    url = thread_draft_url(thread)
    assert client.put(url, {"body": "What I was adding"}, "json").status_code == 200

    if decision == "hide":
        _hide_opening(thread)
    else:
        _reject_opening(thread)

    assert_draft_kept(client, url, title="", body="What I was adding")
    patched = client.patch(url, {"body": "What I was adding, and more"}, "json")
    assert patched.status_code == 200, patched.content
    assert_draft_kept(client, url, title="", body="What I was adding, and more")
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


def test_no_draft_in_a_thread_one_may_not_see_answers_like_a_missing_thread(board):
    thread = make_thread(board=board, author=factories.UserFactory())
    _hide_opening(thread)
    stranger = client_for(factories.UserFactory())
    missing = f"/api/v1/threads/{thread.pk + 10_000}/draft"

    for method, payload in [("GET", None), ("PUT", {"body": "x"}), ("DELETE", None)]:
        hidden = stranger.generic(method, thread_draft_url(thread), "", "application/json")
        if payload is not None:
            hidden = stranger.put(thread_draft_url(thread), payload, "json")
            absent = stranger.put(missing, payload, "json")
        else:
            absent = stranger.generic(method, missing, "", "application/json")
        assert hidden.status_code == absent.status_code == 404
        assert hidden.json() == absent.json()
    assert not Draft.objects.filter(thread=thread).exists()


def test_a_board_draft_stays_when_the_board_closes_to_visitors(member, board):
    client = client_for(member)
    client.put(board_draft_url(board), {"title": TITLE, "body": BODY}, "json")
    Board.objects.filter(pk=board.pk).update(visibility="members")

    assert_draft_kept(client, board_draft_url(board), title=TITLE, body=BODY)


def test_a_suspended_member_may_still_read_and_delete_their_draft(member, member_client, board):
    draft_save(user=member, title=TITLE, body=BODY, board=board)
    member.suspended_until = timezone.now() + timedelta(days=3)
    member.save(update_fields=["suspended_until"])

    assert_draft_kept(member_client, board_draft_url(board), title=TITLE, body=BODY)
    assert member_client.patch(board_draft_url(board), {"body": "x"}, "json").status_code == 403
    assert member_client.delete(board_draft_url(board)).status_code == 204
    assert not Draft.objects.filter(user=member).exists()
