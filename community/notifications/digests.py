"""Daily and weekly digests: the notifications a member asked to hear about in one email.

Beat runs ``digests_build`` every hour. Each run:

1. Looks at the time zones members use (the distinct ``EmailSettings.timezone`` values, plus
   UTC for members without settings) and keeps those where it is now the digest hour
   (``EMAIL_DIGEST_HOUR``); in the ones where it is also the digest weekday
   (``EMAIL_DIGEST_WEEKDAY``) weekly digests are due as well. Comparing the local *hour*
   rather than an exact minute keeps zones with half-hour offsets (India, Nepal) and a beat
   that runs a few minutes late working. A zone name that no longer exists is read as UTC, so
   such a member still gets their digests.
2. Loads, in one query, every candidate notification of active members with an address in
   those zones: unread, not emailed yet, created in the longest period due. Preferences are
   then read in one query (``preferences.deliveries_for``) and each notification is kept only
   for a member who wants its kind in this period (urgent kinds never are: they go at once)
   and who may still see it (``inbox.still_visible_ids``, the same rule the email applies
   again when it is sent, so a post hidden, withdrawn or marked urgent since is left out).
3. Writes, in one transaction, one ``EmailDelivery`` per member and period and points the
   chosen notifications at it, then asks the email queue to send after commit. Members with
   nothing to tell get no email.

Periods are measured on the member's wall clock from the start of the digest hour: a daily
digest covers the same hour yesterday until now, a weekly one the same hour a week ago. A
day with a daylight-saving change is then 23 or 25 hours long and nothing falls between two
digests. Notifications already in an earlier digest have their email set, so overlapping
windows never repeat an item.

Running twice is harmless: the ``dedupe_key`` (period, member, local date) makes the second
run find the row of the first. Notifications are only attached to such a row while it is
still pending, and it is locked while they are, so a worker cannot claim and send it in
between (claims skip locked rows); once it is being sent or sent, nothing joins it, and the
notifications wait in the app. A beat that skips the whole digest hour (an outage) sends no
digest that day; nothing is lost from the app.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from community.notifications.inbox import still_visible_ids
from community.notifications.kinds import RULES, Delivery
from community.notifications.models import (
    DeliveryState,
    EmailCategory,
    EmailDelivery,
    EmailSettings,
    Notification,
)
from community.notifications.outbox.schedule import schedule_send
from community.notifications.preferences import deliveries_for

logger = logging.getLogger(__name__)

DEFAULT_ZONE = "UTC"
PERIODS: dict[str, timedelta] = {
    Delivery.DAILY: timedelta(days=1),
    Delivery.WEEKLY: timedelta(days=7),
}


@dataclass(frozen=True)
class DueZone:
    """A time zone where it is now the digest hour."""

    local_date: date
    # Start of each period due here, in UTC: the digest hour yesterday or a week ago, local.
    starts: dict[str, datetime]


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("unknown time zone %r: digests follow UTC", name)
        return UTC


def due_zones(*, now: datetime) -> dict[str, DueZone]:
    """The time zone names in use where it is now the digest hour, with the periods due."""
    names = set(EmailSettings.objects.values_list("timezone", flat=True).distinct())
    names.add(DEFAULT_ZONE)
    due: dict[str, DueZone] = {}
    for name in names:
        local = now.astimezone(_zone(name))
        if local.hour != settings.EMAIL_DIGEST_HOUR:
            continue
        hour_start = local.replace(minute=0, second=0, microsecond=0)
        periods = [Delivery.DAILY]
        if local.weekday() == settings.EMAIL_DIGEST_WEEKDAY:
            periods.append(Delivery.WEEKLY)
        # Aware datetime arithmetic with zoneinfo is wall-clock arithmetic: "the same hour
        # yesterday", whatever the daylight-saving change in between.
        due[name] = DueZone(
            local_date=local.date(),
            starts={period: (hour_start - PERIODS[period]).astimezone(UTC) for period in periods},
        )
    return due


def _candidates(*, zones: dict[str, DueZone], now: datetime) -> list[Notification]:
    """Unread, not yet emailed notifications of active members with an address in these
    zones, from the start of the longest period due, with their recipients."""
    earliest = min(start for zone in zones.values() for start in zone.starts.values())
    in_zones = Q(recipient__email_settings__timezone__in=list(zones))
    if DEFAULT_ZONE in zones:
        in_zones |= Q(recipient__email_settings__isnull=True)
    return list(
        Notification.objects.filter(
            in_zones,
            read_at__isnull=True,
            email__isnull=True,
            created_at__gte=earliest,
            created_at__lte=now,
            recipient__is_active=True,
        )
        .exclude(recipient__email="")
        .annotate(zone=F("recipient__email_settings__timezone"))
        .select_related("recipient")
        .order_by("id")
    )


def digests_build(*, now: datetime | None = None) -> int:
    """Queues the daily and weekly digests due this hour; returns how many digests got
    notifications in this run. Safe to run again in the same hour (see the module doc)."""
    now = now or timezone.now()
    zones = due_zones(now=now)
    if not zones:
        return 0
    candidates = _candidates(zones=zones, now=now)
    if not candidates:
        return 0
    wanted = deliveries_for(
        user_ids={n.recipient_id for n in candidates}, kinds={n.kind for n in candidates}
    )

    visible = still_visible_ids((n.recipient, n) for n in candidates)

    chosen: dict[tuple[str, int], list[int]] = defaultdict(list)
    addresses: dict[int, str] = {}
    local_dates: dict[int, date] = {}
    for notification in candidates:
        user_id = notification.recipient_id
        zone = zones[getattr(notification, "zone", None) or DEFAULT_ZONE]
        period = wanted[(user_id, notification.kind)]
        start = zone.starts.get(period)
        if (
            start is None
            or RULES[notification.kind].urgent
            or notification.created_at < start
            or notification.pk not in visible
        ):
            continue
        chosen[(period, user_id)].append(notification.pk)
        addresses[user_id] = notification.recipient.email
        local_dates[user_id] = zone.local_date
    if not chosen:
        return 0

    keys = {
        (period, user_id): f"digest:{period}:{user_id}:{local_dates[user_id].isoformat()}"
        for period, user_id in chosen
    }
    queued = 0
    with transaction.atomic():
        EmailDelivery.objects.bulk_create(
            [
                EmailDelivery(
                    dedupe_key=key,
                    category=EmailCategory.DIGEST,
                    kind=period,
                    recipient_id=user_id,
                    to_email=addresses[user_id],
                    send_after=now,
                )
                for (period, user_id), key in keys.items()
            ],
            ignore_conflicts=True,
        )
        # Ours, or an earlier run's still waiting to be sent; locked until we commit so that
        # no worker sends it without the notifications we are adding.
        open_rows = dict(
            EmailDelivery.objects.select_for_update()
            .filter(dedupe_key__in=list(keys.values()), state=DeliveryState.PENDING)
            .order_by("pk")
            .values_list("dedupe_key", "pk")
        )
        for pair, key in keys.items():
            row_id = open_rows.get(key)
            if row_id is None:
                continue
            # Re-checked in the update: read or put in another digest since we loaded them.
            queued += bool(
                Notification.objects.filter(
                    pk__in=chosen[pair], read_at__isnull=True, email__isnull=True
                ).update(email_id=row_id)
            )
        if queued:
            schedule_send()
    return queued
