"""The servers the outbox's fault tests start, break and restart: a Redis, a PostgreSQL cluster
and an SMTP server of their own, and what the tests need to drive a real worker against them.

The fault tests kill Redis, crash PostgreSQL and make the mail server misbehave. Doing that to
the shared servers would break every other test running beside them, so each server here is
private to the test module, listens on a free port of 127.0.0.1, lives in a temporary folder
and is stopped by its process id when the module ends, however it ends.
"""

import asyncio
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.lib.servers import free_port
from tests.worker import PROJECT_ROOT, SITE_URL

LOOPBACK = "127.0.0.1"


def _wait_for(check: Any, *, timeout: float, what: str, pause: float = 0.05) -> None:
    """Polls ``check`` until it returns true; fails naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(pause)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def base_env() -> dict[str, str]:
    """This process's environment without what would point a child process elsewhere: the
    shared database and Redis, mail settings and outbox timings (so a deployment's defaults
    apply), Celery settings and pytest's own variables."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "EMAIL_", "PYTEST_"))
        and key not in ("DATABASE_URL", "REDIS_URL", "CACHE_KEY_PREFIX")
    }


# --- Redis ----------------------------------------------------------------------------------------
class RedisServer:
    """``redis-server`` with no persistence: a SIGKILL and a restart on the same port give an
    empty broker, as a Redis without persistence that crashed would come back."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="outbox-faults-redis-"))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.directory / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    def start(self) -> "RedisServer":
        command = [
            "redis-server",
            "--bind",
            LOOPBACK,
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.directory),
            "--logfile",
            str(self.log_path),
        ]
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        _wait_for(self.ping, timeout=15, what=f"redis-server on port {self.port}")
        return self

    def ping(self) -> bool:
        import redis

        if self.process is None or self.process.poll() is not None:
            raise AssertionError(f"redis-server exited:\n{self.log()}")
        try:
            with redis.Redis(host=LOOPBACK, port=self.port, socket_timeout=1) as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def flush(self) -> None:
        """Forgets every key: a scenario never sees the messages of the one before."""
        import redis

        with redis.Redis(host=LOOPBACK, port=self.port) as client:
            client.flushall()

    def kill(self) -> None:
        """SIGKILL by process id: no shutdown, nothing saved."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def restart(self) -> None:
        """Killed, then started again empty on the same port, once it answers PING."""
        self.kill()
        self.start()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.directory, ignore_errors=True)


# --- PostgreSQL -----------------------------------------------------------------------------------
def _as_postgres(*command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Runs a PostgreSQL program as the ``postgres`` OS user: the server refuses to run as
    root, and these tests run as root."""
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *command],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


class PostgresCluster:
    """A PostgreSQL cluster of its own (the machine's PostgreSQL binaries, ``pg_config
    --bindir``): trust authentication on 127.0.0.1, its socket in its folder, fsync on, so
    an immediate restart is the crash a deployment could have and nothing more."""

    TEMPLATE = "outbox_template"

    def __init__(self) -> None:
        self.bindir = Path(
            subprocess.run(
                ["pg_config", "--bindir"], capture_output=True, text=True, check=True
            ).stdout.strip()
        )
        self.directory = Path(tempfile.mkdtemp(prefix="outbox-faults-pg-"))
        self.data = self.directory / "data"
        self.log_path = self.directory / "postgres.log"
        self.port = free_port()

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        done = _as_postgres(str(self.bindir / program), *args, cwd=self.directory)
        if done.returncode != 0:
            raise AssertionError(
                f"{program} {' '.join(args)} failed ({done.returncode}):\n"
                f"{done.stdout}\n{done.stderr}\n{self.log()}"
            )
        return done

    def start(self) -> "PostgresCluster":
        shutil.chown(self.directory, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# The outbox's fault tests\n"
                f"listen_addresses = '{LOOPBACK}'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.directory}'\n"
                "fsync = on\n"
                "synchronous_commit = on\n"
            )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-w", "start")
        return self

    def url(self, database: str) -> str:
        return f"postgres://postgres@{LOOPBACK}:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> Any:
        """A psycopg connection (autocommit) of the test process's own, not Django's."""
        import psycopg

        return psycopg.connect(
            host=LOOPBACK,
            port=self.port,
            user="postgres",
            dbname=database,
            autocommit=True,
            connect_timeout=3,
        )

    def create_database(self, name: str, *, template: str | None = None) -> None:
        with self.connect() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            if template:
                connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            else:
                connection.execute(f'CREATE DATABASE "{name}"')

    def migrate_template(self) -> None:
        """The schema, migrated once; each scenario's database is a copy of it."""
        self.create_database(self.TEMPLATE)
        done = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=PROJECT_ROOT,
            env={
                **base_env(),
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DATABASE_URL": self.url(self.TEMPLATE),
                "REDIS_URL": "",
            },
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"migrate failed:\n{done.stdout}\n{done.stderr}")

    def restart_immediately(self) -> None:
        """``pg_ctl restart -m immediate``: every backend is killed without a checkpoint, and
        the server replays its write-ahead log on the way back up, as after a power cut. Returns
        once it accepts connections again."""
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-m", "immediate", "-w",
            "restart",
        )  # fmt: skip

    def postmaster_pid(self) -> int | None:
        try:
            first = (self.data / "postmaster.pid").read_text().splitlines()[0]
        except (FileNotFoundError, IndexError):
            return None
        return int(first)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except (FileNotFoundError, PermissionError):
            return ""

    def stop(self) -> None:
        """Kills the postmaster by its process id (SIGQUIT: it ends its backends at once, and
        SIGKILL if it has not gone in ten seconds), then removes the folder."""
        pid = self.postmaster_pid()
        if pid is not None:
            for sig, wait in ((signal.SIGQUIT, 10.0), (signal.SIGKILL, 10.0)):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
                deadline = time.monotonic() + wait
                while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
                    time.sleep(0.05)
                if not Path(f"/proc/{pid}").exists():
                    break
        shutil.rmtree(self.directory, ignore_errors=True)


# --- SMTP -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Acceptance:
    message_id: str
    at: float  # time.monotonic() of the server's 250, comparable across processes on Linux


@dataclass
class SmtpStats:
    accepted: list[Acceptance]
    refused: int  # 4xx and 5xx answers
    hung: int  # DATA commands never answered


@dataclass
class _Behaviour:
    mode: str = "accept"
    share: float = 0.0
    address: str = ""
    seconds: float = 0.0


class _Handler:
    """aiosmtpd handler whose answers follow the behaviour set through the pipe."""

    def __init__(self, accepted: Any) -> None:
        self.accepted = accepted
        self.behaviour = _Behaviour()
        self.lock = threading.Lock()
        self.records: list[Acceptance] = []
        self.refused = 0
        self.hung = 0
        self.random = random.Random()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        behaviour = self.behaviour
        if behaviour.mode == "reject" and address.lower() == behaviour.address:
            with self.lock:
                self.refused += 1
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        behaviour = self.behaviour
        if behaviour.mode == "hang":
            with self.lock:
                self.hung += 1
            # Never answered, even once the fault is over: aiosmtpd cancels this when the
            # client gives up and hangs up (after its EMAIL_TIMEOUT).
            await asyncio.Event().wait()
        if behaviour.mode == "slow":
            await asyncio.sleep(behaviour.seconds)
        elif behaviour.mode == "tempfail" and self.random.random() < behaviour.share:
            with self.lock:
                self.refused += 1
            # 421 also closes the connection (smtplib hangs up on it); 451 keeps it open.
            return self.random.choice(
                ("421 4.7.0 Try again later, closing connection", "451 4.3.0 Try again later")
            )
        headers = BytesHeaderParser().parsebytes(envelope.content)
        message_id = str(headers.get("Message-ID", "")).strip()
        with self.lock:
            self.records.append(Acceptance(message_id=message_id, at=time.monotonic()))
            self.accepted.value += 1
        return "250 2.0.0 Message accepted for delivery"


def smtp_serve(port: int, accepted: Any, commands: Connection) -> None:
    """The SMTP server's own process: serves until told to stop, changing its behaviour and
    answering ``stats`` and ``reset`` as the test asks."""
    from aiosmtpd.controller import Controller

    handler = _Handler(accepted)
    controller = Controller(handler, hostname=LOOPBACK, port=port)
    controller.start()
    commands.send("ready")
    try:
        while True:
            command, argument = commands.recv()
            if command == "stop":
                break
            if command == "behave":
                handler.behaviour = _Behaviour(**argument)
                commands.send("ok")
            elif command == "stats":
                with handler.lock:
                    commands.send((list(handler.records), handler.refused, handler.hung))
            elif command == "reset":
                with handler.lock:
                    handler.records.clear()
                    handler.refused = handler.hung = 0
                    handler.accepted.value = 0
                handler.behaviour = _Behaviour()
                commands.send("ok")
    finally:
        controller.stop()


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 in a process of its own (so that it takes no time from
    the test process and keeps answering while the test waits), whose answers the test
    switches while the worker sends:

    - ``accept()``: 250 to every message, each recorded with its Message-ID and the time;
    - ``tempfail(share)``: 421 or 451 to that share of messages, not recorded;
    - ``reject(address)``: 550 to that recipient (at RCPT), every other message accepted;
    - ``hang()``: the connection and the commands are answered, DATA never is: the client
      gives up after its timeout and the message is not recorded;
    - ``slow(seconds)``: every DATA answered 250 after that long, and recorded.

    The number of accepted messages is shared memory, cheap to poll; ``stats()`` fetches the
    records through the pipe."""

    def __init__(self) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self.port = free_port()
        self.accepted = context.Value("q", 0, lock=False)
        self.commands, child = context.Pipe()
        self.process = context.Process(
            target=smtp_serve, args=(self.port, self.accepted, child), daemon=True
        )
        self._lock = threading.Lock()

    def start(self) -> "SmtpServer":
        self.process.start()
        try:
            ready = self.commands.poll(30) and self.commands.recv() == "ready"
        except EOFError:
            ready = False
        if not ready:
            self.stop()
            raise AssertionError("the SMTP server did not start")
        return self

    def _ask(self, command: str, argument: Any = None) -> Any:
        with self._lock:
            self.commands.send((command, argument))
            if not self.commands.poll(30):
                raise AssertionError(f"the SMTP server did not answer {command!r}")
            return self.commands.recv()

    def count(self) -> int:
        return int(self.accepted.value)

    def _behave(self, **behaviour: Any) -> None:
        assert self._ask("behave", behaviour) == "ok"

    def accept(self) -> None:
        self._behave(mode="accept")

    def tempfail(self, share: float) -> None:
        self._behave(mode="tempfail", share=share)

    def reject(self, address: str) -> None:
        self._behave(mode="reject", address=address.lower())

    def hang(self) -> None:
        self._behave(mode="hang")

    def slow(self, seconds: float) -> None:
        self._behave(mode="slow", seconds=seconds)

    def reset(self) -> None:
        """Forgets what was accepted and accepts everything again."""
        assert self._ask("reset") == "ok"

    def stats(self) -> SmtpStats:
        records, refused, hung = self._ask("stats")
        return SmtpStats(accepted=records, refused=refused, hung=hung)

    def stop(self) -> None:
        if self.process.is_alive():
            with contextlib.suppress(OSError, ValueError):
                self.commands.send(("stop", None))
            self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


# --- the worker's side ----------------------------------------------------------------------------
@dataclass
class Stack:
    """Where one scenario's worker finds everything: its database on the cluster, the
    module's Redis and SMTP server."""

    database_url: str
    redis_url: str
    smtp_port: int

    def env(self) -> dict[str, str]:
        """A worker's environment: production defaults for every outbox timing (none of the
        EMAIL_* variables of this process), but mail sent at once (no coalescing window)."""
        return {
            **base_env(),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "EMAIL_URL": f"smtp://{LOOPBACK}:{self.smtp_port}",
            "SITE_URL": SITE_URL,
            "EMAIL_COALESCE_SECONDS": "0",
        }


_CREATE_ROWS = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.utils import timezone
from community.notifications.models import DeliveryState, EmailCategory, EmailDelivery

count = int(sys.argv[1])
now = timezone.now()
EmailDelivery.objects.bulk_create(
    [
        EmailDelivery(
            dedupe_key=f"faults:{n}",
            category=EmailCategory.ESSENTIAL,
            kind="faults",
            urgent=True,
            to_email=f"member{n}@faults.example.org",
            subject=f"Fault test email {n}",
            body_text=f"Email {n} of {count}, sent while the outbox is being broken on purpose.",
            state=DeliveryState.PENDING,
            send_after=now,
        )
        for n in range(1, count + 1)
    ],
    batch_size=1000,
)
names = [
    "EMAIL_TIMEOUT", "EMAIL_LEASE_SECONDS", "EMAIL_RETRY_BASE_SECONDS",
    "EMAIL_RETRY_MAX_SECONDS", "EMAIL_MAX_ATTEMPTS", "EMAIL_SWEEP_SECONDS",
    "EMAIL_SWEEP_GRACE_SECONDS", "EMAIL_BATCH_SIZE", "EMAIL_MAX_CONNECTIONS",
    "EMAIL_COALESCE_SECONDS",
]
print(json.dumps({name: getattr(settings, name, None) for name in names}))
"""


def create_rows(stack: Stack, count: int) -> dict[str, Any]:
    """Writes ``count`` pending account emails through the ORM, in a process with the worker's
    environment; returns the outbox settings that process (and so the worker) runs with."""
    import json

    done = subprocess.run(
        [sys.executable, "-c", _CREATE_ROWS, str(count)],
        cwd=PROJECT_ROOT,
        env={**stack.env(), "REDIS_URL": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"creating the rows failed:\n{done.stdout}\n{done.stderr}")
    settings: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return settings


def enqueue_send_due(redis_url: str) -> None:
    """Sends one ``email.send_due`` task to the ``email`` queue of this Redis, as the app does
    when a row is written (a Celery app of its own: the test process's app runs tasks
    in-process)."""
    from celery import Celery
    from kombu import Queue

    app = Celery("outbox-faults", broker=redis_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_queues=(Queue("default"), Queue("email")),
        broker_connection_retry_on_startup=True,
    )
    try:
        app.send_task("email.send_due", queue="email")
    finally:
        app.close()
