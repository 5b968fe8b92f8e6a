"""Reading and changing how a member is notified (services and selectors of preferences)."""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

from django.db import transaction

from accounts.models import User
from community.notifications.kinds import RULES, Delivery, Kind, kinds_for
from community.notifications.models import EmailSettings, NotificationPreference
from config.api.errors import ApiError


@dataclass(frozen=True)
class KindPreference:
    kind: str
    description: str
    delivery: str
    default: str
    urgent: bool


@dataclass(frozen=True)
class Preferences:
    kinds: list[KindPreference]
    include_post_text: bool
    timezone: str


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def preferences_get(*, user: User) -> Preferences:
    """Every kind this member can receive with its delivery (stored choice or default)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    email = EmailSettings.objects.filter(user=user).first()
    kinds = [
        KindPreference(
            kind=kind,
            description=Kind(kind).label,
            delivery=Delivery.NOW if RULES[kind].urgent else chosen.get(kind, RULES[kind].default),
            default=RULES[kind].default,
            urgent=RULES[kind].urgent,
        )
        for kind in kinds_for(role=user.role, is_curator=user.is_curator)
    ]
    return Preferences(
        kinds=kinds,
        include_post_text=email.include_post_text if email else False,
        timezone=email.timezone if email else "UTC",
    )


def deliveries_for(*, user_ids: Iterable[int], kinds: Iterable[str]) -> dict[tuple[int, str], str]:
    """How each of these members wants each of these kinds delivered, in one query: their
    stored choice or the default; urgent kinds are always ``now``."""
    kinds = list(kinds)
    user_ids = list(user_ids)
    chosen = {
        (user_id, kind): delivery
        for user_id, kind, delivery in NotificationPreference.objects.filter(
            user_id__in=user_ids, kind__in=kinds
        ).values_list("user_id", "kind", "delivery")
    }
    return {
        (user_id, kind): Delivery.NOW
        if RULES[kind].urgent
        else chosen.get((user_id, kind), RULES[kind].default)
        for user_id in user_ids
        for kind in kinds
    }


@transaction.atomic
def kinds_switch_off(*, user: User, kinds: Iterable[str]) -> list[str]:
    """Stops email for these kinds (they still show in the app); urgent kinds cannot be
    switched off. Returns the kinds that changed. Doing it twice changes nothing."""
    changed = []
    current = deliveries_for(user_ids=[user.pk], kinds=[k for k in kinds if k in RULES])
    for (_, kind), delivery in current.items():
        if RULES[kind].urgent or delivery == Delivery.OFF:
            continue
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"delivery": Delivery.OFF}
        )
        changed.append(kind)
    return changed


def _check_kinds(*, user: User, kinds: dict[str, str]) -> None:
    """Refuses a kind or a delivery that does not exist (400, as the schema says), and a kind
    this member does not receive or an urgent alert not sent at once (422: well formed, but
    not a choice this member has)."""
    allowed = set(kinds_for(role=user.role, is_curator=user.is_curator))
    malformed: dict[str, list[str]] = {}
    refused: dict[str, list[str]] = {}
    for kind, delivery in kinds.items():
        if kind not in RULES:
            malformed[kind] = ["There is no such kind of notification."]
        elif delivery not in Delivery.values:
            malformed[kind] = [f"Choose one of: {', '.join(Delivery.values)}."]
        elif kind not in allowed:
            refused[kind] = ["You do not receive this kind of notification."]
        elif RULES[kind].urgent and delivery != Delivery.NOW:
            refused[kind] = ["Urgent alerts are always emailed at once."]
    if malformed:
        raise ApiError(
            "Some notification choices are not valid.", code="invalid", fields={"kinds": malformed}
        )
    if refused:
        raise ApiError(
            "Some notification choices are not yours to make; nothing was changed.",
            code="invalid",
            status_code=422,
            fields={"kinds": refused},
        )


@transaction.atomic
def preferences_update(
    *,
    user: User,
    kinds: dict[str, str] | None = None,
    include_post_text: bool | None = None,
    timezone: str | None = None,
) -> Preferences:
    """Stores the member's choices; a choice equal to the default removes the stored row.

    Validates everything before writing anything. Sending the same choices again is harmless.
    """
    kinds = kinds or {}
    _check_kinds(user=user, kinds=kinds)
    if timezone is not None and timezone not in _time_zones():
        raise ApiError(
            "Unknown time zone.",
            code="invalid",
            fields={"timezone": ["Use a time zone name such as Europe/London."]},
        )
    for kind, delivery in kinds.items():
        if delivery == RULES[kind].default:
            NotificationPreference.objects.filter(user=user, kind=kind).delete()
        else:
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"delivery": delivery}
            )
    changes: dict[str, object] = {}
    if include_post_text is not None:
        changes["include_post_text"] = include_post_text
    if timezone is not None:
        changes["timezone"] = timezone
    if changes:
        EmailSettings.objects.update_or_create(user=user, defaults=changes)
    return preferences_get(user=user)
