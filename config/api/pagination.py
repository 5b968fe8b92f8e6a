"""Cursor pagination: stable while new rows arrive, and as cheap deep in a list as at its top.

``CursorPagination`` is DRF's (one unique ordering field). ``KeysetPagination`` pages on a
tuple of columns that all sort the same way, e.g. (is_pinned, last_post_at, id) descending,
with a row-value comparison the database answers from an index.
"""

import base64
import binascii
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar, cast

from django.db.models import BooleanField, Field, Model, QuerySet
from django.db.models.expressions import RawSQL
from rest_framework import pagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from config.api.errors import ApiError
from config.numbers import client_int

T = TypeVar("T")

# The largest page a client may ask for (``page_size``), on every list.
MAX_PAGE_SIZE = 100


def page_size_from(request: Request, *, default: int) -> int:
    """The ``page_size`` a client asked for: ASCII digits, 1 to ``MAX_PAGE_SIZE``, or 400
    naming it (the schema declares the same range); ``default`` when not given."""
    raw = request.query_params.get("page_size")
    if raw is None:
        return default
    size = client_int(raw)
    if size is None or not 1 <= size <= MAX_PAGE_SIZE:
        raise ApiError(
            f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}.",
            code="invalid",
            fields={"page_size": [f"Enter a whole number from 1 to {MAX_PAGE_SIZE}."]},
        )
    return size


# Left empty, a yes-or-no parameter is as if not sent (as every list's filters are).
FLAG_VALUES = {"true": True, "1": True, "false": False, "0": False, "": False}


def _flag(request: Request, name: str) -> bool:
    """A yes-or-no query parameter: true/1, or false/0/empty (the schema's enum), else 400."""
    raw = request.query_params.get(name)
    if raw is None:
        return False
    if raw not in FLAG_VALUES:
        raise ApiError(
            f"{name} must be true or false.",
            code="invalid",
            fields={name: ["Send true or false."]},
        )
    return FLAG_VALUES[raw]


class CursorPagination(pagination.CursorPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-pk"

    def get_page_size(self, request: Request) -> int:
        return page_size_from(request, default=self.page_size)


def _invalid_cursor() -> ApiError:
    return ApiError("This page link is not valid.", code="invalid_cursor", fields={})


class KeysetPagination(pagination.BasePagination):
    """Pages on ``keys`` (model field names); ``descending`` applies to all of them."""

    keys: tuple[str, ...] = ("id",)
    descending: bool = True
    page_size = 25
    max_page_size = MAX_PAGE_SIZE
    cursor_query_param = "cursor"

    def __init__(self, *, keys: tuple[str, ...] | None = None, descending: bool | None = None):
        if keys is not None:
            self.keys = keys
        if descending is not None:
            self.descending = descending

    # --- cursors ------------------------------------------------------------------------
    def _encode(self, row: Model, direction: str) -> str:
        values = [getattr(row, key if key != "id" else "pk") for key in self.keys]
        # Full microseconds: rows in the same millisecond must not be skipped.
        values = [v.isoformat() if isinstance(v, datetime) else v for v in values]
        raw = json.dumps({"v": values, "d": direction})
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def _decode(self, model: type[Model], token: str) -> tuple[list[Any], str]:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = json.loads(raw)
            direction = data["d"]
            values = data["v"]
            if direction not in ("next", "prev") or len(values) != len(self.keys):
                raise ValueError(direction)
            if any(value is None for value in values):
                raise ValueError("a cursor never holds null")
            fields = [cast("Field[Any, Any]", model._meta.get_field(key)) for key in self.keys]
            return [f.to_python(v) for f, v in zip(fields, values, strict=True)], direction
        except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
            raise _invalid_cursor() from exc
        except Exception as exc:  # a field's to_python refusing the value
            raise _invalid_cursor() from exc

    def _after(self, queryset: QuerySet[Any], values: list[Any], *, forward: bool) -> QuerySet[Any]:
        model = queryset.model
        table = model._meta.db_table
        columns = ", ".join(f'"{table}"."{model._meta.get_field(key).column}"' for key in self.keys)
        placeholders = ", ".join(["%s"] * len(values))
        op = "<" if self.descending == forward else ">"
        # Column names come from the model, values are bound parameters.
        condition = RawSQL(  # noqa: S611
            f"({columns}) {op} ({placeholders})", values, output_field=BooleanField()
        )
        return queryset.filter(condition)

    def _ordering(self, *, forward: bool) -> list[str]:
        prefix = "-" if self.descending == forward else ""
        return [f"{prefix}{key}" for key in self.keys]

    # --- DRF interface ------------------------------------------------------------------
    def get_page_size(self, request: Request) -> int:
        return page_size_from(request, default=self.page_size)

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        self.request = request
        size = self.get_page_size(request)
        token = request.query_params.get(self.cursor_query_param)
        forward = True
        if not token and _flag(request, "last"):
            # The last page, read from the end: as cheap as the first.
            rows = list(queryset.order_by(*self._ordering(forward=False))[: size + 1])
            self.has_previous = len(rows) > size
            self.has_next = False
            self.rows = list(reversed(rows[:size]))
            return self.rows
        if token:
            values, direction = self._decode(queryset.model, token)
            forward = direction == "next"
            queryset = self._after(queryset, values, forward=forward)
        rows = list(queryset.order_by(*self._ordering(forward=forward))[: size + 1])
        has_more = len(rows) > size
        rows = rows[:size]
        if not forward:
            rows.reverse()
        self.rows = rows
        self.has_next = has_more if forward else bool(token)
        self.has_previous = bool(token) if forward else has_more
        return rows

    def _link(self, token: str | None) -> str | None:
        if token is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), "last")
        return replace_query_param(url, self.cursor_query_param, token)

    def get_next_link(self) -> str | None:
        if not self.has_next or not self.rows:
            return None
        return self._link(self._encode(self.rows[-1], "next"))

    def get_previous_link(self) -> str | None:
        if not self.has_previous or not self.rows:
            return None
        return self._link(self._encode(self.rows[0], "prev"))

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }


class RankedPagination(KeysetPagination):
    """Pages by offset over the top ``cap`` results of a ranked search (a rank has no keyset).

    The cursor is opaque, as on every other list; pages may shift if rows arrive between
    requests.
    """

    cap = 1000

    def __init__(self, *, cap: int | None = None) -> None:
        super().__init__()
        if cap is not None:
            self.cap = cap

    def _encode_offset(self, offset: int) -> str:
        raw = json.dumps({"o": offset})
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def _decode_offset(self, token: str) -> int:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            offset = json.loads(raw)["o"]
        except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
            raise _invalid_cursor() from exc
        if type(offset) is not int or not 0 <= offset < self.cap:
            raise _invalid_cursor()
        return offset

    def paginate_hits(self, request: Request, fetch: Callable[[int, int], list[T]]) -> list[T]:
        """``fetch(offset, limit)`` returns the hits; one more than a page tells if more follow."""
        self.request = request
        size = self.get_page_size(request)
        token = request.query_params.get(self.cursor_query_param)
        offset = self._decode_offset(token) if token else 0
        hits = fetch(offset, min(size + 1, self.cap - offset))
        self.rows = hits[:size]
        self.offset = offset
        self.size = size
        self.has_next = len(hits) > size and offset + size < self.cap
        self.has_previous = offset > 0
        return self.rows

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        return self._link(self._encode_offset(self.offset + self.size))

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        return self._link(self._encode_offset(max(0, self.offset - self.size)))
