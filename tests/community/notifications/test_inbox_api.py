import pytest

from community.forum.models import BoardVisibility
from community.notifications.kinds import Kind
from community.notifications.models import Notification
from tests import factories
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications"


def _notify(recipient, *, post=None, actor=None, kind=Kind.REPLY_TO_MY_POST, **extra):
    return Notification.objects.create(
        recipient=recipient,
        kind=kind,
        actor=actor or (post.author if post else None),
        post=post,
        thread=post.thread if post else None,
        board=post.thread.board if post else None,
        **extra,
    )


@pytest.fixture
def board():
    return factories.BoardFactory(allows_anonymous=True)


def test_list_shows_newest_first_with_thread_and_actor(member_client, member, board):
    thread = factories.make_thread(board=board, author=member, title="Sleeping with a tilt")
    replier = factories.UserFactory(display_name="Robin")
    first = _notify(member, post=factories.make_reply(thread=thread, author=replier))
    second = _notify(member, post=factories.make_reply(thread=thread, author=replier))

    response = member_client.get(URL)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [n["id"] for n in results] == [second.pk, first.pk]
    assert results[0]["thread_title"] == "Sleeping with a tilt"
    assert results[0]["board"] == board.slug
    assert results[0]["actor"]["display_name"] == "Robin"
    assert results[0]["read_at"] is None


def test_only_the_recipient_sees_their_notifications(member_client, board):
    other = factories.UserFactory()
    thread = factories.make_thread(board=board, author=other)
    note = _notify(other, post=factories.make_reply(thread=thread, author=factories.UserFactory()))

    assert member_client.get(URL).json()["results"] == []
    response = member_client.post(f"{URL}/{note.pk}/read")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    note.refresh_from_db()
    assert note.read_at is None


def test_anonymous_replier_is_never_named(
    member_client, member, moderator, moderator_client, board
):
    thread = factories.make_thread(board=board, author=member)
    replier = factories.UserFactory(username="shy_replier", display_name="Shy Replier")
    post = factories.make_reply(thread=thread, author=replier, is_anonymous=True)
    _notify(member, post=post)
    _notify(moderator, post=post, kind=Kind.NEW_FLAG)

    response = member_client.get(URL)

    assert response.json()["results"][0]["actor"] is None
    assert "shy_replier" not in response.content.decode()
    assert "Shy Replier" not in response.content.decode()
    moderator_view = moderator_client.get(URL).json()["results"][0]
    assert moderator_view["actor"]["username"] == "shy_replier"


@pytest.mark.parametrize("state", ["hidden", "withdrawn", "pending", "rejected"])
def test_notifications_about_posts_no_longer_visible_disappear(member_client, member, board, state):
    thread = factories.make_thread(board=board, author=member)
    post = factories.make_reply(thread=thread, author=factories.UserFactory())
    _notify(member, post=post)
    assert member_client.get(f"{URL}/unread-count").json() == {"unread": 1}

    factories._force_state(post=post, state=state)

    assert member_client.get(URL).json()["results"] == []
    assert member_client.get(f"{URL}/unread-count").json() == {"unread": 0}


def test_own_post_notifications_stay_visible_in_any_state(member_client, member, board):
    thread = factories.make_thread(board=board, author=factories.UserFactory())
    post = factories.make_reply(thread=thread, author=member, state="rejected")
    _notify(member, post=post, kind=Kind.POST_REJECTED, data={"reason": "Off topic"})

    results = member_client.get(URL).json()["results"]

    assert [n["kind"] for n in results] == ["post_rejected"]
    assert results[0]["details"] == {"reason": "Off topic"}


def test_mark_one_and_mark_all_read(member_client, member, board):
    thread = factories.make_thread(board=board, author=member)
    notes = [
        _notify(member, post=factories.make_reply(thread=thread, author=factories.UserFactory()))
        for _ in range(3)
    ]
    assert member_client.get(f"{URL}/unread-count").json() == {"unread": 3}

    assert member_client.post(f"{URL}/{notes[0].pk}/read").status_code == 204
    assert member_client.post(f"{URL}/{notes[0].pk}/read").status_code == 204
    assert member_client.get(f"{URL}/unread-count").json() == {"unread": 2}

    response = member_client.post(f"{URL}/read-all")
    assert response.json() == {"unread": 0}
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()


def test_members_only_board_notifications_show_to_the_member(member_client, member):
    board = factories.BoardFactory(visibility=BoardVisibility.MEMBERS)
    thread = factories.make_thread(board=board, author=member)
    _notify(member, post=factories.make_reply(thread=thread, author=factories.UserFactory()))

    assert len(member_client.get(URL).json()["results"]) == 1


def test_inbox_needs_sign_in(anon_client):
    assert anon_client.get(URL).status_code == 401
    assert anon_client.get(f"{URL}/unread-count").status_code == 401


def test_inbox_query_count_is_the_same_for_2_and_25(member_client, member, board):
    thread = factories.make_thread(board=board, author=member)

    def add(n):
        for _ in range(n):
            _notify(
                member, post=factories.make_reply(thread=thread, author=factories.UserFactory())
            )

    def listed(n):
        assert len(member_client.get(URL).json()["results"]) == n

    assert_constant_queries(listed, grow=lambda have, want: add(want - have))
