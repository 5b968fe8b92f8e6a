"""The schema's patterns are what clients check input with before they send it: each decides
in time linear in the text, or a long paste freezes the client (and schemathesis) checking it."""

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.endpoints import schema

# Long runs a pattern with two overlapping repeats keeps re-reading, then a character that no
# pattern takes (such patterns took 1 to 18 seconds on these).
HOSTILE = [
    " " * 20_000 + "a" * 20_000 + "\x00",
    "a " * 20_000 + "\x01",
    "0" * 40_000 + "\x00",
]


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


PATTERNS = sorted(set(_patterns(schema())))


def test_the_schema_has_patterns_to_check():
    assert len(PATTERNS) >= 10


@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_pattern_decides_a_long_text_at_once(pattern):
    compiled = re.compile(pattern)
    for text in HOSTILE:
        started = time.perf_counter()
        compiled.search(text)
        seconds = time.perf_counter() - started
        assert seconds < 0.1, f"{pattern} took {seconds:.2f} s on {len(text)} characters"
