"""The README lists every error code the API can answer, and no other: the list is kept equal
to the codes the code raises, found by reading the source."""

import ast
import re
from pathlib import Path

from config.api.errors import STATUS_CODES

BASE_DIR = Path(__file__).resolve().parents[2]
# Functions that build an ApiError from a code their caller passes: their callers' codes count.
PASS_THROUGH = {"ApiError", "SessionExpired", "_wait", "wrong_state"}
# What DRF itself answers through the exception handler, beyond the bare statuses.
FROM_DRF = {"invalid", "parse_error", "not_authenticated", "permission_denied", "not_found"}


def raised_codes() -> set[str]:
    found: set[str] = set()
    for path in BASE_DIR.glob("*/**/*.py"):
        if path.parts[len(BASE_DIR.parts)] not in {"accounts", "community", "config"}:
            continue
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            callee = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
            for keyword in node.keywords:
                if keyword.arg != "code" or callee not in PASS_THROUGH:
                    continue
                if isinstance(keyword.value, ast.Constant):
                    found.add(keyword.value.value)
                else:
                    # A code passed through: the function must be a known pass-through.
                    function = _enclosing_function(tree, node.lineno)
                    assert function in PASS_THROUGH, (path, node.lineno, function)
    return found


def _enclosing_function(tree: ast.Module, lineno: int) -> str:
    """The innermost function around a line (ast.walk goes outside in: the last match)."""
    name = ""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.lineno <= lineno <= (node.end_lineno or 0):
            name = node.name
    return name


def listed_codes() -> set[str]:
    readme = (BASE_DIR / "README.md").read_text()
    table = readme.split("<!-- error-codes -->")[1].split("<!-- /error-codes -->")[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.MULTILINE))


def test_the_readme_lists_every_code_the_api_answers_and_no_other():
    answered = raised_codes() | {code for code, _ in STATUS_CODES.values()} | FROM_DRF
    listed = listed_codes()
    assert listed == answered, {"not listed": answered - listed, "never raised": listed - answered}


def test_the_scan_finds_codes_raised_directly_and_through_helpers():
    codes = raised_codes()
    assert {"duplicate_url", "session_expired", "not_pending", "flood"} <= codes
