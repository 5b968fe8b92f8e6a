"""A real HTTP server on 127.0.0.1, in a thread, for the link checker's benchmark and tests.

    with LocalServer() as server:
        settings.RESOURCES_LINK_CHECK_ALLOW = [server.allow]
        check_url(server.url("/status/404"), client=...)
        server.requests  # what it saw: method, path, User-Agent, Host

Paths it answers (anything after them, e.g. ``/ok/17`` or ``?n=3``, is ignored unless said):

- ``/ok``: 200.
- ``/status/<code>``: that status.
- ``/head-not-allowed``: 405 to HEAD, 200 to GET.
- ``/slow/<seconds>``: 200 after sleeping that long (a fraction is fine).
- ``/redirect/<n>``: 302 to ``/redirect/<n-1>``; ``/redirect/0`` answers 200.
- ``/loop/a`` and ``/loop/b``: 302 to each other.
- ``/to?location=<url>``: 302 to that location, whatever it is.
- anything set with ``server.answer(path, status)``: that status (for links that recover).
- anything else: 404.

``server.connections`` counts accepted TCP connections, ``server.max_in_flight`` the most
requests it was answering at once.
"""

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    user_agent: str
    host: str


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: "LocalServer"

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.owner._lock:
            self.owner.connections += 1
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (a timeout test) is not an error worth printing


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        owner = self.server.owner
        owner._seen(
            Seen(
                method=self.command,
                path=self.path,
                user_agent=self.headers.get("User-Agent", ""),
                host=self.headers.get("Host", ""),
            )
        )
        try:
            status, location = owner._route(self.command, self.path)
        finally:
            # Done before the answer leaves: a client may send its next request the moment it
            # has read this one, and must not find it still counted.
            owner._done()
        body = f"{status}\n".encode()
        try:
            self.send_response(status)
            if location is not None:
                self.send_header("Location", location)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:
            pass  # the client hung up first


class LocalServer:
    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.connections = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._answers: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> "LocalServer":
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def allow(self) -> str:
        """This server as an entry of RESOURCES_LINK_CHECK_ALLOW."""
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, path: str, status: int) -> None:
        """From now on ``path`` answers ``status``."""
        with self._lock:
            self._answers[path] = status

    def paths(self) -> list[str]:
        with self._lock:
            return [seen.path for seen in self.requests]

    def _seen(self, seen: Seen) -> None:
        with self._lock:
            self.requests.append(seen)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _route(self, method: str, target: str) -> tuple[int, str | None]:
        split = urlsplit(target)
        path = split.path
        parts = path.strip("/").split("/")
        with self._lock:
            scripted = self._answers.get(path)
        if scripted is not None:
            return scripted, None
        head, rest = parts[0], parts[1:]
        if head == "ok":
            return 200, None
        if head == "status" and rest:
            return int(rest[0]), None
        if head == "head-not-allowed":
            return (405 if method == "HEAD" else 200), None
        if head == "slow" and rest:
            time.sleep(float(rest[0]))
            return 200, None
        if head == "redirect" and rest:
            left = int(rest[0])
            return (200, None) if left <= 0 else (302, f"/redirect/{left - 1}")
        if head == "loop" and rest:
            return 302, "/loop/b" if rest[0] == "a" else "/loop/a"
        if head == "to":
            return 302, parse_qs(split.query)["location"][0]
        return 404, None
