"""Reactions, subscriptions and what is unread."""

import time

import pytest
from django.db import IntegrityError, transaction
from django.db.models import UniqueConstraint
from rest_framework.test import APIClient

from community.forum.models import (
    Board,
    BoardVisibility,
    Post,
    PostingPolicy,
    PostState,
    Reaction,
    ReactionKind,
    Subscription,
    SubscriptionLevel,
    Thread,
)
from community.forum.services.following import subscription_set
from community.posting import services as posting
from tests import factories
from tests.factories import BoardFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db

NO_REACTIONS = {"support": 0, "me_too": 0, "helpful": 0}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def reaction_url(post: Post, kind: str) -> str:
    return f"/api/v1/posts/{post.pk}/reactions/{kind}"


def thread_url(thread: Thread) -> str:
    return f"/api/v1/threads/{thread.pk}"


def threads_url(board: Board) -> str:
    return f"/api/v1/boards/{board.slug}/threads"


def thread_detail(client: APIClient, thread: Thread) -> dict:
    response = client.get(thread_url(thread))
    assert response.status_code == 200, response.content
    return response.json()


def listed_thread(client: APIClient, thread: Thread) -> dict:
    response = client.get(threads_url(thread.board))
    assert response.status_code == 200, response.content
    items = {item["id"]: item for item in response.json()["results"]}
    return items[thread.pk]


def board_unread_threads(client: APIClient, board: Board):
    response = client.get("/api/v1/boards")
    assert response.status_code == 200, response.content
    return {item["slug"]: item["unread_threads"] for item in response.json()}[board.slug]


def mark_read(client: APIClient, thread: Thread, position: int):
    return client.post(f"{thread_url(thread)}/read", {"position": position}, format="json")


def held_reply(thread: Thread) -> Post:
    """A reply by a new member, held under the board's policy by the real service."""
    return posting.post_create(
        author=factories.NewMemberFactory(), thread_id=thread.pk, body="My first reply here."
    )


@pytest.fixture
def board():
    return BoardFactory()


@pytest.fixture
def author():
    return factories.UserFactory()


@pytest.fixture
def authored_post(board, author):
    thread = make_thread(board=board, author=factories.UserFactory())
    return make_reply(thread=thread, author=author)


# --- Reactions -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ReactionKind.values)
def test_adding_a_reaction_shows_the_count_and_lists_it_as_mine(
    member_client, authored_post, author, kind
):
    response = member_client.put(reaction_url(authored_post, kind))

    assert response.status_code == 200, response.content
    assert response.json()["reactions"] == {**NO_REACTIONS, kind: 1}
    assert response.json()["my_reactions"] == [kind]
    seen_by_author = client_for(author).get(f"/api/v1/posts/{authored_post.pk}").json()
    assert seen_by_author["reactions"] == {**NO_REACTIONS, kind: 1}
    assert seen_by_author["my_reactions"] == []
    listed = member_client.get(f"/api/v1/threads/{authored_post.thread_id}/posts").json()
    item = next(p for p in listed["results"] if p["id"] == authored_post.pk)
    assert item["my_reactions"] == [kind]


def test_a_member_can_give_several_kinds_to_one_post(member_client, authored_post):
    member_client.put(reaction_url(authored_post, "support"))

    response = member_client.put(reaction_url(authored_post, "helpful"))

    assert response.json()["reactions"] == {"support": 1, "me_too": 0, "helpful": 1}
    assert response.json()["my_reactions"] == ["helpful", "support"]


def test_adding_the_same_reaction_twice_is_a_no_op(member, member_client, authored_post):
    assert member_client.put(reaction_url(authored_post, "support")).status_code == 200

    response = member_client.put(reaction_url(authored_post, "support"))

    assert response.status_code == 200, response.content
    assert response.json()["reactions"]["support"] == 1
    assert Reaction.objects.filter(post=authored_post, user=member).count() == 1
    authored_post.refresh_from_db()
    assert authored_post.support_count == 1


def test_the_database_refuses_a_duplicate_reaction(member, authored_post):
    unique = [
        c
        for c in Reaction._meta.constraints
        if isinstance(c, UniqueConstraint) and set(c.fields) == {"post", "user", "kind"}
    ]
    assert len(unique) == 1
    Reaction.objects.create(post=authored_post, user=member, kind=ReactionKind.SUPPORT)

    with pytest.raises(IntegrityError), transaction.atomic():
        Reaction.objects.create(post=authored_post, user=member, kind=ReactionKind.SUPPORT)


def test_removing_a_reaction(member_client, authored_post):
    member_client.put(reaction_url(authored_post, "me_too"))

    response = member_client.delete(reaction_url(authored_post, "me_too"))

    assert response.status_code == 200, response.content
    assert response.json()["reactions"] == NO_REACTIONS
    assert response.json()["my_reactions"] == []
    assert not Reaction.objects.filter(post=authored_post).exists()


def test_removing_twice_is_a_no_op(member_client, authored_post):
    other = client_for(factories.UserFactory())
    other.put(reaction_url(authored_post, "me_too"))
    member_client.put(reaction_url(authored_post, "me_too"))
    assert member_client.delete(reaction_url(authored_post, "me_too")).status_code == 200

    response = member_client.delete(reaction_url(authored_post, "me_too"))

    assert response.status_code == 200, response.content
    assert response.json()["reactions"]["me_too"] == 1
    authored_post.refresh_from_db()
    assert authored_post.me_too_count == 1


def test_removing_a_reaction_never_given_is_a_no_op(member_client, authored_post):
    response = member_client.delete(reaction_url(authored_post, "helpful"))

    assert response.status_code == 200, response.content
    assert response.json()["reactions"] == NO_REACTIONS


def test_cannot_react_to_own_post(author, authored_post):
    response = client_for(author).put(reaction_url(authored_post, "support"))

    assert response.status_code == 403
    assert response.json()["code"] == "own_post"
    assert not Reaction.objects.exists()


@pytest.mark.parametrize("kind", ["hug", "like", "support_"])
def test_unknown_kind_is_404(member_client, authored_post, kind):
    response = member_client.put(reaction_url(authored_post, kind))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Reaction.objects.exists()


def test_anonymous_visitors_cannot_react(authored_post):
    response = APIClient().put(reaction_url(authored_post, "support"))

    assert response.status_code in (401, 403)
    assert not Reaction.objects.exists()


@pytest.mark.parametrize("state", [PostState.PENDING, PostState.HIDDEN, PostState.REJECTED])
def test_reacting_to_a_post_the_member_cannot_see_is_404(member_client, board, state):
    thread = make_thread(board=board, author=factories.UserFactory())
    post = make_reply(thread=thread, author=factories.UserFactory(), state=state)

    for method in ("put", "delete"):
        response = getattr(member_client, method)(reaction_url(post, "support"))
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert not Reaction.objects.exists()


def test_reacting_to_a_withdrawn_post_is_404(member_client, authored_post, author):
    assert client_for(author).post(f"/api/v1/posts/{authored_post.pk}/withdraw").status_code == 200

    response = member_client.put(reaction_url(authored_post, "support"))

    assert response.status_code == 404
    assert not Reaction.objects.exists()


def test_reacting_in_a_thread_still_held_is_404(member_client):
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)
    thread = posting.thread_create(
        author=factories.NewMemberFactory(), board=board, title="Hello", body="My first thread."
    )
    opening = Post.objects.get(thread=thread, position=1)
    assert opening.state == PostState.PENDING

    response = member_client.put(reaction_url(opening, "support"))

    assert response.status_code == 404


# --- Subscriptions ---------------------------------------------------------------------------


def test_starting_a_thread_watches_it(member_client, board):
    response = member_client.post(
        threads_url(board), {"title": "Physio exercises", "body": "Which ones help?"}, format="json"
    )
    assert response.status_code == 201, response.content
    thread = Thread.objects.get(pk=response.json()["id"])

    assert thread_detail(member_client, thread)["subscription"] == SubscriptionLevel.WATCHING


def test_replying_watches_the_thread(member_client, board):
    thread = make_thread(board=board, author=factories.UserFactory())
    assert thread_detail(member_client, thread)["subscription"] is None

    response = member_client.post(
        f"{thread_url(thread)}/posts", {"body": "Following along."}, format="json"
    )

    assert response.status_code == 201, response.content
    assert thread_detail(member_client, thread)["subscription"] == SubscriptionLevel.WATCHING


@pytest.mark.parametrize("level", [SubscriptionLevel.MUTED, SubscriptionLevel.NORMAL])
def test_a_chosen_level_survives_replying(member_client, board, level):
    thread = make_thread(board=board, author=factories.UserFactory())
    assert (
        member_client.put(f"{thread_url(thread)}/subscription", {"level": level}, "json")
    ).status_code == 200

    response = member_client.post(
        f"{thread_url(thread)}/posts", {"body": "One more thought."}, format="json"
    )

    assert response.status_code == 201, response.content
    assert thread_detail(member_client, thread)["subscription"] == level


def test_put_level_changes_the_thread_subscription(member, member_client, board):
    thread = make_thread(board=board, author=member)
    assert thread_detail(member_client, thread)["subscription"] == SubscriptionLevel.WATCHING

    response = member_client.put(
        f"{thread_url(thread)}/subscription", {"level": "normal"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json() == {"level": "normal"}
    assert thread_detail(member_client, thread)["subscription"] == SubscriptionLevel.NORMAL
    again = member_client.put(f"{thread_url(thread)}/subscription", {"level": "normal"}, "json")
    assert again.status_code == 200
    assert Subscription.objects.filter(user=member, thread=thread).count() == 1


def test_put_level_on_a_board(member, member_client, board):
    url = f"/api/v1/boards/{board.slug}/subscription"

    first = member_client.put(url, {"level": "watching"}, format="json")
    second = member_client.put(url, {"level": "muted"}, format="json")

    assert first.status_code == 200, first.content
    assert second.json() == {"level": "muted"}
    subscription = Subscription.objects.get(user=member, board=board)
    assert subscription.level == SubscriptionLevel.MUTED
    assert subscription.thread_id is None


@pytest.mark.parametrize("payload", [{"level": "loud"}, {"level": ""}, {"level": None}, {}])
@pytest.mark.parametrize("target", ["thread", "board"])
def test_invalid_level_is_400(member, member_client, board, payload, target):
    thread = make_thread(board=board, author=factories.UserFactory())
    url = (
        f"{thread_url(thread)}/subscription"
        if target == "thread"
        else f"/api/v1/boards/{board.slug}/subscription"
    )

    response = member_client.put(url, payload, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "level" in response.json()["fields"]
    assert not Subscription.objects.filter(user=member).exists()


# --- Unread ----------------------------------------------------------------------------------


def test_new_replies_count_as_unread_from_the_members_read_position(member_client, board):
    starter = factories.UserFactory()
    thread = make_thread(board=board, author=starter)
    assert mark_read(member_client, thread, 1).json() == {"position": 1}
    for author in (starter, factories.UserFactory(), starter):
        make_reply(thread=thread, author=author)

    assert listed_thread(member_client, thread)["unread_count"] == 3
    detail = thread_detail(member_client, thread)
    assert detail["read_position"] == 1
    assert detail["first_unread_position"] == 2
    assert board_unread_threads(member_client, board) == 1


def test_a_thread_never_opened_is_unread_from_its_first_post(member_client, board):
    thread = make_thread(board=board, author=factories.UserFactory())
    make_reply(thread=thread, author=factories.UserFactory())

    assert listed_thread(member_client, thread)["unread_count"] == 2
    detail = thread_detail(member_client, thread)
    assert detail["read_position"] == 0
    assert detail["first_unread_position"] == 1


def test_reading_to_the_end_leaves_nothing_unread(member_client, board):
    thread = make_thread(board=board, author=factories.UserFactory())
    make_reply(thread=thread, author=factories.UserFactory())
    make_reply(thread=thread, author=factories.UserFactory())

    assert mark_read(member_client, thread, 3).json() == {"position": 3}

    assert listed_thread(member_client, thread)["unread_count"] == 0
    detail = thread_detail(member_client, thread)
    assert detail["read_position"] == 3
    assert detail["first_unread_position"] is None
    assert board_unread_threads(member_client, board) == 0


def test_own_posts_are_read(member, member_client, board):
    thread = make_thread(board=board, author=factories.UserFactory())
    mark_read(member_client, thread, 1)
    make_reply(thread=thread, author=member)

    assert listed_thread(member_client, thread)["unread_count"] == 0
    assert thread_detail(member_client, thread)["read_position"] == 2


def test_read_moves_forward_but_never_back(member_client, board):
    thread = make_thread(board=board, author=factories.UserFactory())
    for _ in range(4):
        make_reply(thread=thread, author=factories.UserFactory())

    forward = mark_read(member_client, thread, 3)
    back = mark_read(member_client, thread, 1)
    zero = mark_read(member_client, thread, 0)

    assert forward.status_code == 200, forward.content
    assert forward.json() == {"position": 3}
    assert back.json() == {"position": 3}
    assert zero.json() == {"position": 3}
    detail = thread_detail(member_client, thread)
    assert detail["read_position"] == 3
    assert detail["first_unread_position"] == 4
    assert listed_thread(member_client, thread)["unread_count"] == 2


def test_read_never_moves_past_the_end(member_client, board):
    thread = make_thread(board=board, author=factories.UserFactory())
    make_reply(thread=thread, author=factories.UserFactory())

    response = mark_read(member_client, thread, 999)

    assert response.status_code == 200, response.content
    assert response.json() == {"position": 2}
    assert thread_detail(member_client, thread)["read_position"] == 2
    make_reply(thread=thread, author=factories.UserFactory())
    assert listed_thread(member_client, thread)["unread_count"] == 1
    assert thread_detail(member_client, thread)["first_unread_position"] == 3


def test_read_never_moves_past_the_last_published_post(member_client):
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)
    thread = make_thread(board=board, author=factories.UserFactory())
    make_reply(thread=thread, author=factories.UserFactory())
    held = held_reply(thread)
    assert held.state == PostState.PENDING
    assert held.position == 3

    response = mark_read(member_client, thread, 999)

    assert response.status_code == 200, response.content
    assert response.json() == {"position": 2}
    assert thread_detail(member_client, thread)["read_position"] == 2
    factories._force_state(post=held, state=PostState.PUBLISHED)
    assert listed_thread(member_client, thread)["unread_count"] == 1
    assert thread_detail(member_client, thread)["first_unread_position"] == 3


@pytest.mark.parametrize("position", [-1, "two", None, 2_147_483_648])
def test_read_position_must_be_a_whole_number_in_range(member_client, board, position):
    thread = make_thread(board=board, author=factories.UserFactory())

    response = mark_read(member_client, thread, position)

    assert response.status_code == 400
    assert "position" in response.json()["fields"]


def test_mark_board_read_zeroes_its_unread_counts(member_client, settings):
    settings.FORUM_UNREAD_CACHE_SECONDS = 1
    board, other_board = BoardFactory(), BoardFactory()
    starter = factories.UserFactory()
    threads = [make_thread(board=board, author=starter) for _ in range(2)]
    for thread in threads:
        make_reply(thread=thread, author=factories.UserFactory())
    elsewhere = make_thread(board=other_board, author=starter)
    assert board_unread_threads(member_client, board) == 2
    assert [listed_thread(member_client, t)["unread_count"] for t in threads] == [2, 2]

    response = member_client.post(f"/api/v1/boards/{board.slug}/mark-read")

    assert response.status_code == 204
    assert [listed_thread(member_client, t)["unread_count"] for t in threads] == [0, 0]
    assert board_unread_threads(member_client, board) == 0
    assert listed_thread(member_client, elsewhere)["unread_count"] == 1
    assert board_unread_threads(member_client, other_board) == 1
    make_reply(thread=threads[0], author=starter)
    assert listed_thread(member_client, threads[0])["unread_count"] == 1
    assert listed_thread(member_client, threads[1])["unread_count"] == 0
    # The board list reuses the member's counts briefly; another member's reply shows once
    # that short cache time has passed (the member's own reading shows at once, above).
    assert board_unread_threads(member_client, board) == 0
    time.sleep(1.1)
    assert board_unread_threads(member_client, board) == 1


def test_pending_posts_never_count_as_unread(member_client):
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)
    thread = make_thread(board=board, author=factories.UserFactory())
    make_reply(thread=thread, author=factories.UserFactory())
    assert mark_read(member_client, thread, 2).json() == {"position": 2}

    held = held_reply(thread)

    assert held.state == PostState.PENDING
    assert listed_thread(member_client, thread)["unread_count"] == 0
    assert thread_detail(member_client, thread)["first_unread_position"] is None
    assert board_unread_threads(member_client, board) == 0


@pytest.mark.parametrize("taken_away", ["hidden", "withdrawn"])
def test_hidden_or_withdrawn_posts_never_count_as_unread(member_client, board, taken_away):
    thread = make_thread(board=board, author=factories.UserFactory())
    make_reply(thread=thread, author=factories.UserFactory())
    assert mark_read(member_client, thread, 2).json() == {"position": 2}

    if taken_away == "hidden":
        make_reply(thread=thread, author=factories.UserFactory(), state=PostState.HIDDEN)
    else:
        regretful = factories.UserFactory()
        post = make_reply(thread=thread, author=regretful)
        assert posting.post_withdraw(user=regretful, post_id=post.pk) is True

    assert listed_thread(member_client, thread)["unread_count"] == 0
    assert thread_detail(member_client, thread)["first_unread_position"] is None
    assert board_unread_threads(member_client, board) == 0


def test_only_published_posts_are_counted_among_unread(member_client):
    board = BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)
    thread = make_thread(board=board, author=factories.UserFactory())
    assert mark_read(member_client, thread, 1).json() == {"position": 1}
    held_reply(thread)
    make_reply(thread=thread, author=factories.UserFactory(), state=PostState.HIDDEN)
    make_reply(thread=thread, author=factories.UserFactory())
    make_reply(thread=thread, author=factories.UserFactory())

    assert listed_thread(member_client, thread)["unread_count"] == 2
    assert thread_detail(member_client, thread)["first_unread_position"] == 4
    assert board_unread_threads(member_client, board) == 1


def test_anonymous_visitors_see_no_unread_state(board):
    thread = make_thread(board=board, author=factories.UserFactory())
    make_reply(thread=thread, author=factories.UserFactory())
    visitor = APIClient()

    assert listed_thread(visitor, thread)["unread_count"] == 0
    assert board_unread_threads(visitor, board) is None
    detail = thread_detail(visitor, thread)
    assert detail["read_position"] == 0
    assert detail["first_unread_position"] is None
    assert detail["subscription"] is None
    assert visitor.get(f"/api/v1/boards/{board.slug}").json()["unread_threads"] is None


def test_members_only_boards_are_hidden_from_visitors_and_counted_for_members(member_client):
    private = BoardFactory(visibility=BoardVisibility.MEMBERS)
    make_thread(board=private, author=factories.UserFactory())

    visitor_slugs = [item["slug"] for item in APIClient().get("/api/v1/boards").json()]

    assert private.slug not in visitor_slugs
    assert board_unread_threads(member_client, private) == 1


def test_subscription_service_sets_one_row_per_target(member, board):
    thread = make_thread(board=board, author=factories.UserFactory())

    subscription_set(user=member, thread=thread, level=SubscriptionLevel.WATCHING)
    subscription_set(user=member, thread=thread, level=SubscriptionLevel.MUTED)

    rows = Subscription.objects.filter(user=member, thread=thread)
    assert [row.level for row in rows] == [SubscriptionLevel.MUTED]
