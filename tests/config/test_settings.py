"""Production settings refuse to start unsafely and pass the deploy checks; the request log."""

import json
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tests import factories

REPO_ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_HOST = "community.example.org"
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


def production_env(**overrides: str) -> dict[str, str]:
    """The environment of a production process: DEBUG off and the settings it then needs."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SITE_URL"}
        and not key.startswith("SECURE_")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(45),
        ALLOWED_HOSTS=PRODUCTION_HOST,
        SITE_URL=f"https://{PRODUCTION_HOST}",
    )
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --- Production mode ------------------------------------------------------------------------


def test_production_without_secret_key_refuses_to_start():
    env = production_env()
    del env["SECRET_KEY"]
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_production_with_empty_secret_key_refuses_to_start():
    result = run(["manage.py", "check"], production_env(SECRET_KEY=""))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_deploy_check_has_no_warnings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr
    assert "security.W" not in result.stdout + result.stderr


def test_seed_demo_refuses_in_production():
    result = run(["manage.py", "seed_demo"], production_env())
    assert result.returncode != 0
    assert "Demo data is for the laptop default only" in result.stderr
    assert "Demo community ready" not in result.stdout


PRODUCTION_REQUESTS_SCRIPT = """
import json
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="community.example.org")
out = {}
for path in ("/healthz", "/api/v1/me"):
    plain = client.get(path)
    proxied = client.get(path, HTTP_X_FORWARDED_PROTO="https")
    out[path] = {
        "plain": [plain.status_code, plain.get("Location", "")],
        "proxied": [proxied.status_code, proxied.get("Content-Type", "")],
        "hsts": proxied.get("Strict-Transport-Security", ""),
    }
print(json.dumps(out))
"""


def test_production_redirects_to_https_except_health_checks():
    result = run(["-c", PRODUCTION_REQUESTS_SCRIPT], production_env())
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["/healthz"]["plain"] == [200, ""]
    assert out["/api/v1/me"]["plain"] == [301, f"https://{PRODUCTION_HOST}/api/v1/me"]
    assert out["/api/v1/me"]["proxied"] == [401, "application/json"]
    assert "max-age=31536000" in out["/api/v1/me"]["hsts"]


# --- Request id and request log -------------------------------------------------------------


def request_log_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "config.request"]


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/me", "/api/v1/does-not-exist", "/"])
def test_every_response_carries_a_generated_request_id(client, db, path):
    first = client.get(path)
    second = client.get(path)
    assert GENERATED_ID.match(first["X-Request-ID"])
    assert GENERATED_ID.match(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize(
    "incoming", ["abcdefgh", "trace-1234.abc_DEF", "A" * 64, "0123456789abcdef0123456789abcdef"]
)
def test_a_valid_client_request_id_is_echoed(client, db, caplog, incoming):
    caplog.set_level(logging.INFO, logger="config.request")
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] == incoming
    (record,) = request_log_records(caplog)
    assert f"request_id={incoming}" in record.getMessage()


@pytest.mark.parametrize(
    "incoming",
    [
        "short",
        "A" * 65,
        "has spaces in it",
        "semi;colon;id",
        "abcdefgh\n",
        "abcdefgh\nforged log line",
        "ünïcödé-id",
        "",
    ],
    ids=[
        "too-short",
        "too-long",
        "spaces",
        "semicolons",
        "trailing-newline",
        "embedded-newline",
        "non-ascii",
        "empty",
    ],
)
def test_an_invalid_client_request_id_is_replaced(client, db, caplog, incoming):
    caplog.set_level(logging.INFO, logger="config.request")
    response = client.get("/api/v1/me", HTTP_X_REQUEST_ID=incoming)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert GENERATED_ID.match(response["X-Request-ID"])
    (record,) = request_log_records(caplog)
    assert f"request_id={response['X-Request-ID']}" in record.getMessage()
    assert "\n" not in record.getMessage()


def test_log_line_has_method_path_status_and_id_but_not_the_query(member_client, caplog):
    caplog.set_level(logging.INFO, logger="config.request")
    response = member_client.get(
        "/api/v1/members/nobody_here", {"search": "querysecret", "cursor": "cursorsecret"}
    )
    assert response.status_code == 404
    (record,) = request_log_records(caplog)
    message = record.getMessage()
    assert record.levelno == logging.INFO
    assert message.startswith("GET /api/v1/members/nobody_here 404 ")
    assert f"request_id={response['X-Request-ID']}" in message
    assert "querysecret" not in caplog.text
    assert "cursorsecret" not in caplog.text
    assert "?" not in message


def test_log_line_never_has_the_request_body(member_client, caplog):
    caplog.set_level(logging.DEBUG)
    bio = "my-private-bio-text-7d1f"
    response = member_client.patch(
        "/api/v1/me?token=querytoken-55", {"profile": {"bio": bio}}, format="json"
    )
    assert response.status_code == 200
    (record,) = request_log_records(caplog)
    assert record.getMessage().startswith("PATCH /api/v1/me 200 ")
    assert bio not in caplog.text
    assert "querytoken-55" not in caplog.text


def test_log_line_is_written_for_rejected_and_crashed_requests(member, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="config.request")

    def crash(**kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr("accounts.selectors.me_get", crash)
    client = APIClient(raise_request_exception=False)
    client.force_login(member)
    nul = client.get("/api/v1/members/a%00b")
    crashed = client.get("/api/v1/me")
    assert nul.status_code == 400
    assert crashed.status_code == 500
    records = request_log_records(caplog)
    assert [record.getMessage().split()[:3] for record in records] == [
        ["GET", "/api/v1/members/a\x00b", "400"],
        ["GET", "/api/v1/me", "500"],
    ]
    assert f"request_id={nul['X-Request-ID']}" in records[0].getMessage()
    assert f"request_id={crashed['X-Request-ID']}" in records[1].getMessage()


LOGIN = "/api/auth/browser/v1/auth/login"


def _captured(caplog) -> str:
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        parts.append(repr(getattr(record, "request", "")))
    return "\n".join(parts)


@pytest.mark.parametrize("correct_password", [True, False], ids=["success", "wrong-password"])
def test_login_never_logs_the_email_or_password(db, caplog, correct_password):
    member = factories.UserFactory(email="private.person@example.org")
    password = factories.PASSWORD if correct_password else "wrong-but-secret-password-9"
    caplog.set_level(logging.DEBUG)
    client = APIClient()
    response = client.post(LOGIN, {"email": member.email, "password": password}, format="json")
    assert response.status_code == (200 if correct_password else 400), response.content
    (record,) = request_log_records(caplog)
    assert record.getMessage().startswith(f"POST {LOGIN} {response.status_code} ")
    captured = _captured(caplog).lower()
    assert member.email.lower() not in captured
    assert "private.person" not in captured
    assert password.lower() not in captured


def test_log_line_never_has_an_unsubscribe_token(client, db, caplog):
    """Whoever reads the logs must not be able to switch a member's emails off."""
    caplog.set_level(logging.INFO, logger="config.request")
    response = client.get("/email/unsubscribe/secret-token-value-123")
    assert response.status_code == 400
    (record,) = request_log_records(caplog)
    assert record.getMessage().startswith("GET /email/unsubscribe/<token> 400 ")
    assert "secret-token-value-123" not in caplog.text
