"""The processes a benchmark starts on 127.0.0.1: gunicorn serving the site, a Celery worker
as deployed for email; a free port for them, and stopping them."""

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.lib.common import BASE_DIR, LOOPBACK, RESULTS_DIR, django_environment


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, and SIGKILL if it has not ended within 20 seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker_command(name: str) -> list[str]:
    """``celery -A config worker`` as deployed (README): both queues, the prefork pool with a
    child process per core, no chatter between workers; ``name`` is its node name."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-Q",
        "default,email",
        "-P",
        "prefork",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel",
        "INFO",
        "-n",
        f"{name}@%h",
    ]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    workers: int
    log: Path

    def stop(self) -> None:
        stop_process(self.process)


def start_server(database_url: str, redis_url: str, workers: int) -> Server:
    """gunicorn on a free 127.0.0.1 port (DEBUG off, the queries-per-request header on,
    throttles out of the way), once it answers /healthz. Its output goes to
    bench/results/gunicorn.log."""
    port = free_port()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    static_root = RESULTS_DIR / "static"
    static_root.mkdir(exist_ok=True)
    log = RESULTS_DIR / "gunicorn.log"
    env = {
        **os.environ,
        **django_environment(
            database_url=database_url,
            redis_url=redis_url,
            # A fresh key prefix per run: no cached value or throttle history from an earlier
            # one.
            cache_key_prefix=f"bench-{secrets.token_hex(4)}",
        ),
        "STATIC_ROOT": str(static_root),
        "THROTTLE_USER": "1000000/min",
        "THROTTLE_ANON": "1000000/min",
        # One bench member replies many times a second; the flood check still runs (its query
        # is measured), it just never refuses.
        "MODERATION_FLOOD_SECONDS": "0",
        "QUERY_COUNT_HEADER": "1",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "config/gunicorn.py",
        "config.wsgi:application",
        "--bind",
        f"{LOOPBACK}:{port}",
        "--workers",
        str(workers),
        # gthread keeps connections alive between requests (sync workers close each one).
        "--worker-class",
        "gthread",
        "--threads",
        "1",
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
            command, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    server = Server(process=process, port=port, workers=workers, log=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited early; see {log}")
        try:
            conn = http.client.HTTPConnection(LOOPBACK, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    sys.exit(f"gunicorn did not answer /healthz within a minute; see {log}")
