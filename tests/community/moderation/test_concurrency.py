"""A moderator hiding a post while a member replies to it: two real transactions on two
connections, in both orders and at once. Neither may deadlock or fail, and the thread's
positions, counters and states must agree with its posts afterwards.

The dangerous order: the moderator holds the post's row lock and asks for the thread's, while
the member holds the thread's and saves a reply pointing at that post (its foreign key check
takes a share lock on the post). The interleavings are forced, not hoped for: each side pauses
right after taking its first lock until the other side has finished or is waiting on a lock.
"""

import re
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.http import Http404

from community.forum.models import Board, Post, PostState, Thread
from community.moderation import services
from community.moderation.models import ModerationAction, Verb
from community.posting import services as posting
from config.api.errors import ApiError
from tests import factories
from tests.factories import BoardFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 30  # seconds; far more than any step takes
LOCK_OF = {
    "post": re.compile(r'FOR (NO KEY )?UPDATE OF "forum_post"'),
    "thread": re.compile(r'FOR (NO KEY )?UPDATE OF "forum_thread"'),
}


@pytest.fixture(autouse=True)
def _no_flood_control(settings):
    settings.MODERATION_FLOOD_SECONDS = 0


class Side:
    """One transaction, run in its own thread on its own connection. With ``pause_after`` it
    stops right after the statement that locked that row (``"post"`` or ``"thread"``) until
    ``go`` is set."""

    def __init__(self, call: Callable[[], Any], *, pause_after: str | None = None) -> None:
        self.call = call
        self.pause_after = pause_after
        self.paused = threading.Event()
        self.go = threading.Event()
        self.started = threading.Event()
        self.pid: int | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run)

    def _pause(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        pattern = LOCK_OF.get(self.pause_after or "")
        if pattern is not None and not self.paused.is_set() and pattern.search(sql):
            self.paused.set()
            if not self.go.wait(WAIT):
                raise TimeoutError("never told to go on")
        return result

    def _run(self) -> None:
        try:
            with connection.cursor() as cursor:
                # A lock wait that never ends fails the test instead of hanging it.
                cursor.execute("SET lock_timeout = '20s'")
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self.started.set()
            with connection.execute_wrapper(self._pause):
                self.result = self.call()
        except BaseException as exc:
            self.error = exc
        finally:
            self.started.set()
            self.paused.set()
            connection.close()

    def start(self) -> None:
        self.thread.start()
        assert self.started.wait(WAIT)

    def finished_or_waiting_on_a_lock(self) -> bool:
        """Polls until this side has finished, or its connection waits on a row lock."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if not self.thread.is_alive():
                return True
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [self.pid]
                )
                row = cursor.fetchone()
            if row is not None and row[0] == "Lock":
                return True
            time.sleep(0.02)
        return False

    def join(self) -> None:
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "still running: a lock wait that never ended"


class Scene:
    """A published thread with one reply, and the post a moderator hides while a member
    replies to it: the reply (``target="reply"``) or the thread's opening post."""

    def __init__(self, target: str) -> None:
        self.board = BoardFactory()
        self.thread = make_thread(board=self.board, author=factories.UserFactory())
        reply = make_reply(thread=self.thread, author=factories.UserFactory())
        self.post = reply if target == "reply" else Post.objects.get(thread=self.thread, position=1)
        self.moderator = factories.ModeratorFactory()
        self.member = factories.UserFactory()

    def hide(self) -> Any:
        return services.post_hide(moderator=self.moderator, post_id=self.post.pk, reason="Spam")

    def reply(self) -> Post:
        return posting.post_create(
            author=self.member,
            thread_id=self.thread.pk,
            body="I had the same at my last appointment.",
            reply_to_id=self.post.pk,
        )


def at_once(start: threading.Barrier, call: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        start.wait(WAIT)
        return call()

    return run


def assert_consistent(scene: Scene) -> None:
    """The moderator's hide happened once, and every stored count agrees with the posts."""
    thread = Thread.objects.get(pk=scene.thread.pk)
    board = Board.objects.get(pk=scene.board.pk)
    posts = Post.objects.filter(thread=thread)
    published = posts.filter(state=PostState.PUBLISHED)

    assert Post.objects.get(pk=scene.post.pk).state == PostState.HIDDEN
    assert ModerationAction.objects.filter(verb=Verb.HIDE, post=scene.post).count() == 1
    positions = sorted(posts.values_list("position", flat=True))
    assert positions == list(range(1, len(positions) + 1))
    assert thread.last_position == len(positions)
    assert thread.state == posts.get(position=1).state
    assert thread.reply_count == published.filter(position__gt=1).count()
    last = published.order_by("-position").first()
    assert thread.last_published_position == (last.position if last is not None else 0)
    listed = Thread.objects.filter(board=board, state=PostState.PUBLISHED)
    assert board.thread_count == listed.count()
    assert (
        board.post_count
        == Post.objects.filter(thread__in=listed, state=PostState.PUBLISHED).count()
    )


def assert_reply_saved(scene: Scene, reply: Post) -> None:
    saved = Post.objects.get(pk=reply.pk)
    assert saved.reply_to_id == scene.post.pk
    assert saved.state == PostState.PUBLISHED
    assert saved.position == Thread.objects.get(pk=scene.thread.pk).last_position


@pytest.mark.parametrize("target", ["reply", "opening"])
def test_the_moderator_holding_the_post_while_the_member_replies_to_it(target):
    scene = Scene(target)
    moderator = Side(scene.hide, pause_after="post")
    member = Side(scene.reply)

    moderator.start()
    assert moderator.paused.wait(WAIT)
    member.start()
    assert member.finished_or_waiting_on_a_lock()
    moderator.go.set()
    moderator.join()
    member.join()

    assert moderator.error is None, repr(moderator.error)
    assert member.error is None, repr(member.error)
    assert moderator.result.changed is True
    assert_reply_saved(scene, member.result)
    assert_consistent(scene)


@pytest.mark.parametrize("target", ["reply", "opening"])
def test_the_member_holding_the_thread_while_the_moderator_hides_the_post(target):
    scene = Scene(target)
    member = Side(scene.reply, pause_after="thread")
    moderator = Side(scene.hide)

    member.start()
    assert member.paused.wait(WAIT)
    moderator.start()
    assert moderator.finished_or_waiting_on_a_lock()
    member.go.set()
    member.join()
    moderator.join()

    assert member.error is None, repr(member.error)
    assert moderator.error is None, repr(moderator.error)
    assert moderator.result.changed is True
    assert_reply_saved(scene, member.result)
    assert_consistent(scene)


@pytest.mark.parametrize("target", ["reply", "opening"])
def test_hiding_and_replying_at_the_same_moment(target):
    for _ in range(5):
        scene = Scene(target)
        start = threading.Barrier(2)
        moderator = Side(at_once(start, scene.hide))
        member = Side(at_once(start, scene.reply))
        moderator.start()
        member.start()
        moderator.join()
        member.join()

        assert moderator.error is None, repr(moderator.error)
        assert moderator.result.changed is True
        if member.error is None:
            assert_reply_saved(scene, member.result)
        else:
            # The moderator hid the post first. The opening post: the thread is out of view,
            # and a member who cannot see it cannot reply to it (404). The reply: it can no
            # longer be answered (422 naming reply_to). Refused cleanly, nothing saved.
            assert isinstance(member.error, Http404 | ApiError), repr(member.error)
            if target == "reply":
                assert isinstance(member.error, ApiError), repr(member.error)
                assert member.error.status_code == 422
                assert "reply_to" in member.error.fields
            assert not Post.objects.filter(thread=scene.thread, author=scene.member).exists()
        assert_consistent(scene)
