"""Sweeping what a dead worker or a lost message left behind, and the operators' retry of
dead rows."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from community.notifications.models import DeliveryState, EmailDelivery, PendingFanout
from community.notifications.outbox.schedule import schedule_send
from community.notifications.outbox.send import DUE_STATES


@dataclass
class SweepReport:
    freed: int
    given_up: int
    due: int
    fanouts: list[int]


def outbox_sweep(*, now: datetime | None = None) -> SweepReport:
    """Frees rows left ``sending`` by a worker whose lease lapsed (it died; a claim takes
    such rows too, this frees them when no worker is claiming), counts rows due for longer
    than the grace (their message was lost) and lists published posts whose notifications
    were never made. The task re-enqueues the work."""
    now = now or timezone.now()
    stuck = EmailDelivery.objects.filter(state=DeliveryState.SENDING, lease_until__lt=now)
    released = {"claim": "", "claimed_at": None, "lease_until": None, "updated_at": now}
    given_up = stuck.filter(attempts__gte=settings.EMAIL_MAX_ATTEMPTS).update(
        state=DeliveryState.DEAD,
        last_error="The worker sending it stopped, on every try.",
        **released,
    )
    # A freed row takes no new notifications (the member may have a newer open email about the
    # same thread, and only one may be open).
    freed = stuck.update(state=DeliveryState.PENDING, coalesce_key="", **released)
    grace = now - timedelta(seconds=settings.EMAIL_SWEEP_GRACE_SECONDS)
    due = EmailDelivery.objects.filter(state__in=DUE_STATES, send_after__lte=grace).count()
    fanouts = list(
        PendingFanout.objects.filter(created_at__lte=grace)
        .order_by("created_at")
        .values_list("post_id", flat=True)[:1000]
    )
    return SweepReport(freed=freed, given_up=given_up, due=due, fanouts=fanouts)


def deliveries_retry(*, ids: Iterable[int]) -> int:
    """Gives dead rows another full set of tries, due now. Returns how many were revived;
    rows in any other state are left alone."""
    with transaction.atomic():
        revived = EmailDelivery.objects.filter(pk__in=list(ids), state=DeliveryState.DEAD).update(
            state=DeliveryState.PENDING,
            attempts=0,
            coalesce_key="",
            send_after=timezone.now(),
            claim="",
            claimed_at=None,
            lease_until=None,
            updated_at=timezone.now(),
        )
        if revived:
            schedule_send()
    return revived
