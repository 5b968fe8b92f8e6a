"""Pages outside the API: one-click unsubscribe from notification emails (RFC 8058).

The signed link in an email is the only credential: no sign-in, no cookies. GET only shows
what would stop, because mail scanners and link previews fetch every link in a message; only
a POST (from the mail provider's one-click button or from our own page) changes anything.
"""

import logging

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.models import User
from community.notifications.kinds import RULES, Kind
from community.notifications.preferences import kinds_switch_off
from community.notifications.unsubscribe import token_read

logger = logging.getLogger(__name__)


def _page(
    request: HttpRequest, template: str, context: dict[str, object], *, status: int = 200
) -> HttpResponse:
    """Every unsubscribe page: never cached (it holds a working link), never indexed, and no
    referrer, so the token in the address does not travel on with a click."""
    response = render(
        request,
        f"notifications/{template}",
        {
            "community_name": settings.COMMUNITY_NAME,
            "settings_url": settings.FRONTEND_URLS["notification_settings"],
            "action": request.path,
            **context,
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _invalid(request: HttpRequest) -> HttpResponse:
    return _page(request, "unsubscribe_invalid.html", {}, status=400)


# The mail provider's one-click POST carries no cookies and no CSRF token; the signed token in
# the address is what proves the request came from the member's own email.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a confirmation page naming the emails that would stop. POST: stops them at once
    (both the RFC 8058 ``List-Unsubscribe=One-Click`` POST and the page's button). Posting
    again is harmless. A forged, damaged or expired link, or one for a deleted account, gets
    a 400 page and changes nothing."""
    try:
        found = token_read(token)
    except signing.BadSignature:
        return _invalid(request)
    user = User.objects.filter(pk=found.user_id).first()
    if user is None:
        return _invalid(request)
    kinds = [kind for kind in found.kinds if not RULES[kind].urgent]
    context = {
        "username": user.username,
        "labels": [Kind(kind).label for kind in kinds],
        "is_moderator": user.is_moderator,
    }
    if request.method == "POST":
        changed = kinds_switch_off(user=user, kinds=kinds)
        if changed:
            logger.info("member %s unsubscribed from %s by email link", user.pk, changed)
        return _page(request, "unsubscribe_done.html", context)
    return _page(request, "unsubscribe.html", context)
