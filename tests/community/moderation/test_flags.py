"""Members report posts; enough reports hide a post; moderators read the queue and resolve."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from community.forum.models import Board, BoardVisibility, Post, PostState, Thread
from community.moderation.models import Flag, FlagState, ModerationAction, Verb
from community.moderation.services import flags
from community.notifications.kinds import Kind
from community.notifications.models import Notification
from tests import factories
from tests.factories import BoardFactory, make_reply, make_thread
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

POST_TEXT = "Has anyone tried the new clinic? Their physio plan helped my neck a lot."


@pytest.fixture(autouse=True)
def _no_flood_wait(settings):
    """Set-up posts many replies in a row; flood control is tested elsewhere."""
    settings.MODERATION_FLOOD_SECONDS = 0
    settings.MODERATION_FLAG_HIDE_THRESHOLD = 3


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def flag(client: APIClient, post: Post, reason: str = "spam", **payload):
    return client.post(
        f"/api/v1/posts/{post.pk}/flags", {"reason": reason, **payload}, format="json"
    )


def resolve(client: APIClient, post: Post, outcome: str, **payload):
    return client.post(
        f"/api/v1/moderation/posts/{post.pk}/flags/resolve",
        {"outcome": outcome, **payload},
        format="json",
    )


def listed_post_ids(client: APIClient, thread: Thread) -> list[int]:
    response = client.get(f"/api/v1/threads/{thread.pk}/posts")
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def notified(kind: str, post: Post) -> set[int]:
    return set(
        Notification.objects.filter(kind=kind, post=post).values_list("recipient_id", flat=True)
    )


def actions(post: Post) -> list[str]:
    return list(
        ModerationAction.objects.filter(post=post).order_by("id").values_list("verb", flat=True)
    )


class Scene:
    """A public board with a thread, and a reply by ``writer`` that members may report."""

    def __init__(self) -> None:
        self.board: Board = BoardFactory()
        self.starter = factories.UserFactory()
        self.writer = factories.UserFactory()
        self.thread = make_thread(board=self.board, author=self.starter)
        self.post = make_reply(thread=self.thread, author=self.writer, body=POST_TEXT)
        self.refresh()

    def refresh(self) -> None:
        self.post.refresh_from_db()
        self.thread.refresh_from_db()
        self.board.refresh_from_db()


@pytest.fixture
def scene() -> Scene:
    return Scene()


def flag_by_members(post: Post, n: int, *, new: bool = False, reason: str = "spam") -> list:
    factory = factories.NewMemberFactory if new else factories.UserFactory
    return [flag(client_for(factory()), post, reason) for _ in range(n)]


# --- Flagging ---------------------------------------------------------------------------------


def test_flag_is_201_and_keeps_the_text_as_it_was(scene, member, member_client, moderator):
    response = flag(member_client, scene.post, "misinformation", note="This dose is unsafe.")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reason"] == "misinformation"
    assert body["note"] == "This dose is unsafe."
    assert body["state"] == FlagState.OPEN
    assert body["post"] == scene.post.pk
    assert body["created_at"]
    stored = Flag.objects.get(pk=body["id"])
    assert stored.flagger_id == member.pk
    assert stored.snapshot == POST_TEXT

    edited = client_for(scene.writer).patch(
        f"/api/v1/posts/{scene.post.pk}", {"body": "Edited to say something else."}, format="json"
    )
    assert edited.status_code == 200, edited.content
    stored.refresh_from_db()
    assert stored.snapshot == POST_TEXT
    # Moderators hear of it; the post stays up after one member's report.
    assert notified(Kind.NEW_FLAG, scene.post) == {moderator.pk}
    scene.refresh()
    assert scene.post.state == PostState.PUBLISHED
    assert actions(scene.post) == []


def test_second_flag_by_the_same_member_changes_nothing(scene, member_client):
    first = flag(member_client, scene.post, "spam", note="Selling supplements.")

    again = flag(member_client, scene.post, "abuse", note="Different words.")

    assert again.status_code == 200, again.content
    assert again.json() == first.json()
    assert Flag.objects.filter(post=scene.post).count() == 1
    assert Flag.objects.get().reason == "spam"


def test_own_post_cannot_be_flagged(scene):
    response = flag(client_for(scene.writer), scene.post)

    assert response.status_code == 403
    assert response.json()["code"] == "own_post"
    assert not Flag.objects.exists()


@pytest.mark.parametrize("state", [PostState.PENDING, PostState.HIDDEN, PostState.REJECTED])
def test_a_post_the_member_cannot_see_is_404(scene, member_client, state):
    unseen = make_reply(thread=scene.thread, author=factories.UserFactory(), state=state)

    response = flag(member_client, unseen)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Flag.objects.exists()


def test_missing_post_is_404_and_visitors_must_sign_in(member_client, anon_client):
    assert flag(member_client, Post(pk=987654)).status_code == 404
    board = BoardFactory(visibility=BoardVisibility.MEMBERS)
    thread = make_thread(board=board, author=factories.UserFactory())
    opening = thread.posts.get(position=1)

    response = flag(anon_client, opening)

    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"
    assert not Flag.objects.exists()


def test_suspended_member_cannot_flag(scene, suspended_client):
    response = flag(suspended_client, scene.post)

    assert response.status_code == 403
    assert response.json()["code"] == "suspended"
    assert not Flag.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"reason": "rude"},
        {"reason": ""},
        {},
        {"reason": "spam", "note": "x" * 1001},
        {"reason": "spam", "note": 42},
        {"reason": ["spam"]},
    ],
)
def test_bad_input_is_400_and_stores_nothing(scene, member_client, payload):
    response = member_client.post(f"/api/v1/posts/{scene.post.pk}/flags", payload, format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) <= {"reason", "note"}
    assert body["fields"]
    assert not Flag.objects.exists()
    assert not Notification.objects.filter(kind=Kind.NEW_FLAG).exists()


def test_a_note_of_exactly_1000_characters_is_kept(scene, member_client):
    response = flag(member_client, scene.post, "other", note="n" * 1000)

    assert response.status_code == 201, response.content
    assert Flag.objects.get().note == "n" * 1000


# --- Hiding -----------------------------------------------------------------------------------


def test_three_established_members_hide_the_post(scene, member_client):
    assert scene.post.pk in listed_post_ids(member_client, scene.thread)
    assert scene.thread.reply_count == 1

    responses = flag_by_members(scene.post, 3)

    assert [r.status_code for r in responses] == [201, 201, 201]
    scene.refresh()
    assert scene.post.state == PostState.HIDDEN
    assert scene.thread.reply_count == 0
    assert scene.board.post_count == 1
    # Gone for other members, still there (as hidden) for its author.
    assert scene.post.pk not in listed_post_ids(member_client, scene.thread)
    assert member_client.get(f"/api/v1/posts/{scene.post.pk}").status_code == 404
    author = client_for(scene.writer)
    mine = author.get(f"/api/v1/posts/{scene.post.pk}").json()
    assert mine["state"] == PostState.HIDDEN
    assert mine["body_source"] == POST_TEXT
    assert scene.post.pk in listed_post_ids(author, scene.thread)
    inbox = author.get("/api/v1/notifications").json()["results"]
    assert [(n["kind"], n["post"]) for n in inbox] == [(Kind.POST_HIDDEN, scene.post.pk)]
    hide = ModerationAction.objects.get(post=scene.post)
    assert hide.verb == Verb.FLAG_HIDE
    assert hide.actor is None
    assert hide.thread_id == scene.thread.pk
    assert hide.data == {"flags": 3}


def test_two_established_flags_do_not_hide(scene, member_client):
    flag_by_members(scene.post, 2)

    scene.refresh()
    assert scene.post.state == PostState.PUBLISHED
    assert scene.post.pk in listed_post_ids(member_client, scene.thread)
    assert actions(scene.post) == []


def test_new_members_flags_are_queued_but_do_not_hide(scene, member_client, moderator):
    responses = flag_by_members(scene.post, 3, new=True)
    flag_by_members(scene.post, 2)

    assert [r.status_code for r in responses] == [201, 201, 201]
    scene.refresh()
    assert scene.post.state == PostState.PUBLISHED
    assert scene.post.pk in listed_post_ids(member_client, scene.thread)
    assert actions(scene.post) == []
    queue = client_for(moderator).get("/api/v1/moderation/flags").json()["results"]
    assert [(item["post"]["id"], item["open_flags"]) for item in queue] == [(scene.post.pk, 5)]

    flag_by_members(scene.post, 1)  # the third established member

    scene.refresh()
    assert scene.post.state == PostState.HIDDEN
    assert ModerationAction.objects.get(post=scene.post).data == {"flags": 6}


def test_one_moderators_flag_hides_the_post(scene, moderator, member_client):
    other_moderator = factories.ModeratorFactory()

    response = flag(client_for(moderator), scene.post, "abuse")

    assert response.status_code == 201, response.content
    scene.refresh()
    assert scene.post.state == PostState.HIDDEN
    assert scene.post.pk not in listed_post_ids(member_client, scene.thread)
    hide = ModerationAction.objects.get(post=scene.post)
    assert (hide.verb, hide.actor_id, hide.data) == (Verb.FLAG_HIDE, moderator.pk, {"flags": 1})
    assert notified(Kind.POST_HIDDEN, scene.post) == {scene.writer.pk}
    assert notified(Kind.NEW_FLAG, scene.post) == {other_moderator.pk}


def test_crisis_flag_makes_the_post_urgent_and_alerts_moderators_once(scene, moderator):
    admin = factories.AdminFactory()
    factories.ModeratorFactory(suspended_until=timezone.now() + timedelta(days=3))

    first = flag(client_for(factories.UserFactory()), scene.post, "crisis", note="Worried.")
    flag_by_members(scene.post, 2, reason="crisis")

    assert first.status_code == 201, first.content
    scene.refresh()
    assert scene.post.is_urgent
    # Urgent, not silenced: crisis reports never hide the post.
    assert scene.post.state == PostState.PUBLISHED
    urgent = ModerationAction.objects.get(post=scene.post)
    assert urgent.verb == Verb.MARK_URGENT
    assert urgent.actor is None
    assert urgent.data == {"flag": first.json()["id"]}
    assert notified(Kind.URGENT_CRISIS, scene.post) == {moderator.pk, admin.pk}
    assert Notification.objects.filter(kind=Kind.URGENT_CRISIS).count() == 2
    alert = Notification.objects.filter(kind=Kind.URGENT_CRISIS).first()
    assert alert is not None
    assert alert.event_key == f"post:{scene.post.pk}:urgent"
    queue = client_for(moderator).get("/api/v1/moderation/flags").json()["results"]
    assert queue[0]["crisis"] is True
    assert queue[0]["reasons"]["crisis"] == 3


def test_crisis_flag_on_an_already_urgent_post_writes_no_second_mark(scene, member_client):
    Post.objects.filter(pk=scene.post.pk).update(is_urgent=True)

    response = flag(member_client, scene.post, "crisis")

    assert response.status_code == 201, response.content
    assert actions(scene.post) == []
    assert not Notification.objects.filter(kind=Kind.URGENT_CRISIS).exists()


# --- Resolving --------------------------------------------------------------------------------


def hidden_by_flags(scene: Scene) -> None:
    flag_by_members(scene.post, 3)
    scene.refresh()
    assert scene.post.state == PostState.HIDDEN


def test_upheld_keeps_the_post_hidden(scene, moderator, member_client):
    hidden_by_flags(scene)

    response = resolve(client_for(moderator), scene.post, "upheld", note="Advertising.")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "changed": True,
        "resolved": 3,
        "post": {"id": scene.post.pk, "state": PostState.HIDDEN},
    }
    scene.refresh()
    assert scene.post.state == PostState.HIDDEN
    assert scene.post.pk not in listed_post_ids(member_client, scene.thread)
    assert set(Flag.objects.values_list("state", "resolved_by")) == {
        (FlagState.UPHELD, moderator.pk)
    }
    assert not Flag.objects.filter(resolved_at__isnull=True).exists()
    upheld = ModerationAction.objects.filter(post=scene.post).last()
    assert upheld is not None
    assert (upheld.verb, upheld.actor_id, upheld.reason) == (
        Verb.FLAG_UPHOLD,
        moderator.pk,
        "Advertising.",
    )
    assert actions(scene.post) == [Verb.FLAG_HIDE, Verb.FLAG_UPHOLD]
    queue = client_for(moderator).get("/api/v1/moderation/flags").json()["results"]
    assert queue == []


def test_upheld_hides_a_post_that_was_still_up(scene, moderator, member_client):
    flag_by_members(scene.post, 1)

    response = resolve(client_for(moderator), scene.post, "upheld")

    assert response.status_code == 200, response.content
    scene.refresh()
    assert scene.post.state == PostState.HIDDEN
    assert scene.thread.reply_count == 0
    assert scene.post.pk not in listed_post_ids(member_client, scene.thread)
    assert notified(Kind.POST_HIDDEN, scene.post) == {scene.writer.pk}
    assert actions(scene.post) == [Verb.FLAG_UPHOLD]


def test_dismissed_restores_a_post_hidden_by_flags(scene, moderator, member_client):
    hidden_by_flags(scene)
    assert scene.thread.reply_count == 0

    response = resolve(client_for(moderator), scene.post, "dismissed")

    assert response.status_code == 200, response.content
    assert response.json()["post"] == {"id": scene.post.pk, "state": PostState.PUBLISHED}
    scene.refresh()
    assert scene.post.state == PostState.PUBLISHED
    assert scene.thread.reply_count == 1
    assert scene.board.post_count == 2
    assert scene.post.pk in listed_post_ids(member_client, scene.thread)
    detail = member_client.get(f"/api/v1/threads/{scene.thread.pk}").json()
    assert detail["reply_count"] == 1
    assert set(Flag.objects.values_list("state", flat=True)) == {FlagState.DISMISSED}
    assert actions(scene.post) == [Verb.FLAG_HIDE, Verb.FLAG_DISMISS]


def test_dismissed_restores_a_thread_whose_opening_post_flags_hid(moderator, member_client):
    board = BoardFactory()
    thread = make_thread(board=board, author=factories.UserFactory())
    make_reply(thread=thread, author=factories.UserFactory())
    opening = thread.posts.get(position=1)
    flag_by_members(opening, 3)
    assert member_client.get(f"/api/v1/threads/{thread.pk}").status_code == 404
    board.refresh_from_db()
    assert (board.thread_count, board.post_count) == (0, 0)

    resolve(client_for(moderator), opening, "dismissed")

    assert member_client.get(f"/api/v1/threads/{thread.pk}").json()["reply_count"] == 1
    board.refresh_from_db()
    assert (board.thread_count, board.post_count) == (1, 2)
    listed = member_client.get(f"/api/v1/boards/{board.slug}/threads").json()["results"]
    assert [t["id"] for t in listed] == [thread.pk]


def test_dismissed_leaves_a_post_a_moderator_hid_by_hand(scene, moderator, member_client):
    flag_by_members(scene.post, 1)
    # A moderator hid it themselves while the flag was open.
    factories._force_state(post=scene.post, state=PostState.HIDDEN)
    ModerationAction.objects.create(
        verb=Verb.HIDE, actor=moderator, post=scene.post, thread=scene.thread
    )

    response = resolve(client_for(moderator), scene.post, "dismissed")

    assert response.status_code == 200, response.content
    assert response.json()["post"]["state"] == PostState.HIDDEN
    scene.refresh()
    assert scene.post.state == PostState.HIDDEN
    assert scene.post.pk not in listed_post_ids(member_client, scene.thread)


def test_resolving_twice_writes_nothing_the_second_time(scene, moderator):
    hidden_by_flags(scene)
    client = client_for(moderator)
    assert resolve(client, scene.post, "dismissed").json()["changed"] is True
    before = actions(scene.post)

    with CaptureQueriesContext(connection) as queries:
        again = resolve(client, scene.post, "upheld")

    assert again.status_code == 200, again.content
    assert again.json() == {
        "changed": False,
        "resolved": 0,
        "post": {"id": scene.post.pk, "state": PostState.PUBLISHED},
    }
    assert actions(scene.post) == before
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and "django_session" not in q["sql"]
    ]
    assert writes == []
    scene.refresh()
    assert scene.post.state == PostState.PUBLISHED


@pytest.mark.parametrize("who", ["member", "new_member", "anonymous", "suspended_member"])
def test_resolve_is_404_for_everyone_but_moderators(scene, who, request):
    hidden_by_flags(scene)
    client = APIClient() if who == "anonymous" else client_for(request.getfixturevalue(who))

    response = resolve(client, scene.post, "dismissed")

    # A visitor is asked to sign in; a member finds nothing there.
    expected = (401, "not_authenticated") if who == "anonymous" else (404, "not_found")
    assert (response.status_code, response.json()["code"]) == expected
    scene.refresh()
    assert scene.post.state == PostState.HIDDEN
    assert set(Flag.objects.values_list("state", flat=True)) == {FlagState.OPEN}
    assert actions(scene.post) == [Verb.FLAG_HIDE]


def test_suspended_moderator_cannot_resolve_but_can_read_the_queue(scene):
    hidden_by_flags(scene)
    suspended = factories.ModeratorFactory(suspended_until=timezone.now() + timedelta(days=2))
    client = client_for(suspended)

    response = resolve(client, scene.post, "dismissed")

    assert response.status_code == 403
    assert response.json()["code"] == "suspended"
    assert set(Flag.objects.values_list("state", flat=True)) == {FlagState.OPEN}
    assert actions(scene.post) == [Verb.FLAG_HIDE]
    assert client.get("/api/v1/moderation/flags").status_code == 200


@pytest.mark.parametrize("payload", [{"outcome": "deleted"}, {}, {"outcome": "upheld", "note": 7}])
def test_resolve_with_bad_input_is_400_and_changes_nothing(scene, moderator, payload):
    hidden_by_flags(scene)

    response = client_for(moderator).post(
        f"/api/v1/moderation/posts/{scene.post.pk}/flags/resolve", payload, format="json"
    )

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert set(Flag.objects.values_list("state", flat=True)) == {FlagState.OPEN}


def test_resolve_of_a_missing_post_is_404(moderator):
    response = resolve(client_for(moderator), Post(pk=987654), "upheld")

    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_moderators_resolving_at_once_make_one_action():
    scene = Scene()
    flag_by_members(scene.post, 3)
    moderators = [factories.ModeratorFactory() for _ in range(4)]
    start = threading.Barrier(len(moderators))
    results: list[bool] = []
    errors: list[BaseException] = []

    def worker(moderator) -> None:
        try:
            start.wait(timeout=30)
            outcome = flags.flag_resolve(
                moderator=moderator, post_id=scene.post.pk, outcome=FlagState.DISMISSED
            )
            results.append(outcome.changed)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=worker, args=(m,)) for m in moderators]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=60)

    assert errors == []
    assert sorted(results) == [False, False, False, True]
    assert actions(scene.post) == [Verb.FLAG_HIDE, Verb.FLAG_DISMISS]
    scene.refresh()
    assert scene.post.state == PostState.PUBLISHED
    assert scene.thread.reply_count == 1


# --- The queue --------------------------------------------------------------------------------


def test_queue_is_for_moderators_only(scene, member_client, anon_client, suspended_client):
    flag_by_members(scene.post, 1)

    for client in (member_client, suspended_client):
        response = client.get("/api/v1/moderation/flags")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert anon_client.get("/api/v1/moderation/flags").status_code == 401


def test_queue_lists_crisis_first_then_oldest_with_snapshots_and_notes(scene, moderator):
    older = scene.post
    newer = make_reply(thread=scene.thread, author=factories.UserFactory(), body="Buy pills.")
    crisis = make_reply(thread=scene.thread, author=factories.UserFactory(), body="I am done.")
    first = factories.UserFactory(username="first_reporter")
    flag(client_for(first), older, "misinformation", note="Not what my neurologist said.")
    flag(client_for(factories.NewMemberFactory()), older, "spam")
    flag(client_for(factories.UserFactory()), newer, "spam", note="An advert.")
    flag(client_for(factories.UserFactory()), crisis, "crisis")
    client_for(scene.writer).patch(
        f"/api/v1/posts/{older.pk}", {"body": "Rewritten after the report."}, format="json"
    )

    response = client_for(moderator).get("/api/v1/moderation/flags")

    assert response.status_code == 200, response.content
    items = response.json()["results"]
    assert [item["post"]["id"] for item in items] == [crisis.pk, older.pk, newer.pk]
    assert [item["crisis"] for item in items] == [True, False, False]
    top = items[1]
    assert top["open_flags"] == 2
    assert top["reasons"] == {
        "spam": 1,
        "abuse": 0,
        "misinformation": 1,
        "crisis": 0,
        "off_topic": 0,
        "other": 0,
    }
    assert top["post"]["body_source"] == "Rewritten after the report."
    assert top["post"]["author"]["username"] == scene.writer.username
    assert top["post"]["thread"] == scene.thread.pk
    assert top["post"]["board"] == scene.board.slug
    first_flag = top["flags"][0]
    assert first_flag["snapshot"] == POST_TEXT
    assert first_flag["note"] == "Not what my neurologist said."
    assert first_flag["flagger"] == {
        "username": "first_reporter",
        "role": "member",
        "trust_level": "established",
    }
    assert top["flags"][1]["flagger"]["trust_level"] == "new"


def test_queue_pages_follow_each_other_without_gaps(scene, moderator):
    posts = [
        make_reply(thread=scene.thread, author=factories.UserFactory(), body=f"Reply {i}")
        for i in range(5)
    ]
    reporter = client_for(factories.UserFactory())
    for post in posts:
        flag(reporter, post, "off_topic")
    flag(client_for(factories.UserFactory()), posts[3], "crisis")
    client = client_for(moderator)

    seen: list[int] = []
    url: str | None = "/api/v1/moderation/flags?page_size=2"
    while url:
        body = client.get(url).json()
        seen += [item["post"]["id"] for item in body["results"]]
        url = body["next"]

    assert seen == [posts[3].pk, posts[0].pk, posts[1].pk, posts[2].pk, posts[4].pk]
    assert client.get("/api/v1/moderation/flags?cursor=nonsense").json()["code"] == (
        "invalid_cursor"
    )


FEW = 2
MANY = 25


def grow_queue(thread: Thread, writers: list, reporters: list, have: int, want: int) -> None:
    """Flagged posts by different authors (one anonymous-looking, one urgent), each with
    reports from established and new members, some with notes."""
    for i in range(have, want):
        post = make_reply(thread=thread, author=writers[i % len(writers)], body=f"Reply {i}")
        for j, reporter in enumerate(reporters[: 1 + i % len(reporters)]):
            reason = "crisis" if i % 7 == 3 and j == 0 else ["spam", "abuse", "other"][j % 3]
            flag(reporter, post, reason, note=f"note {i}-{j}" if j % 2 else "")


def test_queue_query_count_does_not_grow_with_rows(moderator):
    board = BoardFactory(allows_anonymous=True)
    thread = make_thread(board=board, author=factories.UserFactory())
    writers = [
        factories.UserFactory(),
        factories.UserFactory(
            clinician_verified_at=timezone.now() - timedelta(days=3),
            clinician_expires_at=timezone.now() + timedelta(days=300),
        ),
        factories.UserFactory(display_name=""),
    ]
    reporters = [
        client_for(factories.UserFactory()),
        client_for(factories.NewMemberFactory()),
    ]
    client = client_for(moderator)

    def rows(_n: int) -> int:
        response = client.get("/api/v1/moderation/flags")
        assert response.status_code == 200, response.content
        return len(response.json()["results"])

    counted = assert_constant_queries(
        rows,
        grow=lambda have, want: grow_queue(thread, writers, reporters, have, want),
        small=FEW,
        large=MANY,
        warm_up=True,
    )

    assert counted == (FEW, MANY)
