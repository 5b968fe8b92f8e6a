"""Signed, expiring one-click unsubscribe tokens (RFC 8058): one per member and set of kinds."""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.urls import reverse

from community.notifications.kinds import RULES

SALT = "notifications.unsubscribe"


@dataclass(frozen=True)
class Unsubscribe:
    user_id: int
    kinds: tuple[str, ...]


def token_make(*, user_id: int, kinds: list[str] | tuple[str, ...]) -> str:
    """A token for these kinds; urgent kinds are left out (they cannot be switched off)."""
    kept = sorted({kind for kind in kinds if kind in RULES and not RULES[kind].urgent})
    return signing.dumps({"u": user_id, "k": kept}, salt=SALT, compress=True)


def token_read(token: str) -> Unsubscribe:
    """The member and kinds of a token. Raises ``signing.BadSignature`` (or its subclass
    ``SignatureExpired``) for a forged, damaged or expired token."""
    max_age = timedelta(days=settings.EMAIL_UNSUBSCRIBE_MAX_AGE_DAYS)
    data = signing.loads(token, salt=SALT, max_age=max_age)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise signing.BadSignature("Malformed unsubscribe token.")
    kinds = tuple(k for k in data.get("k", []) if isinstance(k, str) and k in RULES)
    return Unsubscribe(user_id=data["u"], kinds=kinds)


def unsubscribe_url(token: str) -> str:
    return settings.SITE_URL + reverse("email-unsubscribe", kwargs={"token": token})


def list_unsubscribe_headers(token: str) -> dict[str, str]:
    """``List-Unsubscribe`` with an https link and a mailto, and the RFC 8058 one-click
    marker that lets mail providers unsubscribe with one POST."""
    mailto = f"mailto:{settings.EMAIL_UNSUBSCRIBE_MAILTO}?subject={quote('unsubscribe ' + token)}"
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(token)}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
