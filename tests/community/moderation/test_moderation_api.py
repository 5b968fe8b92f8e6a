"""The moderation API, and what members then see through the forum API."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import TrustLevel, User
from community.forum.models import Board, Post, PostingPolicy, PostState, Thread
from community.moderation.models import ModerationAction, Verb
from community.posting import services as posting
from tests import factories
from tests.factories import PASSWORD, BoardFactory, make_reply, make_thread
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

API = "/api/v1"
MOD = f"{API}/moderation"


@pytest.fixture(autouse=True)
def _no_flood_control(settings):
    """These tests post several times a second; flood control has its own tests."""
    settings.MODERATION_FLOOD_SECONDS = 0


def client_for(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def app_token_for(user: User) -> str:
    """Signs in through the authentication API as the app client does; returns its token."""
    response = APIClient().post(
        "/api/auth/app/v1/auth/login",
        {"email": user.email, "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()["meta"]["session_token"]


def token_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_SESSION_TOKEN=token)
    return client


def verb(client: APIClient, path: str, data: dict | None = None):
    return client.post(f"{MOD}/{path}", data or {}, format="json")


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert set(body) >= {"code", "message", "fields"}
    return body


def listed_post_ids(client: APIClient, thread: Thread) -> list[int]:
    response = client.get(f"{API}/threads/{thread.pk}/posts")
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def listed_thread_ids(client: APIClient, board: Board) -> list[int]:
    response = client.get(f"{API}/boards/{board.slug}/threads")
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def notifications(client: APIClient) -> list[dict]:
    response = client.get(f"{API}/notifications")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def published_thread(board: Board | None = None, **kwargs) -> Thread:
    return make_thread(board=board or BoardFactory(), author=factories.UserFactory(), **kwargs)


def held_reply(thread: Thread, author: User | None = None) -> Post:
    """A reply as a member's own post makes it, on a board that holds it."""
    post = posting.post_create(
        author=author or factories.UserFactory(),
        thread_id=thread.pk,
        body="My neurologist suggested a lower dose; has anyone tried that?",
    )
    assert post.state == PostState.PENDING
    return post


def fresh(obj):
    obj.refresh_from_db()
    return obj


# --- approve, reject -----------------------------------------------------------------------


def test_approving_a_held_thread_shows_it_to_members_and_tells_its_author(
    moderator_client, member_client, django_capture_on_commit_callbacks
):
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)
    newcomer = factories.NewMemberFactory()
    watcher = factories.UserFactory()
    client_for(watcher).put(
        f"{API}/boards/{board.slug}/subscription", {"level": "watching"}, format="json"
    )
    thread = posting.thread_create(
        author=newcomer, board=board, title="Just diagnosed", body="Where do I start?"
    )
    opening = thread.posts.get(position=1)
    assert member_client.get(f"{API}/threads/{thread.pk}").status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        response = verb(moderator_client, f"posts/{opening.pk}/approve")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["changed"] is True
    assert body["state"] == PostState.PUBLISHED
    assert listed_thread_ids(member_client, board) == [thread.pk]
    assert listed_post_ids(member_client, thread) == [opening.pk]
    assert fresh(board).thread_count == 1
    [told] = notifications(client_for(newcomer))
    assert told["kind"] == "post_approved"
    assert told["post"] == opening.pk
    # The board's watchers hear of the thread now that it is published.
    assert [n["kind"] for n in notifications(client_for(watcher))] == [
        "new_thread_in_watched_board"
    ]


def test_approving_twice_answers_unchanged_and_writes_one_action(moderator_client):
    thread = published_thread(BoardFactory(posting_policy=PostingPolicy.PREMODERATE_ALL))
    post = held_reply(thread)

    first = verb(moderator_client, f"posts/{post.pk}/approve")
    second = verb(moderator_client, f"posts/{post.pk}/approve")

    assert first.json()["changed"] is True
    assert second.status_code == 200
    assert second.json()["changed"] is False
    assert second.json()["state"] == PostState.PUBLISHED
    assert ModerationAction.objects.filter(verb=Verb.APPROVE).count() == 1
    assert fresh(thread).reply_count == 1


def test_rejecting_sends_the_reason_and_only_the_author_sees_the_post(
    moderator_client, member_client
):
    thread = published_thread(BoardFactory(posting_policy=PostingPolicy.PREMODERATE_ALL))
    author = factories.UserFactory()
    post = held_reply(thread, author=author)
    reason = "Please avoid naming your clinic; members' privacy comes first."

    response = verb(moderator_client, f"posts/{post.pk}/reject", {"reason": reason})

    assert response.status_code == 200, response.content
    assert response.json()["state"] == PostState.REJECTED
    author_client = client_for(author)
    mine = author_client.get(f"{API}/posts/{post.pk}")
    assert mine.status_code == 200
    assert mine.json()["state"] == PostState.REJECTED
    [told] = notifications(author_client)
    assert told["kind"] == "post_rejected"
    assert told["details"] == {"reason": reason}
    assert member_client.get(f"{API}/posts/{post.pk}").status_code == 404
    assert post.pk not in listed_post_ids(member_client, thread)
    assert ModerationAction.objects.get(verb=Verb.REJECT).reason == reason


@pytest.mark.parametrize(
    ("payload", "problem"),
    [({}, "reason"), ({"reason": "   "}, "reason"), ({"reason": "x" * 1001}, "reason")],
)
def test_rejecting_without_a_usable_reason_is_400_and_changes_nothing(
    moderator_client, payload, problem
):
    thread = published_thread(BoardFactory(posting_policy=PostingPolicy.PREMODERATE_ALL))
    post = held_reply(thread)

    response = verb(moderator_client, f"posts/{post.pk}/reject", payload)

    body = assert_error(response, 400, "invalid")
    assert problem in body["fields"]
    assert fresh(post).state == PostState.PENDING
    assert not ModerationAction.objects.exists()


# --- hide, restore ---------------------------------------------------------------------------


def test_hiding_takes_a_post_out_of_view_and_restoring_brings_it_back(
    moderator_client, member_client
):
    thread = published_thread()
    author = factories.UserFactory()
    post = make_reply(thread=thread, author=author)
    assert post.pk in listed_post_ids(member_client, thread)

    hidden = verb(moderator_client, f"posts/{post.pk}/hide", {"reason": "Under review."})

    assert hidden.status_code == 200, hidden.content
    assert hidden.json()["state"] == PostState.HIDDEN
    assert post.pk not in listed_post_ids(member_client, thread)
    assert member_client.get(f"{API}/posts/{post.pk}").status_code == 404
    assert fresh(thread).reply_count == 0
    [told] = notifications(client_for(author))
    assert told["kind"] == "post_hidden"

    restored = verb(moderator_client, f"posts/{post.pk}/restore")

    assert restored.status_code == 200, restored.content
    assert restored.json()["state"] == PostState.PUBLISHED
    assert post.pk in listed_post_ids(member_client, thread)
    assert fresh(thread).reply_count == 1
    assert fresh(thread.board).post_count == 2


def test_a_verb_that_does_not_fit_the_post_is_refused_with_a_code(moderator_client):
    thread = published_thread(BoardFactory(posting_policy=PostingPolicy.PREMODERATE_ALL))
    post = held_reply(thread)

    assert_error(verb(moderator_client, f"posts/{post.pk}/restore"), 403, "not_hidden")
    assert_error(verb(moderator_client, f"posts/{post.pk}/hide"), 403, "not_published")
    assert fresh(post).state == PostState.PENDING
    assert not ModerationAction.objects.exists()


# --- threads: lock, pin, move --------------------------------------------------------------


def test_a_locked_thread_refuses_replies_until_unlocked(moderator_client, member_client):
    thread = published_thread()

    locked = verb(moderator_client, f"threads/{thread.pk}/lock")

    assert locked.status_code == 200, locked.content
    assert locked.json()["is_locked"] is True
    refused = member_client.post(
        f"{API}/threads/{thread.pk}/posts", {"body": "Me too."}, format="json"
    )
    assert_error(refused, 403, "thread_locked")
    assert member_client.get(f"{API}/threads/{thread.pk}").json()["can_reply"] is False

    verb(moderator_client, f"threads/{thread.pk}/unlock")

    again = member_client.post(
        f"{API}/threads/{thread.pk}/posts", {"body": "Me too."}, format="json"
    )
    assert again.status_code == 201, again.content
    assert list(ModerationAction.objects.order_by("id").values_list("verb", flat=True)) == [
        Verb.LOCK,
        Verb.UNLOCK,
    ]


def test_a_pinned_thread_comes_first_in_its_board(moderator_client, member_client):
    board = BoardFactory()
    oldest, middle, newest = (published_thread(board, title=f"Thread {n}") for n in range(3))
    assert listed_thread_ids(member_client, board) == [newest.pk, middle.pk, oldest.pk]

    pinned = verb(moderator_client, f"threads/{oldest.pk}/pin")

    assert pinned.json()["is_pinned"] is True
    assert listed_thread_ids(member_client, board) == [oldest.pk, newest.pk, middle.pk]

    verb(moderator_client, f"threads/{oldest.pk}/unpin")

    assert listed_thread_ids(member_client, board) == [newest.pk, middle.pk, oldest.pk]


def test_moving_a_thread_lists_it_in_the_other_board_with_right_counts(
    moderator_client, member_client
):
    source, target = BoardFactory(), BoardFactory()
    thread = published_thread(source)
    make_reply(thread=thread, author=factories.UserFactory())

    moved = verb(moderator_client, f"threads/{thread.pk}/move", {"board": target.slug})

    assert moved.status_code == 200, moved.content
    assert moved.json()["board"] == target.slug
    assert listed_thread_ids(member_client, source) == []
    assert listed_thread_ids(member_client, target) == [thread.pk]
    assert member_client.get(f"{API}/threads/{thread.pk}").json()["board"] == target.slug
    boards = {b["slug"]: b for b in member_client.get(f"{API}/boards").json()}
    assert (boards[source.slug]["thread_count"], boards[source.slug]["post_count"]) == (0, 0)
    assert (boards[target.slug]["thread_count"], boards[target.slug]["post_count"]) == (1, 2)

    same = verb(moderator_client, f"threads/{thread.pk}/move", {"board": target.slug})

    assert same.json()["changed"] is False
    assert ModerationAction.objects.filter(verb=Verb.MOVE).count() == 1


@pytest.mark.parametrize(
    ("payload", "status"),
    [({}, 400), ({"board": "not a slug"}, 400), ({"board": "no-such-board"}, 422)],
)
def test_moving_to_an_unknown_board_is_refused_and_changes_nothing(
    moderator_client, payload, status
):
    """400 for what the schema refuses; 422 for a slug that names no board."""
    source = BoardFactory()
    thread = published_thread(source)

    response = verb(moderator_client, f"threads/{thread.pk}/move", payload)

    body = assert_error(response, status, "invalid")
    assert "board" in body["fields"]
    assert fresh(thread).board_id == source.pk
    assert not ModerationAction.objects.exists()


# --- members: suspend, lift, clinician, trust --------------------------------------------------


def test_suspending_ends_the_members_sessions_and_app_tokens_at_once(moderator_client):
    member = factories.UserFactory()
    bystander = factories.UserFactory()
    token = app_token_for(member)
    browser = client_for(member)
    bystander_token = app_token_for(bystander)
    assert token_client(token).get(f"{API}/me").status_code == 200
    assert browser.get(f"{API}/me").status_code == 200
    until = timezone.now() + timedelta(days=7)

    response = verb(
        moderator_client,
        f"members/{member.username}/suspend",
        {"until": until.isoformat(), "reason": "Abusive messages to other members."},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["changed"] is True
    assert body["is_suspended"] is True
    assert "email" not in body
    # The token no longer signs anyone in: reads and writes alike.
    assert_error(token_client(token).get(f"{API}/me"), 401, "session_expired")
    write = token_client(token).patch(f"{API}/me", {"display_name": "X"}, format="json")
    assert write.status_code == 401
    assert_error(browser.get(f"{API}/me"), 401, "not_authenticated")
    # Nobody else is signed out.
    assert token_client(bystander_token).get(f"{API}/me").status_code == 200
    # Signing in again, they may read but every write answers "suspended".
    again = token_client(app_token_for(member))
    assert again.get(f"{API}/me").status_code == 200
    thread = published_thread()
    refused = again.post(f"{API}/threads/{thread.pk}/posts", {"body": "Hi"}, format="json")
    assert_error(refused, 403, "suspended")
    action = ModerationAction.objects.get(verb=Verb.SUSPEND)
    assert action.reason == "Abusive messages to other members."
    assert action.target_user == member


def test_lifting_a_suspension_lets_the_member_write_again(moderator_client, suspended_member):
    thread = published_thread()
    member_client = client_for(suspended_member)

    lifted = verb(moderator_client, f"members/{suspended_member.username}/lift-suspension")
    twice = verb(moderator_client, f"members/{suspended_member.username}/lift-suspension")

    assert lifted.json()["changed"] is True
    assert lifted.json()["suspended_until"] is None
    assert twice.json()["changed"] is False
    reply = member_client.post(f"{API}/threads/{thread.pk}/posts", {"body": "Back."}, format="json")
    assert reply.status_code == 201, reply.content
    assert ModerationAction.objects.filter(verb=Verb.LIFT_SUSPENSION).count() == 1


@pytest.mark.parametrize(
    ("payload", "field", "status"),
    [
        ({"until": "2001-01-01T00:00:00Z", "reason": "Spam."}, "until", 422),
        ({"until": "next tuesday", "reason": "Spam."}, "until", 400),
        ({"reason": "Spam."}, "until", 400),
        ({"until": "2999-01-01T00:00:00Z", "reason": ""}, "reason", 400),
    ],
)
def test_suspending_with_bad_input_is_refused_and_changes_nothing(
    moderator_client, member, payload, field, status
):
    response = verb(moderator_client, f"members/{member.username}/suspend", payload)

    body = assert_error(response, status, "invalid")
    assert field in body["fields"]
    assert fresh(member).suspended_until is None
    assert not ModerationAction.objects.exists()


def _suspend(client: APIClient, user: User):
    until = (timezone.now() + timedelta(days=1)).isoformat()
    return verb(client, f"members/{user.username}/suspend", {"until": until, "reason": "Test."})


def test_who_may_suspend_whom(moderator, moderator_client, admin_user, admin_client_api):
    other_moderator = factories.ModeratorFactory()

    assert_error(_suspend(moderator_client, moderator), 403, "cannot_suspend_self")
    assert_error(_suspend(moderator_client, admin_user), 403, "cannot_suspend_admin")
    assert_error(_suspend(moderator_client, other_moderator), 403, "cannot_suspend_moderator")
    assert_error(_suspend(admin_client_api, admin_user), 403, "cannot_suspend_self")
    assert not ModerationAction.objects.exists()

    allowed = _suspend(admin_client_api, other_moderator)

    assert allowed.status_code == 200, allowed.content
    assert fresh(other_moderator).is_suspended()


def test_verifying_a_clinician_shows_the_badge_to_members(moderator_client, member_client):
    clinician = factories.UserFactory()
    expires = timezone.now() + timedelta(days=365)

    response = verb(
        moderator_client,
        f"members/{clinician.username}/verify-clinician",
        {"expires_at": expires.isoformat()},
    )

    assert response.status_code == 200, response.content
    assert response.json()["clinician"] is not None
    profile = member_client.get(f"{API}/members/{clinician.username}").json()
    assert profile["clinician"] is not None
    assert profile["clinician"]["expires_at"] is not None
    action = ModerationAction.objects.get(verb=Verb.VERIFY_CLINICIAN)
    assert fresh(clinician).clinician_verified_by_id == action.actor_id


def test_a_clinician_badge_cannot_expire_in_the_past(moderator_client, member):
    response = verb(
        moderator_client,
        f"members/{member.username}/verify-clinician",
        {"expires_at": "2020-01-01T00:00:00Z"},
    )

    assert "expires_at" in assert_error(response, 422, "invalid")["fields"]
    assert fresh(member).clinician_verified_at is None


def test_trusting_a_new_member_by_hand_publishes_their_next_post(moderator_client):
    newcomer = factories.NewMemberFactory()
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)

    response = verb(
        moderator_client, f"members/{newcomer.username}/trust", {"trust_level": "established"}
    )

    assert response.status_code == 200, response.content
    assert response.json()["trust_level"] == TrustLevel.ESTABLISHED
    created = client_for(newcomer).post(
        f"{API}/boards/{board.slug}/threads",
        {"title": "Hello", "body": "Glad to have found this place."},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["state"] == PostState.PUBLISHED
    action = ModerationAction.objects.get(verb=Verb.SET_TRUST)
    assert action.data == {"from": "new", "to": "established"}


def test_an_unknown_trust_level_is_400(moderator_client, member):
    response = verb(moderator_client, f"members/{member.username}/trust", {"trust_level": "vip"})

    assert "trust_level" in assert_error(response, 400, "invalid")["fields"]
    assert not ModerationAction.objects.exists()


# --- who may use the moderation API --------------------------------------------------------


def _every_endpoint(post: Post, thread: Thread, member: User) -> dict[str, tuple[str, str, dict]]:
    until = (timezone.now() + timedelta(days=2)).isoformat()
    return {
        "queue": ("get", "queue", {}),
        "actions": ("get", "actions", {}),
        "approve": ("post", f"posts/{post.pk}/approve", {}),
        "reject": ("post", f"posts/{post.pk}/reject", {"reason": "No."}),
        "hide": ("post", f"posts/{post.pk}/hide", {}),
        "restore": ("post", f"posts/{post.pk}/restore", {}),
        "clear-urgent": ("post", f"posts/{post.pk}/clear-urgent", {}),
        "lock": ("post", f"threads/{thread.pk}/lock", {}),
        "unlock": ("post", f"threads/{thread.pk}/unlock", {}),
        "pin": ("post", f"threads/{thread.pk}/pin", {}),
        "unpin": ("post", f"threads/{thread.pk}/unpin", {}),
        "move": ("post", f"threads/{thread.pk}/move", {"board": BoardFactory().slug}),
        "suspend": (
            "post",
            f"members/{member.username}/suspend",
            {"until": until, "reason": "x"},
        ),
        "lift-suspension": ("post", f"members/{member.username}/lift-suspension", {}),
        "verify-clinician": ("post", f"members/{member.username}/verify-clinician", {}),
        "trust": ("post", f"members/{member.username}/trust", {"trust_level": "new"}),
    }


ENDPOINT_NAMES = [
    "queue",
    "actions",
    "approve",
    "reject",
    "hide",
    "restore",
    "clear-urgent",
    "lock",
    "unlock",
    "pin",
    "unpin",
    "move",
    "suspend",
    "lift-suspension",
    "verify-clinician",
    "trust",
]


@pytest.mark.parametrize("who", ["anonymous", "member", "new_member", "suspended_moderator"])
@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
def test_the_moderation_api_does_not_exist_for_others(who, endpoint):
    thread = published_thread(BoardFactory(posting_policy=PostingPolicy.PREMODERATE_ALL))
    post = held_reply(thread)
    board_id = thread.board_id
    target = factories.UserFactory()
    users = {
        "anonymous": None,
        "member": factories.UserFactory(),
        "new_member": factories.NewMemberFactory(),
        "suspended_moderator": factories.ModeratorFactory(
            suspended_until=timezone.now() + timedelta(days=3)
        ),
    }
    method, path, data = _every_endpoint(post, thread, target)[endpoint]

    response = getattr(client_for(users[who]), method)(f"{MOD}/{path}", data, format="json")

    if who == "suspended_moderator":
        body = assert_error(response, 403, "suspended")
        assert "until" in body
    elif who == "anonymous":
        assert_error(response, 401, "not_authenticated")  # asked to sign in, as everywhere
    else:
        assert_error(response, 404, "not_found")
    assert fresh(post).state == PostState.PENDING
    assert fresh(thread).is_locked is False
    assert fresh(thread).board_id == board_id
    assert fresh(target).trust_level == TrustLevel.ESTABLISHED
    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "posts/987654321/approve",
        "posts/99999999999999999999999999/hide",
        "threads/987654321/lock",
        "threads/abc/lock",
        "members/nobody_here/suspend",
        "members/not%20a%20name/trust",
    ],
)
def test_unknown_targets_are_404(moderator_client, path):
    response = verb(moderator_client, path, {"reason": "x", "trust_level": "new"})

    assert_error(response, 404, "not_found")


# --- the queue -------------------------------------------------------------------------------


def test_the_queue_puts_urgent_posts_first_then_the_longest_waiting(moderator_client):
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_ALL)
    thread = published_thread(board)
    now = timezone.now()
    old, recent = held_reply(thread), held_reply(thread)
    urgent_held, urgent_published = (
        held_reply(thread),
        make_reply(thread=thread, author=factories.UserFactory()),
    )
    rejected, plain_published = (
        held_reply(thread),
        make_reply(thread=thread, author=factories.UserFactory()),
    )
    for post, minutes in [(old, 60), (recent, 5), (urgent_held, 1), (urgent_published, 30)]:
        Post.objects.filter(pk=post.pk).update(created_at=now - timedelta(minutes=minutes))
    Post.objects.filter(pk__in=[urgent_held.pk, urgent_published.pk]).update(is_urgent=True)
    Post.objects.filter(pk=rejected.pk).update(state=PostState.REJECTED)

    response = moderator_client.get(f"{MOD}/queue")

    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [urgent_published.pk, urgent_held.pk, old.pk, recent.pk]
    assert plain_published.pk not in [row["id"] for row in rows]
    first = rows[0]
    assert first["is_urgent"] is True
    assert first["thread"] == {"id": thread.pk, "title": thread.title, "state": "published"}
    assert first["board"] == {"slug": board.slug, "name": board.name}
    assert first["author"]["username"] == urgent_published.author.username
    assert 29 * 60 <= first["waiting_seconds"] <= 31 * 60


def test_the_queue_pages_through_every_post_once_in_order(moderator_client):
    thread = published_thread(BoardFactory(posting_policy=PostingPolicy.PREMODERATE_ALL))
    posts = [held_reply(thread) for _ in range(7)]
    same_time = timezone.now() - timedelta(hours=1)
    # Posts written in the same instant still page without a gap or a repeat.
    Post.objects.filter(pk__in=[p.pk for p in posts[:4]]).update(created_at=same_time)
    Post.objects.filter(pk__in=[posts[5].pk, posts[2].pk]).update(is_urgent=True)
    expected = [
        p.pk
        for p in sorted(
            Post.objects.filter(pk__in=[p.pk for p in posts]),
            key=lambda p: (not p.is_urgent, p.created_at, p.pk),
        )
    ]

    seen: list[int] = []
    url: str | None = f"{MOD}/queue?page_size=2"
    while url:
        body = moderator_client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    back = moderator_client.get(body["previous"]).json() if body["previous"] else None

    assert seen == expected
    assert back is not None
    assert [row["id"] for row in back["results"]] == expected[-3:-1]


def _grow_queue(board: Board, thread: Thread, authors: list[User], n: int) -> None:
    """Held posts that differ the way real ones do: opening posts and replies, anonymous,
    urgent, by new members and by a clinician, in two boards."""
    anonymous_board = BoardFactory(
        posting_policy=PostingPolicy.PREMODERATE_ALL, allows_anonymous=True
    )
    while Post.objects.filter(state=PostState.PENDING).count() < n:
        i = Post.objects.filter(state=PostState.PENDING).count()
        author = authors[i % len(authors)]
        if i % 3 == 0:
            held = posting.thread_create(
                author=author,
                board=anonymous_board,
                title=f"Held thread {i}",
                body="Is this normal?",
                is_anonymous=i % 2 == 0,
            )
            post = held.posts.get(position=1)
        else:
            post = posting.post_create(author=author, thread_id=thread.pk, body=f"Reply {i}")
        if i % 4 == 1:
            Post.objects.filter(pk=post.pk).update(is_urgent=True)


def test_the_queue_costs_the_same_queries_for_2_and_25_posts(moderator_client):
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_ALL)
    thread = published_thread(board)
    authors = [
        factories.UserFactory(),
        factories.NewMemberFactory(),
        factories.UserFactory(
            clinician_verified_at=timezone.now(),
            clinician_expires_at=timezone.now() + timedelta(days=90),
        ),
        factories.UserFactory(display_name=""),
    ]

    def listed(n: int) -> None:
        response = moderator_client.get(f"{MOD}/queue")
        assert len(response.json()["results"]) == n

    assert_constant_queries(
        listed, grow=lambda _have, n: _grow_queue(board, thread, authors, n), warm_up=True
    )


# --- the audit log ---------------------------------------------------------------------------


def test_the_audit_log_lists_every_verb_newest_first(moderator, moderator_client, member):
    thread = published_thread()
    verb(moderator_client, f"threads/{thread.pk}/lock")
    verb(moderator_client, f"threads/{thread.pk}/pin")
    verb(moderator_client, f"members/{member.username}/trust", {"trust_level": "new"})

    response = moderator_client.get(f"{MOD}/actions?page_size=2")

    assert response.status_code == 200, response.content
    body = response.json()
    assert [row["verb"] for row in body["results"]] == [Verb.SET_TRUST, Verb.PIN]
    first = body["results"][0]
    assert first["actor"]["username"] == moderator.username
    assert first["target_user"]["username"] == member.username
    assert body["results"][1]["thread_title"] == thread.title
    rest = moderator_client.get(body["next"]).json()["results"]
    assert [row["verb"] for row in rest] == [Verb.LOCK]


def test_the_audit_log_costs_the_same_queries_for_2_and_25_actions(moderator_client):
    threads = [published_thread() for _ in range(25)]
    other_moderator = client_for(factories.ModeratorFactory())

    def grow(_have: int, n: int) -> None:
        # Actions of different verbs, by different moderators, on threads and on members.
        while ModerationAction.objects.count() < n:
            i = ModerationAction.objects.count()
            client = moderator_client if i % 2 else other_moderator
            if i % 3 == 0:
                verb(client, f"threads/{threads[i].pk}/lock")
            elif i % 3 == 1:
                verb(client, f"threads/{threads[i].pk}/pin")
            else:
                member = factories.UserFactory()
                verb(client, f"members/{member.username}/trust", {"trust_level": "new"})

    def listed(n: int) -> None:
        response = moderator_client.get(f"{MOD}/actions")
        assert len(response.json()["results"]) == n

    assert_constant_queries(listed, grow=grow)


def test_clearing_the_urgent_mark_takes_a_post_off_the_queue_once(moderator_client):
    thread = published_thread(BoardFactory(posting_policy=PostingPolicy.OPEN))
    post = make_reply(thread=thread, author=factories.UserFactory())
    Post.objects.filter(pk=post.pk).update(is_urgent=True)
    assert [row["id"] for row in moderator_client.get(f"{MOD}/queue").json()["results"]] == [
        post.pk
    ]

    first = verb(moderator_client, f"posts/{post.pk}/clear-urgent", {"reason": "Talked to them."})
    second = verb(moderator_client, f"posts/{post.pk}/clear-urgent")

    assert (first.status_code, first.json()["changed"]) == (200, True)
    assert (second.status_code, second.json()["changed"]) == (200, False)
    assert moderator_client.get(f"{MOD}/queue").json()["results"] == []
    assert ModerationAction.objects.filter(verb=Verb.CLEAR_URGENT, post=post).count() == 1


def test_restoring_a_post_answers_its_open_flags(moderator_client):
    from community.moderation.models import Flag, FlagState

    thread = published_thread(BoardFactory(posting_policy=PostingPolicy.OPEN))
    post = make_reply(thread=thread, author=factories.UserFactory())
    flaggers = [factories.UserFactory(trust_level=TrustLevel.ESTABLISHED) for _ in range(3)]
    for flagger in flaggers:
        response = client_for(flagger).post(
            f"{API}/posts/{post.pk}/flags", {"reason": "spam"}, format="json"
        )
        assert response.status_code == 201, response.content
    post.refresh_from_db()
    assert post.state == PostState.HIDDEN

    assert verb(moderator_client, f"posts/{post.pk}/restore").status_code == 200

    assert not Flag.objects.filter(post=post, state=FlagState.OPEN).exists()
    # One more report does not hide it again at once.
    late = factories.UserFactory(trust_level=TrustLevel.ESTABLISHED)
    client_for(late).post(f"{API}/posts/{post.pk}/flags", {"reason": "spam"}, format="json")
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHED
