"""A real ``celery -A config worker`` process for delivery tests.

The in-process suite runs tasks eagerly; these tests need what only a real worker shows:
tasks crossing Redis, a process killed mid-batch, beat sweeping what the broker lost. The
worker runs in its own process group so that killing it also kills its embedded beat.
"""

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from bench.lib.servers import worker_command

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The site address given to workers (and to the test process): it is in every link, and its
# host names the Message-ID and thread reference domains.
SITE_URL = "https://community.example.org"


class Worker:
    """One worker as deployed (its prefork pool runs a child process per core), optionally
    with beat embedded (``-B``). Its log and beat's schedule file live in ``directory``."""

    def __init__(
        self, *, env: dict[str, str], name: str, directory: Path, beat: bool = False
    ) -> None:
        self.env = env
        self.name = name
        self.beat = beat
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.log_path = self.directory / "worker.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.killed = False

    def command(self) -> list[str]:
        command = worker_command(self.name)
        if self.beat:
            # A fresh schedule file: beat starts counting its intervals from now.
            command += ["-B", "--schedule", str(self.directory / "beat-schedule")]
        return command

    def start(self, *, timeout: float = 20.0) -> "Worker":
        """Starts the process and waits until it consumes from its queues."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=PROJECT_ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log():
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"the worker did not start:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole process group: no shutdown handlers, no acknowledgements, no
        messages handed back to the broker, as when a machine loses power."""
        if self.process is None or self.killed:
            return
        self.killed = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Ends the worker for good (test teardown)."""
        self.kill()


def wait_until(check: Callable[[], bool], *, timeout: float = 15.0, what: str = "") -> None:
    """Polls ``check`` until it holds; fails naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or check}")
