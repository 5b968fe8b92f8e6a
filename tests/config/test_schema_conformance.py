"""The schema is the contract: schemathesis, with every check it has, against the service as
deployed (gunicorn, DEBUG off) on a database of its own with the demo community, as a
visitor, a member and a moderator; and the authentication API checked for server errors.

Every phase schemathesis has runs: coverage (every edge of every field), fuzzing and stateful
sequences (examples too, but the schema carries none). The schema declares no OpenAPI links;
the stateful phase follows the links schemathesis infers from the paths' parameters and the
responses' fields.

Part of ``make test``: one xdist worker takes the whole module (one service, one database)
while the others run the rest of the suite; ``make conformance`` runs it alone.
``CONFORMANCE_MAX_EXAMPLES`` sets the examples per operation (default 20, CI's budget), and
``CONFORMANCE_SEED`` the seed the examples grow from: a fixed one by default, so that a run
answers for the code and not for the dice (what a new seed finds is a bug to fix, found
locally with ``CONFORMANCE_SEED=random``, not a landing blocked at random).

Flood control is lifted for the run by settings (``MODERATION_FLOOD_SECONDS=0`` and high
throttles, as the benchmarks run), not by any code path. Each role's summary (operations,
test cases, failures) is printed at the end of the test run.
"""

import json
import os
import re
import secrets
import subprocess
import sys
import urllib.request
from pathlib import Path

import psycopg
import pytest

from bench.lib.servers import Server, start_server

# One xdist worker runs the whole module: the tests share one service and one database
# (`make test` distributes by group; tests/conftest.py collects this module first, so that it
# runs beside the rest of the suite rather than after it).
pytestmark = [pytest.mark.conformance, pytest.mark.xdist_group("conformance")]

BASE_DIR = Path(__file__).resolve().parents[2]
PASSWORD = "demo-neck-2026"  # every demo account's (README)
ROLES = {"visitor": None, "member": "member@example.com", "moderator": "moderator@example.com"}
# Examples per operation in the fuzzing and stateful phases (the coverage phase takes every
# edge of every field whatever this is): what CI's time allows. Raise it locally to dig deeper.
MAX_EXAMPLES = int(os.environ.get("CONFORMANCE_MAX_EXAMPLES", "20"))
_SEED = os.environ.get("CONFORMANCE_SEED", "20261207")
SEED = ["--seed", _SEED] if _SEED != "random" else []
# schemathesis runs its workers as threads, and on Python 3.11 two threads inside `ast.parse`
# (Hypothesis describing a filter) can fail with "SystemError: AST constructor recursion depth
# mismatch", a CPython race fixed only in later versions: one worker.
WORKERS = "1"
# The slowest operation takes about 0.2 s in the service's request log (starting a thread,
# which notifies watchers). Three seconds leaves room for two cores shared with the rest of the
# suite and still fails an operation that got an order of magnitude slower.
MAX_RESPONSE_SECONDS = "3"
# What each run's summary says: operations, stateful scenarios and the links they followed,
# each failure by code, test cases, and the closing line (issues and time).
SUMMARY = re.compile(
    r"^\s*(Selected: .*|Tested: .*|Scenarios: .*|API Links: .*|❌ ST\d+ .*|\d+ generated.*"
    r"|=+ .* in [\d.]+s =+)$"
)

# Why these settings, and nothing else:
# - an empty cursor: a cursor is an opaque token the server gave; any other string is refused
#   (400 ``invalid_cursor``, tested in tests/config and tests/community/forum), so generating
#   them proves nothing;
# - 422 is a valid answer to a well-formed request: it is how the API says a rule of what the
#   request names refused it (a resource not in the library, a board that is not there, an
#   Idempotency-Key used for other words), which no schema can know;
# - 413 and 414 refuse invalid data as surely as 400 does (schemathesis' own list leaves them
#   out): a body or an address too large for any valid request (every operation declares both
#   where they apply).
CONFIG = """
[parameters]
"query.cursor" = ""

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]

[checks.negative_data_rejection]
expected-statuses = [
  "400", "401", "403", "404", "405", "406", "409", "413", "414", "415", "422", "428", "429", "5xx"
]
"""


def _database_url() -> tuple[str, str | None]:
    """A database of the run's own: on the PostgreSQL the tests use, or an SQLite file."""
    base = os.environ.get("DATABASE_URL", "")
    name = f"conformance_{secrets.token_hex(4)}"
    if base.startswith("postgres"):
        admin = base.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return base.rsplit("/", 1)[0] + f"/{name}", name
    return f"sqlite:///{BASE_DIR / 'var' / (name + '.sqlite3')}", None


def _drop(name: str | None) -> None:
    if name is None:
        return
    admin = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(database_url: str, *args: str) -> None:
    """A management command on the run's database (the demo loads only with DEBUG on; the
    service itself runs with it off)."""
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "true", "LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> dict[str, object]:
    """gunicorn serving the demo community on a database of its own, the schemathesis config,
    and a session token for each role."""
    (BASE_DIR / "var").mkdir(exist_ok=True)
    database_url, name = _database_url()
    server: Server | None = None
    try:
        _manage(database_url, "migrate", "--noinput", "-v", "0")
        _manage(database_url, "seed_demo")
        with pytest.MonkeyPatch.context() as env:
            # No front proxy here: gunicorn takes request lines of any length, so that the
            # application answers an address too long (414, the API's error shape) as the
            # proxy does in production past 8 KB (README), not gunicorn's HTML page.
            env.setenv("GUNICORN_CMD_ARGS", "--limit-request-line 0")
            server = start_server(database_url, os.environ.get("REDIS_URL", ""), workers=2)
        origin = f"http://127.0.0.1:{server.port}"
        config = tmp_path_factory.mktemp("conformance") / "schemathesis.toml"
        config.write_text(CONFIG)
        tokens = {role: _sign_in(origin, email) for role, email in ROLES.items()}
        yield {"origin": origin, "config": config, "tokens": tokens}
    finally:
        if server is not None:
            server.stop()
        _drop(name)


def _sign_in(origin: str, email: str | None) -> str | None:
    if email is None:
        return None
    request = urllib.request.Request(  # noqa: S310 (our own server on 127.0.0.1)
        f"{origin}/api/auth/app/v1/auth/login",
        data=json.dumps({"email": email, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return str(json.load(response)["meta"]["session_token"])


def _schemathesis(*args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("st")), *args]
    return subprocess.run(
        command, cwd=BASE_DIR, capture_output=True, text=True, timeout=900, check=False
    )


def _summary(output: str) -> list[str]:
    return [
        " ".join(line.strip("= ").split()) for line in output.splitlines() if SUMMARY.match(line)
    ]


def _report(result: subprocess.CompletedProcess[str]) -> str:
    """schemathesis' report, each line cut short: a generated body can be a 20,000-character
    line, which would otherwise push the failures themselves out of the message."""
    lines = (result.stdout + result.stderr).splitlines()
    return "\n".join(line if len(line) <= 300 else line[:300] + "..." for line in lines)[-30000:]


@pytest.mark.parametrize("role", list(ROLES))
def test_the_api_keeps_its_schema(service, role, record_property):
    token = service["tokens"][role]
    headers = ["-H", f"X-Session-Token: {token}"] if token else []
    result = _schemathesis(
        "--config-file",
        str(service["config"]),
        "run",
        f"{service['origin']}/api/schema/",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--workers",
        WORKERS,
        "--max-response-time",
        MAX_RESPONSE_SECONDS,
        *SEED,
        *headers,
    )
    summary = _summary(result.stdout)
    checks = f"checks: all, responses under {MAX_RESPONSE_SECONDS} s; {MAX_EXAMPLES} examples"
    record_property("conformance", f"{role} ({checks}): " + " | ".join(summary))
    assert result.returncode == 0, _report(result)
    assert any("generated" in line for line in summary), result.stdout[-2000:]


def test_the_authentication_api_never_answers_a_server_error(service, record_property):
    origin = service["origin"]
    result = _schemathesis(
        "run",
        f"{origin}/api/auth/openapi.json",
        "--url",
        origin,
        "--checks",
        "not_a_server_error",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--workers",
        WORKERS,
        *SEED,
    )
    summary = _summary(result.stdout)
    checks = f"checks: not_a_server_error; {MAX_EXAMPLES} examples"
    record_property("conformance", f"authentication API ({checks}): " + " | ".join(summary))
    assert result.returncode == 0, _report(result)
