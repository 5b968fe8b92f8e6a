"""The authentication API under /api/auth/: allauth's headless URLs, less the flows this
community does not offer, with the inputs allauth cannot take refused before it sees them.

allauth routes its phone-number flows, and confirming a sign-in code, whether or not they are
enabled; a member calling them reached code that assumes they are (a 500). What is not
offered is not routed, so its answer is a plain 404 and the published specification (which
lists what resolves) leaves it out.
"""

import functools
import json
import re
from collections.abc import Callable
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.headless import urls as headless_urls
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver

NOT_OFFERED = {"manage_phone", "verify_phone", "resend_phone_verification_code"}
if not account_settings.LOGIN_BY_CODE_ENABLED:
    NOT_OFFERED.add("confirm_login_code")

# A password reset key from the emailed link: the member's id in base 36, a dash, then the
# token. allauth reads anything else with code that fails on an empty id (a 500).
RESET_KEY = re.compile(r"[0-9a-z]{1,13}-[0-9A-Za-z-]{1,100}")


def _invalid_reset_key() -> JsonResponse:
    """allauth's own answer to a key that does not verify, in its error shape."""
    return JsonResponse(
        {
            "status": 400,
            "errors": [
                {
                    "message": "The password reset token was invalid.",
                    "code": "invalid_password_reset",
                    "param": "key",
                }
            ],
        },
        status=400,
    )


def _reset_key(request: HttpRequest) -> str | None:
    if request.method == "GET":
        return request.headers.get("X-Password-Reset-Key")
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None  # allauth answers a body it cannot read itself
    key = data.get("key") if isinstance(data, dict) else None
    return key if isinstance(key, str) else None


def _checks_reset_key(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)  # keeps csrf_exempt and the view class allauth's view carries
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = _reset_key(request)
        if key is not None and not RESET_KEY.fullmatch(key):
            return _invalid_reset_key()
        return view(request, *args, **kwargs)

    return checked


def _offered(patterns: list[Any]) -> list[Any]:
    kept: list[Any] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            kept.append(
                URLResolver(
                    entry.pattern,
                    _offered(list(entry.url_patterns)),
                    entry.default_kwargs,
                    entry.app_name,
                    entry.namespace,
                )
            )
        elif isinstance(entry, URLPattern) and entry.name not in NOT_OFFERED:
            if entry.name == "reset_password":
                entry = URLPattern(
                    entry.pattern, _checks_reset_key(entry.callback), entry.default_args, entry.name
                )
            kept.append(entry)
    return kept


urlpatterns = _offered(list(headless_urls.urlpatterns))
app_name = headless_urls.app_name
