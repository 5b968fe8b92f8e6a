"""Sequential, timed requests over one keep-alive connection to 127.0.0.1; signing in;
following the API's ``next`` links."""

import http.client
import json
import sys
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bench.lib.common import BENCH_PASSWORD, LOOPBACK, bench_email


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]
    ms: float

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """Sequential requests over one keep-alive connection to 127.0.0.1."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.token: str | None = None
        self.conn = http.client.HTTPConnection(LOOPBACK, port, timeout=30)

    def request(self, method: str, path: str, payload: Any = None) -> Reply:
        """An API request: JSON in and out, with the session token once signed in."""
        headers = {"Accept": "application/json"}
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["X-Session-Token"] = self.token
        return self.exchange(method, path, body, headers)

    def exchange(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> Reply:
        """One request and its answer, timed from sending to the last byte read."""
        for attempt in (1, 2):
            try:
                started = time.perf_counter()
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                elapsed = (time.perf_counter() - started) * 1000
            except (http.client.RemoteDisconnected, ConnectionError, BrokenPipeError):
                # The server closed an idle connection: reconnect once, outside the timing.
                self.conn.close()
                if attempt == 2:
                    raise
                continue
            self.answered(response)
            return Reply(response.status, data, dict(response.getheaders()), elapsed)
        raise RuntimeError("unreachable")

    def answered(self, response: http.client.HTTPResponse) -> None:
        """What the client keeps of an answer, after the timing (nothing here)."""

    def close(self) -> None:
        self.conn.close()


def local_path(url: str) -> str:
    """The path and query of a link the API returned, which must point back at 127.0.0.1."""
    parts = urlsplit(url)
    if parts.hostname not in (None, LOOPBACK):
        sys.exit(f"The API returned a link to {parts.hostname!r}; refusing to follow it.")
    return parts.path + (f"?{parts.query}" if parts.query else "")


def sign_in(
    client: Client,
    *,
    email: str | None = None,
    password: str = BENCH_PASSWORD,
    what: str = "Sign-in",
) -> None:
    """Signs in through the app authentication API (the first bench member unless told
    otherwise); the client sends the session token from then on."""
    reply = client.request(
        "POST",
        "/api/auth/app/v1/auth/login",
        {"email": email or bench_email(1), "password": password},
    )
    if reply.status != 200:
        sys.exit(f"{what} failed: HTTP {reply.status} {reply.body[:300]!r}")
    client.token = reply.json()["meta"]["session_token"]


def follow_next(client: Client, path: str, pages: int) -> tuple[str | None, str]:
    """The link to the page ``pages`` pages after ``path``, following ``next`` from it; or
    None and why not."""
    for page in range(1, pages + 1):
        reply = client.request("GET", path)
        if reply.status != 200:
            return None, f"page {page} answered HTTP {reply.status}: {reply.body[:120]!r}"
        nxt = reply.json().get("next")
        if not nxt:
            return None, f"no next link after page {page}"
        path = local_path(nxt)
    return path, ""
