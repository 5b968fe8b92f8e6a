"""The email outbox in-process: what members find in their mailbox after forum activity, and
what the outbox does when the mail server answers badly.

Tasks run eagerly after commit (``django_capture_on_commit_callbacks(execute=True)``); mail
goes to the locmem backend (``mailoutbox``) or, where the server's answers matter, to a real
SMTP server on localhost (``smtp_server``).
"""

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from community.forum.models import SubscriptionLevel
from community.forum.services.following import subscription_set
from community.notifications import emails, fanout, tasks
from community.notifications.kinds import Delivery, Kind
from community.notifications.models import (
    DeliveryState,
    EmailCategory,
    EmailDelivery,
    Notification,
    PendingFanout,
)
from community.notifications.outbox import send as send_module
from community.notifications.outbox.send import backoff_seconds, claim_due, send_claimed, send_due
from community.notifications.outbox.sweep import deliveries_retry, outbox_sweep
from community.notifications.outbox.write import essential_enqueue
from community.notifications.preferences import preferences_update
from community.posting.services import post_create, post_withdraw
from tests import factories
from tests.smtp import free_port

pytestmark = pytest.mark.django_db

TITLE = "Botox for my cervical dystonia"
OPENING = "The botulinum injections in my neck wore off after six weeks."
CONDITION_WORDS = ["botox", "botulinum", "dystonia", "cervical", "injection"]


@pytest.fixture
def board():
    return factories.BoardFactory()


@pytest.fixture
def at_once(settings):
    """Notifications go the moment their transaction commits (no coalescing window)."""
    settings.EMAIL_COALESCE_SECONDS = 0


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs what follows a commit (fan-out, sending) when the block ends, as in production."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def smtp(smtp_server, settings):
    for name, value in smtp_server.email_settings().items():
        setattr(settings, name, value)
    return smtp_server


def _mail_to(mailbox, user) -> list:
    return [message for message in mailbox if message.to == [user.email]]


def _watched_thread(board, committed, *watchers, title="Stretches that help", author=None):
    with committed():
        thread = factories.make_thread(
            board=board, author=author or factories.UserFactory(), title=title
        )
    for watcher in watchers:
        subscription_set(user=watcher, thread=thread, level=SubscriptionLevel.WATCHING)
    return thread


def _reply(committed, thread, author, body="Thinking of you today."):
    with committed():
        return factories.make_reply(thread=thread, author=author, body=body)


def _account_mail(**extra) -> EmailDelivery:
    """An account email queued as the sign-up flow queues it (its send task not run yet)."""
    fields = {
        "to_email": "heron@example.org",
        "subject": "[Neck to Neck] Please confirm your email address",
        "body_text": "Confirm your address: https://example.org/verify/abc",
        **extra,
    }
    return essential_enqueue(**fields)


def _later(time_machine, seconds: float) -> None:
    time_machine.move_to(timezone.now() + timedelta(seconds=seconds))


# --- Coalescing and urgency -----------------------------------------------------------------


def test_a_burst_of_replies_is_one_email_after_the_window_and_each_thread_its_own(
    board, settings, committed, mailoutbox, time_machine
):
    settings.EMAIL_COALESCE_SECONDS = 300
    watcher, replier = factories.UserFactory(), factories.UserFactory()
    busy = _watched_thread(board, committed, watcher)
    quiet = _watched_thread(board, committed, watcher)

    for body in ["First thought.", "Second thought.", "Third thought."]:
        _reply(committed, busy, replier, body)
    _reply(committed, quiet, replier)

    rows = EmailDelivery.objects.filter(recipient=watcher)
    assert rows.count() == 2
    assert Notification.objects.filter(email=rows.get(thread=busy)).count() == 3
    send_due()
    assert _mail_to(mailoutbox, watcher) == []

    _later(time_machine, 301)
    send_due()

    sent = sorted(_mail_to(mailoutbox, watcher), key=lambda m: m.subject)
    assert [m.subject for m in sent] == [
        "[Neck to Neck] 3 new posts in a thread you follow",
        "[Neck to Neck] New reply in a thread you follow",
    ]
    assert sent[0].body.count("replied in a thread you follow") == 3


def _crisis_alert(committed, moderator, post) -> None:
    with committed():
        fanout.notify(
            recipient_ids=[moderator.pk],
            kind=Kind.URGENT_CRISIS,
            event_key=f"post:{post.pk}:crisis",
            thread_id=post.thread_id,
            post_id=post.pk,
        )


def test_urgent_alerts_go_at_once_each_on_its_own(
    board, settings, committed, mailoutbox, moderator
):
    settings.EMAIL_COALESCE_SECONDS = 300
    thread = _watched_thread(board, committed, moderator)
    first = _reply(committed, thread, factories.UserFactory(), "I can't go on like this.")
    second = _reply(committed, thread, factories.UserFactory(), "Please, someone.")

    _crisis_alert(committed, moderator, first)
    _crisis_alert(committed, moderator, second)

    alerts = _mail_to(mailoutbox, moderator)
    assert [m.subject for m in alerts] == [
        "[Neck to Neck] Urgent: a post needs a moderator now"
    ] * 2
    # The watched-thread replies still wait for their window, apart from the alerts.
    waiting = EmailDelivery.objects.get(recipient=moderator, state=DeliveryState.PENDING)
    assert not waiting.urgent
    assert waiting.notifications.count() == 2


def test_the_daily_cap_skips_the_fourth_email_but_not_the_inbox_or_urgent_alerts(
    board, settings, at_once, committed, mailoutbox, moderator
):
    settings.EMAIL_DAILY_CAP = 3
    thread = _watched_thread(board, committed, moderator)
    replier = factories.UserFactory()
    posts = [_reply(committed, thread, replier, f"Reply {n}") for n in range(4)]

    assert len(_mail_to(mailoutbox, moderator)) == 3
    fourth = EmailDelivery.objects.get(recipient=moderator, notifications__post=posts[3])
    assert fourth.state == DeliveryState.SKIPPED
    assert "Daily limit of 3" in fourth.last_error
    client = APIClient()
    client.force_login(moderator)
    assert len(client.get("/api/v1/notifications").json()["results"]) == 4

    _crisis_alert(committed, moderator, posts[3])
    alerts = _mail_to(mailoutbox, moderator)
    assert len(alerts) == 4
    assert alerts[-1].subject.endswith("needs a moderator now")


# --- Discretion -----------------------------------------------------------------------------


@pytest.fixture
def condition_thread(board, at_once, committed):
    """Every kind of forum email about a thread whose title and posts name a condition."""
    people = {name: factories.UserFactory() for name in ["starter", "board", "thread", "named"]}
    preferences_update(user=people["board"], kinds={Kind.NEW_THREAD_IN_WATCHED_BOARD: Delivery.NOW})
    subscription_set(user=people["board"], board=board, level=SubscriptionLevel.WATCHING)
    thread = _watched_thread(
        board, committed, people["thread"], title=TITLE, author=people["starter"]
    )
    with committed():
        post_create(
            author=factories.UserFactory(),
            thread_id=thread.pk,
            body=f"Botulinum toxin every ten weeks helps me, @{people['named'].username}.",
            reply_to_id=thread.posts.get().pk,
        )
    return thread, people


def test_no_subject_or_default_body_names_the_condition(condition_thread, mailoutbox):
    thread, people = condition_thread

    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in people.values())
    assert {m.subject for m in mailoutbox} == {
        "[Neck to Neck] A new thread in a board you follow",
        "[Neck to Neck] New reply in a thread you follow",
        "[Neck to Neck] Someone replied to your post",
        "[Neck to Neck] You were mentioned in a post",
    }
    link = django_settings.FRONTEND_URLS["thread"].format(thread_id=thread.pk)
    for message in mailoutbox:
        html = message.alternatives[0].content
        for text in [message.subject, message.body, html]:
            assert TITLE not in text
            assert not [word for word in CONDITION_WORDS if word in text.lower()], text
        assert link in message.body
        assert link in html


def test_members_who_opt_in_get_the_post_quoted(board, at_once, committed, mailoutbox):
    watcher = factories.UserFactory()
    preferences_update(user=watcher, include_post_text=True)
    thread = _watched_thread(board, committed, watcher, title=TITLE)

    _reply(committed, thread, factories.UserFactory(), "Botulinum toxin every ten weeks helps.")

    [message] = _mail_to(mailoutbox, watcher)
    assert "botox" not in message.subject.lower()
    assert TITLE in message.body
    assert "Botulinum toxin every ten weeks helps." in message.body
    assert "Botulinum toxin every ten weeks helps." in message.alternatives[0].content


# --- Checked again when sent ----------------------------------------------------------------


def test_a_post_withdrawn_before_the_email_goes_is_not_emailed(
    board, settings, committed, mailoutbox, time_machine
):
    settings.EMAIL_COALESCE_SECONDS = 300
    watcher, replier = factories.UserFactory(), factories.UserFactory()
    thread = _watched_thread(board, committed, watcher)
    post = _reply(committed, thread, replier, "Something I regret sharing.")

    post_withdraw(user=replier, post_id=post.pk)
    _later(time_machine, 301)
    send_due()

    assert _mail_to(mailoutbox, watcher) == []
    row = EmailDelivery.objects.get(recipient=watcher)
    assert row.state == DeliveryState.SKIPPED
    assert "no longer visible" in row.last_error


def test_notifications_read_in_the_app_are_not_emailed(
    board, settings, committed, mailoutbox, time_machine
):
    settings.EMAIL_COALESCE_SECONDS = 300
    watcher, replier = factories.UserFactory(), factories.UserFactory()
    thread = _watched_thread(board, committed, watcher)
    _reply(committed, thread, replier, "Seen in the app already.")
    _reply(committed, thread, replier, "Not seen yet.")
    client = APIClient()
    client.force_login(watcher)
    first = Notification.objects.filter(recipient=watcher).earliest("id")
    assert client.post(f"/api/v1/notifications/{first.pk}/read").status_code == 204

    _later(time_machine, 301)
    send_due()

    [message] = _mail_to(mailoutbox, watcher)
    assert message.subject == "[Neck to Neck] New reply in a thread you follow"
    assert message.body.count("replied in a thread you follow") == 1


def test_the_same_post_fanned_out_twice_sends_one_email(board, at_once, committed, mailoutbox):
    watcher = factories.UserFactory()
    thread = _watched_thread(board, committed, watcher)
    post = _reply(committed, thread, factories.UserFactory())

    with committed():  # the broker delivered the fan-out again
        fanout.notify_post_published(post_id=post.pk)
        tasks.post_published_task.delay(post.pk)

    assert EmailDelivery.objects.filter(recipient=watcher).count() == 1
    assert len(_mail_to(mailoutbox, watcher)) == 1


def test_emails_about_one_thread_share_its_conversation_and_have_text_and_html(
    board, at_once, committed, smtp
):
    watcher, replier = factories.UserFactory(), factories.UserFactory()
    thread = _watched_thread(board, committed, watcher)
    _reply(committed, thread, replier, "One.")
    _reply(committed, thread, replier, "Two.")

    received = [m for m in smtp.mailbox if m["To"] == watcher.email]
    rows = EmailDelivery.objects.filter(recipient=watcher).order_by("id")
    assert [m["Message-ID"] for m in received] == [emails.message_id(row) for row in rows]
    assert len({m["Message-ID"] for m in received}) == 2
    reference = emails.thread_reference(thread.pk)
    for message in received:
        assert message["In-Reply-To"] == message["References"] == reference
        assert "replied in a thread you follow" in message.get_body(("plain",)).get_content()
        assert "<a href=" in message.get_body(("html",)).get_content()
        assert message["List-Unsubscribe"]


# --- Account mail ---------------------------------------------------------------------------


def test_password_reset_mail_is_sent_through_the_outbox_even_over_the_cap(
    settings, member, committed, smtp
):
    settings.EMAIL_DAILY_CAP = 0

    with committed():
        response = APIClient().post(
            "/api/auth/app/v1/auth/password/request", {"email": member.email}, format="json"
        )

    assert response.status_code == 200
    row = EmailDelivery.objects.get(recipient=member)
    assert row.category == EmailCategory.ESSENTIAL
    assert row.state == DeliveryState.SENT
    [message] = smtp.wait_for(1)
    assert message["To"] == member.email
    assert "List-Unsubscribe" not in message
    reset_link = django_settings.HEADLESS_FRONTEND_URLS["account_reset_password_from_key"]
    assert reset_link.split("{key}")[0] in message.get_body(("plain",)).get_content()


def test_signup_verification_is_an_essential_email_that_is_sent(settings, committed, mailoutbox):
    settings.EMAIL_DAILY_CAP = 0

    with committed():
        APIClient().post(
            "/api/auth/app/v1/auth/signup",
            {
                "email": "New.Heron@example.org",
                "username": "new_heron",
                "password": factories.PASSWORD,
            },
            format="json",
        )

    row = EmailDelivery.objects.get(to_email__iexact="new.heron@example.org")
    assert row.recipient is not None
    assert row.recipient.username == "new_heron"
    assert (row.category, row.state) == (EmailCategory.ESSENTIAL, DeliveryState.SENT)
    [message] = mailoutbox
    assert "List-Unsubscribe" not in message.extra_headers
    assert "verify-email" in message.body


# --- SMTP answers ---------------------------------------------------------------------------


def test_a_busy_server_is_retried_later_with_the_same_message_id(smtp, time_machine):
    row = _account_mail()
    seen: list[str] = []

    def answer(message):
        seen.append(message["Message-ID"])
        return "451 4.3.0 Try again later" if len(seen) == 1 else None

    smtp.on_message = answer

    send_due()
    row.refresh_from_db()
    assert row.state == DeliveryState.FAILED
    assert row.send_after > timezone.now()
    assert "451" in row.last_error
    assert smtp.mailbox == []

    send_due()  # not due yet
    assert len(seen) == 1

    _later(time_machine, 3600)
    send_due()
    row.refresh_from_db()
    assert (row.state, row.attempts) == (DeliveryState.SENT, 2)
    assert [m["Message-ID"] for m in smtp.mailbox] == [seen[0]] == [emails.message_id(row)]


def test_an_unknown_address_is_given_up_at_once(smtp):
    row = _account_mail(to_email="nobody@example.org")
    smtp.replies.append("550 5.1.1 No such user")

    send_due()

    row.refresh_from_db()
    assert (row.state, row.attempts) == (DeliveryState.DEAD, 1)
    assert "550 5.1.1 No such user" in row.last_error
    assert smtp.mailbox == []


def test_no_server_listening_is_retried_not_given_up(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    rows = [_account_mail(), _account_mail()]

    report = send_due()

    assert report.retrying == 2
    for row in rows:
        row.refresh_from_db()
        assert row.state == DeliveryState.FAILED
        assert "Connection refused" in row.last_error


def test_after_the_last_try_a_failing_email_is_dead(settings, smtp, time_machine):
    settings.EMAIL_MAX_ATTEMPTS = 3
    row = _account_mail()
    smtp.replies.extend(["451 4.3.0 Try again later"] * 3)

    for _ in range(3):
        send_due()
        _later(time_machine, 3600)

    row.refresh_from_db()
    assert (row.state, row.attempts) == (DeliveryState.DEAD, 3)
    assert "451" in row.last_error
    assert smtp.attempts == 3
    send_due()
    assert smtp.attempts == 3


def test_a_claimed_row_is_not_claimed_or_sent_twice(smtp):
    rows = [_account_mail(), _account_mail()]

    first = claim_due(limit=10)
    second = claim_due(limit=10)

    assert sorted(first.ids) == sorted(row.pk for row in rows)
    assert second.ids == []
    assert send_claimed(first).sent == 2
    assert send_claimed(first).sent == 0
    assert send_due().sent == 0
    assert smtp.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_rows_another_worker_is_claiming_are_skipped():
    rows = [
        EmailDelivery.objects.create(
            dedupe_key=f"essential:test-{n}",
            category=EmailCategory.ESSENTIAL,
            to_email="heron@example.org",
            subject="Confirm",
            body_text="Confirm your address.",
        )
        for n in range(2)
    ]
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                list(EmailDelivery.objects.select_for_update().filter(pk=rows[0].pk))
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    worker = threading.Thread(target=other_worker)
    worker.start()
    try:
        assert locked.wait(10)
        claimed = claim_due(limit=10)
    finally:
        release.set()
        worker.join()

    assert claimed.ids == [rows[1].pk]


# --- Sweeper --------------------------------------------------------------------------------


def test_a_row_left_sending_by_a_dead_worker_is_freed_and_sent(settings, mailoutbox, time_machine):
    row = _account_mail()
    assert claim_due(limit=10).ids == [row.pk]  # ...and the worker died before sending

    assert outbox_sweep().freed == 0
    _later(time_machine, settings.EMAIL_LEASE_SECONDS + 1)
    assert outbox_sweep().freed == 1
    send_due()

    row.refresh_from_db()
    assert (row.state, row.attempts) == (DeliveryState.SENT, 2)
    assert [m.to for m in mailoutbox] == [["heron@example.org"]]


def test_a_fan_out_the_broker_lost_is_made_by_the_sweeper(
    board, settings, at_once, committed, mailoutbox, time_machine
):
    watcher = factories.UserFactory()
    thread = _watched_thread(board, committed, watcher)
    # Published, but its after-commit fan-out task never ran.
    post = factories.make_reply(thread=thread, author=factories.UserFactory())
    assert PendingFanout.objects.filter(post=post).exists()
    assert outbox_sweep().fanouts == []

    _later(time_machine, settings.EMAIL_SWEEP_GRACE_SECONDS + 1)
    assert outbox_sweep().fanouts == [post.pk]
    with committed():
        tasks.sweep_outbox_task()

    assert not PendingFanout.objects.filter(post=post).exists()
    note = Notification.objects.get(recipient=watcher, post=post)
    assert note.kind == Kind.REPLY_IN_WATCHED_THREAD
    assert len(_mail_to(mailoutbox, watcher)) == 1


def _open_email_about_a_thread(member, **extra) -> EmailDelivery:
    return EmailDelivery.objects.create(
        dedupe_key=f"test:{member.pk}:{extra.get('state', 'pending')}",
        category=EmailCategory.NOTIFICATION,
        kind=Kind.REPLY_IN_WATCHED_THREAD,
        recipient=member,
        to_email=member.email,
        coalesce_key="thread:1",
        **extra,
    )


def test_a_stuck_email_is_freed_even_when_a_newer_one_about_its_thread_is_open(
    member, settings, time_machine
):
    stuck = _open_email_about_a_thread(
        member,
        state=DeliveryState.SENDING,
        claim="gone",
        claimed_at=timezone.now(),
        lease_until=timezone.now() + timedelta(seconds=settings.EMAIL_LEASE_SECONDS),
        attempts=1,
    )
    _open_email_about_a_thread(member)  # a later reply opened a new email meanwhile
    _later(time_machine, settings.EMAIL_LEASE_SECONDS + 1)

    assert outbox_sweep().freed == 1
    stuck.refresh_from_db()
    assert stuck.state == DeliveryState.PENDING


def test_a_dead_email_can_be_retried_while_a_newer_one_about_its_thread_is_open(member):
    dead = _open_email_about_a_thread(member, state=DeliveryState.DEAD, attempts=8)
    _open_email_about_a_thread(member)

    assert deliveries_retry(ids=[dead.pk]) == 1
    dead.refresh_from_db()
    assert (dead.state, dead.attempts) == (DeliveryState.PENDING, 0)


def test_an_event_without_a_post_notifies_each_member_once(moderator, committed, mailoutbox):
    for _ in range(2):
        with committed():
            fanout.notify(
                recipient_ids=[moderator.pk], kind=Kind.QUEUE_WAITING, event_key="queue:2026-11-25"
            )
    assert Notification.objects.filter(recipient=moderator, kind=Kind.QUEUE_WAITING).count() == 1
    assert EmailDelivery.objects.filter(recipient=moderator).count() == 1


# --- Leases ---------------------------------------------------------------------------------


def _queued(count: int) -> list[EmailDelivery]:
    """Account emails waiting in the outbox, their send tasks not run (as after a restart)."""
    return [
        EmailDelivery.objects.create(
            dedupe_key=f"essential:lease-{n}",
            category=EmailCategory.ESSENTIAL,
            to_email=f"member{n}@example.org",
            subject="Confirm your address",
            body_text="Confirm your address.",
        )
        for n in range(count)
    ]


def test_a_dead_workers_rows_go_to_the_next_claim_once_its_lease_lapses(smtp, time_machine):
    rows = [_account_mail(), _account_mail()]
    first = claim_due(limit=10)  # ...and this worker died before sending

    assert claim_due(limit=10).ids == []
    _later(time_machine, django_settings.EMAIL_LEASE_SECONDS + 1)
    second = claim_due(limit=10)

    assert sorted(second.ids) == sorted(row.pk for row in rows)
    assert send_claimed(first).sent == 0  # the dead worker's claim is spent
    assert send_claimed(second).sent == 2
    assert smtp.attempts == 2
    assert {row.attempts for row in EmailDelivery.objects.all()} == {2}


@pytest.mark.django_db(transaction=True)
def test_a_slow_batch_keeps_its_rows_and_every_email_goes_once(smtp, settings):
    """Each answer takes a quarter of a lease and the batch three times one: the worker renews
    its lease as it goes, and another worker claiming (and the sweeper sweeping) all the while
    takes nothing from it."""
    settings.EMAIL_LEASE_SECONDS = 2.0
    rows = _queued(12)
    smtp.on_message = lambda message: time.sleep(0.5)
    taken: list[int] = []
    freed: list[int] = []
    done = threading.Event()

    def other_worker() -> None:
        try:
            while not done.is_set():
                taken.extend(claim_due(limit=100).ids)
                freed.append(outbox_sweep().freed)
                time.sleep(0.1)
        finally:
            connection.close()

    worker = threading.Thread(target=other_worker)
    worker.start()
    try:
        report = send_claimed(claim_due(limit=100))
    finally:
        done.set()
        worker.join()

    assert (taken, sum(freed)) == ([], 0)
    assert report.sent == 12
    assert sorted(m["To"] for m in smtp.mailbox) == sorted(row.to_email for row in rows)
    assert set(EmailDelivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}


def _in_a_thread(work):
    """Runs ``work`` as another worker would, with a connection of its own (the SMTP server
    answers from an event loop, where the database is not used)."""
    result: list = []

    def run() -> None:
        try:
            result.append(work())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result[0]


@pytest.mark.django_db(transaction=True)
def test_a_worker_waiting_longer_than_its_lease_for_one_answer_keeps_its_rows(smtp, settings):
    settings.EMAIL_LEASE_SECONDS = 0.3
    rows = _queued(4)
    others: list = []

    def answer_slowly_once(message) -> None:
        if not others:
            time.sleep(0.5)
            others.append(_in_a_thread(lambda: claim_due(limit=100)))

    smtp.on_message = answer_slowly_once
    report = send_claimed(claim_due(limit=100))

    assert others[0].ids == []
    assert report.sent == 4
    assert sorted(m["To"] for m in smtp.mailbox) == sorted(row.to_email for row in rows)


@pytest.mark.django_db(transaction=True)
def test_a_worker_that_lost_its_lease_sends_nothing_more_of_its_batch(smtp, settings):
    """The worker froze (its heartbeat too) longer than its lease, during its first email:
    another worker took the batch. Once it wakes it sends none of the rest; only the email it
    was in the middle of goes twice."""
    settings.EMAIL_LEASE_SECONDS = 0.3
    rows = _queued(4)
    others: list = []

    def freeze_once(message) -> None:
        if not others:

            def lease_lapses_and_another_worker_claims():
                EmailDelivery.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
                return claim_due(limit=100)

            others.append(_in_a_thread(lease_lapses_and_another_worker_claims))
            time.sleep(0.2)  # past the next check of the lease

    smtp.on_message = freeze_once
    report = send_claimed(claim_due(limit=100))

    (other,) = others
    assert sorted(other.ids) == sorted(row.pk for row in rows)
    assert report.sent == 0  # the one it finished was no longer its own to mark
    assert len(smtp.mailbox) == 1
    assert send_claimed(other).sent == 4
    received = sorted(m["To"] for m in smtp.mailbox)
    assert received == sorted([rows[0].to_email, *(row.to_email for row in rows)])


# --- A connection the server closed ---------------------------------------------------------


def test_a_421_costs_one_message_and_the_batch_goes_on(smtp):
    """smtplib closes the connection after a 421 answer: it is opened again, and only the
    message the server refused waits for its retry."""
    rows = _queued(5)
    answers = iter([None, None, "421 4.3.2 Service closing, try again later"])
    smtp.on_message = lambda message: next(answers, None)

    report = send_claimed(claim_due(limit=10))

    assert (report.sent, report.retrying) == (4, 1)
    refused = EmailDelivery.objects.get(state=DeliveryState.FAILED)
    assert (refused.pk, refused.attempts) == (rows[2].pk, 1)
    assert "421" in refused.last_error
    assert sorted(m["To"] for m in smtp.mailbox) == sorted(
        row.to_email for row in rows if row.pk != refused.pk
    )


def test_mail_that_found_no_server_keeps_its_tries(settings):
    """A server that is not there refuses nothing: no message was offered, so no try is spent
    and a long outage never makes unsent mail dead."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    rows = _queued(3)

    for _ in range(3):
        report = send_claimed(claim_due(limit=10))
        assert report.retrying == 3
        EmailDelivery.objects.update(send_after=timezone.now())

    assert {(row.state, row.attempts) for row in EmailDelivery.objects.all()} == {
        (DeliveryState.FAILED, 0)
    }
    assert len(rows) == 3


# --- A database that went away, the retry schedule, urgent first, connection slots ----------


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_sent_mark_the_database_dropped_is_written_again_and_nothing_goes_twice(smtp):
    """The database ends the sender's connection while the server accepts the second email
    (as a database restart does): the mark is written again on a new connection, and another
    round sends nothing."""
    rows = _queued(3)
    sender = _backend_pid()
    ended: list[bool] = []

    def end_the_senders_connection(message) -> None:
        if len(smtp.mailbox) == 1 and not ended:

            def terminate() -> bool:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [sender])
                    return cursor.fetchone()[0]

            ended.append(_in_a_thread(terminate))

    smtp.on_message = end_the_senders_connection
    report = send_claimed(claim_due(limit=10))

    assert ended == [True]
    assert _backend_pid() != sender
    assert report.sent == 3
    assert set(EmailDelivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}
    assert send_due().sent == 0
    received = Counter(m["Message-ID"] for m in smtp.mailbox)
    assert sorted(received) == sorted(emails.message_id(row) for row in rows)
    assert set(received.values()) == {1}


def test_the_first_three_retries_come_within_the_base_and_later_ones_back_off(settings):
    settings.EMAIL_RETRY_BASE_SECONDS, settings.EMAIL_RETRY_MAX_SECONDS = 30, 3600
    waits = {attempt: [backoff_seconds(attempt) for _ in range(200)] for attempt in range(1, 11)}

    ranges = {attempt: (min(waits[attempt]), max(waits[attempt])) for attempt in waits}
    for attempt in (1, 2, 3):
        assert 15 <= ranges[attempt][0] <= ranges[attempt][1] <= 30
    assert 30 <= ranges[4][0] <= ranges[4][1] <= 60
    assert 60 <= ranges[5][0] <= ranges[5][1] <= 120
    assert 1800 <= ranges[10][0] <= ranges[10][1] <= 3600
    # Jitter spreads a spell's refusals over time rather than bringing them back at once.
    assert len({round(wait, 3) for wait in waits[1]}) > 100


def test_claims_take_urgent_mail_first_then_the_longest_due(member):
    backlog = _queued(5)
    EmailDelivery.objects.filter(pk__in=[row.pk for row in backlog]).update(
        send_after=timezone.now() - timedelta(hours=1)
    )
    reset = _account_mail(to_email=member.email, recipient=member)

    claim = claim_due(limit=3)

    assert claim.ids == [reset.pk, backlog[0].pk, backlog[1].pk]
    assert reset.urgent  # account mail is urgent


def test_a_backlog_urgent_email_is_sent_first_in_its_batch(smtp, member):
    backlog = _queued(3)
    EmailDelivery.objects.filter(pk__in=[row.pk for row in backlog]).update(
        send_after=timezone.now() - timedelta(hours=1)
    )
    _account_mail(to_email=member.email, recipient=member)

    send_claimed(claim_due(limit=10))

    assert smtp.mailbox[0]["To"] == member.email


@pytest.mark.django_db(transaction=True)
def test_senders_beyond_the_connection_limit_wait_and_come_back(smtp, settings):
    """Another process holds the only connection slot: this sender opens no connection and
    asks to come back shortly; once the slot is free it sends."""
    settings.EMAIL_MAX_CONNECTIONS = 1
    _queued(2)
    holding, release, released = threading.Event(), threading.Event(), threading.Event()

    def another_sender() -> None:
        try:
            with send_module._connection_slot() as slot:
                assert slot == 0
                holding.set()
                release.wait(10)
        finally:
            connection.close()
            released.set()

    other = threading.Thread(target=another_sender)
    other.start()
    holding.wait(10)
    try:
        busy = send_due()
    finally:
        release.set()
        other.join()

    assert (busy.sent, busy.follow_up_in) == (0, send_module.BUSY_RETRY_SECONDS)
    assert smtp.attempts == 0
    assert send_due().sent == 2


def test_a_sender_with_nothing_due_comes_back_for_a_retry_another_sender_scheduled(settings):
    """Another sender's refused email is due again in ten seconds: this one, finding nothing
    to send, comes back then rather than leaving it to the sweeper. An email due later than
    the sweeper would look is the sweeper's."""
    settings.EMAIL_SWEEP_SECONDS, settings.EMAIL_SWEEP_GRACE_SECONDS = 15, 15
    [retry] = _queued(1)
    EmailDelivery.objects.filter(pk=retry.pk).update(
        state=DeliveryState.FAILED, attempts=1, send_after=timezone.now() + timedelta(seconds=10)
    )

    report = send_due()

    assert report.sent == 0
    assert 8 < report.follow_up_in <= 10

    EmailDelivery.objects.filter(pk=retry.pk).update(
        send_after=timezone.now() + timedelta(minutes=5)
    )
    assert send_due().follow_up_in is None
