"""The Celery tasks: each runs one function of the domain and enqueues its follow-up work
through ``schedule_send`` (the email queue) or ``delay_on_commit`` (everything else)."""

import logging

from celery import shared_task

from community.notifications.digests import digests_build
from community.notifications.fanout import notify_post_published
from community.notifications.outbox.schedule import schedule_send
from community.notifications.outbox.send import send_due
from community.notifications.outbox.sweep import outbox_sweep

logger = logging.getLogger(__name__)


@shared_task(name="notifications.post_published")
def post_published_task(post_id: int) -> int:
    """Tells the members who follow a newly published post. Safe to run twice."""
    return notify_post_published(post_id=post_id)


# Routed to the `email` queue by its name (settings.CELERY_TASK_ROUTES).
@shared_task(name="email.send_due")
def send_due_task() -> dict[str, int]:
    """Sends every email that is due, in batches over one SMTP connection each. Safe to run
    twice and concurrently: rows are claimed with SKIP LOCKED."""
    report = send_due()
    # Enqueued after commit, like every task here (a no-op wrapper outside a transaction).
    if report.follow_up_in is not None:
        schedule_send(countdown=report.follow_up_in)
    return {
        "sent": report.sent,
        "skipped": report.skipped,
        "retrying": report.retrying,
        "dead": report.dead,
    }


@shared_task(name="notifications.sweep_outbox")
def sweep_outbox_task() -> dict[str, int]:
    """Beat, every EMAIL_SWEEP_SECONDS: frees emails stuck in `sending`, re-enqueues emails
    and fan-outs whose task the broker lost."""
    report = outbox_sweep()
    for post_id in report.fanouts:
        post_published_task.delay_on_commit(post_id)  # type: ignore[attr-defined]
    if report.freed or report.due:
        schedule_send()
    if report.freed or report.given_up or report.fanouts:
        logger.warning(
            "outbox sweep: freed %s stuck, gave up %s, re-enqueued %s fan-outs, %s due",
            report.freed,
            report.given_up,
            len(report.fanouts),
            report.due,
        )
    return {
        "freed": report.freed,
        "given_up": report.given_up,
        "due": report.due,
        "fanouts": len(report.fanouts),
    }


@shared_task(name="notifications.build_digests")
def build_digests_task() -> int:
    """Beat, hourly: queues the daily and weekly digests of members whose local time is the
    digest hour. Safe to run twice (one digest per member and local day or week)."""
    return digests_build()
