"""The one way the tests show that a page or a task does no work per row: its queries counted
with a small data set and with a large one.

    assert_constant_queries(lambda n: client.get(url), grow=lambda have, want: add(want - have))

On failure the message lists the SQL of both runs, so the query added per row shows.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection
from django.test.utils import CaptureQueriesContext

T = TypeVar("T")


def listing(queries: list[dict[str, Any]]) -> str:
    return "\n".join(f"  {i}. {query['sql']}" for i, query in enumerate(queries, 1))


def assert_constant_queries(
    request: Callable[[int], T],
    *,
    grow: Callable[[int, int], object] | None = None,
    small: int = 2,
    large: int = 25,
    warm_up: bool = False,
    per_item: int = 0,
    what: str = "",
) -> tuple[T, T]:
    """Counts the queries of ``request(size)`` with the small data set, then with the large
    one, and fails unless both counts are the same (with ``per_item``, unless the large run
    makes exactly that many more queries for each item more), listing the SQL of both runs.

    Before each count ``grow(have, want)`` takes the data set from ``have`` items (0 at first)
    to ``want``; it is not counted, nor is the request made once before counting when
    ``warm_up`` is set (anything loaded once per process is then loaded). Returns what the
    two counted requests returned, the small one first, for the test to check their rows.
    """
    runs: list[tuple[T, list[dict[str, Any]]]] = []
    have = 0
    for size in (small, large):
        if grow is not None:
            grow(have, size)
            have = size
        if warm_up:
            request(size)
        with CaptureQueriesContext(connection) as queries:
            result = request(size)
        runs.append((result, list(queries.captured_queries)))
    (few_result, few), (many_result, many) = runs
    expected = len(few) + per_item * (large - small)
    assert len(many) == expected, (
        f"{what + ': ' if what else ''}{len(few)} queries for {small}, {len(many)} for {large}"
        f"{f' (expected {expected})' if per_item else ''}.\n"
        f"With {small}:\n{listing(few)}\nWith {large}:\n{listing(many)}"
    )
    return few_result, many_result
