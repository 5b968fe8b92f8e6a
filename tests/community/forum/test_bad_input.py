"""What the forum answers to requests it cannot or must not carry out, and that none of them
writes anything."""

import base64
import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from community.forum.models import (
    BoardVisibility,
    IdempotencyRecord,
    Post,
    PostRevision,
    PostState,
    Thread,
)
from tests import factories

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"code", "message", "fields"}
UNKNOWN_ID = 987_654_321
JSON = "application/json"
VISITOR = "visitor"
MEMBER = "member"


# --- helpers -----------------------------------------------------------------------------------


def assert_error(response, status: int, code: str, extra_keys: frozenset[str] = frozenset()):
    """The one error shape, with this status and code; returns the body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].split(";")[0] == JSON
    body = response.json()
    assert set(body) == ERROR_KEYS | extra_keys, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str)
    assert body["message"].strip()
    assert isinstance(body["fields"], dict)
    return body


def assert_field_error(response, field: str, status: int = 400) -> dict:
    """``invalid`` whose ``fields`` names ``field`` with at least one readable problem: 400
    for what the schema refuses, 422 for a well-formed value a rule of the board, the thread
    or the library refuses."""
    body = assert_error(response, status, "invalid")
    assert field in body["fields"], body
    problems = body["fields"][field]
    assert isinstance(problems, list), body
    assert problems, body
    assert all(isinstance(problem, str) and problem.strip() for problem in problems), body
    return body


def written() -> dict[str, int]:
    return {
        "threads": Thread.objects.count(),
        "posts": Post.objects.count(),
        "revisions": PostRevision.objects.count(),
        "idempotency": IdempotencyRecord.objects.count(),
    }


def send(client: APIClient, method: str, path: str, payload=None):
    data = "" if payload is None else json.dumps(payload)
    return client.generic(method, path, data, content_type=JSON)


def send_raw(client: APIClient, method: str, path: str, raw: str, content_type: str = JSON):
    return client.generic(method, path, raw, content_type=content_type)


def cursor(payload) -> str:
    raw = json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.fixture
def forum(member):
    """A public board without anonymous posting, one that allows it, a members-only board, and
    threads started by someone other than ``member``."""
    starter = factories.UserFactory(password=None)
    board = factories.BoardFactory(slug="daily-life")
    anonymous_board = factories.BoardFactory(slug="hard-days", allows_anonymous=True)
    members_board = factories.BoardFactory(slug="members", visibility=BoardVisibility.MEMBERS)
    thread = factories.make_thread(board=board, author=starter)
    other_thread = factories.make_thread(board=board, author=starter, title="Another thread")
    anonymous_thread = factories.make_thread(board=anonymous_board, author=starter)
    members_thread = factories.make_thread(board=members_board, author=starter)
    reply = factories.make_reply(thread=thread, author=starter)
    return SimpleNamespace(
        starter=starter,
        board=board,
        anonymous_board=anonymous_board,
        members_board=members_board,
        thread=thread,
        other_thread=other_thread,
        anonymous_thread=anonymous_thread,
        members_thread=members_thread,
        reply=reply,
        hidden_posts={
            state: factories.make_reply(thread=thread, author=starter, state=state)
            for state in (PostState.PENDING, PostState.REJECTED, PostState.HIDDEN)
        },
        pending_thread=factories.make_thread(
            board=board, author=starter, title="Waiting", state=PostState.PENDING
        ),
    )


def threads_path(board) -> str:
    return f"/api/v1/boards/{board.slug}/threads"


def posts_path(thread) -> str:
    return f"/api/v1/threads/{thread.pk}/posts"


VALID_THREAD = {"title": "Neck brace for long drives?", "body": "Has anyone tried one?"}
VALID_REPLY = {"body": "I use a travel pillow instead."}


# --- unknown and invisible: one 404 ------------------------------------------------------------


def not_found_reference(client: APIClient) -> dict:
    response = client.get(f"/api/v1/threads/{UNKNOWN_ID}")
    return assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("GET", "/api/v1/boards/no-such-board", None),
        ("GET", "/api/v1/boards/no-such-board/threads", None),
        ("GET", f"/api/v1/threads/{UNKNOWN_ID}", None),
        ("GET", f"/api/v1/threads/{UNKNOWN_ID}/posts", None),
        ("GET", f"/api/v1/posts/{UNKNOWN_ID}", None),
        ("GET", "/api/v1/threads/99999999999999999999999", None),
        ("GET", "/api/v1/posts/99999999999999999999999", None),
        ("GET", "/api/v1/threads/abc", None),
        ("GET", "/api/v1/threads/abc/posts", None),
        ("GET", "/api/v1/threads/-1", None),
        ("GET", "/api/v1/threads/1.5", None),
        ("GET", "/api/v1/threads/%20", None),
        ("GET", "/api/v1/posts/abc", None),
        ("POST", "/api/v1/boards/no-such-board/threads", VALID_THREAD),
        ("POST", f"/api/v1/threads/{UNKNOWN_ID}/posts", VALID_REPLY),
        ("POST", "/api/v1/threads/abc/posts", VALID_REPLY),
        ("PATCH", f"/api/v1/posts/{UNKNOWN_ID}", VALID_REPLY),
        ("POST", f"/api/v1/posts/{UNKNOWN_ID}/withdraw", None),
        ("PUT", f"/api/v1/posts/{UNKNOWN_ID}/reactions/support", None),
    ],
)
def test_unknown_things_are_not_found(method, path, payload, forum, member_client):
    before = written()
    response = send(member_client, method, path, payload)
    assert assert_error(response, 404, "not_found") == not_found_reference(member_client)
    assert written() == before


INVISIBLE = [
    pytest.param(VISITOR, "GET", "/api/v1/boards/{members_board}", None, id="members-board"),
    pytest.param(
        VISITOR, "GET", "/api/v1/boards/{members_board}/threads", None, id="members-threads"
    ),
    pytest.param(VISITOR, "GET", "/api/v1/threads/{members_thread}", None, id="members-thread"),
    pytest.param(
        VISITOR, "GET", "/api/v1/threads/{members_thread}/posts", None, id="members-posts"
    ),
    pytest.param(VISITOR, "GET", "/api/v1/posts/{members_post}", None, id="members-post"),
    pytest.param(MEMBER, "GET", "/api/v1/threads/{pending_thread}", None, id="pending-thread"),
    pytest.param(
        MEMBER, "GET", "/api/v1/threads/{pending_thread}/posts", None, id="pending-thread-posts"
    ),
    pytest.param(
        MEMBER,
        "POST",
        "/api/v1/threads/{pending_thread}/posts",
        VALID_REPLY,
        id="reply-in-pending-thread",
    ),
    pytest.param(MEMBER, "GET", "/api/v1/posts/{pending}", None, id="pending-post"),
    pytest.param(MEMBER, "GET", "/api/v1/posts/{rejected}", None, id="rejected-post"),
    pytest.param(MEMBER, "GET", "/api/v1/posts/{hidden}", None, id="hidden-post"),
    pytest.param(MEMBER, "PATCH", "/api/v1/posts/{pending}", VALID_REPLY, id="edit-pending"),
    pytest.param(MEMBER, "PATCH", "/api/v1/posts/{hidden}", {"body": 42}, id="bad-edit-hidden"),
    pytest.param(MEMBER, "POST", "/api/v1/posts/{rejected}/withdraw", None, id="withdraw"),
    pytest.param(MEMBER, "PUT", "/api/v1/posts/{pending}/reactions/support", None, id="react"),
    pytest.param(MEMBER, "GET", "/api/v1/posts/{reply}/revisions", None, id="revisions"),
    pytest.param(
        MEMBER, "PUT", "/api/v1/posts/{reply}/reactions/likes", None, id="unknown-reaction"
    ),
]


@pytest.mark.parametrize(("viewer", "method", "path", "payload"), INVISIBLE)
def test_what_a_viewer_may_not_see_looks_like_nothing(
    viewer, method, path, payload, forum, anon_client, member_client
):
    client = anon_client if viewer == VISITOR else member_client
    target = path.format(
        members_board=forum.members_board.slug,
        members_thread=forum.members_thread.pk,
        members_post=forum.members_thread.posts.get(position=1).pk,
        pending_thread=forum.pending_thread.pk,
        reply=forum.reply.pk,
        **{state: post.pk for state, post in forum.hidden_posts.items()},
    )
    before = written()
    response = send(client, method, target, payload)
    assert assert_error(response, 404, "not_found") == not_found_reference(client)
    assert written() == before


# --- closed places -----------------------------------------------------------------------------


def test_replying_to_a_locked_thread_is_refused(forum, member_client, moderator_client):
    Thread.objects.filter(pk=forum.thread.pk).update(is_locked=True)
    before = written()
    response = send(member_client, "POST", posts_path(forum.thread), VALID_REPLY)
    assert_error(response, 403, "thread_locked")
    assert written() == before

    response = send(moderator_client, "POST", posts_path(forum.thread), VALID_REPLY)
    assert response.status_code == 201, response.content


def test_starting_a_thread_in_an_archived_board_is_refused(forum, member_client):
    forum.board.is_archived = True
    forum.board.save(update_fields=["is_archived"])
    before = written()
    assert_error(
        send(member_client, "POST", threads_path(forum.board), VALID_THREAD),
        403,
        "board_archived",
    )
    assert_error(
        send(member_client, "POST", posts_path(forum.thread), VALID_REPLY), 403, "board_archived"
    )
    assert written() == before
    assert member_client.get(threads_path(forum.board)).status_code == 200


# --- who may write -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "where",
    ["thread", "reply", "members-board", "unknown-board", "edit", "withdraw", "react"],
)
def test_signed_out_writes_ask_to_sign_in(where, forum, anon_client):
    method, path, payload = {
        "thread": ("POST", threads_path(forum.board), VALID_THREAD),
        "reply": ("POST", posts_path(forum.thread), VALID_REPLY),
        "members-board": ("POST", threads_path(forum.members_board), VALID_THREAD),
        "unknown-board": ("POST", "/api/v1/boards/no-such-board/threads", VALID_THREAD),
        "edit": ("PATCH", f"/api/v1/posts/{forum.reply.pk}", VALID_REPLY),
        "withdraw": ("POST", f"/api/v1/posts/{forum.reply.pk}/withdraw", None),
        "react": ("PUT", f"/api/v1/posts/{forum.reply.pk}/reactions/support", None),
    }[where]
    before = written()
    assert_error(send(anon_client, method, path, payload), 401, "not_authenticated")
    assert written() == before


@pytest.mark.parametrize("where", ["thread", "reply", "edit", "react"])
def test_suspended_member_cannot_write(where, forum, suspended_member, suspended_client):
    # Written before the suspension began.
    own = factories.make_reply(thread=forum.thread, author=forum.starter)
    Post.objects.filter(pk=own.pk).update(author=suspended_member)
    method, path, payload = {
        "thread": ("POST", threads_path(forum.board), VALID_THREAD),
        "reply": ("POST", posts_path(forum.thread), VALID_REPLY),
        "edit": ("PATCH", f"/api/v1/posts/{own.pk}", {"body": "Changed my mind."}),
        "react": ("PUT", f"/api/v1/posts/{forum.reply.pk}/reactions/support", None),
    }[where]
    before = written()
    body = assert_error(
        send(suspended_client, method, path, payload), 403, "suspended", frozenset({"until"})
    )
    assert body["until"]
    assert written() == before
    assert suspended_client.get(posts_path(forum.thread)).status_code == 200


# --- malformed bodies --------------------------------------------------------------------------


MALFORMED = [
    '{"title": "Neck brace", "body": ',
    '{"title": "Neck brace", "body": "x",}',
    "{'title': 'single quotes'}",
    '{"body": "x"} trailing',
    "\x00",
    "[" * 100_000,
]


@pytest.mark.parametrize("raw", MALFORMED, ids=range(len(MALFORMED)))
@pytest.mark.parametrize("target", ["thread", "reply"])
def test_malformed_json_is_refused(target, raw, forum, member_client):
    path = threads_path(forum.board) if target == "thread" else posts_path(forum.thread)
    before = written()
    assert_error(send_raw(member_client, "POST", path, raw), 400, "parse_error")
    assert written() == before


def test_empty_body_names_the_required_fields(forum, member_client):
    before = written()
    response = send_raw(member_client, "POST", threads_path(forum.board), "")
    body = assert_error(response, 400, "invalid")
    assert set(body["fields"]) == {"title", "body"}
    assert written() == before


@pytest.mark.parametrize("raw", ["[]", '"a thread"', "42", "null", "true"])
@pytest.mark.parametrize("target", ["thread", "reply"])
def test_json_that_is_not_an_object_is_refused(target, raw, forum, member_client):
    path = threads_path(forum.board) if target == "thread" else posts_path(forum.thread)
    before = written()
    assert_error(send_raw(member_client, "POST", path, raw), 400, "invalid")
    assert written() == before


def test_form_encoded_body_is_refused(forum, member_client):
    before = written()
    response = member_client.post(threads_path(forum.board), VALID_THREAD)
    assert_error(response, 415, "unsupported_media_type")
    assert written() == before


# --- fields ------------------------------------------------------------------------------------


TOO_LONG_BODY = "a" * 20_001
THREAD_FIELD_ERRORS = [
    ("title", 42),
    ("title", 4.2),
    ("title", True),
    ("title", ["Neck brace"]),
    ("title", {"text": "Neck brace"}),
    ("title", None),
    ("title", ""),
    ("title", "   "),
    ("title", "x" * 151),
    ("title", "Neck\x00brace"),
    ("body", 42),
    ("body", False),
    ("body", ["Has anyone tried one?"]),
    ("body", None),
    ("body", ""),
    ("body", "   "),
    ("body", "\n\t \n"),
    ("body", TOO_LONG_BODY),
    ("body", "Has anyone\x00tried one?"),
    ("is_anonymous", "maybe"),
    ("is_anonymous", 2),
    ("is_anonymous", -1),
    ("is_anonymous", []),
    ("is_anonymous", {}),
    ("is_anonymous", None),
    ("is_anonymous", ""),
]


def _case_id(case: tuple[str, object]) -> str:
    field, value = case
    text = repr(value)
    return f"{field}={text[:20]}..." if len(text) > 20 else f"{field}={text}"


@pytest.mark.parametrize(
    ("field", "value"), THREAD_FIELD_ERRORS, ids=map(_case_id, THREAD_FIELD_ERRORS)
)
def test_new_thread_with_a_bad_field_is_refused(field, value, forum, member_client):
    """The board allows anonymous posts, so only the field's own rules can refuse it."""
    before = written()
    payload = {**VALID_THREAD, field: value}
    response = send(member_client, "POST", threads_path(forum.anonymous_board), payload)
    body = assert_field_error(response, field)
    assert set(body["fields"]) == {field}, body
    assert written() == before


@pytest.mark.parametrize("missing", ["title", "body"])
def test_new_thread_without_a_required_field_is_refused(missing, forum, member_client):
    before = written()
    payload = {key: value for key, value in VALID_THREAD.items() if key != missing}
    assert_field_error(send(member_client, "POST", threads_path(forum.board), payload), missing)
    assert written() == before


REPLY_FIELD_ERRORS = [
    ("body", 42),
    ("body", None),
    ("body", ""),
    ("body", "  \n "),
    ("body", TOO_LONG_BODY),
    ("body", "nul\x00byte"),
    ("reply_to", "abc"),
    ("reply_to", 1.5),
    ("reply_to", True),
    ("reply_to", 0),
    ("reply_to", -3),
    ("reply_to", [1]),
    ("is_anonymous", "maybe"),
    ("is_anonymous", 2),
    ("is_anonymous", None),
]


@pytest.mark.parametrize(
    ("field", "value"), REPLY_FIELD_ERRORS, ids=map(_case_id, REPLY_FIELD_ERRORS)
)
def test_reply_with_a_bad_field_is_refused(field, value, forum, member_client):
    before = written()
    payload = {**VALID_REPLY, field: value}
    response = send(member_client, "POST", posts_path(forum.anonymous_thread), payload)
    body = assert_field_error(response, field)
    assert set(body["fields"]) == {field}, body
    assert written() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("body", ""), ("body", "   "), ("body", 42), ("body", TOO_LONG_BODY), ("body", "a\x00b")],
    ids=["empty", "blank", "number", "too-long", "nul"],
)
def test_edit_with_a_bad_body_changes_nothing(field, value, forum, member, member_client):
    own = factories.make_reply(thread=forum.thread, author=member, body="As it was.")
    before = written()
    response = send(member_client, "PATCH", f"/api/v1/posts/{own.pk}", {field: value})
    assert_field_error(response, field)
    assert written() == before
    own.refresh_from_db()
    assert own.body_source == "As it was."
    assert own.edited_at is None


def test_longest_title_and_body_are_accepted(forum, member_client, time_machine):
    payload = {"title": "t" * 150, "body": "b" * 20_000}
    response = send(member_client, "POST", threads_path(forum.board), payload)
    assert response.status_code == 201, response.content
    thread = Thread.objects.get(pk=response.json()["id"])
    assert thread.title == "t" * 150
    assert thread.posts.get(position=1).body_source == "b" * 20_000

    factories.pause_between_posts(time_machine)
    response = send(member_client, "POST", posts_path(forum.thread), {"body": "r" * 20_000})
    assert response.status_code == 201, response.content


# --- is_anonymous: JSON's true and false, as the schema says -----------------------------------


@pytest.mark.parametrize("value", [True, False])
def test_is_anonymous_takes_json_true_and_false(value, forum, member_client):
    payload = {**VALID_THREAD, "is_anonymous": value}
    response = send(member_client, "POST", threads_path(forum.anonymous_board), payload)
    assert response.status_code == 201, response.content
    assert response.json()["is_anonymous"] is value
    thread = Thread.objects.get(pk=response.json()["id"])
    assert thread.is_anonymous is value
    assert thread.posts.get(position=1).is_anonymous is value


@pytest.mark.parametrize("value", ["true", "yes", "on", "1", 1, 0, "false", "off", None, []])
def test_is_anonymous_in_another_spelling_is_400_and_writes_nothing(value, forum, member_client):
    """The schema says boolean: a string or a number is refused, never guessed at."""
    before = written()
    payload = {**VALID_THREAD, "is_anonymous": value}
    response = send(member_client, "POST", threads_path(forum.anonymous_board), payload)
    assert_field_error(response, "is_anonymous")
    assert written() == before


@pytest.mark.parametrize("value", [True])
@pytest.mark.parametrize("target", ["thread", "reply"])
def test_anonymous_posting_where_the_board_does_not_allow_it(target, value, forum, member_client):
    path = threads_path(forum.board) if target == "thread" else posts_path(forum.thread)
    base = VALID_THREAD if target == "thread" else VALID_REPLY
    before = written()
    response = send(member_client, "POST", path, {**base, "is_anonymous": value})
    body = assert_field_error(response, "is_anonymous", 422)
    assert set(body["fields"]) == {"is_anonymous"}
    assert written() == before


# --- reply_to ----------------------------------------------------------------------------------


def test_reply_to_a_post_in_another_thread_is_refused(forum, member_client):
    elsewhere = forum.other_thread.posts.get(position=1)
    before = written()
    response = send(
        member_client, "POST", posts_path(forum.thread), {**VALID_REPLY, "reply_to": elsewhere.pk}
    )
    other_thread_body = assert_field_error(response, "reply_to", 422)
    assert written() == before

    for target in (UNKNOWN_ID, forum.hidden_posts[PostState.PENDING].pk):
        response = send(
            member_client, "POST", posts_path(forum.thread), {**VALID_REPLY, "reply_to": target}
        )
        assert assert_field_error(response, "reply_to", 422) == other_thread_body
    assert written() == before


def test_reply_to_a_post_in_the_same_thread_is_kept(forum, member_client):
    response = send(
        member_client,
        "POST",
        posts_path(forum.thread),
        {**VALID_REPLY, "reply_to": forum.reply.pk},
    )
    assert response.status_code == 201, response.content
    assert response.json()["reply_to"] == forum.reply.pk


# --- paging ------------------------------------------------------------------------------------


BAD_CURSORS = {
    "garbage": "not a cursor!",
    "not-base64-json": base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
    "json-list": cursor([1, 2, 3]),
    "json-string": cursor("next"),
    "no-direction": cursor({"v": [True, "2026-01-01T00:00:00+00:00", 1]}),
    "bad-direction": cursor({"v": [True, "2026-01-01T00:00:00+00:00", 1], "d": "sideways"}),
    "too-few-values": cursor({"v": [1], "d": "next"}),
    "too-many-values": cursor({"v": [True, "2026-01-01T00:00:00+00:00", 1, 2], "d": "next"}),
    "values-not-a-list": cursor({"v": 3, "d": "next"}),
    "wrong-types": cursor({"v": ["maybe", "yesterday", "abc"], "d": "next"}),
    "nested": cursor({"v": [[True], {"a": 1}, [1]], "d": "next"}),
    "null-values": cursor({"v": [None, None, None], "d": "next"}),
    "out-of-range-date": cursor({"v": [False, "99999-01-01T00:00:00+00:00", 1], "d": "next"}),
}
BAD_POST_CURSORS = {
    "garbage": "%%%",
    "wrong-type": cursor({"v": ["third"], "d": "next"}),
    "two-values": cursor({"v": [1, 2], "d": "prev"}),
    "null-position": cursor({"v": [None], "d": "next"}),
}


@pytest.mark.parametrize("token", list(BAD_CURSORS.values()), ids=list(BAD_CURSORS))
def test_invalid_cursor_on_the_thread_list(token, forum, member_client):
    member_client.raise_request_exception = False  # a crash shows as a 500, not a traceback
    response = member_client.get(threads_path(forum.board), {"cursor": token})
    assert_error(response, 400, "invalid_cursor")


@pytest.mark.parametrize("token", list(BAD_POST_CURSORS.values()), ids=list(BAD_POST_CURSORS))
def test_invalid_cursor_on_the_posts_of_a_thread(token, forum, anon_client):
    anon_client.raise_request_exception = False  # a crash shows as a 500, not a traceback
    response = anon_client.get(posts_path(forum.thread), {"cursor": token})
    assert_error(response, 400, "invalid_cursor")


def walk(client: APIClient, url: str, link: str = "next") -> list[int]:
    """Follows the page links from ``url``; the ids of every row seen, in reading order."""
    pages: list[list[int]] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append([row["id"] for row in response.json()["results"]])
        url = response.json()[link]
        assert len(pages) <= 50, pages
    if link == "previous":
        pages.reverse()
    return [row_id for page in pages for row_id in page]


def test_next_links_visit_every_thread_exactly_once(member, member_client):
    """Cursors the API hands out work: following them lists every thread once, in order, even
    when threads are pinned, tie on their last activity, or differ by less than a millisecond."""
    board = factories.BoardFactory()
    starter = factories.UserFactory(password=None)
    threads = [
        factories.make_thread(board=board, author=starter, title=f"Thread {i}") for i in range(6)
    ]
    base = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    activity = [
        (base + timedelta(microseconds=123_900), False),
        (base + timedelta(microseconds=123_400), False),
        (base + timedelta(microseconds=123_000), False),
        (base - timedelta(seconds=1), False),
        (base - timedelta(seconds=1), False),
        (base - timedelta(seconds=5), True),
    ]
    for thread, (last_post_at, pinned) in zip(threads, activity, strict=True):
        Thread.objects.filter(pk=thread.pk).update(last_post_at=last_post_at, is_pinned=pinned)
    expected = list(
        Thread.objects.filter(board=board)
        .order_by("-is_pinned", "-last_post_at", "-id")
        .values_list("id", flat=True)
    )

    for size in (1, 2, 4):
        url = f"{threads_path(board)}?page_size={size}"
        assert walk(member_client, url) == expected, size
        assert walk(member_client, f"{url}&last=1", link="previous") == expected, size


def test_next_links_visit_every_post_exactly_once(forum, anon_client):
    for i in range(5):
        factories.make_reply(thread=forum.thread, author=forum.starter, body=f"Reply {i}")
    expected = list(
        forum.thread.posts.filter(state=PostState.PUBLISHED)
        .order_by("position")
        .values_list("id", flat=True)
    )
    assert len(expected) == 7

    for size in (1, 3):
        url = f"{posts_path(forum.thread)}?page_size={size}"
        assert walk(anon_client, url) == expected, size
        assert walk(anon_client, f"{url}&last=1", link="previous") == expected, size


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": "ten"}, "page_size"),
        ({"from_position": "third"}, "from_position"),
        ({"last": "yes"}, "last"),
        ({"last": "-609"}, "last"),
    ],
)
def test_non_numeric_paging_parameters_are_refused(params, field, forum, anon_client):
    assert_field_error(anon_client.get(posts_path(forum.thread), params), field)


# --- idempotency keys --------------------------------------------------------------------------


def test_malformed_idempotency_key_writes_nothing(forum, member_client):
    before = written()
    response = member_client.post(
        threads_path(forum.board),
        json.dumps(VALID_THREAD),
        content_type=JSON,
        headers={"Idempotency-Key": "no spaces allowed"},
    )
    assert_error(response, 400, "invalid_idempotency_key")
    assert written() == before
