"""A real SMTP server on localhost (aiosmtpd) whose answers a test can script.

``server.mailbox`` holds every message the server accepted (answered 250 to), parsed.
``server.replies`` is a queue of answers for the next DATA commands (e.g. ``"451 4.3.0 Try
later"``); when it is empty the server accepts. ``server.on_message`` runs before the answer,
in the server's thread, and may return an answer of its own.
"""

import threading
import time
from collections import deque
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from bench.lib.servers import free_port


class _Handler:
    def __init__(self, server: "SmtpServer") -> None:
        self.server = server

    async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
        return self.server._received(envelope)


class SmtpServer:
    def __init__(self) -> None:
        self.mailbox: list[EmailMessage] = []
        self.replies: deque[str] = deque()
        self.on_message: Callable[[EmailMessage], str | None] | None = None
        self.attempts = 0
        self._lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def _received(self, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.attempts += 1
            answer = self.replies.popleft() if self.replies else None
        if answer is None and self.on_message is not None:
            answer = self.on_message(message)
        if answer is None or answer.startswith("250"):
            with self._lock:
                self.mailbox.append(message)
            return answer or "250 Message accepted for delivery"
        return answer

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def wait_for(self, count: int, *, timeout: float = 20.0) -> list[EmailMessage]:
        """Waits until at least ``count`` messages were accepted; returns the mailbox."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.mailbox) >= count:
                    return list(self.mailbox)
            time.sleep(0.05)
        with self._lock:
            got = len(self.mailbox)
        raise AssertionError(f"expected {count} messages at the SMTP server, got {got}")

    def email_settings(self) -> dict[str, Any]:
        """Django settings that send to this server."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_TIMEOUT": 5,
        }
