"""Daily and weekly digests: who gets one when, and what it tells them.

The clock is set with time-machine. January 2025 has no daylight-saving change: New York is
UTC-5, Tokyo UTC+9, Kolkata UTC+5:30. 6 January 2025 is a Monday (the digest weekday).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest
import time_machine

from community.forum.models import Post, PostingPolicy, PostState, SubscriptionLevel
from community.forum.services.following import subscription_set
from community.notifications.digests import digests_build
from community.notifications.fanout import notify
from community.notifications.inbox import notification_mark_read
from community.notifications.kinds import Delivery, Kind
from community.notifications.models import EmailDelivery, Notification
from community.notifications.preferences import preferences_update
from tests import factories
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

REPLY = Kind.REPLY_IN_WATCHED_THREAD
TITLE = "Botox wearing off early"
SECRET = "My neurologist moved me to ten-week cycles."


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@contextmanager
def _committed_at(when: str, capture) -> Iterator[None]:
    """The clock at ``when``; what commits inside runs its after-commit tasks (the eager
    fan-out and email sending)."""
    with time_machine.travel(at(when), tick=False), capture(execute=True):
        yield


def _member(*, tz: str | None = None, include_post_text: bool | None = None, **kinds: str):
    user = factories.UserFactory()
    preferences_update(
        user=user, kinds=kinds or None, timezone=tz, include_post_text=include_post_text
    )
    return user


@pytest.fixture
def board():
    return factories.BoardFactory(posting_policy=PostingPolicy.OPEN)


@pytest.fixture
def thread(board, django_capture_on_commit_callbacks):
    with _committed_at("2025-01-06T09:00:00+00:00", django_capture_on_commit_callbacks):
        return factories.make_thread(board=board, author=factories.UserFactory(), title=TITLE)


@pytest.fixture
def reply_at(thread, django_capture_on_commit_callbacks):
    """Publishes a reply at a moment; its watchers are told through the real fan-out."""

    def reply(when: str, *, body: str = SECRET, in_thread=None) -> Post:
        with _committed_at(when, django_capture_on_commit_callbacks):
            return factories.make_reply(
                thread=in_thread or thread, author=factories.UserFactory(), body=body
            )

    return reply


@pytest.fixture
def build(django_capture_on_commit_callbacks):
    """Runs the hourly digest task at a moment; queued emails are sent when it commits."""

    def run(when: str) -> int:
        with _committed_at(when, django_capture_on_commit_callbacks):
            return digests_build()

    return run


def _mail_to(mailoutbox, user):
    return [message for message in mailoutbox if message.to == [user.email]]


def _bodies(message) -> str:
    return message.body + "".join(str(content) for content, _ in message.alternatives)


def _watch(thread, *members):
    for user in members:
        subscription_set(user=user, thread=thread, level=SubscriptionLevel.WATCHING)


def test_each_member_gets_one_daily_digest_at_eight_in_their_own_morning(
    thread, reply_at, build, mailoutbox
):
    tokyo = _member(tz="Asia/Tokyo", **{REPLY: Delivery.DAILY})
    utc = _member(**{REPLY: Delivery.DAILY})  # no settings row: UTC
    new_york = _member(tz="America/New_York", **{REPLY: Delivery.DAILY})
    kolkata = _member(tz="Asia/Kolkata", **{REPLY: Delivery.DAILY})
    _watch(thread, tokyo, utc, new_york, kolkata)
    reply_at("2025-01-06T14:00:00+00:00")
    everyone = (tokyo, utc, new_york, kolkata)

    # 07:00 in Tokyo, 02:30 in Kolkata, 22:00 in UTC, 17:00 in New York: nobody yet.
    assert build("2025-01-06T22:00:00+00:00") == 0
    assert [len(_mail_to(mailoutbox, u)) for u in everyone] == [0, 0, 0, 0]

    # 08:00 in Tokyo.
    assert build("2025-01-06T23:00:00+00:00") == 1
    assert [len(_mail_to(mailoutbox, u)) for u in everyone] == [1, 0, 0, 0]

    # 08:30 in Kolkata, a beat that ran a little late.
    assert build("2025-01-07T03:04:00+00:00") == 1
    assert [len(_mail_to(mailoutbox, u)) for u in everyone] == [1, 0, 0, 1]

    # 08:00 in UTC, then 08:00 in New York.
    assert build("2025-01-07T08:00:00+00:00") == 1
    assert build("2025-01-07T13:00:00+00:00") == 1
    assert [len(_mail_to(mailoutbox, u)) for u in everyone] == [1, 1, 1, 1]
    assert all(
        _mail_to(mailoutbox, u)[0].subject == "[Neck to Neck] Your daily summary (1 new)"
        for u in everyone
    )


def test_a_digest_links_each_item_without_title_or_words_of_the_posts(
    board, thread, reply_at, build, mailoutbox, django_capture_on_commit_callbacks
):
    reader = _member(**{REPLY: Delivery.DAILY})
    with _committed_at("2025-01-06T09:30:00+00:00", django_capture_on_commit_callbacks):
        other = factories.make_thread(
            board=board, author=factories.UserFactory(), title="Spasms at night"
        )
    _watch(thread, reader)
    _watch(other, reader)
    first = reply_at("2025-01-06T10:00:00+00:00")
    second = reply_at("2025-01-06T11:00:00+00:00", in_thread=other, body="Magnesium helped.")

    assert build("2025-01-07T08:00:00+00:00") == 1

    [digest] = _mail_to(mailoutbox, reader)
    assert digest.subject == "[Neck to Neck] Your daily summary (2 new)"
    text = _bodies(digest)
    assert f"/threads/{thread.pk}#post-{first.position}" in text
    assert f"/threads/{other.pk}#post-{second.position}" in text
    for private in (TITLE, "Spasms at night", SECRET, "Magnesium"):
        assert private not in text
        assert private not in digest.subject
    assert digest.extra_headers["List-Unsubscribe"].startswith("<http")
    assert "mailto:" in digest.extra_headers["List-Unsubscribe"]
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_members_who_chose_post_text_see_it_quoted_but_never_in_the_subject(
    thread, reply_at, build, mailoutbox
):
    reader = _member(include_post_text=True, **{REPLY: Delivery.DAILY})
    _watch(thread, reader)
    reply_at("2025-01-06T10:00:00+00:00")

    build("2025-01-07T08:00:00+00:00")

    [digest] = _mail_to(mailoutbox, reader)
    assert SECRET in digest.body
    assert TITLE in digest.body
    assert TITLE not in digest.subject


def test_a_post_hidden_after_the_event_is_left_out(thread, reply_at, build, mailoutbox):
    reader = _member(**{REPLY: Delivery.DAILY})
    alone = _member(**{REPLY: Delivery.DAILY})
    _watch(thread, reader)
    kept = reply_at("2025-01-06T10:00:00+00:00", body="Warm compresses help me.")
    _watch(thread, alone)
    hidden = reply_at("2025-01-06T11:00:00+00:00", body="Something a moderator took down.")
    Post.objects.filter(pk=hidden.pk).update(state=PostState.HIDDEN)

    assert build("2025-01-07T08:00:00+00:00") == 1

    [digest] = _mail_to(mailoutbox, reader)
    assert digest.subject.endswith("(1 new)")
    assert f"#post-{kept.position}" in digest.body
    assert f"#post-{hidden.position}" not in digest.body
    # The only thing `alone` was told of is gone: no email at all.
    assert _mail_to(mailoutbox, alone) == []
    assert not EmailDelivery.objects.filter(recipient=alone).exists()


def test_notifications_read_in_the_app_are_not_in_the_digest(thread, reply_at, build, mailoutbox):
    reader = _member(**{REPLY: Delivery.DAILY})
    _watch(thread, reader)
    reply_at("2025-01-06T10:00:00+00:00")
    reply_at("2025-01-06T11:00:00+00:00")
    first = Notification.objects.filter(recipient=reader).order_by("id").first()
    assert first is not None
    notification_mark_read(recipient=reader, notification_id=first.pk)

    build("2025-01-07T08:00:00+00:00")

    [digest] = _mail_to(mailoutbox, reader)
    assert digest.subject.endswith("(1 new)")
    assert "#post-2" not in digest.body
    assert "#post-3" in digest.body


def test_a_second_run_in_the_same_hour_sends_no_second_digest(thread, reply_at, build, mailoutbox):
    reader = _member(**{REPLY: Delivery.DAILY})
    _watch(thread, reader)
    reply_at("2025-01-06T10:00:00+00:00")

    assert build("2025-01-07T08:00:00+00:00") == 1
    # A reply after the digest went out waits for tomorrow's, even when the task runs again.
    late = reply_at("2025-01-07T08:10:00+00:00")
    assert build("2025-01-07T08:20:00+00:00") == 0

    assert len(_mail_to(mailoutbox, reader)) == 1
    assert build("2025-01-08T08:00:00+00:00") == 1
    tomorrow = _mail_to(mailoutbox, reader)[1]
    assert tomorrow.subject.endswith("(1 new)")
    assert f"#post-{late.position}" in tomorrow.body


def test_a_rerun_while_the_digest_waits_adds_to_it_rather_than_sending_another(
    thread, reply_at, mailoutbox, django_capture_on_commit_callbacks
):
    reader = _member(**{REPLY: Delivery.DAILY})
    _watch(thread, reader)
    reply_at("2025-01-06T10:00:00+00:00")
    # The first run's send task was lost (the broker restarted): its digest is still pending.
    with time_machine.travel(at("2025-01-07T08:00:00+00:00"), tick=False):
        assert digests_build() == 1
    # Another reply; its own send task is not run either, so the digest still waits.
    with time_machine.travel(at("2025-01-07T08:10:00+00:00"), tick=False):
        late = factories.make_reply(thread=thread, author=factories.UserFactory())
        notify(
            recipient_ids=[reader.pk],
            kind=REPLY,
            event_key=f"post:{late.pk}",
            thread_id=thread.pk,
            post_id=late.pk,
        )

    with _committed_at("2025-01-07T08:20:00+00:00", django_capture_on_commit_callbacks):
        assert digests_build() == 1

    [digest] = _mail_to(mailoutbox, reader)
    assert digest.subject.endswith("(2 new)")
    assert EmailDelivery.objects.filter(recipient=reader).count() == 1


def test_weekly_digests_come_only_on_the_digest_weekday(board, build, mailoutbox):
    # New threads in watched boards are weekly unless the member chooses otherwise.
    watcher = _member(tz="America/New_York")
    subscription_set(user=watcher, board=board, level=SubscriptionLevel.WATCHING)
    with time_machine.travel(at("2025-01-07T15:00:00+00:00"), tick=False):
        notify_thread = factories.make_thread(board=board, author=factories.UserFactory())
        notify(
            recipient_ids=[watcher.pk],
            kind=Kind.NEW_THREAD_IN_WATCHED_BOARD,
            event_key=f"post:{notify_thread.posts.get().pk}",
            board_id=board.pk,
            thread_id=notify_thread.pk,
            post_id=notify_thread.posts.get().pk,
        )

    # 08:00 in New York from Wednesday to Sunday: no daily choice, no weekly day.
    for day in range(8, 13):
        assert build(f"2025-01-{day:02d}T13:00:00+00:00") == 0
    assert _mail_to(mailoutbox, watcher) == []

    # Monday 08:00 in New York (13:00 UTC); Monday 08:00 UTC was still Monday 03:00 there.
    assert build("2025-01-13T08:00:00+00:00") == 0
    assert build("2025-01-13T13:00:00+00:00") == 1
    [digest] = _mail_to(mailoutbox, watcher)
    assert digest.subject == "[Neck to Neck] Your weekly summary (1 new)"
    assert f"/threads/{notify_thread.pk}#post-1" in digest.body


def test_a_member_who_switched_the_kind_off_since_gets_nothing(thread, reply_at, build, mailoutbox):
    reader = _member(tz="Asia/Tokyo", **{REPLY: Delivery.DAILY})
    _watch(thread, reader)
    reply_at("2025-01-06T10:00:00+00:00")
    preferences_update(user=reader, kinds={REPLY: Delivery.OFF})

    assert build("2025-01-06T23:00:00+00:00") == 0

    assert _mail_to(mailoutbox, reader) == []
    # Still there in the app, unread.
    assert Notification.objects.filter(recipient=reader, read_at__isnull=True).count() == 1


def test_closed_accounts_and_members_without_an_address_get_no_digest(
    thread, reply_at, build, mailoutbox
):
    closed = _member(**{REPLY: Delivery.DAILY})
    no_address = _member(**{REPLY: Delivery.DAILY})
    _watch(thread, closed, no_address)
    reply_at("2025-01-06T10:00:00+00:00")
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    no_address.email = ""
    no_address.save(update_fields=["email"])

    assert build("2025-01-07T08:00:00+00:00") == 0
    assert not EmailDelivery.objects.filter(category="digest").exists()


def test_building_digests_costs_one_update_per_member_not_a_query_per_item(
    thread, reply_at, django_capture_on_commit_callbacks
):
    days = {2: "2025-01-07T08:00:00+00:00", 6: "2025-01-08T08:00:00+00:00"}

    def grow(_have: int, members: int) -> None:
        """``members`` more readers, each with a digest of two replies due on their day."""
        when = days[members]
        readers = [_member(**{REPLY: Delivery.DAILY}) for _ in range(members)]
        _watch(thread, *readers)
        day = when[:10]
        reply_at(f"{day}T01:00:00+00:00")
        reply_at(f"{day}T02:00:00+00:00")
        Notification.objects.exclude(recipient__in=readers).update(read_at=at(when))

    def build(members: int) -> None:
        with time_machine.travel(at(days[members]), tick=False):
            assert digests_build() == members

    assert_constant_queries(build, grow=grow, small=2, large=6, per_item=1)
