"""Request id and one log line per request; JSON errors for anything under /api/."""

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from config.api.errors import STATUS_CODES, error_body, error_response_for_status

logger = logging.getLogger("config.request")

# A client may pass its own request id (to correlate logs); anything else gets a fresh one.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Paths that carry a secret (one-click unsubscribe tokens, the keys of the account pages):
# logged with the secret cut out.
_SECRET_IN_PATH = re.compile(
    r"^(/email/unsubscribe/|/account/verify-email/|/account/password/reset/key/)[^/]+"
)


def loggable_path(path: str) -> str:
    return _SECRET_IN_PATH.sub(r"\1<token>", path)


class RequestLogMiddleware:
    """Tags each request with an id (``X-Request-ID``) and logs method, path, status, time.

    The path is logged without its query string; bodies, headers, emails, passwords and
    tokens are never logged.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
        response["X-Request-ID"] = request_id
        logger.info(
            "%s %s %s %.1fms request_id=%s",
            request.method,
            loggable_path(request.path),
            response.status_code,
            duration_ms,
            request_id,
        )
        return response


class ApiErrorMiddleware:
    """Under /api/, no HTML error page ever: refuse NUL bytes, and turn any non-JSON error
    (unknown route, CSRF failure, oversized body, DEBUG pages, a crash) into the error shape.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in query or "%00" in query:
            return _json(400, "bad_request", "The address contains a NUL byte.")
        if len(request.META.get("PATH_INFO", "")) + len(query) > settings.API_MAX_URL_LENGTH:
            code, message = STATUS_CODES[414]
            return _json(414, code, message)
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            json_response = error_response_for_status(response.status_code)
            for header in ("Retry-After", "Allow", "WWW-Authenticate"):
                if header in response:
                    json_response[header] = response[header]
            return json_response
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        """Before any sign-in or permission check: a method an API route does not take is 405
        with ``Allow`` (the route is in the published schema, so its existence is no secret,
        and a client learns at once that the method, not its access, is wrong); a PATCH with
        no body is 400, like one with ``{}``."""
        if not request.path.startswith("/api/v1/"):
            return None
        allowed = _allowed_methods(view_func)
        if allowed is None:
            return None
        if request.method not in allowed:
            code, message = STATUS_CODES[405]
            response = _json(405, code, message)
            response["Allow"] = ", ".join(allowed)
            return response
        if request.method == "PATCH" and request.headers.get("Content-Length", "0") in ("", "0"):
            # A PATCH with no body would change nothing: a client never means that (an empty
            # JSON object is refused the same way where the body is parsed).
            return _json(400, "invalid", "Name at least one field to change; nothing was changed.")
        return None


def _looks_like_other_digits(value: str) -> bool:
    """A number written with digits other than ASCII's ("²", "①", U+0661 Arabic-Indic one):
    never one we read."""
    return bool(value) and not value.isascii() and all(c.isdigit() or c == "-" for c in value)


class AdminNumbersMiddleware:
    """In the admin, a whole number from a client is ASCII digits, in one place for every page.

    Django reads an object id or a filter value with int(), which takes U+0661 (Arabic-Indic one)
    as 1 and serves object 1, and refuses "²" (which str.isdigit() accepts) with a 500 in a
    hand-written filter. An id in other digits is not found (404); a filter value in other
    digits is a bad request (400). Free text (the search box, ``q``) may hold any digits.
    """

    FREE_TEXT = frozenset({"q"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/admin/"):
            if any(_looks_like_other_digits(part) for part in request.path.split("/")):
                raise Http404("No such object.")
            for name, values in request.GET.lists():
                if name in self.FREE_TEXT:
                    continue
                nested = [v for key, v in parse_qsl(values[0]) if key not in self.FREE_TEXT]
                if any(_looks_like_other_digits(v) for v in [*values, *nested]):
                    return HttpResponseBadRequest(
                        "A number in this address is not written with the digits 0 to 9."
                    )
        return self.get_response(request)


def _allowed_methods(view_func: Callable[..., HttpResponse]) -> list[str] | None:
    """The methods an API view answers, from the view itself (None for a view that is not
    DRF's): a viewset's routed actions, or an APIView's handlers."""
    actions = getattr(view_func, "actions", None)
    view_class = getattr(view_func, "cls", None)
    if actions is not None:
        methods = [method.upper() for method in actions]
    elif view_class is not None:
        methods = [
            method.upper()
            for method in view_class.http_method_names
            if method != "options" and hasattr(view_class, method)
        ]
    else:
        return None
    if "GET" in methods and "HEAD" not in methods:
        methods.append("HEAD")
    return [*methods, "OPTIONS"]


def _json(status_code: int, code: str, message: str) -> HttpResponse:
    return JsonResponse(error_body(code=code, message=message), status=status_code)


class QueryCountMiddleware:
    """Counts the database queries a request makes and returns the count in ``X-Query-Count``.

    For benchmarks only: settings install it when ``QUERY_COUNT_HEADER=1``, never otherwise.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from django.db import connection

        self.get_response = get_response
        self.connection = connection

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counter(execute: Callable[..., object], *args: object) -> object:
            nonlocal count
            count += 1
            return execute(*args)

        with self.connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response
