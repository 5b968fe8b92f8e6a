"""Schema generation: every operation documents the error shape for the errors it can give."""

import re
from typing import Any, Literal

from drf_spectacular import openapi
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, AllowAny

from config.api.fields import SOLID, SPACE, ClosedSerializer
from config.api.idempotency import KEY_PATTERN
from config.api.pagination import FLAG_VALUES, MAX_PAGE_SIZE
from config.numbers import MAX_POSITION

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
    "401": (
        "Not signed in (`not_authenticated`), or an `X-Session-Token` that signs no one in "
        "(`session_expired`: sign in again)."
    ),
    "403": "Not allowed (`permission_denied`, `suspended`, `csrf_failed`).",
    "404": "Not found, or not visible to this viewer (`not_found`).",
    "406": "The Accept header asks for a format other than JSON (`not_acceptable`).",
    "409": "In conflict with what is already there (see `code`).",
    "413": "The request body is too large (`payload_too_large`).",
    "414": "The address is too long (`uri_too_long`).",
    "415": "The body is not JSON (`unsupported_media_type`).",
    "422": (
        "Well formed, but refused by a rule of what it names (`invalid` with `fields`: a board, "
        "a thread, a resource, a choice not open to this member), or an Idempotency-Key "
        "already used for another request (`idempotency_key_reused`)."
    ),
    "429": "Too many requests (`throttled`); see Retry-After.",
}

# What any operation may answer, whatever it is: a dead session token, a missing or hidden
# object, an Accept header we cannot serve, an address too long to read, flood control.
_ALWAYS = {"401", "404", "406", "414", "429"}


# Text DRF takes: no NUL character (refused by every CharField); with ``allow_blank=False``,
# at least one character that is not white space (blank text is refused). Clients run these
# patterns on what people type, so each reads a string once: no two repeats that can take the
# same character (``[^\u0000]*x[^\u0000]*`` took a second on 20,000 characters).
TEXT = r"^[^\u0000]*$"
NON_BLANK_TEXT = rf"^{SPACE}*{SOLID}[^\u0000]*$"


def _text_pattern(field: serializers.CharField) -> str:
    """The pattern of a plain text field. DRF counts ``min_length`` after trimming white space
    (by default it trims), so " a" is one character to it: the pattern counts as it does."""
    if field.allow_blank:
        return TEXT
    least = field.min_length or 1
    if field.trim_whitespace and least > 1:
        return rf"^{SPACE}*{SOLID}[^\u0000]{{{least - 2},}}{SOLID}{SPACE}*$"
    return NON_BLANK_TEXT


# What the server accepts for the parameters every list or create shares, said once.
PARAMETER_CONTRACTS: dict[str, dict[str, Any]] = {
    "page_size": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
    "from_position": {"type": "integer", "minimum": 0, "maximum": MAX_POSITION},
    "Idempotency-Key": {"type": "string", "pattern": KEY_PATTERN.pattern},
    "last": {"type": "string", "enum": list(FLAG_VALUES)},
}


def _error_response(code: str) -> dict[str, Any]:
    return {
        "description": _ERROR_DESCRIPTIONS[code],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _refuses_empty(schema: dict[str, Any]) -> bool:
    """Whether a text schema without an enum leaves out the empty string."""
    if schema.get("type") != "string" or "enum" in schema:
        return False
    pattern = schema.get("pattern")
    return (
        "format" in schema
        or schema.get("minLength", 0) > 0
        or (pattern is not None and re.search(pattern, "") is None)
    )


def add_contract(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook, the contract the views cannot say themselves: the ``Error`` schema
    the responses refer to; a PATCH names a field; the shared parameters' ranges and patterns
    (no NUL byte in an address, an empty filter filters nothing); a body that has required
    fields is required; 400 for a query parameter an operation reads, 422 where it takes an
    ``Idempotency-Key``."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_COMPONENT
    for name, component in schemas.items():
        if name.startswith("Patched") and component.get("type") == "object":
            component["minProperties"] = 1  # a PATCH names at least one field (the parser)
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in {"get", "put", "post", "patch", "delete"}:
                continue
            parameters = operation.get("parameters", [])
            for parameter in parameters:
                schema = {
                    # A filter that declares no type reads its value as text.
                    **(parameter.get("schema") or {"type": "string"}),
                    **PARAMETER_CONTRACTS.get(parameter.get("name", ""), {}),
                }
                plain = schema.get("type") == "string" and not {"pattern", "enum", "format"} & set(
                    schema
                )
                if plain and parameter.get("in") in ("query", "path"):
                    schema["pattern"] = TEXT  # a NUL byte in an address is refused (400)
                # A list's filter left empty filters nothing, as if it were not sent.
                empty_allowed = parameter.get("in") == "query" and method == "get"
                if empty_allowed and "" not in schema.get("enum", [""]):
                    schema["enum"] = [*schema["enum"], ""]
                elif empty_allowed and not parameter.get("required") and _refuses_empty(schema):
                    schema = {"anyOf": [schema, {"type": "string", "maxLength": 0}]}
                parameter["schema"] = schema
            body = operation.get("requestBody")
            if body:
                content = body.get("content", {}).get("application/json", {})
                ref = content.get("schema", {}).get("$ref", "")
                component = schemas.get(ref.rsplit("/", 1)[-1], {})
                if component.get("required") or component.get("minProperties"):
                    body["required"] = True
            responses = operation.setdefault("responses", {})
            if any(p.get("in") == "query" for p in parameters):
                responses.setdefault("400", _error_response("400"))
            if any(p.get("name") == "Idempotency-Key" for p in parameters):
                responses.setdefault("422", _error_response("422"))
            operation["responses"] = dict(sorted(responses.items()))
    return result


class AutoSchema(openapi.AutoSchema):
    """Each request field declares what the server takes, so a request the schema allows is
    one the server accepts: a field's own ``schema_extra`` (a pattern, a format), or for plain
    text the rules every text field follows; an input that refuses unknown fields
    (``ClosedSerializer``) says so with ``additionalProperties: false``."""

    def _map_serializer_field(
        self, field: Any, direction: Literal["request", "response"], bypass_extensions: bool = False
    ) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request":
            return schema
        extra = getattr(field, "schema_extra", None)
        if callable(extra):
            extra = extra()
        if extra:
            return {**schema, **extra}
        if isinstance(field, serializers.SlugField) and "pattern" not in schema:
            schema["pattern"] = r"^[-a-zA-Z0-9_]+$"  # DRF's slug, in the schema's dialect
        plain_text = (
            isinstance(field, serializers.CharField)
            and schema.get("type") == "string"
            and not {"pattern", "enum", "format"} & set(schema)
        )
        if plain_text:
            schema["pattern"] = _text_pattern(field)
        return schema

    def _insert_field_validators(self, field: Any, schema: dict[str, Any]) -> None:
        super()._insert_field_validators(field, schema)
        # drf-spectacular offers blank text as a second ``oneOf`` branch of a field with a
        # pattern; ``TEXT`` already takes "", which then matches both branches and so neither
        # (``oneOf`` wants exactly one): one branch says it.
        match schema.get("oneOf"):
            case [{"pattern": pattern} as text, {"type": "string", "maxLength": 0}] if (
                pattern == TEXT
            ):
                del schema["oneOf"]
                schema.update(text)

    def _map_basic_serializer(
        self, serializer: Any, direction: Literal["request", "response"]
    ) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, ClosedSerializer):
            schema["additionalProperties"] = False
        return schema

    def _get_response_bodies(
        self, direction: Literal["request", "response"] = "response"
    ) -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction=direction)
        errors = set(_ALWAYS)
        if self.method not in SAFE_METHODS:
            errors |= {"400", "403", "413", "415"}
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            errors.add("403")
        # A view names what its services may refuse beyond these, by action (a viewset) or
        # by method (an APIView): 409 in conflict with what is there, 422 well formed but
        # refused by a rule of what it names.
        refusals = getattr(self.view, "declared_refusals", {})
        errors |= refusals.get(getattr(self.view, "action", None) or self.method.lower(), set())
        for code in sorted(errors):
            responses.setdefault(code, _error_response(code))
        return responses


class FilterParameters(DjangoFilterExtension):
    """django-filter's filters as drf-spectacular documents them, with the longest value a text
    filter takes: its ``max_length``, which the server checks (400) after trimming white space,
    so the pattern counts the text between (an empty filter filters nothing)."""

    priority = 1

    def resolve_filter_field(
        self, auto_schema: Any, model: Any, filterset_class: Any, field_name: str, filter_field: Any
    ) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        most = filter_field.extra.get("max_length")
        for parameter in parameters:
            if most is not None and parameter["schema"].get("type", "string") == "string":
                text = rf"{SOLID}(?:[^\u0000]{{0,{most - 2}}}{SOLID})?"
                pattern = rf"^{SPACE}*(?:{text}{SPACE}*)?$"
                parameter["schema"] = {"type": "string", "pattern": pattern}
        return parameters


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
