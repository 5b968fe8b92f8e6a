"""Every forum list and detail costs the same number of queries for 2 items as for 25.

The rows differ the way real ones do (different authors, anonymous posts, a clinician badge,
pinned and locked threads, withdrawn placeholders, the signed-in member's own posts, reactions
and reading positions, urgent replies some viewers are kept from, the member's own thread
waiting for a moderator and own reply hidden with a reason), so any work done per row shows up
as a difference. Each count is taken under two crisis settings: urgent posts kept from
visitors only, and from members too.
"""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from community.forum.models import Board, BoardVisibility, PostState, ReactionKind, Thread
from community.forum.services import following, reactions
from community.moderation.services.posts import post_hide
from tests import factories
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

FEW = 2
MANY = 25  # one full page at the default page size
KINDS = list(ReactionKind.values)
CRISIS_TEXT = "Some nights I want to end it all."


class Forum:
    """A board with threads and a thread with posts, grown on demand."""

    def __init__(self, member):
        self.member = member
        self.writers = [
            factories.UserFactory(password=None),
            factories.UserFactory(password=None, display_name=""),
            factories.ModeratorFactory(password=None),
            factories.UserFactory(
                password=None,
                clinician_verified_at=timezone.now() - timedelta(days=30),
                clinician_expires_at=timezone.now() + timedelta(days=300),
            ),
            factories.UserFactory(password=None),
        ]
        self.members_board = factories.BoardFactory(visibility=BoardVisibility.MEMBERS)
        factories.make_thread(board=self.members_board, author=self.writers[1])
        self.board = factories.BoardFactory(allows_anonymous=True)
        self.thread = factories.make_thread(board=self.board, author=self.writers[0])
        self.opening = self.thread.posts.get(position=1)
        reactions.reaction_add(user=member, post=self.opening, kind=ReactionKind.SUPPORT)
        following.board_mark_read(user=member, board=self.board)
        # The member's own reply hidden with a reason, and own thread waiting: on every page
        # they see, with the reason read for them.
        own = factories.make_reply(thread=self.thread, author=member, body="My clinic's number")
        post_hide(moderator=self.writers[2], post_id=own.pk, reason="Phone numbers stay private.")
        factories.make_thread(
            board=self.board, author=member, title="Waiting", state=PostState.PENDING
        )
        self.public_boards = 1
        self.threads = 1
        self.posts = 1

    def writer(self, i: int):
        return self.writers[i % len(self.writers)]

    def react(self, i: int, post) -> None:
        if post.author_id != self.member.pk and post.state == PostState.PUBLISHED:
            reactions.reaction_add(user=self.member, post=post, kind=KINDS[i % len(KINDS)])

    def grow_boards(self, n: int) -> None:
        """Public boards, some archived, some with a thread (anonymous or not) the member has
        read or marked read."""
        while self.public_boards < n:
            i = self.public_boards
            board = factories.BoardFactory(allows_anonymous=i % 2 == 0)
            if i % 3 != 2:
                thread = factories.make_thread(
                    board=board, author=self.writer(i), is_anonymous=board.allows_anonymous
                )
                if i % 3 == 0:
                    following.thread_mark_read(user=self.member, thread=thread, position=1)
            if i % 4 == 1:
                following.board_mark_read(user=self.member, board=board)
            if i % 5 == 0:
                Board.objects.filter(pk=board.pk).update(is_archived=True)
            self.public_boards += 1

    def grow_threads(self, n: int) -> None:
        """Published threads in the board: pinned, locked, anonymous, the member's own, with
        replies (some anonymous) by others, some read by the member and reacted to."""
        while self.threads < n:
            i = self.threads
            author = self.member if i % 6 == 5 else self.writer(i)
            thread = factories.make_thread(
                board=self.board,
                author=author,
                title=f"Thread {i}",
                is_anonymous=i % 3 == 1,
            )
            if i % 2 == 0:
                reply = factories.make_reply(
                    thread=thread, author=self.writer(i + 1), is_anonymous=i % 4 == 0
                )
                self.react(i, reply)
            if i % 3 == 2:
                factories.make_reply(thread=thread, author=self.writer(i + 2), body=CRISIS_TEXT)
            if i % 3 == 0:
                following.thread_mark_read(user=self.member, thread=thread, position=1)
            self.react(i, thread.posts.get(position=1))
            Thread.objects.filter(pk=thread.pk).update(is_pinned=i % 5 == 0, is_locked=i % 7 == 0)
            self.threads += 1

    def grow_posts(self, n: int) -> None:
        """Posts in the thread: many authors (the member among them), anonymous ones, withdrawn
        placeholders, reactions by the member on some."""
        while self.posts < n:
            i = self.posts
            author = self.member if i % 5 == 0 else self.writer(i)
            state = PostState.WITHDRAWN if i % 7 == 6 else PostState.PUBLISHED
            post = factories.make_reply(
                thread=self.thread,
                author=author,
                body=f"Reply {i}: what helped me was **physio** and patience.",
                is_anonymous=i % 3 == 1,
                state=state,
            )
            if i % 2 == 0:
                self.react(i, post)
            self.posts += 1


def results(body) -> list:
    return body["results"] if isinstance(body, dict) else body


ENDPOINTS: dict[str, tuple[Callable[[Forum, int], None], Callable[[Forum], str], bool]] = {
    # name: (grow to n items, path, whether the answer is a list of those items)
    "board_list": (Forum.grow_boards, lambda f: "/api/v1/boards", True),
    "board_detail": (Forum.grow_threads, lambda f: f"/api/v1/boards/{f.board.slug}", False),
    "thread_list": (
        Forum.grow_threads,
        lambda f: f"/api/v1/boards/{f.board.slug}/threads",
        True,
    ),
    "thread_detail": (Forum.grow_posts, lambda f: f"/api/v1/threads/{f.thread.pk}", False),
    "thread_posts": (Forum.grow_posts, lambda f: f"/api/v1/threads/{f.thread.pk}/posts", True),
    "post_detail": (Forum.grow_posts, lambda f: f"/api/v1/posts/{f.opening.pk}", False),
}


def expected_items(endpoint: str, viewer: str, n: int) -> int:
    if viewer == "member" and endpoint == "board_list":
        return n + 1  # the members-only board
    if viewer == "member" and endpoint == "thread_list":
        return n + 1  # their own thread waiting, atop the page
    if viewer == "member" and endpoint == "thread_posts":
        return min(n + 1, MANY)  # their own reply hidden, in a page of MANY
    return n


def get(client: APIClient, path: str) -> object:
    response = client.get(path)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("crisis_visibility", ["members", "moderators"])
@pytest.mark.parametrize("viewer", ["visitor", "member"])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_queries_do_not_grow_with_the_number_of_items(
    endpoint, viewer, crisis_visibility, member, settings
):
    settings.MODERATION_CRISIS_VISIBILITY = crisis_visibility
    settings.MODERATION_FLOOD_SECONDS = 0
    grow, path_of, is_list = ENDPOINTS[endpoint]
    forum = Forum(member)
    client = APIClient()
    if viewer == "member":
        client.force_login(member)
    path = path_of(forum)

    # Warmed up: anything cached per process is loaded before counting.
    few, many = assert_constant_queries(
        lambda _n: get(client, path),
        grow=lambda _have, n: grow(forum, n),
        small=FEW,
        large=MANY,
        warm_up=True,
        what=f"{path} as {viewer}",
    )

    if is_list:
        assert len(results(few)) == expected_items(endpoint, viewer, FEW)
        assert len(results(many)) == expected_items(endpoint, viewer, MANY)


def test_member_sees_their_reactions_and_own_posts_on_a_full_page(member):
    """The page measured above really carries the per-row data the counts are about."""
    forum = Forum(member)
    forum.grow_posts(MANY)
    client = APIClient()
    client.force_login(member)
    rows = results(client.get(f"/api/v1/threads/{forum.thread.pk}/posts").json())

    assert len(rows) == MANY
    assert rows[0]["my_reactions"] == [ReactionKind.SUPPORT]
    assert any(row["my_reactions"] for row in rows[1:])
    assert any(row["can_edit"] for row in rows)
    assert any(row["author"] is None and row["author_label"] == "a member" for row in rows)
    assert any(row["state"] == PostState.WITHDRAWN for row in rows)
    assert any(row["author"] and row["author"]["clinician"] for row in rows)
