"""How the outbox is doing, for the operators' page in the admin and for /readyz: how many
emails are in each state, how old the oldest undelivered one is, and how long the one that has
waited longest since it became due has waited. Mail that waits long after it is due means the
senders are stopped, stuck or far behind, which no single row's page shows."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone

from community.notifications.models import DeliveryState, EmailDelivery
from community.notifications.outbox.send import first_due
from config.health import ReadinessResult

# Not delivered yet and still meant to be: waiting to go, being sent, or waiting for a retry.
UNDELIVERED_STATES = (DeliveryState.PENDING, DeliveryState.FAILED, DeliveryState.SENDING)


@dataclass(frozen=True)
class OutboxHealth:
    # Emails in each state, keyed by state; every state is there (0 when it has none), in the
    # order of DeliveryState.
    counts: dict[str, int]
    # When the oldest undelivered email was written; None when every email was dealt with.
    oldest_undelivered_at: datetime | None
    # When the email that has waited longest since it became due became due; None when none is.
    oldest_due_at: datetime | None


def outbox_health(*, now: datetime | None = None) -> OutboxHealth:
    """The outbox in numbers, in a constant number of queries whatever its size: one pass
    grouping the rows by state (which finds the oldest undelivered row on the way) and the
    index probes of ``oldest_due_at``."""
    now = now or timezone.now()
    counts = dict.fromkeys(DeliveryState.values, 0)
    oldest: list[datetime] = []
    by_state = (
        EmailDelivery.objects.order_by()
        .values("state")
        .annotate(rows=Count("pk"), oldest=Min("created_at"))
    )
    for group in by_state:
        counts[group["state"]] = group["rows"]
        if group["state"] in UNDELIVERED_STATES:
            oldest.append(group["oldest"])
    return OutboxHealth(
        counts=counts,
        oldest_undelivered_at=min(oldest, default=None),
        oldest_due_at=oldest_due_at(now=now),
    )


def oldest_due_at(*, now: datetime) -> datetime | None:
    """When the email that has waited longest since it became due became due, or None when
    none is due. A pending or failed email is due from its ``send_after``; one left ``sending``
    by a worker whose lease lapsed is due again from ``lease_until``, as the sender sees it.

    Each minimum is the first entry of a partial index (``first_due`` reads the due index,
    ``notifications_email_leased`` the rest), so this costs the same with a backlog of
    millions as with none.
    """
    lapsed = EmailDelivery.objects.filter(
        state=DeliveryState.SENDING, lease_until__lt=now
    ).aggregate(at=Min("lease_until"))["at"]
    firsts = [first_due(until=now), lapsed]
    return min((at for at in firsts if at is not None), default=None)


def outbox_readiness() -> ReadinessResult:
    """The outbox's check in /readyz (registered in ``NotificationsConfig.ready``): ``"ok"``,
    or, once a due email has waited longer than ``EMAIL_OUTBOX_DEGRADED_SECONDS``, how long it
    has waited and the limit, in whole seconds."""
    now = timezone.now()
    since = oldest_due_at(now=now)
    waited = 0.0 if since is None else (now - since).total_seconds()
    limit = settings.EMAIL_OUTBOX_DEGRADED_SECONDS
    if waited <= limit:
        return "ok"
    return {"oldest_due_seconds": int(waited), "threshold_seconds": limit}
