"""Whole numbers from a client (the API and the admin alike)."""

import re

# ASCII digits, with a minus sign at most. Python's int() also takes other scripts' digits
# (U+0661, Arabic-Indic one, is 1), and str.isdigit() says yes to U+00B2 (superscript two),
# which int() then refuses: neither is a number a client meant, and the second was a 500.
_CLIENT_INTEGER = re.compile(r"-?[0-9]{1,18}")


# The largest position in a thread (a PostgreSQL integer column).
MAX_POSITION = 2_147_483_647


def client_int(raw: object) -> int | None:
    """``raw`` as an int when it is one, or the ASCII digits of one; otherwise None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and _CLIENT_INTEGER.fullmatch(raw):
        return int(raw)
    return None
