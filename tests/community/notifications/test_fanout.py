import pytest

from community.forum.models import PostingPolicy, SubscriptionLevel
from community.forum.services.following import subscription_set
from community.notifications.fanout import notify_post_published
from community.notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


def _kinds_for(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


@pytest.fixture
def board():
    return factories.BoardFactory(posting_policy=PostingPolicy.OPEN)


def test_a_reply_reaches_watchers_the_replied_to_author_and_mentioned_members(
    board, member, django_capture_on_commit_callbacks
):
    starter = factories.UserFactory()
    watcher = factories.UserFactory()
    mentioned = factories.UserFactory(username="quiet_wren")
    replier = factories.UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        thread = factories.make_thread(board=board, author=starter)
    subscription_set(user=watcher, thread=thread, level=SubscriptionLevel.WATCHING)
    opening = thread.posts.get()

    with django_capture_on_commit_callbacks(execute=True):
        from community.posting.services import post_create

        post_create(
            author=replier,
            thread_id=thread.pk,
            body="Thinking of you, @quiet_wren, and everyone here.",
            reply_to_id=opening.pk,
        )

    # The thread's starter watches it too, but hears of it once, as a reply to their post.
    assert _kinds_for(starter) == ["reply_to_my_post"]
    assert _kinds_for(watcher) == ["reply_in_watched_thread"]
    assert _kinds_for(mentioned) == ["mention"]
    assert _kinds_for(replier) == []
    assert _kinds_for(member) == []


def test_muted_threads_and_boards_make_nothing(board, django_capture_on_commit_callbacks):
    starter = factories.UserFactory()
    muted_thread = factories.UserFactory()
    muted_board = factories.UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        thread = factories.make_thread(board=board, author=starter)
    subscription_set(user=starter, thread=thread, level=SubscriptionLevel.MUTED)
    subscription_set(user=muted_thread, thread=thread, level=SubscriptionLevel.MUTED)
    subscription_set(user=muted_board, board=board, level=SubscriptionLevel.MUTED)

    with django_capture_on_commit_callbacks(execute=True):
        factories.make_reply(
            thread=thread,
            author=factories.UserFactory(),
            body=f"@{muted_thread.username} @{muted_board.username} see this",
        )

    assert Notification.objects.count() == 0


def test_a_new_thread_reaches_board_watchers(board, django_capture_on_commit_callbacks):
    watcher = factories.UserFactory()
    subscription_set(user=watcher, board=board, level=SubscriptionLevel.WATCHING)
    author = factories.UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        factories.make_thread(board=board, author=author)

    assert _kinds_for(watcher) == ["new_thread_in_watched_board"]
    assert _kinds_for(author) == []


def test_a_held_post_tells_no_one_until_published(member, django_capture_on_commit_callbacks):
    held_board = factories.BoardFactory(posting_policy=PostingPolicy.PREMODERATE_ALL)
    watcher = factories.UserFactory()
    subscription_set(user=watcher, board=held_board, level=SubscriptionLevel.WATCHING)

    with django_capture_on_commit_callbacks(execute=True):
        thread = factories.make_thread(board=held_board, author=member, state="pending")

    assert Notification.objects.count() == 0
    assert notify_post_published(post_id=thread.posts.get().pk) == 0


def test_running_the_fan_out_twice_adds_nothing(board, django_capture_on_commit_callbacks):
    watcher = factories.UserFactory()
    subscription_set(user=watcher, board=board, level=SubscriptionLevel.WATCHING)
    with django_capture_on_commit_callbacks(execute=True):
        thread = factories.make_thread(board=board, author=factories.UserFactory())

    assert notify_post_published(post_id=thread.posts.get().pk) == 0
    assert Notification.objects.filter(recipient=watcher).count() == 1


def test_nothing_is_sent_when_the_post_is_rolled_back(board):
    watcher = factories.UserFactory()
    subscription_set(user=watcher, board=board, level=SubscriptionLevel.WATCHING)

    # Without a commit the after-commit task never runs.
    factories.make_thread(board=board, author=factories.UserFactory())

    assert Notification.objects.count() == 0
