"""Email delivery end to end: a real Celery worker process, Redis as the broker and a real SMTP
server. What members and operators rely on: one discreet email per event, an unsubscribe link
that works, and no email lost or doubled when a worker dies or the broker forgets its queue.
"""

import re
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from community.forum.models import SubscriptionLevel
from community.forum.services.following import subscription_set
from community.notifications import emails
from community.notifications.fanout import notify
from community.notifications.kinds import Kind
from community.notifications.models import (
    DeliveryState,
    EmailCategory,
    EmailDelivery,
    Notification,
    PendingFanout,
)
from community.notifications.outbox.write import essential_enqueue
from community.notifications.tasks import send_due_task
from tests import factories
from tests.worker import SITE_URL, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def _to(messages, user) -> list:
    return [m for m in messages if m["To"] == user.email]


def _open_rows() -> int:
    return EmailDelivery.objects.exclude(
        state__in=[DeliveryState.SENT, DeliveryState.DEAD, DeliveryState.SKIPPED]
    ).count()


def _watched_thread(*watchers):
    board = factories.BoardFactory()
    starter = factories.UserFactory()
    thread = factories.make_thread(board=board, author=starter, title="Botox wearing off early")
    for watcher in watchers:
        subscription_set(user=watcher, thread=thread, level=SubscriptionLevel.WATCHING)
    return thread, starter


def test_a_reply_is_one_discreet_email_whose_unsubscribe_link_stops_the_next(
    start_worker, smtp_server
):
    start_worker()
    canary = factories.UserFactory()
    # The starter follows their own thread.
    thread, starter = _watched_thread(canary)
    replier = factories.UserFactory()

    factories.make_reply(
        thread=thread, author=replier, body="Same here, my neck pulls left after eight weeks."
    )

    mailbox = smtp_server.wait_for(2)
    assert len(_to(mailbox, canary)) == 1
    [message] = _to(mailbox, starter)
    # Marked the moment the server accepted it.
    wait_until(lambda: _open_rows() == 0, what="both emails to be marked sent")
    row = EmailDelivery.objects.get(recipient=starter)
    assert row.state == DeliveryState.SENT
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    assert message["Subject"] == f"[{settings.COMMUNITY_NAME}] New reply in a thread you follow"
    assert message["Message-ID"] == emails.message_id(row)
    # Mail clients keep every email about the thread in one conversation.
    assert message["In-Reply-To"] == emails.thread_reference(thread.pk)
    assert message["References"] == emails.thread_reference(thread.pk)
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link, mailto = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
    assert link.startswith(f"{SITE_URL}/")
    assert mailto.startswith("mailto:unsubscribe@community.example.org?subject=unsubscribe")
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    body_text, body_html = text.get_content(), html.get_content()
    assert f"{replier.username} replied in a thread you follow." in body_text
    assert f"{SITE_URL}/threads/{thread.pk}" in body_text
    assert link in body_text
    # Discreet by default: neither the title nor the reply appears anywhere in the email.
    for shown in (message["Subject"], body_text, body_html):
        assert "Botox" not in shown
        assert "neck pulls" not in shown

    # The member's mail provider sends the one-click POST (RFC 8058): no cookie, no CSRF token.
    response = Client().post(
        urlsplit(link).path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200

    second = factories.make_reply(thread=thread, author=replier, body="Any news from the clinic?")

    # The canary's email shows the worker handled the second reply; the starter gets none.
    mailbox = smtp_server.wait_for(3)
    assert len(_to(mailbox, canary)) == 2
    wait_until(lambda: _open_rows() == 0, what="every email to be settled")
    assert len(_to(smtp_server.mailbox, starter)) == 1
    # Still told in the app.
    assert Notification.objects.filter(recipient=starter, post=second).exists()


def test_a_worker_killed_mid_batch_loses_no_email_and_sends_none_twice(start_worker, smtp_server):
    watchers = [factories.UserFactory() for _ in range(30)]
    thread, starter = _watched_thread(*watchers)
    first = start_worker(beat=False)
    kill_at = 12
    arrived = 0

    def kill_worker_during_the_twelfth(message):
        nonlocal arrived
        arrived += 1
        if arrived != kill_at:
            return None
        # The worker dies before the server answers: this email was never accepted.
        first.kill()
        return "421 4.3.2 Service closing"

    smtp_server.on_message = kill_worker_during_the_twelfth
    factories.make_reply(thread=thread, author=starter)

    wait_until(lambda: not first.running, what="the first worker to be killed")
    assert len(smtp_server.mailbox) == kill_at - 1
    # Each accepted email was marked at once; the rest of the batch is stuck in `sending`.
    assert EmailDelivery.objects.filter(state=DeliveryState.SENT).count() == kill_at - 1
    assert EmailDelivery.objects.filter(state=DeliveryState.SENDING).count() == 30 - kill_at + 1

    # A new worker takes the rows left in `sending` once their lease (EMAIL_LEASE_SECONDS)
    # lapses, and sends them.
    start_worker()

    mailbox = smtp_server.wait_for(30)
    wait_until(
        lambda: EmailDelivery.objects.filter(state=DeliveryState.SENT).count() == 30,
        what="every email to be marked sent",
    )
    rows = list(EmailDelivery.objects.all())
    assert len(rows) == 30
    # Every delivery arrived exactly once.
    ids = Counter(m["Message-ID"] for m in smtp_server.mailbox)
    assert set(ids.values()) == {1}
    assert set(ids) == {emails.message_id(row) for row in rows}
    assert sorted(m["To"] for m in mailbox) == sorted(w.email for w in watchers)
    # The only email offered twice is the one the server never accepted.
    assert smtp_server.attempts == 31


def test_emails_still_go_when_the_broker_lost_every_queued_task(broker, start_worker, smtp_server):
    # The worker is down while members post, and Redis restarts without persistence before it
    # is back: every queued task is gone, the outbox and pending fan-outs in PostgreSQL are not.
    watchers = [factories.UserFactory() for _ in range(3)]
    thread, starter = _watched_thread(*watchers)
    post = factories.make_reply(thread=thread, author=starter)
    notify(
        recipient_ids=[starter.pk],
        kind=Kind.POST_APPROVED,
        event_key=f"post:{post.pk}:approved",
        board_id=thread.board_id,
        thread_id=thread.pk,
        post_id=post.pk,
    )
    newcomer = factories.UserFactory()
    essential_enqueue(
        to_email=newcomer.email,
        subject="Confirm your email address",
        body_text="Follow the link to confirm your address.",
        recipient=newcomer,
        template="account/email/email_confirmation",
    )
    # The lost work is in Redis until the flush: a fan-out queue and an email queue.
    queues = {f"{broker.prefix}default", f"{broker.prefix}email"}
    assert queues <= set(broker.keys())
    assert PendingFanout.objects.filter(post=post).exists()

    assert broker.flush() > 0
    assert broker.keys() == []
    start_worker()

    mailbox = smtp_server.wait_for(len(watchers) + 2)
    wait_until(lambda: _open_rows() == 0, what="every email to be settled")
    for watcher in watchers:
        assert len(_to(mailbox, watcher)) == 1
    [approved] = _to(mailbox, starter)
    assert approved["Subject"] == f"[{settings.COMMUNITY_NAME}] Your post is now published"
    [confirmation] = _to(mailbox, newcomer)
    assert confirmation["Subject"] == "Confirm your email address"
    assert len(mailbox) == len(watchers) + 2
    assert set(EmailDelivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}
    assert not PendingFanout.objects.exists()


def test_a_busy_mail_server_gets_the_email_again_shortly(start_worker, smtp_server):
    start_worker()
    member = factories.UserFactory()
    smtp_server.replies.append("451 4.3.0 Mailbox busy, try again later")

    row = essential_enqueue(
        to_email=member.email,
        subject="Reset your password",
        body_text="Follow the link to choose a new password.",
        recipient=member,
    )

    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Reset your password"
    wait_until(
        lambda: EmailDelivery.objects.get(pk=row.pk).state == DeliveryState.SENT,
        what="the email to be marked sent",
    )
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.last_error == ""
    assert smtp_server.attempts == 2


def test_a_refused_address_is_given_up_at_once_and_never_tried_again(start_worker, smtp_server):
    start_worker()
    member = factories.UserFactory()
    smtp_server.replies.append("550 5.1.1 No such mailbox")

    row = essential_enqueue(
        to_email=member.email,
        subject="Reset your password",
        body_text="Follow the link to choose a new password.",
        recipient=member,
    )
    wait_until(
        lambda: EmailDelivery.objects.get(pk=row.pk).state == DeliveryState.DEAD,
        what="the email to be given up",
    )
    row.refresh_from_db()
    assert row.attempts == 1
    assert row.last_error.startswith("550 ")
    assert "No such mailbox" in row.last_error

    # Another email goes through afterwards: the worker and its sweeper kept running and
    # left the refused one alone.
    other = factories.UserFactory()
    essential_enqueue(to_email=other.email, subject="Welcome", body_text="Hello.", recipient=other)
    [message] = smtp_server.wait_for(1)
    assert message["To"] == other.email
    row.refresh_from_db()
    assert (row.state, row.attempts) == (DeliveryState.DEAD, 1)
    assert smtp_server.attempts == 2
    assert _to(smtp_server.mailbox, member) == []


def _backlog(member, count: int, *, prefix: str) -> None:
    """``count`` notification emails to ``member``, each telling of one library addition, all
    due now: what a restart after an outage leaves in the outbox."""
    rows = EmailDelivery.objects.bulk_create(
        [
            EmailDelivery(
                dedupe_key=f"{prefix}:{n}",
                category=EmailCategory.NOTIFICATION,
                kind=Kind.RESOURCE_PUBLISHED,
                recipient=member,
                to_email=member.email,
            )
            for n in range(count)
        ],
        batch_size=2_000,
    )
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=member,
                kind=Kind.RESOURCE_PUBLISHED,
                event_key=f"{prefix}:{row.pk}",
                data={"url": f"{SITE_URL}/resources/{n}"},
                email=row,
            )
            for n, row in enumerate(rows)
        ],
        batch_size=2_000,
    )


def test_two_pool_processes_composing_at_once_keep_the_daily_cap(
    worker_env, start_worker, smtp_server
):
    # 120 emails due for one member after a restart; the worker's two pool processes each take
    # a batch of 60 and compose them at the same moment.
    worker_env["EMAIL_BATCH_SIZE"] = "60"
    member = factories.UserFactory()
    _backlog(member, 120, prefix="cap")
    start_worker(beat=False)

    send_due_task.delay()

    wait_until(lambda: _open_rows() == 0, timeout=30, what="every email to be settled")
    assert len(_to(smtp_server.mailbox, member)) == settings.EMAIL_DAILY_CAP == 100
    skipped = EmailDelivery.objects.filter(state=DeliveryState.SKIPPED)
    assert skipped.count() == 20
    assert all("Daily limit of 100" in row.last_error for row in skipped)
    assert EmailDelivery.objects.filter(state=DeliveryState.SENT).count() == 100


def test_a_crisis_alert_reaches_the_server_within_seconds_of_a_backlog_of_ten_thousand(
    worker_env, start_worker, smtp_server, moderator
):
    worker_env["EMAIL_DAILY_CAP"] = "100000"
    member = factories.UserFactory()
    _backlog(member, 10_000, prefix="backlog")
    thread, _ = _watched_thread()
    post = factories.make_reply(thread=thread, author=factories.UserFactory())
    arrived = threading.Event()
    backlog_sent_before = 0

    def note_the_alert(message):
        nonlocal backlog_sent_before
        if message["To"] == moderator.email:
            backlog_sent_before = len(smtp_server.mailbox)
            arrived.set()

    smtp_server.on_message = note_the_alert
    start_worker(beat=False)
    send_due_task.delay()
    smtp_server.wait_for(200, timeout=30)

    notify(
        recipient_ids=[moderator.pk],
        kind=Kind.URGENT_CRISIS,
        event_key=f"post:{post.pk}:crisis",
        thread_id=thread.pk,
        post_id=post.pk,
    )
    raised = time.monotonic()
    assert arrived.wait(timeout=5), "the crisis alert did not reach the server within 5 s"
    print(f"the crisis alert reached the server {time.monotonic() - raised:.2f} s after")

    [alert] = _to(list(smtp_server.mailbox), moderator)
    assert alert["Subject"] == f"[{settings.COMMUNITY_NAME}] Urgent: a post needs a moderator now"
    # It went ahead of the backlog, which was far from sent.
    assert backlog_sent_before < 9_000
