"""The outbox under faults: a real worker (beat embedded) sends a backlog of emails while one
of the things it depends on breaks, and no email may be lost or sent twice, and the last one
must go out within a minute of the fault's end.

What a deployment would live through, with a deployment's timings: every outbox setting
(lease, retry backoff, sweep interval, EMAIL_TIMEOUT) keeps its production default, only the
coalescing window is off so the rows are due at once. The servers are the module's own
(tests/faults.py): killing Redis or crashing PostgreSQL here touches nothing else. Each
scenario writes its rows into a fresh copy of a migrated database, starts a worker, asks the
email queue to send and, once the SMTP server has accepted ``FAULTS_AT`` messages, breaks
one thing:

- baseline: nothing;
- worker: the worker and its children SIGKILLed, a new one started at once;
- redis: Redis SIGKILLed and started again, empty, on the same port;
- postgres: ``pg_ctl restart -m immediate`` (the database crashes and replays its log);
- smtp-tempfail: the mail server refuses a share of messages (421/451) for a spell;
- smtp-reject-one: the mail server refuses one recipient for good (550): that email ends
  ``dead``, as it should, and does not count as lost;
- smtp-hang: the mail server stops answering DATA for a spell;
- smtp-slow: the mail server takes seconds to answer each message, from the start.

Every Message-ID the server accepts is recorded: each row's is stable (``<email.{pk}@...>``),
so an email sent twice shows as a Message-ID accepted twice. Sizes and spells come from the
environment: FAULTS_DELIVERIES (2000), FAULTS_AT (1000), FAULTS_SECONDS (15),
FAULTS_SLOW_DELIVERIES (10); FAULTS_REPORT names a markdown file to append a result row to.

    pytest -p no:xdist -m faults tests/community/notifications/test_faults.py -s
"""

import math
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.test.utils import override_settings

from community.notifications import emails
from community.notifications.models import DeliveryState, EmailDelivery
from tests.faults import (
    PostgresCluster,
    RedisServer,
    SmtpServer,
    SmtpStats,
    Stack,
    create_rows,
    enqueue_send_due,
)
from tests.worker import SITE_URL, Worker

pytestmark = [pytest.mark.faults, pytest.mark.xdist_group("faults")]


def _env_number(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


DELIVERIES = int(_env_number("FAULTS_DELIVERIES", 2000))
FAULT_AT = int(_env_number("FAULTS_AT", 1000))
FAULT_SECONDS = _env_number("FAULTS_SECONDS", 15)
SLOW_DELIVERIES = int(_env_number("FAULTS_SLOW_DELIVERIES", 10))
REPORT = os.environ.get("FAULTS_REPORT", "")

# The last email must go out within this long of the fault's end.
RECOVERY_LIMIT = 60.0
TEMPFAIL_SHARE = 0.3
SLOW_SECONDS = 4.0
# How long before the kill an email in flight may have been accepted (its mark on its way).
IN_FLIGHT_MARGIN = 0.5
# After every row is final, how long the SMTP server is still watched for a late second copy
# (plus the time a slow server takes to answer).
LATE_COPY_GRACE = 2.0
FINAL_STATES = (DeliveryState.SENT, DeliveryState.DEAD, DeliveryState.SKIPPED)
TABLE = EmailDelivery._meta.db_table


# --- the module's servers -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    """The cluster, with the schema migrated once into the template database."""
    server = PostgresCluster()
    try:
        server.start()
        server.migrate_template()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    try:
        yield server.start()
    finally:
        server.stop()


# --- one scenario ---------------------------------------------------------------------------------
@dataclass
class Run:
    """One scenario's database, workers and what was measured."""

    name: str
    deliveries: int
    cluster: PostgresCluster
    redis: RedisServer
    smtp: SmtpServer
    directory: Path
    database: str
    stack: Stack
    settings: dict[str, Any] = field(default_factory=dict)
    workers: list[Worker] = field(default_factory=list)
    rejected: str = ""

    def start_worker(self) -> Worker:
        number = len(self.workers) + 1
        worker = Worker(
            env=self.stack.env(),
            name=f"faults-{self.name}-{number}",
            directory=self.directory / f"worker-{number}",
            beat=True,
        )
        self.workers.append(worker)
        return worker.start(timeout=60)

    def stop_workers(self) -> None:
        for worker in self.workers:
            worker.stop()

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.cluster.connect(self.database) as connection:
            return list(connection.execute(sql, params).fetchall())

    def open_rows(self) -> int | None:
        """Rows not final yet; None while the database cannot be reached (restarting)."""
        try:
            [(count,)] = self.query(
                f"SELECT count(*) FROM {TABLE} WHERE NOT (state = ANY(%s))",  # noqa: S608
                ([state.value for state in FINAL_STATES],),
            )
        except psycopg.Error:
            return None
        return int(count)

    def rows(self) -> list[tuple[int, str, str, int, str]]:
        """Every row: id, to_email, state, attempts, last_error."""
        return [
            (int(pk), str(to), str(state), int(attempts), str(error))
            for pk, to, state, attempts, error in self.query(
                f"SELECT id, to_email, state, attempts, last_error FROM {TABLE} ORDER BY id"  # noqa: S608
            )
        ]

    def last_pending_address(self) -> str:
        """The address of a row the worker has not sent yet (the last: rows go in id order,
        and a small backlog may be claimed already)."""
        [(address,)] = self.query(
            f"SELECT to_email FROM {TABLE} WHERE NOT (state = ANY(%s)) "  # noqa: S608
            "ORDER BY id DESC LIMIT 1",
            ([state.value for state in FINAL_STATES],),
        )
        return str(address)

    def wait_accepted(self, count: int, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.smtp.count() < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the SMTP server accepted {self.smtp.count()} of {count} messages "
                    f"in {timeout:.0f} s"
                )
            if not any(worker.running for worker in self.workers):
                raise AssertionError("the worker exited")
            time.sleep(0.01)

    def wait_final(self, *, deadline: float) -> float | None:
        """When every row was seen final, or None if some were still open at the deadline."""
        while time.monotonic() < deadline:
            if self.open_rows() == 0:
                return time.monotonic()
            time.sleep(0.25)
        return None

    def diagnostics(self) -> str:
        lines = [f"--- scenario {self.name}: database {self.database}"]
        try:
            states = Counter(state for _, _, state, _, _ in self.rows())
            lines.append(f"row states: {dict(sorted(states.items()))}")
        except psycopg.Error as exc:
            lines.append(f"row states: the database did not answer ({exc})")
        lines.append(f"outbox settings of the worker: {self.settings}")
        for worker in self.workers:
            lines.append(f"--- log of worker {worker.name} ---\n{worker.log()}")
        if self.name == "redis":
            lines.append(f"--- Redis log ---\n{self.redis.log()}")
        if self.name == "postgres":
            lines.append(f"--- PostgreSQL log ---\n{self.cluster.log()}")
        return "\n".join(lines)


@pytest.fixture
def prepare(
    redis_server: RedisServer, cluster: PostgresCluster, smtp: SmtpServer, tmp_path: Path
) -> Iterator[Callable[[str, int], Run]]:
    """Makes a scenario's run: a fresh database from the template with its rows, an empty
    broker, an SMTP server that accepts everything and has accepted nothing. Its workers are
    killed when the test ends, however it ends."""
    runs: list[Run] = []

    def make(name: str, deliveries: int) -> Run:
        database = "outbox_" + name.replace("-", "_")
        cluster.create_database(database, template=PostgresCluster.TEMPLATE)
        redis_server.flush()
        smtp.reset()
        stack = Stack(
            database_url=cluster.url(database),
            redis_url=redis_server.url,
            smtp_port=smtp.port,
        )
        run = Run(
            name=name,
            deliveries=deliveries,
            cluster=cluster,
            redis=redis_server,
            smtp=smtp,
            directory=tmp_path,
            database=database,
            stack=stack,
        )
        runs.append(run)
        run.settings = create_rows(stack, deliveries)
        return run

    yield make
    for run in runs:
        run.stop_workers()


# --- the faults -----------------------------------------------------------------------------------
# Each breaks one thing and returns when its fault started and ended (monotonic clock).
Window = tuple[float, float]


def _kill_worker(run: Run) -> Window:
    # A crash comes at any moment of a sender's round, not just after the server accepted an
    # email (which is when the count that triggers the fault moves).
    time.sleep(random.uniform(0, 0.2))
    started = time.monotonic()
    run.workers[-1].kill()
    run.start_worker()
    return started, time.monotonic()


def _restart_redis(run: Run) -> Window:
    started = time.monotonic()
    run.redis.restart()
    return started, time.monotonic()


def _crash_postgres(run: Run) -> Window:
    started = time.monotonic()
    run.cluster.restart_immediately()
    return started, time.monotonic()


def _spell(run: Run, begin: Callable[[], None]) -> Window:
    started = time.monotonic()
    begin()
    time.sleep(FAULT_SECONDS)
    run.smtp.accept()
    return started, time.monotonic()


def _tempfail(run: Run) -> Window:
    return _spell(run, lambda: run.smtp.tempfail(TEMPFAIL_SHARE))


def _hang(run: Run) -> Window:
    return _spell(run, run.smtp.hang)


def _reject_one(run: Run) -> Window:
    """A one-off: the refusal of one address is the whole fault, so it ends as it starts."""
    run.rejected = run.last_pending_address()
    run.smtp.reject(run.rejected)
    now = time.monotonic()
    return now, now


def _slow(run: Run) -> Window:
    """In force from before the first email to after the last: it never ends."""
    run.smtp.slow(SLOW_SECONDS)
    now = time.monotonic()
    return now, math.inf


@dataclass(frozen=True)
class Fault:
    name: str
    inject: Callable[[Run], Window] | None
    deliveries: int = DELIVERIES
    # Injected once the server accepted this many messages; 0: before the first is sent.
    at: int = FAULT_AT


FAULTS = [
    Fault("baseline", None),
    Fault("worker", _kill_worker),
    Fault("redis", _restart_redis),
    Fault("postgres", _crash_postgres),
    Fault("smtp-tempfail", _tempfail),
    Fault("smtp-reject-one", _reject_one),
    Fault("smtp-hang", _hang),
    Fault("smtp-slow", _slow, deliveries=SLOW_DELIVERIES, at=0),
]


# --- what was measured ----------------------------------------------------------------------------
@dataclass
class Result:
    fault: Fault
    deliveries: int
    lost: list[str]
    # Each Message-ID accepted more than once, with the times (s from the first send_due).
    duplicated: dict[str, list[float]]
    problems: list[str]
    # Seconds from the fault's end to the last acceptance (None: no fault); for a fault that
    # never ends, seconds beyond the time the slow server itself needs.
    after_fault: float | None
    total: float
    finished: bool
    stats: SmtpStats
    workers: int
    # When the fault started and ended, in seconds from the first send_due.
    fault_window: tuple[float, float] | None

    @property
    def in_flight(self) -> dict[str, list[float]]:
        """The duplicates a kill cannot help making: emails first accepted in the instant
        before the worker died, whose "sent" mark it had no time to write. SMTP gives no way to
        ask a server whether it took a message, so the next worker sends it again (with the
        same Message-ID, which receivers may drop)."""
        if self.fault.name != "worker" or self.fault_window is None:
            return {}
        begin, end = self.fault_window
        return {
            message_id: times
            for message_id, times in self.duplicated.items()
            if begin - IN_FLIGHT_MARGIN <= times[0] <= end and all(t > end for t in times[1:])
        }

    @property
    def doubled(self) -> dict[str, list[float]]:
        """Duplicates the outbox could have avoided: every one but those in flight at a kill."""
        return {k: v for k, v in self.duplicated.items() if k not in self.in_flight}

    def duplicated_cell(self) -> str:
        if self.in_flight:
            return f"{len(self.duplicated)} ({len(self.in_flight)} in flight at the kill)"
        return str(len(self.duplicated))

    def line(self) -> str:
        after = "-" if self.after_fault is None else f"{self.after_fault:.1f} s"
        done = "" if self.finished else " (rows still open at the deadline)"
        window = ""
        if self.fault_window is not None:
            begin, end = self.fault_window
            window = f" (fault from {begin:.1f} s to " + (
                "the end)" if math.isinf(end) else f"{end:.1f} s)"
            )
        return (
            f"faults {self.fault.name}{window}: {self.deliveries} deliveries, "
            f"lost {len(self.lost)}, "
            f"duplicated {self.duplicated_cell()}, last delivery after the fault {after}, "
            f"total {self.total:.1f} s{done}; the server accepted {len(self.stats.accepted)}, "
            f"refused {self.stats.refused}, left {self.stats.hung} unanswered; "
            f"{self.workers} worker(s)"
        )

    def table_row(self) -> str:
        after = "-" if self.after_fault is None else f"{self.after_fault:.1f}"
        if self.fault.name == "smtp-slow" and self.after_fault is not None:
            after += " (beyond the server's own time)"
        total = f"{self.total:.1f}" if self.finished else f"> {self.total:.0f} (unfinished)"
        return (
            f"| {self.fault.name} | {self.deliveries:,} | {len(self.lost)} "
            f"| {self.duplicated_cell()} | {after} | {total} |"
        )


def _message_ids(pks: list[int]) -> dict[int, str]:
    """Each row's Message-ID as the worker makes it (the worker's SITE_URL names the domain)."""
    with override_settings(SITE_URL=SITE_URL):
        return {pk: emails.message_id(EmailDelivery(pk=pk)) for pk in pks}


def _judge(
    run: Run,
    fault: Fault,
    stats: SmtpStats,
    window: Window | None,
    started: float,
    finished: float | None,
) -> Result:
    rows = run.rows()
    ids = _message_ids([pk for pk, *_ in rows])
    accepted = Counter(acceptance.message_id for acceptance in stats.accepted)
    problems: list[str] = []
    lost: list[str] = []
    for pk, to_email, state, attempts, error in rows:
        was_accepted = accepted[ids[pk]] > 0
        if to_email == run.rejected:
            if state != DeliveryState.DEAD or was_accepted:
                problems.append(
                    f"the refused row {pk} <{to_email}> is {state}, accepted: {was_accepted}"
                )
            continue
        if state != DeliveryState.SENT or not was_accepted:
            lost.append(
                f"row {pk} <{to_email}>: {state} after {attempts} tries, accepted by the "
                f"server: {was_accepted}, last error: {error[:200]!r}"
            )
    duplicated = {
        message_id: [round(a.at - started, 2) for a in stats.accepted if a.message_id == message_id]
        for message_id, n in accepted.items()
        if n > 1
    }
    strangers = set(accepted) - set(ids.values())
    if strangers:
        problems.append(f"Message-IDs of no row were accepted: {sorted(strangers)[:10]}")
    if fault.name == "smtp-reject-one" and not run.rejected:
        problems.append("no recipient was refused")

    last = max((acceptance.at for acceptance in stats.accepted), default=started)
    end = finished if finished is not None else time.monotonic()
    after_fault: float | None = None
    if window is not None:
        if math.isinf(window[1]):
            # The slow server's own time: every message over one connection, one after another.
            after_fault = max(0.0, last - started - fault.deliveries * SLOW_SECONDS)
        else:
            after_fault = max(0.0, (last if finished is not None else end) - window[1])
    return Result(
        fault=fault,
        deliveries=fault.deliveries,
        lost=lost,
        duplicated=duplicated,
        problems=problems,
        after_fault=after_fault,
        total=end - started,
        finished=finished is not None,
        stats=stats,
        workers=len(run.workers),
        fault_window=None if window is None else (window[0] - started, window[1] - started),
    )


def _report(result: Result) -> None:
    print(result.line(), flush=True)
    if not REPORT:
        return
    path = Path(REPORT)
    new = not path.exists() or path.stat().st_size == 0
    with path.open("a") as out:
        if new:
            out.write(
                "| fault | deliveries | lost | duplicated "
                "| last delivery after the fault (s) | total (s) |\n"
                "| --- | ---: | ---: | ---: | ---: | ---: |\n"
            )
        out.write(result.table_row() + "\n")


def _deadline(fault: Fault, window: Window | None, started: float) -> float:
    """How long to wait for every row to be final: long enough to measure a recovery well
    past the limit rather than stop at it, and for the rest of the backlog to go even at a
    twentieth of the usual pace."""
    backlog = fault.deliveries / 20
    if window is None:
        return started + RECOVERY_LIMIT + backlog
    if math.isinf(window[1]):
        return started + fault.deliveries * SLOW_SECONDS + 2 * RECOVERY_LIMIT
    return window[1] + 2 * RECOVERY_LIMIT + backlog


def _measure(run: Run, fault: Fault) -> Result:
    window: Window | None = None
    if fault.inject is not None and fault.at == 0:
        window = fault.inject(run)
    run.start_worker()
    started = time.monotonic()
    enqueue_send_due(run.redis.url)
    if fault.inject is not None and fault.at > 0:
        run.wait_accepted(fault.at, timeout=RECOVERY_LIMIT + fault.at / 20)
        window = fault.inject(run)
    finished = run.wait_final(deadline=_deadline(fault, window, started))
    # A second copy could still be on its way: give it time to arrive before looking.
    time.sleep(LATE_COPY_GRACE + (SLOW_SECONDS if fault.name == "smtp-slow" else 0))
    run.stop_workers()
    return _judge(run, fault, run.smtp.stats(), window, started, finished)


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
def test_no_email_is_lost_or_sent_twice(fault: Fault, prepare: Callable[[str, int], Run]) -> None:
    run = prepare(fault.name, fault.deliveries)
    try:
        result = _measure(run, fault)
    except BaseException:
        print(run.diagnostics(), flush=True)
        raise
    _report(result)

    failures = list(result.problems)
    if result.lost:
        failures.append(
            f"{len(result.lost)} emails lost, e.g.:\n  " + "\n  ".join(result.lost[:20])
        )
    # A sender has one email in flight at most: a kill may catch each pool process at it.
    if len(result.in_flight) > settings.CELERY_WORKER_CONCURRENCY:
        failures.append(
            f"{len(result.in_flight)} emails in flight at the kill, more than the worker's "
            f"{settings.CELERY_WORKER_CONCURRENCY} pool processes can have: {result.in_flight}"
        )
    if result.doubled:
        sample = sorted(result.doubled.items())[:20]
        failures.append(
            f"{len(result.doubled)} emails accepted more than once, e.g. "
            + ", ".join(f"{message_id} at {times} s" for message_id, times in sample)
        )
    if not result.finished:
        failures.append("some rows were still not final at the deadline")
    if result.after_fault is not None and result.after_fault > RECOVERY_LIMIT:
        failures.append(
            f"the last email went {result.after_fault:.1f} s after the fault "
            f"(limit {RECOVERY_LIMIT:.0f} s)"
        )
    if failures:
        print(run.diagnostics(), flush=True)
        pytest.fail(f"{result.line()}\n" + "\n".join(failures), pytrace=False)
