"""The schema's patterns are what clients check input with before they send it: each decides
in time linear in the text, or a long paste freezes the client (and schemathesis) checking it;
and each means by white space what the server does, or a client sends what it thinks is text
and the server answers that it is blank."""

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from config.api.fields import SPACE
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


def test_white_space_in_patterns_is_what_the_server_trims():
    """The server trims with ``str.strip``: ``SPACE`` takes exactly those characters."""
    space = re.compile(SPACE)
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue  # lone surrogates never reach a field (refused where a body is read)
        char = chr(code)
        assert bool(space.fullmatch(char)) == char.isspace(), f"U+{code:04X}"


@pytest.mark.parametrize("pattern", PATTERNS)
def test_no_pattern_uses_the_clients_own_white_space(pattern):
    """A pattern's ``\\s`` is ECMAScript's (no U+0085, no U+001C-U+001F; U+FEFF): ``SPACE``
    says it instead."""
    assert "\\s" not in pattern.replace("\\\\", ""), pattern
