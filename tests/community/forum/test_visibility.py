"""Who sees which post, thread and board, through the real API.

The matrix: viewer (signed-out visitor, another member, the author, a moderator) x post state x
board visibility x named or anonymous author. Whatever a viewer may not see answers exactly
like something that does not exist.
"""

import json

import pytest
from rest_framework.test import APIClient

from community.forum.models import BoardVisibility, Post, PostingPolicy, PostState, Thread
from tests import factories

pytestmark = pytest.mark.django_db

VISITOR = "visitor"
OTHER = "other_member"
AUTHOR = "author"
MODERATOR = "moderator"
VIEWERS = [VISITOR, OTHER, AUTHOR, MODERATOR]

STATES = [
    PostState.PENDING,
    PostState.PUBLISHED,
    PostState.REJECTED,
    PostState.HIDDEN,
    PostState.WITHDRAWN,
]
VISIBILITIES = [BoardVisibility.PUBLIC, BoardVisibility.MEMBERS]
ANONYMITY = pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])

ANONYMOUS_LABEL = "a member"
# Far beyond any id a test database hands out.
UNKNOWN_ID = 987_654_321
AUTHOR_USERNAME = "quiet_heron"
AUTHOR_DISPLAY_NAME = "Marguerite Okonkwo"


# --- the rules, as a member would state them ---------------------------------------------------


def sees_board(viewer: str, visibility: str) -> bool:
    """Members-only boards exist only for signed-in people."""
    return visibility == BoardVisibility.PUBLIC or viewer != VISITOR


def is_privileged(viewer: str) -> bool:
    """The author and moderators see a post whatever its state."""
    return viewer in (AUTHOR, MODERATOR)


def post_is_listed(viewer: str, state: str) -> bool:
    """Others see published posts, and withdrawn ones as a placeholder."""
    return state in (PostState.PUBLISHED, PostState.WITHDRAWN) or is_privileged(viewer)


def text_is_shown(viewer: str, state: str) -> bool:
    """Published text for everyone; any other state for moderators and its author (who can
    still read what they withdrew)."""
    return state == PostState.PUBLISHED or is_privileged(viewer)


def author_is_shown(viewer: str, state: str, anonymous: bool) -> bool:
    """An anonymous post names no one but to its author and moderators. A withdrawn post is a
    placeholder: the member took their words back, so it names no one to others either."""
    if is_privileged(viewer):
        return True
    if state == PostState.WITHDRAWN:
        return False
    return not anonymous


def thread_is_listed(viewer: str, state: str, visibility: str) -> bool:
    """The thread list holds published threads, and for their author their own threads that
    are waiting, turned down or hidden (atop the first page, so nothing they wrote looks
    lost). A withdrawn thread the author took back themselves is in their ``me/posts``."""
    if not sees_board(viewer, visibility):
        return False
    if state == PostState.PUBLISHED:
        return True
    return viewer == AUTHOR and state != PostState.WITHDRAWN


def thread_is_visible(viewer: str, state: str, visibility: str) -> bool:
    return sees_board(viewer, visibility) and (
        state == PostState.PUBLISHED or is_privileged(viewer)
    )


# --- set-up ------------------------------------------------------------------------------------


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def people(db):
    """The author (with a distinctive name to look for in responses), another member, a
    moderator and a member who starts the threads others reply to. Nobody signs in with a
    password here, so none is hashed."""
    return {
        AUTHOR: factories.UserFactory(
            username=AUTHOR_USERNAME, display_name=AUTHOR_DISPLAY_NAME, password=None
        ),
        OTHER: factories.UserFactory(password=None),
        MODERATOR: factories.ModeratorFactory(password=None),
        "starter": factories.UserFactory(password=None),
    }


@pytest.fixture
def clients(people):
    return {
        VISITOR: client_for(None),
        OTHER: client_for(people[OTHER]),
        AUTHOR: client_for(people[AUTHOR]),
        MODERATOR: client_for(people[MODERATOR]),
    }


def get(client: APIClient, path: str):
    response = client.get(path)
    assert response["Content-Type"].split(";")[0] == "application/json", response.content
    return response


def not_found_body(client: APIClient) -> dict:
    """What the same viewer gets for a post that never existed."""
    response = get(client, f"/api/v1/posts/{UNKNOWN_ID}")
    assert response.status_code == 404
    return response.json()


def assert_not_found(response, reference: dict) -> None:
    assert response.status_code == 404, response.content
    assert response.json() == reference


def assert_names_no_one(responses, author) -> None:
    """Neither the pseudonym nor the display name appears anywhere in the raw responses."""
    for response in responses:
        text = response.content.decode()
        assert author.username not in text, text
        assert author.display_name not in text, text


def assert_card(card: dict, *, viewer: str, state: str, anonymous: bool, post, author) -> None:
    """One post as this viewer must see it."""
    assert card["id"] == post.pk
    assert card["state"] == state
    assert card["is_anonymous"] is anonymous
    expected_html = post.body_html if text_is_shown(viewer, state) else None
    assert card["body_html"] == expected_html, card
    expected_source = post.body_source if is_privileged(viewer) else None
    assert card["body_source"] == expected_source, card
    if author_is_shown(viewer, state, anonymous):
        assert card["author"] is not None, card
        assert card["author"]["username"] == author.username
        assert card["author_label"] == author.public_name
    else:
        assert card["author"] is None, card
        assert card["author_label"] == ANONYMOUS_LABEL, card


def thread_ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def posts_by_id(response) -> dict[int, dict]:
    assert response.status_code == 200, response.content
    return {row["id"]: row for row in response.json()["results"]}


# --- replies: the matrix -----------------------------------------------------------------------


@ANONYMITY
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_reply_as_each_viewer_sees_it(viewer, state, visibility, anonymous, people, clients):
    author = people[AUTHOR]
    board = factories.BoardFactory(visibility=visibility, allows_anonymous=True)
    thread = factories.make_thread(board=board, author=people["starter"])
    reply = factories.make_reply(
        thread=thread,
        author=author,
        body="Ten-week cycles and a heat pad got me through the worst of it.",
        is_anonymous=anonymous,
        state=state,
    )
    client = clients[viewer]
    missing = not_found_body(client)

    thread_list = get(client, f"/api/v1/boards/{board.slug}/threads")
    thread_detail = get(client, f"/api/v1/threads/{thread.pk}")
    post_list = get(client, f"/api/v1/threads/{thread.pk}/posts")
    post_detail = get(client, f"/api/v1/posts/{reply.pk}")

    if not sees_board(viewer, visibility):
        for response in (thread_list, thread_detail, post_list, post_detail):
            assert_not_found(response, missing)
        return

    assert thread_ids(thread_list) == [thread.pk]
    assert thread_detail.status_code == 200, thread_detail.content
    listed = posts_by_id(post_list)
    card = {"viewer": viewer, "state": state, "anonymous": anonymous, "post": reply}
    if post_is_listed(viewer, state):
        assert list(listed) == [thread.opening_post.pk, reply.pk]
        assert_card(listed[reply.pk], author=author, **card)
        assert post_detail.status_code == 200, post_detail.content
        assert_card(post_detail.json(), author=author, **card)
    else:
        assert list(listed) == [thread.opening_post.pk]
        assert_not_found(post_detail, missing)

    if anonymous and not is_privileged(viewer):
        assert_names_no_one([thread_list, thread_detail, post_list, post_detail], author)


# --- threads: the same matrix on the opening post ----------------------------------------------


@ANONYMITY
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_thread_as_each_viewer_sees_it(viewer, state, visibility, anonymous, people, clients):
    author = people[AUTHOR]
    board = factories.BoardFactory(visibility=visibility, allows_anonymous=True)
    neighbour = factories.make_thread(board=board, author=people["starter"], title="Neighbour")
    thread = factories.make_thread(
        board=board,
        author=author,
        title="Tremor worse in the evenings",
        body="Does anyone else find the jerks get worse after dinner?",
        is_anonymous=anonymous,
        state=state,
    )
    opening = thread.posts.get(position=1)
    client = clients[viewer]
    missing = not_found_body(client)

    thread_list = get(client, f"/api/v1/boards/{board.slug}/threads")
    thread_detail = get(client, f"/api/v1/threads/{thread.pk}")
    post_list = get(client, f"/api/v1/threads/{thread.pk}/posts")
    post_detail = get(client, f"/api/v1/posts/{opening.pk}")

    if not sees_board(viewer, visibility):
        for response in (thread_list, thread_detail, post_list, post_detail):
            assert_not_found(response, missing)
        return

    listed_threads = {row["id"]: row for row in thread_list.json()["results"]}
    assert thread_list.status_code == 200
    if thread_is_listed(viewer, state, visibility):
        assert list(listed_threads) == [thread.pk, neighbour.pk]
        row = listed_threads[thread.pk]
        if author_is_shown(viewer, state, anonymous):
            assert row["author"]["username"] == author.username
            assert row["last_poster"]["username"] == author.username
        else:
            assert row["author"] is None
            assert row["author_label"] == ANONYMOUS_LABEL
            assert row["last_poster"] is None
    else:
        assert list(listed_threads) == [neighbour.pk]

    if thread_is_visible(viewer, state, visibility):
        assert thread_detail.status_code == 200, thread_detail.content
        detail = thread_detail.json()
        assert detail["state"] == state
        assert detail["title"] == "Tremor worse in the evenings"
        if author_is_shown(viewer, state, anonymous):
            assert detail["author"]["username"] == author.username
        else:
            assert detail["author"] is None
            assert detail["author_label"] == ANONYMOUS_LABEL
        card = {"viewer": viewer, "state": state, "anonymous": anonymous, "post": opening}
        listed = posts_by_id(post_list)
        assert list(listed) == [opening.pk]
        assert_card(listed[opening.pk], author=author, **card)
        assert post_detail.status_code == 200, post_detail.content
        assert_card(post_detail.json(), author=author, **card)
    else:
        for response in (thread_detail, post_list, post_detail):
            assert_not_found(response, missing)

    if anonymous and not is_privileged(viewer):
        assert_names_no_one([thread_list, thread_detail, post_list, post_detail], author)


# --- anonymous posts never name their author ---------------------------------------------------


@pytest.mark.parametrize("viewer", [VISITOR, OTHER])
def test_anonymous_thread_and_reply_by_the_same_member_name_no_one(viewer, people, clients):
    """An anonymous thread whose last post is the same member's anonymous reply: neither the
    thread's author nor its last poster gives them away, in any list or detail."""
    author = people[AUTHOR]
    board = factories.BoardFactory(allows_anonymous=True)
    thread = factories.make_thread(board=board, author=author, is_anonymous=True)
    factories.make_reply(thread=thread, author=people["starter"])
    reply = factories.make_reply(thread=thread, author=author, is_anonymous=True)
    client = clients[viewer]

    responses = [
        get(client, "/api/v1/boards"),
        get(client, f"/api/v1/boards/{board.slug}"),
        get(client, f"/api/v1/boards/{board.slug}/threads"),
        get(client, f"/api/v1/threads/{thread.pk}"),
        get(client, f"/api/v1/threads/{thread.pk}/posts"),
        get(client, f"/api/v1/posts/{reply.pk}"),
        get(client, f"/api/v1/posts/{thread.opening_post.pk}"),
    ]
    assert all(response.status_code == 200 for response in responses)
    row = responses[2].json()["results"][0]
    assert row["author"] is None
    assert row["author_label"] == ANONYMOUS_LABEL
    assert row["last_poster"] is None
    assert_names_no_one(responses, author)


def test_author_and_moderators_see_who_wrote_an_anonymous_thread(people, clients):
    author = people[AUTHOR]
    board = factories.BoardFactory(allows_anonymous=True)
    thread = factories.make_thread(board=board, author=author, is_anonymous=True)

    for viewer in (AUTHOR, MODERATOR):
        row = get(clients[viewer], f"/api/v1/boards/{board.slug}/threads").json()["results"][0]
        assert row["author"]["username"] == author.username
        assert row["author_label"] == AUTHOR_DISPLAY_NAME
        assert row["last_poster"]["username"] == author.username
        detail = get(clients[viewer], f"/api/v1/threads/{thread.pk}").json()
        assert detail["author"]["username"] == author.username


# --- a thread waiting for approval -------------------------------------------------------------


def test_thread_waiting_for_approval_is_seen_only_by_its_author_and_moderators(people, clients):
    newcomer = factories.NewMemberFactory(password=None)
    newcomer_client = client_for(newcomer)
    board = factories.BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)
    response = newcomer_client.post(
        f"/api/v1/boards/{board.slug}/threads",
        {"title": "Newly diagnosed", "body": "Where do I even start?"},
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["state"] == PostState.PENDING
    assert created["opening_post"]["notice"]
    thread_id = created["id"]
    opening_id = created["opening_post"]["id"]

    for viewer in (VISITOR, OTHER):
        client = clients[viewer]
        missing = not_found_body(client)
        assert thread_ids(get(client, f"/api/v1/boards/{board.slug}/threads")) == []
        assert_not_found(get(client, f"/api/v1/threads/{thread_id}"), missing)
        assert_not_found(get(client, f"/api/v1/threads/{thread_id}/posts"), missing)
        assert_not_found(get(client, f"/api/v1/posts/{opening_id}"), missing)

    for client in (newcomer_client, clients[MODERATOR]):
        detail = get(client, f"/api/v1/threads/{thread_id}")
        assert detail.status_code == 200, detail.content
        assert detail.json()["state"] == PostState.PENDING
        assert detail.json()["title"] == "Newly diagnosed"
        posts = posts_by_id(get(client, f"/api/v1/threads/{thread_id}/posts"))
        assert posts[opening_id]["state"] == PostState.PENDING
        assert posts[opening_id]["body_html"] == Post.objects.get(pk=opening_id).body_html
        assert "Where do I even start?" in posts[opening_id]["body_html"]
        post = get(client, f"/api/v1/posts/{opening_id}")
        assert post.status_code == 200
        assert post.json()["state"] == PostState.PENDING


# --- members-only boards -----------------------------------------------------------------------


@pytest.fixture
def members_board(people):
    board = factories.BoardFactory(
        slug="living-with-pain", visibility=BoardVisibility.MEMBERS, allows_anonymous=True
    )
    thread = factories.make_thread(board=board, author=people["starter"])
    reply = factories.make_reply(thread=thread, author=people[OTHER])
    return {"board": board, "thread": thread, "reply": reply}


@pytest.mark.parametrize(
    ("hidden", "unknown"),
    [
        ("/api/v1/boards/{slug}", "/api/v1/boards/no-such-board"),
        ("/api/v1/boards/{slug}/threads", "/api/v1/boards/no-such-board/threads"),
        ("/api/v1/threads/{thread}", f"/api/v1/threads/{UNKNOWN_ID}"),
        ("/api/v1/threads/{thread}/posts", f"/api/v1/threads/{UNKNOWN_ID}/posts"),
        ("/api/v1/posts/{opening}", f"/api/v1/posts/{UNKNOWN_ID}"),
        ("/api/v1/posts/{reply}", f"/api/v1/posts/{UNKNOWN_ID}"),
    ],
    ids=["board", "thread-list", "thread", "posts", "opening-post", "reply"],
)
def test_members_only_board_does_not_exist_for_visitors(hidden, unknown, members_board, clients):
    path = hidden.format(
        slug=members_board["board"].slug,
        thread=members_board["thread"].pk,
        opening=members_board["thread"].opening_post.pk,
        reply=members_board["reply"].pk,
    )
    visitor = clients[VISITOR]
    reference = get(visitor, unknown)
    assert reference.status_code == 404
    assert_not_found(get(visitor, path), reference.json())
    assert get(clients[OTHER], path).status_code == 200


def test_members_only_board_is_left_out_of_the_board_list_for_visitors(members_board, clients):
    public = factories.BoardFactory()
    visitor_view = get(clients[VISITOR], "/api/v1/boards")
    assert [row["slug"] for row in visitor_view.json()] == [public.slug]
    assert members_board["board"].slug not in visitor_view.content.decode()

    member_slugs = [row["slug"] for row in get(clients[OTHER], "/api/v1/boards").json()]
    assert set(member_slugs) == {public.slug, members_board["board"].slug}


# --- withdrawing, through the API --------------------------------------------------------------


def test_withdrawn_reply_stays_as_a_placeholder_without_its_text(people, clients):
    author = people[AUTHOR]
    board = factories.BoardFactory()
    thread = factories.make_thread(board=board, author=people["starter"])
    reply = factories.make_reply(thread=thread, author=author, body="I regret sharing this.")
    response = clients[AUTHOR].post(f"/api/v1/posts/{reply.pk}/withdraw")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == PostState.WITHDRAWN

    for viewer in (VISITOR, OTHER):
        listed = posts_by_id(get(clients[viewer], f"/api/v1/threads/{thread.pk}/posts"))
        detail = get(clients[viewer], f"/api/v1/posts/{reply.pk}")
        assert detail.status_code == 200
        for card in (listed[reply.pk], detail.json()):
            assert card["state"] == PostState.WITHDRAWN
            assert card["body_html"] is None
            assert card["body_source"] is None
        assert "I regret sharing this" not in json.dumps(listed)
        assert "I regret sharing this" not in detail.content.decode()

    moderator_view = get(clients[MODERATOR], f"/api/v1/posts/{reply.pk}").json()
    assert moderator_view["body_source"] == "I regret sharing this."


def test_withdrawing_the_opening_post_takes_the_thread_out_of_sight(people, clients):
    """A thread's state mirrors its opening post: once its author withdraws that post, others
    no longer find the thread (nor its title) in the list, and its address answers 404."""
    author = people[AUTHOR]
    board = factories.BoardFactory()
    thread = factories.make_thread(
        board=board, author=author, title="Thinking about stopping work", body="Long story."
    )
    response = clients[AUTHOR].post(f"/api/v1/posts/{thread.opening_post.pk}/withdraw")
    assert response.status_code == 200, response.content

    for viewer in (VISITOR, OTHER):
        client = clients[viewer]
        missing = not_found_body(client)
        listing = get(client, f"/api/v1/boards/{board.slug}/threads")
        assert thread_ids(listing) == []
        assert "Thinking about stopping work" not in listing.content.decode()
        assert_not_found(get(client, f"/api/v1/threads/{thread.pk}"), missing)
    author_view = get(clients[AUTHOR], f"/api/v1/threads/{thread.pk}")
    assert author_view.status_code == 200
    assert author_view.json()["state"] == PostState.WITHDRAWN


def test_thread_list_counts_only_published_threads(people, clients):
    board = factories.BoardFactory()
    published = factories.make_thread(board=board, author=people["starter"])
    for state in STATES:
        if state != PostState.PUBLISHED:
            factories.make_thread(board=board, author=people[AUTHOR], state=state)
    assert Thread.objects.filter(board=board).count() == len(STATES)

    for viewer in (VISITOR, OTHER, MODERATOR):
        assert thread_ids(get(clients[viewer], f"/api/v1/boards/{board.slug}/threads")) == [
            published.pk
        ]
    board_view = json.loads(get(clients[VISITOR], f"/api/v1/boards/{board.slug}").content)
    assert board_view["thread_count"] == 1
