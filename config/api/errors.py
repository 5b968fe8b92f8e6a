"""The one error shape of the API: ``{"code": "...", "message": "...", "fields": {...}}``.

``code`` is a stable machine code a client can branch on; ``message`` is a sentence a person
can read; ``fields`` maps input field names to their problems (empty when none). A few errors
add one documented key: ``retry_after`` (seconds) on 429, ``until`` on ``suspended``.
"""

from typing import Any

from django.http import JsonResponse
from rest_framework import exceptions, status

# The code and sentence for a bare HTTP status, when nothing more specific is known.
STATUS_CODES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request could not be understood."),
    401: ("not_authenticated", "Sign in to do this."),
    403: ("permission_denied", "You do not have permission to do this."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed here."),
    406: ("not_acceptable", "The requested response format is not available."),
    413: ("payload_too_large", "The request body is too large."),
    414: ("uri_too_long", "The address is too long. Send long input in the request body."),
    415: ("unsupported_media_type", "Send the request body as JSON."),
    429: ("throttled", "Too many requests. Try again later."),
    500: (
        "server_error",
        "Something went wrong on our side. Nothing you sent was lost.",
    ),
    503: ("unavailable", "The service is temporarily unavailable."),
}


class ApiError(exceptions.APIException):
    """An application error with a stable ``code``, raised by services and policies."""

    status_code: int = status.HTTP_400_BAD_REQUEST

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status_code: int | None = None,
        fields: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail=message, code=code)
        if status_code is not None:
            self.status_code = status_code
        self.code = code
        self.fields = fields or {}
        self.extra = extra or {}


CSRF_FAILED_MESSAGE = "The CSRF token is missing or wrong. Fetch a fresh one and retry."


def error_body(
    *, code: str, message: str, fields: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """Builds the error body; ``extra`` holds the few documented additional keys."""
    return {"code": code, "message": message, "fields": fields or {}, **extra}


def error_response_for_status(status_code: int) -> JsonResponse:
    """A JSON error for a status that reached us without an API exception (404 route, 500)."""
    code, message = STATUS_CODES.get(status_code, ("error", "The request failed."))
    return JsonResponse(error_body(code=code, message=message), status=status_code)
