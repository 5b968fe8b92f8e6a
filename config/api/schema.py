"""Schema generation: every operation documents the error shape for the errors it can give."""

from typing import Any, Literal

from drf_spectacular import openapi
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.permissions import SAFE_METHODS, AllowAny

ERROR_COMPONENT: dict[str, Any] = {
    "type": "object",
    "description": "The one error shape of the API.",
    "properties": {
        "code": {"type": "string", "description": "Stable machine code, e.g. `not_found`."},
        "message": {"type": "string", "description": "A sentence a person can read."},
        "fields": {
            "type": "object",
            "additionalProperties": {},
            "description": "Field name to a list of problems with it; empty when none.",
        },
        "retry_after": {
            "type": "integer",
            "description": "On 429 only: seconds to wait (also the Retry-After header).",
        },
        "until": {
            "type": "string",
            "format": "date-time",
            "description": "With code `suspended` only: when the suspension ends.",
        },
    },
    "required": ["code", "message", "fields"],
}

_ERROR_DESCRIPTIONS = {
    "400": "Invalid input (`invalid`, with `fields`) or a malformed request.",
    "401": "Not signed in (`not_authenticated`).",
    "403": "Not allowed (`permission_denied`, `suspended`, `csrf_failed`).",
    "404": "Not found, or not visible to this viewer (`not_found`).",
    "429": "Too many requests (`throttled`); see Retry-After.",
}


def add_error_component(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: registers the ``Error`` schema the responses refer to."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_COMPONENT
    return result


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(
        self, direction: Literal["request", "response"] = "response"
    ) -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction=direction)
        errors = {"404", "429"}
        if self.method not in SAFE_METHODS:
            errors |= {"400", "403"}
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            errors |= {"401", "403"}
        for code in sorted(errors):
            responses.setdefault(
                code,
                {
                    "description": _ERROR_DESCRIPTIONS[code],
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            )
        return responses


class SessionTokenScheme(OpenApiAuthenticationExtension):
    target_class = "config.api.authentication.SessionTokenAuthentication"
    name = "sessionToken"

    def get_security_definition(self, auto_schema: openapi.AutoSchema) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Session-Token",
            "description": "The app client's session token from the authentication API.",
        }


class SessionCookieScheme(SessionScheme):
    """The browser client's session cookie, as drf-spectacular documents DRF's own class."""

    target_class = "config.api.authentication.SessionAuthentication"
