"""An address too long to read is a 414 in the API's error shape, from the application and
from gunicorn as deployed, up to the request line gunicorn takes."""

import http.client
import json
import os

import pytest

from bench.lib.servers import start_server

LONG_PATH = "/api/v1/threads/1/posts?cursor=" + "a" * 5000


def test_a_long_api_address_is_414_uri_too_long(anon_client):
    response = anon_client.get(LONG_PATH)

    assert response.status_code == 414
    assert response.json()["code"] == "uri_too_long"
    assert "request body" in response.json()["message"]


def test_an_address_at_the_limit_is_read(anon_client, settings, db):
    settings.API_MAX_URL_LENGTH = 4096
    path, query = "/api/v1/search", "q=neck&cursor="
    at_limit = query + "a" * (4096 - len(path) - len(query))
    response = anon_client.get(f"{path}?{at_limit}")
    assert response.status_code == 400  # read: the cursor is not one we gave
    assert response.json()["code"] == "invalid_cursor"
    over = anon_client.get(f"{path}?{at_limit}a")
    assert over.status_code == 414


@pytest.fixture
def gunicorn():
    server = start_server(
        os.environ.get("DATABASE_URL", "sqlite:///:memory:"),
        os.environ.get("REDIS_URL", ""),
        workers=1,
    )
    yield server
    server.stop()


def get_raw(port: int, path: str) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, response.getheader("Content-Type", ""), body


def test_gunicorn_lets_the_application_answer_long_request_lines(gunicorn):
    for length in (4100, 6000, 8000):
        status, content_type, body = get_raw(gunicorn.port, "/api/v1/boards?x=" + "a" * length)
        assert status == 414, (length, status)
        assert content_type.startswith("application/json"), (length, body[:200])
        assert json.loads(body)["code"] == "uri_too_long"
