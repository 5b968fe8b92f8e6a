from dataclasses import asdict

from celery import shared_task

from community.resources.health import link_check_run, review_reminders_send


@shared_task(name="resources.check_links")
def check_links_task() -> dict[str, float]:
    """Beat, hourly: checks the published links that are due and records each result. Safe
    to run twice, even at once (each link is claimed by one run)."""
    return asdict(link_check_run())


@shared_task(name="resources.review_reminders")
def review_reminders_task() -> int:
    """Beat, weekly: tells curators how many resources are past their review date. Safe to
    run twice (one notification per curator and week). Returns notifications made."""
    return review_reminders_send()
