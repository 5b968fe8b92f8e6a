from collections.abc import Mapping
from typing import IO, Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from config.api.errors import ApiError

INVALID_TEXT = "This text holds an invalid character (a lone UTF-16 surrogate)."


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _invalid_text(node: Any) -> Any:
    """The places in a parsed JSON document that hold invalid Unicode, shaped like the
    document (the error shape's ``fields``), or None when there are none.

    JSON may escape a lone surrogate (``"\\ud800"``), which Python decodes into a string that
    no database, template or email can encode.
    """
    if isinstance(node, str):
        return None if _is_text(node) else [INVALID_TEXT]
    if isinstance(node, dict):
        found: dict[str, Any] = {}
        for key, value in node.items():
            if not _is_text(key):
                found.setdefault("non_field_errors", []).append(
                    "A name in this object holds an invalid character."
                )
                continue
            problems = _invalid_text(value)
            if problems is not None:
                found[key] = problems
        return found or None
    if isinstance(node, list):
        listed = {
            str(i): problems
            for i, item in enumerate(node)
            if (problems := _invalid_text(item)) is not None
        }
        return listed or None
    return None


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing what no endpoint could use, once for all of them:

    - documents nested deeper than Python's decoder goes (``RecursionError``, not
      ``ValueError``, which DRF's parser would let through as a 500);
    - invalid Unicode anywhere, in a value or a key: 400 ``invalid`` naming where;
    - a PATCH that names no field (``{}``): it would change nothing, which a client never
      means (the schema says so with ``minProperties: 1``).
    """

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
        request = (parser_context or {}).get("request")
        if getattr(request, "method", "") == "PATCH" and data == {}:
            raise ApiError(
                "Name at least one field to change; nothing was changed.", code="invalid"
            )
        problems = _invalid_text(data)
        if problems is not None:
            fields = problems if isinstance(problems, dict) else {"non_field_errors": problems}
            raise ApiError(
                "The request holds text that is not valid Unicode; nothing was changed.",
                code="invalid",
                fields=fields,
            )
        return data
