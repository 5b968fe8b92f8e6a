"""The schema is the contract: schemathesis, with every check it has, against the service as
deployed (gunicorn, DEBUG off) on a database of its own with the demo community, as a
visitor, a member and a moderator; and the authentication API checked for server errors.

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

# `make conformance` runs these, in one process with one service; `make test` leaves them out
# until every role reaches 0 failures, so that CI stays a gate.
pytestmark = pytest.mark.conformance

BASE_DIR = Path(__file__).resolve().parents[2]
PASSWORD = "demo-neck-2026"  # every demo account's (README)
ROLES = {"visitor": None, "member": "member@example.com", "moderator": "moderator@example.com"}
# Examples per operation and phase: enough to reach every field's edge, within CI's time.
MAX_EXAMPLES = int(os.environ.get("CONFORMANCE_MAX_EXAMPLES", "10"))
SUMMARY = re.compile(
    r"^\s*(Selected: .*|Tested: .*|\d+ generated.*|=+ .*(passed|failure|failures|error).* =+)$"
)

# Why these settings, and nothing else:
# - an empty cursor: a cursor is an opaque token the server gave; any other string is refused
#   (400 ``invalid_cursor``, tested in tests/config and tests/community/forum), so generating
#   them proves nothing;
# - 422 is a valid answer to a well-formed request: it is how the API says a rule of what the
#   request names refused it (a resource not in the library, a board that is not there, an
#   Idempotency-Key used for other words), which no schema can know.
CONFIG = """
[parameters]
"query.cursor" = ""

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]
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
    return [line.strip() for line in output.splitlines() if SUMMARY.match(line)]


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
        "2",
        "--max-response-time",
        "5",
        *headers,
    )
    summary = _summary(result.stdout)
    record_property("conformance", f"{role}: " + " | ".join(summary))
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-2000:]
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
        "2",
    )
    summary = _summary(result.stdout)
    record_property("conformance", "authentication API: " + " | ".join(summary))
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-2000:]
