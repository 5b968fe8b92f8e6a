"""Fixtures for tests that run a real Celery worker against Redis and an SMTP server.

Each test gets its own broker namespace (a Redis key prefix), its own SMTP server and the
test database of its pytest worker, so these tests run side by side under ``pytest -n``.
"""

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import redis
from kombu import pools as kombu_pools

from tests.worker import SITE_URL, Worker


@dataclass
class Broker:
    """Every Redis key of one test's workers: queues, bindings, unacknowledged messages and
    cache entries all share the prefix."""

    url: str
    prefix: str

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def keys(self) -> list[str]:
        with self.client() as client:
            return sorted(
                key.decode() for key in client.scan_iter(match=f"{self.prefix}*", count=1000)
            )

    def flush(self) -> int:
        """Deletes every key of this broker, as a Redis restarted without persistence would
        lose them. Returns how many were deleted."""
        with self.client() as client:
            keys = list(client.scan_iter(match=f"{self.prefix}*", count=1000))
            return int(client.delete(*keys)) if keys else 0


def _reset_producers(app: Any) -> None:
    """Drops the app's cached broker connections, so the next task sent uses the broker
    settings in force now."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    # kombu also keeps producer pools in a process-wide registry keyed by connection: left
    # there, a closed pool would be handed out again ("Acquire on closed pool").
    kombu_pools.reset()


@pytest.fixture
def broker() -> Iterator[Broker]:
    """Tasks sent by the test process go to Redis under a key prefix of this test (instead of
    running eagerly in-process), where this test's workers consume them."""
    from config.celery import app

    found = Broker(
        url=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        prefix=f"test-{uuid.uuid4().hex}-",
    )
    saved = (
        app.conf.task_always_eager,
        app.conf.broker_url,
        app.conf.broker_transport_options,
    )
    _reset_producers(app)
    app.conf.update(
        task_always_eager=False,
        broker_url=found.url,
        broker_transport_options={**saved[2], "global_keyprefix": found.prefix},
    )
    yield found
    _reset_producers(app)
    app.conf.update(
        task_always_eager=saved[0], broker_url=saved[1], broker_transport_options=saved[2]
    )
    found.flush()


def _database_url() -> str:
    """The test database of this pytest process, for the worker process to use too."""
    from django.db import connection

    db = connection.settings_dict
    assert connection.vendor == "postgresql", "worker tests need PostgreSQL (a shared database)"
    credentials = quote(db["USER"] or "postgres", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def worker_env(transactional_db, broker, smtp_server, settings) -> dict[str, str]:
    """The environment of a worker process: this test's database, broker and SMTP server,
    and outbox timings short enough for a test (send at once, retry after half a second,
    sweep every second, leases of two seconds)."""
    settings.SITE_URL = SITE_URL
    settings.EMAIL_COALESCE_SECONDS = 0
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "EMAIL_", "PYTEST_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=_database_url(),
        REDIS_URL=broker.url,
        CELERY_KEY_PREFIX=broker.prefix,
        CACHE_KEY_PREFIX=f"{broker.prefix}cache",
        SITE_URL=SITE_URL,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}",
        EMAIL_TIMEOUT="5",
        EMAIL_COALESCE_SECONDS="0",
        EMAIL_RETRY_BASE_SECONDS="0.5",
        EMAIL_LEASE_SECONDS="2",
        EMAIL_SWEEP_SECONDS="1",
        EMAIL_SWEEP_GRACE_SECONDS="0",
    )
    return env


@pytest.fixture
def start_worker(worker_env, broker, tmp_path) -> Iterator[Callable[..., Worker]]:
    """Starts real ``celery -A config worker`` processes (with beat embedded unless asked
    otherwise); all are killed when the test ends. Their logs are printed, and so shown
    when the test fails."""
    started: list[Worker] = []

    def start(*, beat: bool = True) -> Worker:
        number = len(started) + 1
        worker = Worker(
            env=worker_env,
            name=f"{broker.prefix}{number}",
            directory=tmp_path / f"worker-{number}",
            beat=beat,
        )
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()
        print(f"--- log of worker {worker.name} ---\n{worker.log()}")
