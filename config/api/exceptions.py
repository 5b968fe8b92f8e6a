"""Turns every exception a view raises into the API error shape (see ``config.api.errors``)."""

import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import set_rollback

from config.api.errors import STATUS_CODES, ApiError, error_body


def _flatten(errors: Any) -> Any:
    """Keeps DRF's nesting but turns ErrorDetail objects into plain strings."""
    if isinstance(errors, dict):
        return {key: _flatten(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [_flatten(value) for value in errors]
    return str(errors)


def _validation_body(detail: Any) -> dict[str, Any]:
    fields = _flatten(detail if isinstance(detail, dict) else {"non_field_errors": detail})
    general = fields.pop("non_field_errors", None)
    if general:
        message = general[0] if isinstance(general, list) else str(general)
    elif fields:
        message = "Some fields need another look."
    else:
        message = "The request is not valid."
    return error_body(code="invalid", message=message, fields=fields)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler, rendering every error in the one shape."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):
        code, message = STATUS_CODES[413]
        return Response(error_body(code=code, message=message), status=413)

    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: the 500 path logs it and answers in the same shape

    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]

    if isinstance(exc, ApiError):
        body = error_body(code=exc.code, message=str(exc.detail), fields=exc.fields, **exc.extra)
        if "retry_after" in exc.extra:
            headers["Retry-After"] = str(exc.extra["retry_after"])
    elif isinstance(exc, exceptions.ValidationError):
        body = _validation_body(exc.detail)
    elif isinstance(exc, exceptions.Throttled):
        seconds = getattr(exc, "wait", None)
        wait = math.ceil(seconds) if seconds is not None else 60
        headers["Retry-After"] = str(wait)
        body = error_body(
            code="throttled",
            message=f"Too many requests. Try again in {wait} seconds.",
            retry_after=wait,
        )
    else:
        detail = exc.detail
        fallback = STATUS_CODES.get(exc.status_code, ("error", "The request failed."))[1]
        message = str(detail) if isinstance(detail, str) else fallback
        body = error_body(code=str(exc.default_code), message=message)

    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)
