"""Notifications follow ``MODERATION_CRISIS_VISIBILITY``: a member hears nothing of a post they
may not open (an urgent post, or any post of a thread opened in crisis) while they may not
open it: no entry in the inbox, no unread count, no email, no digest, no title, no name.

Each delivery path (the inbox and its unread count, the email sent at once, the daily digest)
is walked for each setting and for each person who would be told: a watcher of the thread, a
member mentioned in the post, a moderator who watches it, and the author. Then what happens
when visibility changes after the notification was made, and when a moderator clears the
urgency.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from community.forum.models import Post, SubscriptionLevel, Thread
from community.forum.services.following import subscription_set
from community.moderation.services import post_clear_urgent
from community.moderation.services.flags import flag_create
from community.notifications.digests import digests_build
from community.notifications.kinds import Delivery, Kind
from community.notifications.models import DeliveryState, EmailDelivery, Notification
from community.notifications.outbox.send import send_due
from community.notifications.preferences import preferences_update
from community.posting.services import post_edit
from tests import factories

pytestmark = pytest.mark.django_db

TITLE = "Botox wearing off early"
SECRET = "My neurologist moved me to ten-week cycles."
CRISIS = "I want to kill myself."
# What the fan-out tells members of (moderators' crisis alerts are another matter).
TOLD_KINDS = {Kind.REPLY_IN_WATCHED_THREAD, Kind.MENTION, Kind.REPLY_TO_MY_POST}
HEADLINES = ("replied in a thread you follow", "mentioned you in a post", "replied to your post")
SETTINGS = ["members", "moderators", "everyone"]
PATHS = ["inbox", "email", "digest"]
# The moment posts are made, and the next morning's digest hour (UTC members).
POSTED_AT = "2025-01-06T10:00:00+00:00"
DIGEST_AT = "2025-01-07T08:00:00+00:00"


@pytest.fixture(autouse=True)
def _at_posting_time(time_machine):
    time_machine.move_to(datetime.fromisoformat(POSTED_AT), tick=False)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs what follows a commit (fan-out, sending) when the block ends, as in production."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def board():
    return factories.BoardFactory()


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _member(path: str, *, moderator: bool = False, username: str | None = None):
    """A member who asked for post text in emails, told at once or, on the digest path, in
    a daily digest."""
    make = factories.ModeratorFactory if moderator else factories.UserFactory
    user = make(username=username) if username else make()
    daily = dict.fromkeys(TOLD_KINDS, Delivery.DAILY) if path == "digest" else None
    preferences_update(user=user, kinds=daily, include_post_text=True)
    return user


def _watch(thread: Thread, *members) -> None:
    for user in members:
        subscription_set(user=user, thread=thread, level=SubscriptionLevel.WATCHING)


def _mail_to(mailoutbox, user) -> list:
    return [message for message in mailoutbox if message.to == [user.email]]


def _text(message) -> str:
    return message.subject + message.body + "".join(str(c) for c, _ in message.alternatives)


@dataclass
class Seen:
    """What a member notices of a post, on one delivery path."""

    told: bool
    # Everything the path showed them, to look for titles, words and names in.
    shown: str


def _inbox(user, post: Post) -> Seen:
    client = _client(user)
    listing = client.get("/api/v1/notifications")
    unread = client.get("/api/v1/notifications/unread-count")
    assert listing.status_code == 200
    assert unread.status_code == 200
    entries = [
        n for n in listing.json()["results"] if n["post"] == post.pk and n["kind"] in TOLD_KINDS
    ]
    told = bool(entries)
    if told:
        assert entries[0]["thread_title"] == TITLE
        assert entries[0]["actor"]["username"] == post.author.username
        assert unread.json()["unread"] >= 1
    else:
        assert unread.json() == {"unread": 0} or user.is_moderator
    return Seen(told=told, shown=listing.content.decode() + unread.content.decode())


def _email(mailoutbox) -> Callable[[object, Post], Seen]:
    def seen(user, post: Post) -> Seen:
        mails = _mail_to(mailoutbox, user)
        told = [m for m in mails if any(h in m.body for h in HEADLINES)]
        if told:
            assert SECRET in told[0].body or CRISIS in told[0].body
        return Seen(told=bool(told), shown="".join(_text(m) for m in mails))

    return seen


def _digest(mailoutbox, committed, time_machine) -> Callable[[object, Post], Seen]:
    built: list[bool] = []

    def seen(user, post: Post) -> Seen:
        if not built:
            time_machine.move_to(datetime.fromisoformat(DIGEST_AT), tick=False)
            with committed():
                digests_build()
            built.append(True)
        mails = [m for m in _mail_to(mailoutbox, user) if "summary" in m.subject]
        if mails:
            assert SECRET in mails[0].body or CRISIS in mails[0].body
        return Seen(told=bool(mails), shown="".join(_text(m) for m in mails))

    return seen


@pytest.fixture
def seen_on(mailoutbox, committed, time_machine):
    def pick(path: str) -> Callable[[object, Post], Seen]:
        if path == "inbox":
            return _inbox
        if path == "email":
            return _email(mailoutbox)
        return _digest(mailoutbox, committed, time_machine)

    return pick


def _assert_sees(seen: Seen, *, name: str, told: bool, post: Post) -> None:
    assert seen.told is told, f"{name} {'was not' if told else 'was'} told"
    if not told:
        for trace in (TITLE, SECRET, CRISIS, post.author.username):
            assert trace not in seen.shown, f"{name} saw {trace!r}"


@pytest.fixture(autouse=True)
def _emails_at_once(settings):
    settings.EMAIL_COALESCE_SECONDS = 0
    settings.MODERATION_FLOOD_SECONDS = 0


# --- An urgent reply -------------------------------------------------------------------------

# Who is told of an urgent reply, by setting. Its author never is: it is their own post.
URGENT_REPLY_TOLD = {
    "members": {"watcher", "mentioned", "moderator"},
    "moderators": {"moderator"},
    "everyone": {"watcher", "mentioned", "moderator"},
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("visibility", SETTINGS)
def test_an_urgent_reply_is_told_only_to_those_who_may_open_it(
    visibility, path, settings, board, committed, seen_on
):
    settings.MODERATION_CRISIS_VISIBILITY = visibility
    people = {
        "watcher": _member(path),
        "mentioned": _member(path, username="quiet_wren"),
        "moderator": _member(path, moderator=True),
        "author": _member(path),
    }
    with committed():
        thread = factories.make_thread(board=board, author=factories.UserFactory(), title=TITLE)
    _watch(thread, people["watcher"], people["moderator"], people["author"])

    with committed():
        post = factories.make_reply(
            thread=thread, author=people["author"], body=f"@quiet_wren {CRISIS}"
        )
    assert post.is_urgent

    seen = seen_on(path)
    for name, user in people.items():
        told = name in URGENT_REPLY_TOLD[visibility]
        _assert_sees(seen(user, post), name=name, told=told, post=post)
        fanned_out = Notification.objects.filter(recipient=user, post=post, kind__in=TOLD_KINDS)
        assert fanned_out.exists() is told, name


# --- A reply in a thread opened in crisis -----------------------------------------------------

# Who is told of a reply in a thread whose opening post is urgent. Its author (the member in
# crisis) always may open their own thread; under "moderators" nobody else but moderators.
CRISIS_THREAD_TOLD = {
    "members": {"watcher", "mentioned", "moderator", "author"},
    "moderators": {"moderator", "author"},
    "everyone": {"watcher", "mentioned", "moderator", "author"},
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("visibility", SETTINGS)
def test_a_reply_in_a_thread_opened_in_crisis_follows_the_setting(
    visibility, path, settings, board, committed, seen_on
):
    settings.MODERATION_CRISIS_VISIBILITY = visibility
    people = {
        "watcher": _member(path),
        "mentioned": _member(path, username="quiet_wren"),
        "moderator": _member(path, moderator=True),
        "author": _member(path),
    }
    with committed():
        thread = factories.make_thread(
            board=board, author=people["author"], title=TITLE, body=CRISIS
        )
    _watch(thread, people["watcher"], people["moderator"], people["author"])
    # A moderator answers: under "moderators" nobody else may reply.
    helper = factories.ModeratorFactory(username="kind_helper")

    with committed():
        post = factories.make_reply(thread=thread, author=helper, body=f"@quiet_wren {SECRET}")

    seen = seen_on(path)
    for name, user in people.items():
        told = name in CRISIS_THREAD_TOLD[visibility]
        _assert_sees(seen(user, post), name=name, told=told, post=post)


# --- Visibility that changes after the notification was made ---------------------------------


@pytest.fixture
def reply_told_to_watchers(board, committed, settings):
    """Under "moderators": a thread watched by a member told at once, one told in a daily
    digest and a moderator, and a reply they are all told of; emails wait 5 minutes."""
    settings.MODERATION_CRISIS_VISIBILITY = "moderators"
    settings.EMAIL_COALESCE_SECONDS = 300
    starter = factories.UserFactory()
    at_once, in_digest = _member("email"), _member("digest")
    moderator = _member("email", moderator=True)
    with committed():
        thread = factories.make_thread(board=board, author=starter, title=TITLE)
    _watch(thread, at_once, in_digest, moderator)
    with committed():
        post = factories.make_reply(thread=thread, author=factories.UserFactory(), body=SECRET)
    for user in (at_once, in_digest, moderator):
        assert _inbox(user, post).told
    return thread, post, at_once, in_digest, moderator


def _deliver(committed, time_machine) -> None:
    """The coalescing window passes and the email queue sends; the next morning's digests."""
    time_machine.move_to(timezone.now() + timedelta(seconds=301), tick=False)
    send_due()
    time_machine.move_to(datetime.fromisoformat(DIGEST_AT), tick=False)
    with committed():
        digests_build()


def test_a_thread_turned_urgent_after_the_notification_shows_no_trace_of_it(
    reply_told_to_watchers, committed, mailoutbox, time_machine
):
    thread, post, at_once, in_digest, moderator = reply_told_to_watchers

    # The thread's author edits their opening post: now it reads like a crisis.
    with committed():
        post_edit(editor=thread.author, post_id=thread.posts.get(position=1).pk, body=CRISIS)
    _deliver(committed, time_machine)

    for user in (at_once, in_digest):
        seen = _inbox(user, post)
        assert not seen.told
        assert TITLE not in seen.shown
        assert _mail_to(mailoutbox, user) == []
    assert EmailDelivery.objects.get(recipient=at_once).state == DeliveryState.SKIPPED
    assert _inbox(moderator, post).told
    [mail] = [m for m in _mail_to(mailoutbox, moderator) if "thread you follow" in m.subject]
    assert SECRET in mail.body


def test_a_reply_reported_as_a_crisis_after_the_notification_is_no_longer_told(
    reply_told_to_watchers, committed, mailoutbox, time_machine
):
    _thread, post, at_once, in_digest, moderator = reply_told_to_watchers

    with committed():
        flag_create(flagger=factories.UserFactory(), post_id=post.pk, reason="crisis")
    _deliver(committed, time_machine)

    for user in (at_once, in_digest):
        assert not _inbox(user, post).told
        assert _mail_to(mailoutbox, user) == []
    assert _inbox(moderator, post).told


def test_a_notification_kept_out_of_view_cannot_be_marked_read_and_stays_unread(
    reply_told_to_watchers, committed
):
    thread, post, at_once, _in_digest, moderator = reply_told_to_watchers
    note = Notification.objects.get(recipient=at_once, post=post)
    with committed():
        post_edit(editor=thread.author, post_id=thread.posts.get(position=1).pk, body=CRISIS)
    client = _client(at_once)

    assert client.post(f"/api/v1/notifications/{note.pk}/read").status_code == 404
    assert client.post("/api/v1/notifications/read-all").json() == {"unread": 0}

    with committed():
        post_clear_urgent(moderator=moderator, post_id=thread.posts.get(position=1).pk)
    # Back in view once the urgency is cleared, still unread, and told once only.
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 1}
    [entry] = client.get("/api/v1/notifications").json()["results"]
    assert (entry["post"], entry["thread_title"], entry["read_at"]) == (post.pk, TITLE, None)


# --- When a moderator clears the urgency -----------------------------------------------------


def test_members_kept_from_an_urgent_reply_are_told_once_a_moderator_clears_it(
    settings, board, committed, mailoutbox
):
    settings.MODERATION_CRISIS_VISIBILITY = "moderators"
    watcher, mentioned = _member("email"), _member("email", username="quiet_wren")
    moderator = _member("email", moderator=True)
    with committed():
        thread = factories.make_thread(board=board, author=factories.UserFactory(), title=TITLE)
    _watch(thread, watcher, moderator)
    with committed():
        post = factories.make_reply(
            thread=thread, author=factories.UserFactory(), body=f"@quiet_wren {CRISIS}"
        )
    assert not _inbox(watcher, post).told
    assert not _inbox(mentioned, post).told
    assert _mail_to(mailoutbox, watcher) == _mail_to(mailoutbox, mentioned) == []

    with committed():
        post_clear_urgent(moderator=moderator, post_id=post.pk)

    for user, headline in ((watcher, HEADLINES[0]), (mentioned, HEADLINES[1])):
        assert _inbox(user, post).told
        [mail] = _mail_to(mailoutbox, user)
        assert headline in mail.body
    # The moderator, told when it was posted, is not told a second time.
    assert (
        Notification.objects.filter(recipient=moderator, post=post, kind__in=TOLD_KINDS).count()
        == 1
    )
    assert len([m for m in _mail_to(mailoutbox, moderator) if HEADLINES[0] in m.body]) == 1


def test_replies_in_a_thread_opened_in_crisis_are_told_once_it_is_cleared(
    settings, board, committed, mailoutbox
):
    settings.MODERATION_CRISIS_VISIBILITY = "moderators"
    author, watcher = factories.UserFactory(), _member("email")
    moderator = _member("email", moderator=True)
    with committed():
        thread = factories.make_thread(board=board, author=author, title=TITLE, body=CRISIS)
    _watch(thread, watcher)
    with committed():
        post = factories.make_reply(thread=thread, author=moderator, body=SECRET)
    assert not _inbox(watcher, post).told

    with committed():
        post_clear_urgent(moderator=moderator, post_id=thread.posts.get(position=1).pk)

    assert _inbox(watcher, post).told
    [mail] = _mail_to(mailoutbox, watcher)
    assert SECRET in mail.body
