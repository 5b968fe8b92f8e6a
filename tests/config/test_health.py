"""Liveness (/healthz) and readiness (/readyz), including with the database or Redis down and
with the outbox behind."""

import json
import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError, connection
from django.utils import timezone

from community.notifications import health as outbox_health
from community.notifications.models import DeliveryState, EmailCategory, EmailDelivery

REPO_ROOT = Path(__file__).resolve().parents[2]

GET_SCRIPT = """
import json
import sys
import django
django.setup()
from django.test import Client
response = Client(SERVER_NAME="127.0.0.1", HTTP_HOST="127.0.0.1").get(sys.argv[1])
print(json.dumps({
    "status": response.status_code,
    "content_type": response["Content-Type"],
    "body": json.loads(response.content),
}))
"""


def closed_port() -> int:
    """A local TCP port nothing listens on: bound by the OS, then released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for_this_test_run() -> str:
    """A URL for the database this test process uses, so a subprocess reaches a real one."""
    db = connection.settings_dict
    assert db["ENGINE"] == "django.db.backends.postgresql"
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{quote(db['NAME'], safe='')}"


def get_in_subprocess(path: str, **overrides: str) -> dict:
    """GETs ``path`` in a fresh Django process started with these environment overrides."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "true"}
    env.update(overrides)
    result = subprocess.run(
        [sys.executable, "-c", GET_SCRIPT, path],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, result.stdout + result.stderr
    return json.loads(lines[-1])


@pytest.fixture
def redis_url() -> str:
    assert django_settings.REDIS_URL, "the suite runs against Redis: set REDIS_URL"
    return django_settings.REDIS_URL


def test_healthz_is_ok_without_touching_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_only_answers_get(client, db):
    response = client.post("/healthz")
    assert response.status_code == 405


def test_readyz_is_ok_with_database_and_redis(client, db, redis_url):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "outbox": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_503_naming_the_database_when_it_is_down(redis_url):
    port = closed_port()
    result = get_in_subprocess(
        "/readyz",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/community",
        REDIS_URL=redis_url,
    )
    assert result["status"] == 503, result
    assert result["content_type"] == "application/json"
    assert result["body"] == {
        "status": "unavailable",
        "failed": ["database"],
        "checks": {"database": "unavailable", "redis": "ok"},
    }


def test_readyz_is_503_naming_redis_when_it_is_down(db, redis_url):
    port = closed_port()
    result = get_in_subprocess(
        "/readyz",
        DATABASE_URL=database_url_for_this_test_run(),
        REDIS_URL=f"redis://127.0.0.1:{port}/0",
    )
    assert result["status"] == 503, result
    assert result["content_type"] == "application/json"
    assert result["body"] == {
        "status": "unavailable",
        "failed": ["redis"],
        "checks": {"database": "ok", "redis": "unavailable"},
    }


def test_readyz_is_503_naming_both_when_both_are_down():
    result = get_in_subprocess(
        "/readyz",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port()}/community",
        REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0",
    )
    assert result["status"] == 503, result
    assert result["body"]["failed"] == ["database", "redis"]


def test_healthz_stays_ok_when_database_and_redis_are_down():
    result = get_in_subprocess(
        "/healthz",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port()}/community",
        REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0",
    )
    assert result == {"status": 200, "content_type": "application/json", "body": {"status": "ok"}}


# --- The outbox's warning ---------------------------------------------------------------------
# /readyz stays 200 whatever the outbox looks like, but says "degraded" once an email has waited
# longer than EMAIL_OUTBOX_DEGRADED_SECONDS since it became due: the senders are stopped, stuck
# or far behind.

READY = {"status": "ok", "checks": {"database": "ok", "redis": "ok", "outbox": "ok"}}


def _outbox_row(n: int, *, state: str, **fields: object) -> EmailDelivery:
    return EmailDelivery.objects.create(
        dedupe_key=f"essential:readyz-{n}",
        category=EmailCategory.ESSENTIAL,
        to_email=f"member{n}@example.org",
        state=state,
        **fields,
    )


def _ready_body(client) -> dict:
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    return response.json()


def _assert_degraded(body: dict, *, waited_at_least: int) -> None:
    """The degraded body, its wait within a few seconds of what the row was given."""
    waited = body["details"]["outbox"].pop("oldest_due_seconds")
    assert waited_at_least <= waited < waited_at_least + 10, waited
    assert body == {
        "status": "degraded",
        "warnings": ["outbox"],
        "checks": {"database": "ok", "redis": "ok", "outbox": "degraded"},
        "details": {"outbox": {"threshold_seconds": 60}},
    }


# Urgent mail sits in its own part of the due index (urgent leads it): it is looked up apart.
@pytest.mark.parametrize(
    ("state", "urgent"),
    [(DeliveryState.PENDING, False), (DeliveryState.FAILED, False), (DeliveryState.PENDING, True)],
)
def test_readyz_is_degraded_once_a_due_email_waited_longer_than_the_setting(
    client, db, redis_url, settings, state, urgent
):
    settings.EMAIL_OUTBOX_DEGRADED_SECONDS = 60
    now = timezone.now()
    _outbox_row(1, state=state, urgent=urgent, send_after=now - timedelta(seconds=90))
    # Others due for less long do not hide it.
    _outbox_row(2, state=state, urgent=not urgent, send_after=now - timedelta(seconds=10))

    _assert_degraded(_ready_body(client), waited_at_least=90)


def test_readyz_is_ok_while_the_due_email_has_waited_less_than_the_setting(
    client, db, redis_url, settings
):
    settings.EMAIL_OUTBOX_DEGRADED_SECONDS = 60
    _outbox_row(1, state=DeliveryState.PENDING, send_after=timezone.now() - timedelta(seconds=30))

    assert _ready_body(client) == READY


def test_readyz_counts_an_email_left_sending_from_the_end_of_its_lapsed_lease(
    client, db, redis_url, settings
):
    settings.EMAIL_OUTBOX_DEGRADED_SECONDS = 60
    now = timezone.now()
    # Its worker died: nobody has renewed the lease for 90 seconds.
    _outbox_row(
        1,
        state=DeliveryState.SENDING,
        send_after=now - timedelta(hours=1),
        lease_until=now - timedelta(seconds=90),
    )

    _assert_degraded(_ready_body(client), waited_at_least=90)


def test_readyz_ignores_emails_not_due_yet_being_sent_or_done_with(client, db, redis_url, settings):
    settings.EMAIL_OUTBOX_DEGRADED_SECONDS = 60
    now = timezone.now()
    long_ago = now - timedelta(days=1)
    _outbox_row(1, state=DeliveryState.PENDING, send_after=now + timedelta(hours=1))
    _outbox_row(2, state=DeliveryState.FAILED, send_after=now + timedelta(minutes=5))
    # Due for an hour, but a live worker holds it and is sending it.
    _outbox_row(
        3,
        state=DeliveryState.SENDING,
        send_after=now - timedelta(hours=1),
        lease_until=now + timedelta(seconds=20),
    )
    for n, state in enumerate([DeliveryState.SENT, DeliveryState.DEAD, DeliveryState.SKIPPED], 4):
        _outbox_row(n, state=state, send_after=long_ago)

    assert _ready_body(client) == READY


def test_readyz_stays_200_when_the_outbox_check_itself_fails(client, db, redis_url, monkeypatch):
    def statement_timeout(**kwargs: object) -> None:
        raise OperationalError("canceling statement due to statement timeout")

    monkeypatch.setattr(outbox_health, "oldest_due_at", statement_timeout)

    assert _ready_body(client) == {
        "status": "degraded",
        "warnings": ["outbox"],
        "checks": {"database": "ok", "redis": "ok", "outbox": "unavailable"},
        "details": {},
    }
