"""Rules on posting, through the API: a new member's first posts wait for a moderator, new
members' link limit and first-day quotas, flood control for everyone, and refusals that change
nothing (no post, no thread, the draft kept).

The clock is frozen and moved by hand (``time_machine``), so waits are exact.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import TrustLevel
from community.forum.models import (
    Board,
    Post,
    PostingPolicy,
    PostRevision,
    PostState,
    Thread,
)
from community.moderation import limits
from config.api.errors import ApiError
from tests import factories
from tests.factories import BoardFactory, make_reply, make_thread
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

FLOOD = 10  # MODERATION_FLOOD_SECONDS
HELD_NOTICE = (
    "Thanks for posting. A moderator will look at it shortly; until then only you can see it."
)
THREE_LINKS = {
    "bare-urls": "See https://dystonia.org.uk and https://www.dystonia-foundation.org "
    "and www.nhs.uk for more.",
    "markdown-links": "[Dystonia UK](https://dystonia.org.uk), [DMRF](https://dystonia-"
    "foundation.org) and [NHS](https://www.nhs.uk/conditions/dystonia/).",
    "mixed": "Try <https://dystonia.org.uk>, ![a stretch](https://example.org/stretch.png) "
    "or write to help@dystonia.org.uk.",
}


# --- helpers ---------------------------------------------------------------------------------


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def threads_url(board: Board) -> str:
    return f"/api/v1/boards/{board.slug}/threads"


def posts_url(thread: Thread) -> str:
    return f"/api/v1/threads/{thread.pk}/posts"


def start_thread(client: APIClient, board: Board, body: str = "Does anyone else?", **headers):
    payload = {"title": "Tremor worse in the evening", "body": body}
    return client.post(threads_url(board), payload, format="json", headers=headers)


def reply(client: APIClient, thread: Thread, body: str = "Yes, every evening.", **headers):
    return client.post(posts_url(thread), {"body": body}, format="json", headers=headers)


def listed_post_ids(client: APIClient, thread: Thread) -> list[int]:
    response = client.get(posts_url(thread))
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def listed_thread_ids(client: APIClient, board: Board) -> list[int]:
    response = client.get(threads_url(board))
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


def at(time_machine, moment) -> None:
    """Stops the clock at ``moment``."""
    time_machine.move_to(moment, tick=False)


def later(time_machine, seconds: float) -> None:
    at(time_machine, timezone.now() + timedelta(seconds=seconds))


def history(*, author, thread: Thread, n: int, state: str = PostState.PUBLISHED) -> list[Post]:
    """``n`` earlier replies by ``author``: set-up, written without the posting limits."""
    with override_settings(
        MODERATION_FLOOD_SECONDS=0,
        MODERATION_NEW_MEMBER_THREADS_PER_DAY=10**6,
        MODERATION_NEW_MEMBER_REPLIES_PER_DAY=10**6,
    ):
        return [make_reply(thread=thread, author=author, state=state) for _ in range(n)]


def assert_wait(response, *, code: str, seconds: int, when: str) -> None:
    """A 429 that says when to try again, in the body, the header and the message."""
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["code"] == code
    assert body["retry_after"] == seconds
    assert response["Retry-After"] == str(seconds)
    assert when in body["message"]


def assert_draft_kept(client: APIClient, url: str, *, body: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response.json()["body"] == body


@pytest.fixture
def open_thread():
    """A published thread by someone else on a board that holds nobody."""
    board = BoardFactory(posting_policy=PostingPolicy.OPEN)
    return make_thread(board=board, author=factories.UserFactory())


# --- Pre-moderation --------------------------------------------------------------------------


def test_a_new_members_first_posts_wait_and_only_they_see_them(new_member, time_machine):
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)
    thread = make_thread(board=board, author=factories.UserFactory())
    author = client_for(new_member)
    other = client_for(factories.UserFactory())
    visitor = APIClient()
    at(time_machine, timezone.now())

    replied = reply(author, thread, body="My first post here.")
    later(time_machine, FLOOD)
    started = start_thread(author, board)

    assert replied.status_code == 201, replied.content
    assert replied.json()["state"] == PostState.PENDING
    assert replied.json()["notice"] == HELD_NOTICE
    assert started.status_code == 201, started.content
    assert started.json()["state"] == PostState.PENDING
    assert started.json()["opening_post"]["notice"] == HELD_NOTICE
    reply_id, thread_id = replied.json()["id"], started.json()["id"]
    mine = author.get(posts_url(thread)).json()["results"]
    assert [(p["id"], p["state"]) for p in mine if p["id"] == reply_id] == [
        (reply_id, PostState.PENDING)
    ]
    assert author.get(f"/api/v1/threads/{thread_id}").json()["state"] == PostState.PENDING
    for viewer in (other, visitor):
        assert reply_id not in listed_post_ids(viewer, thread)
        assert viewer.get(f"/api/v1/posts/{reply_id}").status_code == 404
        assert thread_id not in listed_thread_ids(viewer, board)
        assert viewer.get(f"/api/v1/threads/{thread_id}").status_code == 404


def test_held_posts_do_not_count_towards_posting_at_once(new_member, time_machine):
    """Two posts written is not two posts published: the third still waits."""
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)
    thread = make_thread(board=board, author=factories.UserFactory())
    history(author=new_member, thread=thread, n=2, state=PostState.PENDING)
    at(time_machine, timezone.now() + timedelta(seconds=FLOOD))

    response = reply(client_for(new_member), thread)

    assert response.status_code == 201, response.content
    assert response.json()["state"] == PostState.PENDING
    assert response.json()["notice"] == HELD_NOTICE


@pytest.mark.parametrize(
    ("published", "expected"), [(1, PostState.PENDING), (2, PostState.PUBLISHED)]
)
def test_after_two_published_posts_a_new_member_posts_at_once(
    new_member, time_machine, published, expected
):
    elsewhere = BoardFactory(posting_policy=PostingPolicy.OPEN)
    history(
        author=new_member,
        thread=make_thread(board=elsewhere, author=factories.UserFactory()),
        n=published,
    )
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)
    thread = make_thread(board=board, author=factories.UserFactory())
    at(time_machine, timezone.now() + timedelta(seconds=FLOOD))

    response = reply(client_for(new_member), thread)

    assert response.status_code == 201, response.content
    assert response.json()["state"] == expected
    new_member.refresh_from_db()
    assert new_member.trust_level == TrustLevel.NEW
    seen_by_others = response.json()["id"] in listed_post_ids(APIClient(), thread)
    assert seen_by_others is (expected == PostState.PUBLISHED)
    assert (response.json()["notice"] is None) is seen_by_others


@pytest.mark.parametrize(
    ("policy", "factory", "expected"),
    [
        (PostingPolicy.OPEN, factories.NewMemberFactory, PostState.PUBLISHED),
        (PostingPolicy.PREMODERATE_ALL, factories.UserFactory, PostState.PENDING),
        (PostingPolicy.PREMODERATE_ALL, factories.ModeratorFactory, PostState.PUBLISHED),
        (PostingPolicy.PREMODERATE_NEW, factories.UserFactory, PostState.PUBLISHED),
    ],
    ids=["open-new-member", "all-established", "all-moderator", "new-established"],
)
def test_each_board_policy_holds_whom_it_says(policy, factory, expected):
    board = BoardFactory(posting_policy=policy)
    thread = make_thread(board=board, author=factories.ModeratorFactory())

    response = reply(client_for(factory()), thread)

    assert response.status_code == 201, response.content
    assert response.json()["state"] == expected


def test_a_moderator_is_never_held_even_while_new():
    moderator = factories.ModeratorFactory(trust_level=TrustLevel.NEW)
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)

    response = start_thread(client_for(moderator), board)

    assert response.status_code == 201, response.content
    assert response.json()["state"] == PostState.PUBLISHED
    assert response.json()["id"] in listed_thread_ids(APIClient(), board)


def test_a_premoderate_all_board_holds_a_member_with_many_published_posts(
    member, open_thread, time_machine
):
    history(author=member, thread=open_thread, n=3)
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_ALL)
    at(time_machine, timezone.now() + timedelta(seconds=FLOOD))

    response = start_thread(client_for(member), board)

    assert response.status_code == 201, response.content
    assert response.json()["state"] == PostState.PENDING


# --- New members: links ----------------------------------------------------------------------


@pytest.mark.parametrize("body", list(THREE_LINKS.values()), ids=list(THREE_LINKS))
def test_a_new_member_reply_with_three_links_is_refused_and_the_draft_kept(
    new_member, open_thread, body
):
    client = client_for(new_member)
    draft_url = f"/api/v1/threads/{open_thread.pk}/draft"
    assert client.put(draft_url, {"body": body}, format="json").status_code == 200

    response = reply(client, open_thread, body=body)

    assert response.status_code == 422, response.content
    assert response.json()["code"] == "too_many_links"
    assert "2 links" in response.json()["message"]
    assert response.json()["fields"]["body"] == [response.json()["message"]]
    assert Post.objects.filter(thread=open_thread).count() == 1
    assert_draft_kept(client, draft_url, body=body)


def test_a_new_member_thread_with_three_links_is_refused_and_the_draft_kept(new_member):
    board = BoardFactory(posting_policy=PostingPolicy.OPEN)
    client = client_for(new_member)
    draft_url = f"/api/v1/boards/{board.slug}/draft"
    body = THREE_LINKS["bare-urls"]
    client.put(draft_url, {"title": "Links", "body": body}, format="json")

    response = start_thread(client, board, body=body)

    assert response.status_code == 422, response.content
    assert response.json()["code"] == "too_many_links"
    assert not Thread.objects.filter(board=board).exists()
    assert_draft_kept(client, draft_url, body=body)


def test_two_links_and_addresses_inside_code_are_allowed(new_member, open_thread):
    body = (
        "Two sites: https://dystonia.org.uk and [DMRF](https://dystonia-foundation.org).\n\n"
        "Not links: `https://example.org/in-code` and\n\n    https://example.org/indented\n"
    )

    response = reply(client_for(new_member), open_thread, body=body)

    assert response.status_code == 201, response.content
    assert hrefs(response.json()["body_html"]) == [
        "https://dystonia.org.uk",
        "https://dystonia-foundation.org",
    ]


@pytest.mark.parametrize("factory", [factories.UserFactory, factories.ModeratorFactory])
def test_established_members_and_moderators_have_no_link_limit(factory, open_thread):
    body = THREE_LINKS["bare-urls"] + " Also https://example.org/a and https://example.org/b"

    response = reply(client_for(factory()), open_thread, body=body)

    assert response.status_code == 201, response.content
    assert len(hrefs(response.json()["body_html"])) == 5


def test_a_new_member_cannot_edit_a_third_link_in(new_member, open_thread):
    post = make_reply(thread=open_thread, author=new_member, body="See https://dystonia.org.uk")
    client = client_for(new_member)

    refused = client.patch(
        f"/api/v1/posts/{post.pk}", {"body": THREE_LINKS["markdown-links"]}, format="json"
    )
    allowed = client.patch(
        f"/api/v1/posts/{post.pk}",
        {"body": "See https://dystonia.org.uk and https://www.nhs.uk"},
        format="json",
    )

    assert refused.status_code == 422, refused.content
    assert refused.json()["code"] == "too_many_links"
    assert allowed.status_code == 200, allowed.content
    assert len(hrefs(allowed.json()["body_html"])) == 2
    revisions = PostRevision.objects.filter(post=post)
    assert list(revisions.values_list("body_source", flat=True)) == ["See https://dystonia.org.uk"]


# --- New members: first-day quotas ------------------------------------------------------------


def test_a_new_member_starts_three_threads_on_their_first_day(new_member, time_machine):
    board = BoardFactory(posting_policy=PostingPolicy.OPEN)
    client = client_for(new_member)
    at(time_machine, new_member.date_joined + timedelta(minutes=5))
    for _ in range(3):
        assert start_thread(client, board).status_code == 201
        later(time_machine, FLOOD)
    draft_url = f"/api/v1/boards/{board.slug}/draft"
    client.put(draft_url, {"title": "Fourth", "body": "One more question."}, format="json")
    at(time_machine, new_member.date_joined + timedelta(hours=1))

    refused = start_thread(client, board, body="One more question.")

    assert_wait(refused, code="new_member_limit", seconds=23 * 3600, when="in about 23 hours")
    assert "3 threads" in refused.json()["message"]
    assert Thread.objects.filter(board=board).count() == 3
    assert_draft_kept(client, draft_url, body="One more question.")
    assert reply(client, Thread.objects.filter(board=board).first()).status_code == 201

    at(time_machine, new_member.date_joined + timedelta(hours=24))
    assert start_thread(client, board, body="One more question.").status_code == 201
    assert client.get(draft_url).status_code == 404


def test_a_new_member_posts_ten_replies_on_their_first_day_held_ones_included(
    new_member, time_machine
):
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)
    thread = make_thread(board=board, author=factories.UserFactory())
    client = client_for(new_member)
    at(time_machine, new_member.date_joined)
    for _ in range(10):
        later(time_machine, FLOOD)
        assert reply(client, thread).json()["state"] == PostState.PENDING
    later(time_machine, 30 * 60)

    refused = reply(client, thread)

    waited = 10 * FLOOD + 30 * 60
    assert_wait(
        refused,
        code="new_member_limit",
        seconds=24 * 3600 - waited,
        when="in about 23 hours",
    )
    assert "10 replies" in refused.json()["message"]
    assert Post.objects.filter(thread=thread, author=new_member).count() == 10


def test_an_established_member_has_no_daily_quota(member, time_machine):
    board = BoardFactory(posting_policy=PostingPolicy.OPEN)
    client = client_for(member)
    at(time_machine, member.date_joined)

    for _ in range(5):
        later(time_machine, FLOOD)
        assert start_thread(client, board).status_code == 201


# --- Flood control ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [("reply", "reply"), ("thread", "reply"), ("reply", "thread")],
)
def test_posting_again_within_ten_seconds_waits_and_keeps_the_draft(
    member, open_thread, time_machine, first, second
):
    client = client_for(member)
    board = open_thread.board
    draft_url = (
        f"/api/v1/threads/{open_thread.pk}/draft"
        if second == "reply"
        else f"/api/v1/boards/{board.slug}/draft"
    )
    post = {
        "reply": lambda: reply(client, open_thread, body="Second thought."),
        "thread": lambda: start_thread(client, board, body="Second thought."),
    }
    at(time_machine, timezone.now())
    assert post[first]().status_code == 201
    posts_before = Post.objects.count()
    draft = (
        {"body": "Second thought."}
        if second == "reply"
        else {"title": "T", "body": "Second thought."}
    )
    assert client.put(draft_url, draft, format="json").status_code == 200
    later(time_machine, 3)

    refused = post[second]()

    assert_wait(refused, code="flood", seconds=FLOOD - 3, when="in 7 seconds")
    assert Post.objects.count() == posts_before
    open_thread.refresh_from_db()
    assert open_thread.reply_count == (1 if first == "reply" else 0)
    assert_draft_kept(client, draft_url, body="Second thought.")

    later(time_machine, FLOOD - 3)
    assert post[second]().status_code == 201
    assert client.get(draft_url).status_code == 404


def test_a_new_member_past_their_first_day_still_meets_flood_control(new_member, time_machine):
    board = BoardFactory(posting_policy=PostingPolicy.OPEN)
    client = client_for(new_member)
    at(time_machine, new_member.date_joined + timedelta(days=2))
    assert start_thread(client, board).status_code == 201
    later(time_machine, 1)

    assert_wait(start_thread(client, board), code="flood", seconds=FLOOD - 1, when="in 9 seconds")


def test_moderators_are_not_flood_controlled(moderator, open_thread):
    client = client_for(moderator)

    responses = [reply(client, open_thread, body=f"Note {n}") for n in range(3)]

    assert [r.status_code for r in responses] == [201, 201, 201]


def test_a_refused_post_can_be_retried_with_the_same_idempotency_key(
    member, open_thread, time_machine
):
    client = client_for(member)
    at(time_machine, timezone.now())
    assert reply(client, open_thread).status_code == 201
    later(time_machine, 1)

    refused = reply(client, open_thread, body="Again", **{"Idempotency-Key": "retry-0000001"})
    later(time_machine, FLOOD)
    retried = reply(client, open_thread, body="Again", **{"Idempotency-Key": "retry-0000001"})

    assert refused.status_code == 429
    assert retried.status_code == 201, retried.content
    assert Post.objects.filter(thread=open_thread, body_source="Again").count() == 1


# --- Crisis posts ----------------------------------------------------------------------------

CRISIS = "I can't go on like this. I want to end it all."


def test_a_crisis_post_goes_through_flood_control_and_the_quotas(new_member, time_machine):
    thread = make_thread(board=BoardFactory(), author=factories.UserFactory())
    at(time_machine, new_member.date_joined + timedelta(hours=1))
    history(author=new_member, thread=thread, n=10)
    client = client_for(new_member)
    later(time_machine, 1)

    ordinary = reply(client, thread, body="Another question.")
    crisis = reply(client, thread, body=CRISIS)

    assert ordinary.status_code == 429
    assert ordinary.json()["code"] == "new_member_limit"
    assert crisis.status_code == 201, crisis.content
    assert crisis.json()["crisis_resources"]


def test_a_crisis_post_from_an_established_member_skips_the_flood_wait(
    member, open_thread, time_machine
):
    client = client_for(member)
    at(time_machine, timezone.now())
    assert reply(client, open_thread).status_code == 201
    later(time_machine, 1)

    crisis = reply(client, open_thread, body=CRISIS)
    ordinary = reply(client, open_thread, body="And another thing.")

    assert crisis.status_code == 201, crisis.content
    assert ordinary.status_code == 429
    assert ordinary.json()["code"] == "flood"


def test_a_crisis_post_still_meets_the_link_limit(new_member, open_thread):
    response = reply(client_for(new_member), open_thread, body=f"{CRISIS} {THREE_LINKS['mixed']}")

    assert response.status_code == 422, response.content
    assert response.json()["code"] == "too_many_links"
    assert Post.objects.filter(thread=open_thread).count() == 1


def test_the_limits_let_an_urgent_post_through_but_check_its_links(new_member, time_machine):
    """The service-level contract the posting services rely on."""
    thread = make_thread(board=BoardFactory(), author=factories.UserFactory())
    at(time_machine, new_member.date_joined + timedelta(hours=1))
    history(author=new_member, thread=thread, n=10)

    def check(*, body: str = "Help", urgent: bool) -> None:
        limits.check_posting_limits(author=new_member, body=body, is_thread=False, urgent=urgent)

    check(urgent=True)
    with pytest.raises(ApiError) as quota:
        check(urgent=False)
    assert quota.value.code == "new_member_limit"
    with pytest.raises(ApiError) as links:
        check(body=THREE_LINKS["bare-urls"], urgent=True)
    assert links.value.code == "too_many_links"


# --- Query cost ------------------------------------------------------------------------------


def replied(client: APIClient, thread: Thread) -> None:
    response = reply(client, thread)
    assert response.status_code == 201, response.content


def reply_queries(client: APIClient, thread: Thread, time_machine) -> int:
    later(time_machine, FLOOD)
    with CaptureQueriesContext(connection) as queries:
        replied(client, thread)
    return len(queries)


@pytest.mark.parametrize("author", ["member", "new_member"])
def test_the_reply_query_count_does_not_grow_with_the_authors_history(
    request, open_thread, time_machine, author
):
    user = request.getfixturevalue(author)
    client = client_for(user)
    at(time_machine, user.date_joined + timedelta(minutes=1))
    reply(client, open_thread)  # warm up: anything loaded once per process is loaded

    def grow(have: int, want: int) -> None:
        history(author=user, thread=open_thread, n=want - have)
        later(time_machine, FLOOD)

    assert_constant_queries(lambda _n: replied(client, open_thread), grow=grow, small=1, large=6)


def test_an_established_member_pays_at_most_one_query_for_the_limits(
    member, moderator, open_thread, time_machine
):
    at(time_machine, timezone.now())
    member_client, moderator_client = client_for(member), client_for(moderator)
    reply(member_client, open_thread)  # warm up
    reply(moderator_client, open_thread)

    as_member = reply_queries(member_client, open_thread, time_machine)
    as_moderator = reply_queries(moderator_client, open_thread, time_machine)

    assert as_member <= as_moderator + 1
