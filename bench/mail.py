"""Measures the email outbox: the fan-out of a reply to its thread's watchers, and one worker
sending a backlog of notification emails to an SMTP server on 127.0.0.1.

    python -m bench.mail [--database-url URL] [--redis-url URL] [--watchers 5000]
                         [--emails 10000] [--max-seconds 180]

Drops and recreates its own database (its name must contain "bench", on 127.0.0.1), applies
the migrations and starts an SMTP server (aiosmtpd, in a process of its own) that accepts
everything and counts what it accepted. Django runs in this process against the bench
database and a Redis key prefix of its own (removed at the end), DEBUG off, with the
production defaults for email (a coalescing window). Tables are vacuumed and analysed before
each measurement, as autovacuum would have them.

1. Fan-out: a reply in a thread with ``--watchers`` watchers, then a second reply while their
   emails are still pending (it joins them). ``notify_post_published`` is timed in-process
   with its queries counted; the same is done at 50 watchers first, and the query counts must
   match: no query per watcher. Target: at most 2 s.
2. Sending: two replies in a thread with ``--emails`` watchers make that many pending emails
   of two notifications each (a tenth of the members quote post text), made due at once. One
   real worker (``celery worker``, queues default and email, its prefork pool a child per
   core, as deployed) is started; the clock runs from enqueuing ``email.send_due`` until the
   SMTP server has accepted every email and every row is ``sent``. Target: at most 30 s.
3. Where a batch's time goes: ten more batches sent in this process as the worker sends
   them, with claiming, composing, building the messages, the SMTP dialogue and the database
   apart.

Prints a summary and writes it to docs/benchmarks/email-YYYY-MM-DD.md; the worker's log goes
to bench/results/email-worker.log.
"""

import multiprocessing
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.lib.common import (
    BASE_DIR,
    LOOPBACK,
    RESULTS_DIR,
    bench_args,
    bench_parser,
    database_name,
    django_environment,
    django_start,
    member_row,
)
from bench.lib.database import database_fresh, redis_forget, vacuum_analyze
from bench.lib.report import machine_lines, produced_by, shown, today, write_report
from bench.lib.servers import free_port, stop_process, worker_command

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_email"
FANOUT_TARGET_S = 2.0
SEND_TARGET_S = 30.0
SMALL_WATCHERS = 50
BREAKDOWN_BATCHES = 10
TEXT_SHARE = 10  # one member in this many quotes post text in their emails
REPLY_BODIES = [
    "Same here. My neurologist moved me to ten-week cycles and the last two weeks are easier.",
    "Heat packs before bed help me more than anything else, and a thinner pillow.",
]


# --- SMTP server --------------------------------------------------------------------------------
@dataclass
class SmtpStats:
    accepted: int
    distinct_recipients: int
    sample: bytes


class _Counting:
    """aiosmtpd handler: accepts every message, counting them and their recipients, so that a
    message sent twice shows."""

    def __init__(self, accepted: Any) -> None:
        self.accepted = accepted
        self.recipients: set[str] = set()
        self.sample = b""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.recipients.update(envelope.rcpt_tos)
        if not self.sample:
            self.sample = bytes(envelope.content)
        self.accepted.value += 1
        return "250 Message accepted for delivery"


def smtp_serve(port: int, accepted: Any, commands: Connection) -> None:
    """The SMTP server's own process: serves until told to stop, answering ``stats``."""
    from aiosmtpd.controller import Controller

    handler = _Counting(accepted)
    controller = Controller(handler, hostname=LOOPBACK, port=port)
    controller.start()
    commands.send("ready")
    try:
        while (command := commands.recv()) != "stop":
            if command == "stats":
                commands.send((len(handler.recipients), handler.sample))
    finally:
        controller.stop()


class SmtpServer:
    """An SMTP server on 127.0.0.1 in a process of its own (aiosmtpd), so that it takes no
    time from the process being measured; the count of accepted messages is shared memory."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.port = free_port()
        self.accepted = context.Value("q", 0, lock=False)
        self.commands, child = context.Pipe()
        self.process = context.Process(
            target=smtp_serve, args=(self.port, self.accepted, child), daemon=True
        )

    def start(self) -> "SmtpServer":
        self.process.start()
        try:
            ready = self.commands.poll(30) and self.commands.recv() == "ready"
        except EOFError:
            ready = False
        if not ready:
            sys.exit("The SMTP server did not start.")
        return self

    @property
    def pid(self) -> int:
        return int(self.process.pid or 0)

    def count(self) -> int:
        return int(self.accepted.value)

    def stats(self) -> SmtpStats:
        self.commands.send("stats")
        distinct, sample = self.commands.recv()
        return SmtpStats(accepted=self.count(), distinct_recipients=distinct, sample=sample)

    def stop(self) -> None:
        if self.process.is_alive():
            self.commands.send("stop")
            self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


# --- Django in this process ---------------------------------------------------------------------
@dataclass
class Environment:
    database_url: str
    redis_url: str
    smtp_port: int
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(50))
    prefix: str = field(default_factory=lambda: f"bench-email-{secrets.token_hex(4)}")

    def variables(self) -> dict[str, str]:
        """What this process and the worker share: the bench database, a Redis key prefix no
        one else uses (queues and cache), the SMTP server, production settings."""
        return {
            **django_environment(
                database_url=self.database_url,
                redis_url=self.redis_url,
                cache_key_prefix=self.prefix,
                secret_key=self.secret_key,
            ),
            "CELERY_KEY_PREFIX": f"{self.prefix}.",
            "EMAIL_URL": f"smtp://{LOOPBACK}:{self.smtp_port}",
            # One member replies twice in a row to make the backlog.
            "MODERATION_FLOOD_SECONDS": "0",
        }


# --- data ---------------------------------------------------------------------------------------
def members_create(count: int) -> list[int]:
    """Members with an email address each (no usable password: nobody signs in)."""
    from accounts.models import User

    users = [member_row(f"reader{n}@bench.example.org", f"reader_{n}") for n in range(1, count + 1)]
    created = User.objects.bulk_create(users, batch_size=5_000)
    return [user.pk for user in created]


def author_create(name: str) -> Any:
    author = member_row(f"{name}@bench.example.org", name)
    author.save()
    return author


def board_create() -> Any:
    from community.forum.models import Board, BoardVisibility, PostingPolicy

    return Board.objects.create(
        slug="bench-email",
        name="Living with cervical dystonia",
        visibility=BoardVisibility.PUBLIC,
        posting_policy=PostingPolicy.OPEN,
    )


def watched_thread(*, board: Any, starter: Any, watcher_ids: list[int], title: str) -> Any:
    """A thread started through the forum service (its starter follows it) with these members
    watching it too."""
    from community.forum.models import Subscription, SubscriptionLevel
    from community.notifications.fanout import notify_post_published
    from community.posting.services import thread_create

    thread = thread_create(
        author=starter,
        board=board,
        title=title,
        body="How long do your injections last before the pulling comes back?",
    )
    # The opening post's fan-out (nobody watches the board) is done here, not by the worker.
    notify_post_published(post_id=thread.opening_post.pk)  # type: ignore[attr-defined]
    Subscription.objects.bulk_create(
        [
            Subscription(user_id=pk, thread=thread, level=SubscriptionLevel.WATCHING)
            for pk in watcher_ids
        ],
        batch_size=5_000,
    )
    return thread


def reply(*, thread: Any, author: Any, n: int) -> Any:
    from community.posting.services import post_create

    return post_create(author=author, thread_id=thread.pk, body=REPLY_BODIES[n % 2])


# --- part 1: fan-out ----------------------------------------------------------------------------
@dataclass
class Fanout:
    watchers: int
    reply: str
    ms: float
    queries: int
    notifications: int
    emails_opened: int
    emails_pending: int

    @property
    def passed(self) -> bool:
        return self.ms <= FANOUT_TARGET_S * 1000


def timed_fanout(*, post_id: int, thread_id: int, watchers: int, label: str) -> Fanout:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from community.notifications.fanout import notify_post_published
    from community.notifications.models import DeliveryState, EmailDelivery, Notification

    before = EmailDelivery.objects.filter(thread_id=thread_id).count()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        created = notify_post_published(post_id=post_id)
        elapsed = (time.perf_counter() - started) * 1000
    made = Notification.objects.filter(post_id=post_id).count()
    if made != created:
        sys.exit(f"The fan-out said it made {created} notifications; the database has {made}.")
    rows = EmailDelivery.objects.filter(thread_id=thread_id)
    return Fanout(
        watchers=watchers,
        reply=label,
        ms=elapsed,
        queries=len(queries),
        notifications=created,
        emails_opened=rows.count() - before,
        emails_pending=rows.filter(state=DeliveryState.PENDING).count(),
    )


def fanout_part(*, board: Any, member_ids: list[int], watchers: int) -> list[Fanout]:
    """Two replies (the second joins the emails the first opened) at 50 watchers, then at
    ``watchers``. Each thread's starter watches it too, so the members add one fewer."""
    results = []
    for size in (SMALL_WATCHERS, watchers):
        starter = author_create(f"starter_{size}")
        replier = author_create(f"replier_{size}")
        thread = watched_thread(
            board=board,
            starter=starter,
            watcher_ids=member_ids[: size - 1],
            title="Botox wearing off early",
        )
        vacuum_analyze()
        for n, label in enumerate(("first reply", "second reply (joins pending emails)")):
            post = reply(thread=thread, author=replier, n=n)
            print(f"  fan-out to {size:,} watchers, {label}", flush=True)
            results.append(
                timed_fanout(post_id=post.pk, thread_id=thread.pk, watchers=size, label=label)
            )
    return results


# --- part 2: one worker sends ---------------------------------------------------------------------
@dataclass
class Sending:
    emails: int
    notifications: int
    with_text: int
    fanout_ms: list[float]
    seconds_to_smtp: float | None = None
    seconds_to_sent: float | None = None
    accepted: int = 0
    distinct_recipients: int = 0
    states: dict[str, int] = field(default_factory=dict)
    progress: list[tuple[float, int]] = field(default_factory=list)
    worker_ready_s: float = 0.0
    connections: int = 0
    note: str = ""
    subject: str = ""
    # CPU seconds spent while sending: the worker, its PostgreSQL backend, the SMTP server.
    cpu: dict[str, float] = field(default_factory=dict)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def rate(self) -> float:
        return self.emails / self.seconds_to_sent if self.seconds_to_sent else 0.0

    @property
    def passed(self) -> bool:
        return (
            self.seconds_to_sent is not None
            and self.seconds_to_sent <= SEND_TARGET_S
            and self.states.get("sent", 0) == self.emails
            and self.distinct_recipients == self.emails
        )


def backlog_create(
    *, board: Any, member_ids: list[int], emails: int, name: str
) -> tuple[Any, Sending]:
    """``emails`` pending notification emails about one thread, two replies each, due now."""
    from django.utils import timezone

    from community.notifications.models import (
        DeliveryState,
        EmailDelivery,
        EmailSettings,
        Notification,
    )

    starter = author_create(f"{name}_starter")
    replier = author_create(f"{name}_replier")
    watcher_ids = member_ids[: emails - 1]
    thread = watched_thread(
        board=board, starter=starter, watcher_ids=watcher_ids, title="Physio exercises that help"
    )
    quoting = watcher_ids[::TEXT_SHARE]
    EmailSettings.objects.bulk_create(
        [EmailSettings(user_id=pk, include_post_text=True) for pk in quoting],
        ignore_conflicts=True,
    )
    from community.notifications.fanout import notify_post_published

    fanout_ms = []
    for n in range(2):
        post = reply(thread=thread, author=replier, n=n)
        started = time.perf_counter()
        notify_post_published(post_id=post.pk)
        fanout_ms.append((time.perf_counter() - started) * 1000)
    rows = EmailDelivery.objects.filter(thread=thread, state=DeliveryState.PENDING)
    made_due = rows.update(send_after=timezone.now() - timedelta(seconds=1))
    notifications = Notification.objects.filter(thread=thread, email__isnull=False).count()
    if made_due != emails:
        sys.exit(f"Expected {emails:,} pending emails for the backlog, found {made_due:,}.")
    return thread, Sending(
        emails=made_due,
        notifications=notifications,
        with_text=len(quoting),
        fanout_ms=fanout_ms,
    )


def worker_start(environment: Environment, log: Path) -> tuple[subprocess.Popen[bytes], float]:
    """One worker as deployed (prefork pool), once it says it is ready."""
    env = {**os.environ, **environment.variables()}
    command = worker_command(environment.prefix)
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
            command, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"The worker exited early; see {log}")
        if b" ready." in log.read_bytes():
            return process, time.perf_counter() - started
        time.sleep(0.1)
    stop_process(process)
    sys.exit(f"The worker was not ready within a minute; see {log}")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process and its children (the worker and its pool's processes)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return cpu_seconds(pid) + sum(tree_cpu_seconds(int(child)) for child in children)


class BackendCpu:
    """CPU time of the bench database's other backends (the worker's), sampled now and then:
    a backend that closes between samples loses at most its last interval."""

    def __init__(self) -> None:
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}

    def sample(self) -> None:
        for pid in backend_pids():
            seconds = cpu_seconds(pid)
            self.first.setdefault(pid, seconds)
            self.last[pid] = max(seconds, self.last.get(pid, 0.0))

    def seconds(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def backend_pids() -> list[int]:
    """The PostgreSQL backends of the bench database other than this process's own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return [int(row[0]) for row in cursor.fetchall()]


def send_part(
    *,
    environment: Environment,
    smtp: SmtpServer,
    thread: Any,
    result: Sending,
    max_seconds: float,
) -> Sending:
    from django.conf import settings
    from django.db.models import Count

    from community.notifications.models import DeliveryState, EmailDelivery
    from config.celery import app

    log = RESULTS_DIR / "email-worker.log"
    process, result.worker_ready_s = worker_start(environment, log)
    result.connections = settings.EMAIL_MAX_CONNECTIONS
    rows = EmailDelivery.objects.filter(thread=thread)
    base = smtp.count()
    cpu_before = {"worker": tree_cpu_seconds(process.pid), "smtp": cpu_seconds(smtp.pid)}
    backends = BackendCpu()
    backends.sample()
    try:
        started = time.perf_counter()
        app.send_task("email.send_due", queue="email")
        next_mark = 5.0
        next_sample = 0.0
        while True:
            now = time.perf_counter() - started
            accepted = smtp.count() - base
            if result.seconds_to_smtp is None and accepted >= result.emails:
                result.seconds_to_smtp = now
            if now >= next_sample:
                backends.sample()
                next_sample += 0.5
            if now >= next_mark:
                result.progress.append((next_mark, accepted))
                print(f"  {now:5.1f}s: {accepted:,} accepted", flush=True)
                next_mark += 5.0
            if result.seconds_to_smtp is not None:
                open_rows = rows.filter(
                    state__in=[DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.FAILED]
                ).count()
                if not open_rows:
                    result.seconds_to_sent = time.perf_counter() - started
                    break
            if process.poll() is not None:
                result.note = f"the worker exited with code {process.returncode}; see {shown(log)}"
                break
            if now > max_seconds:
                result.note = f"stopped after {max_seconds:.0f} s"
                break
            time.sleep(0.05 if result.seconds_to_smtp is None else 0.02)
        backends.sample()
        result.load_after = os.getloadavg()
        result.cpu = {
            "worker": tree_cpu_seconds(process.pid) - cpu_before["worker"],
            "PostgreSQL": backends.seconds(),
            "SMTP server": cpu_seconds(smtp.pid) - cpu_before["smtp"],
        }
    finally:
        stop_process(process)
    stats = smtp.stats()
    result.accepted = stats.accepted - base
    result.distinct_recipients = stats.distinct_recipients
    if stats.sample:
        message = message_from_bytes(stats.sample, policy=policy.default)
        result.subject = str(message["Subject"])
    result.states = dict(
        rows.values("state").annotate(n=Count("id")).values_list("state", "n").order_by()
    )
    return result


# --- part 3: where a batch's time goes ------------------------------------------------------------
@dataclass
class Batch:
    rows: int
    claim_ms: float
    claim_queries: int
    # send_claimed, split by wrapping the real compose_batch and SMTP connection.
    send_ms: float
    send_queries: int
    compose_ms: float
    compose_queries: int
    messages_ms: float  # Django's SMTP backend: building and serialising the MIME messages
    dialogue_ms: float  # smtplib: connecting, MAIL/RCPT/DATA and the server's answers

    @property
    def database_ms(self) -> float:
        """The rest of send_claimed: loading the claimed rows and marking each one."""
        return self.send_ms - self.compose_ms - self.messages_ms - self.dialogue_ms


class _Timed:
    """Wraps the outbox's collaborators so that a batch's time can be split. Each wrapper
    calls the real thing; only the clock is added."""

    def __init__(self) -> None:
        from community.notifications.outbox import send

        self.send_module: Any = send
        self.compose_batch, self.get_connection = send.compose_batch, send.get_connection
        self.spent: dict[str, float] = {}

    def add(self, key: str, started: float) -> None:
        self.spent[key] = self.spent.get(key, 0.0) + (time.perf_counter() - started) * 1000

    def timed(self, key: str, call: Callable[..., Any]) -> Callable[..., Any]:
        """``call``, with the time each call takes added to ``key``."""

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                self.add(key, started)

        return wrapper

    def compose(self, rows: list[Any]) -> Any:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            try:
                return self.compose_batch(rows)
            finally:
                self.add("compose", started)
                self.spent["compose_queries"] = len(queries)

    def connection(self, *args: Any, **kwargs: Any) -> Any:
        backend = self.get_connection(*args, **kwargs)
        open_ = self.timed("dialogue", backend.open)

        def timed_open() -> Any:
            try:
                return open_()
            finally:
                # The SMTP connection exists once open: its sendmail is timed apart.
                smtp = backend.connection
                if smtp is not None and not hasattr(smtp, "_bench_timed"):
                    smtp.sendmail = self.timed("sendmail", smtp.sendmail)
                    smtp._bench_timed = True

        backend.send_messages = self.timed("send_messages", backend.send_messages)
        backend.open = timed_open
        backend.close = self.timed("dialogue", backend.close)
        return backend

    def __enter__(self) -> "_Timed":
        self.send_module.compose_batch = self.compose
        self.send_module.get_connection = self.connection
        return self

    def __exit__(self, *exc: object) -> None:
        self.send_module.compose_batch = self.compose_batch
        self.send_module.get_connection = self.get_connection


def breakdown_part(*, board: Any, member_ids: list[int], batch_size: int) -> list[Batch]:
    """Sends ``BREAKDOWN_BATCHES`` batches in this process as ``send_due`` does (the SMTP
    server is in its own process), timing each step of each batch."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from community.notifications.outbox.send import claim_due, send_claimed

    backlog_create(
        board=board, member_ids=member_ids, emails=BREAKDOWN_BATCHES * batch_size, name="profile"
    )
    vacuum_analyze()
    batches = []
    with _Timed() as timed:
        for _ in range(BREAKDOWN_BATCHES):
            with CaptureQueriesContext(connection) as claim_queries:
                started = time.perf_counter()
                claim = claim_due(limit=batch_size)
                claimed = time.perf_counter()
            if not claim:
                break
            timed.spent = {}
            with CaptureQueriesContext(connection) as queries:
                send_claimed(claim)
            done = time.perf_counter()
            spent = timed.spent
            dialogue = spent.get("sendmail", 0.0) + spent.get("dialogue", 0.0)
            batches.append(
                Batch(
                    rows=len(claim.ids),
                    claim_ms=(claimed - started) * 1000,
                    claim_queries=len(claim_queries),
                    send_ms=(done - claimed) * 1000,
                    send_queries=len(queries),
                    compose_ms=spent.get("compose", 0.0),
                    compose_queries=int(spent.get("compose_queries", 0)),
                    messages_ms=spent.get("send_messages", 0.0) - spent.get("sendmail", 0.0),
                    dialogue_ms=dialogue,
                )
            )
    return batches


# --- report -------------------------------------------------------------------------------------
def verdict(passed: bool) -> str:
    return "pass" if passed else "**miss**"


def fanout_table(results: list[Fanout]) -> str:
    lines = [
        "| watchers | reply | ms | queries | notifications | emails opened | emails pending "
        "| target | result |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r.watchers:,} | {r.reply} | {r.ms:.0f} | {r.queries} | {r.notifications:,} "
            f"| {r.emails_opened:,} | {r.emails_pending:,} | ≤ {FANOUT_TARGET_S * 1000:.0f} ms "
            f"| {verdict(r.passed)} |"
        )
    return "\n".join(lines)


def constant_queries(results: list[Fanout]) -> tuple[bool, str]:
    by_reply: dict[str, set[int]] = {}
    for r in results:
        by_reply.setdefault(r.reply, set()).add(r.queries)
    same = all(len(counts) == 1 for counts in by_reply.values())
    detail = "; ".join(
        f"{reply}: {', '.join(str(c) for c in sorted(counts))}"
        for reply, counts in by_reply.items()
    )
    return same, detail


def sending_table(s: Sending) -> str:
    smtp = f"{s.seconds_to_smtp:.1f}" if s.seconds_to_smtp is not None else "-"
    sent = f"{s.seconds_to_sent:.1f}" if s.seconds_to_sent is not None else "-"
    states = ", ".join(f"{k} {n:,}" for k, n in sorted(s.states.items()))
    return "\n".join(
        [
            "| emails | accepted by SMTP | s to accepted | s to all rows sent | emails/s "
            "| row states | target | result |",
            "| ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |",
            f"| {s.emails:,} | {s.accepted:,} | {smtp} | {sent} | {s.rate:.0f} | {states} "
            f"| ≤ {SEND_TARGET_S:.0f} s | {verdict(s.passed)} |",
        ]
    )


def cpu_line(s: Sending) -> str:
    """CPU time is what the machine's other work does not inflate: sending is one chain of
    worker, database and SMTP server waiting on each other, so their sum is about the time it
    takes on an otherwise idle machine."""
    if not s.cpu:
        return ""
    total = sum(s.cpu.values())
    parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in s.cpu.items())
    return (
        f"CPU time while sending: {parts}; {total:.1f} s in all, "
        f"{total / max(s.emails, 1) * 1000:.2f} ms an email. Load average at the end "
        f"(1, 5, 15 min): {s.load_after[0]:.2f}, {s.load_after[1]:.2f}, {s.load_after[2]:.2f}."
    )


def breakdown_table(batches: list[Batch]) -> str:
    if not batches:
        return "(no batches)"
    n = len(batches)
    per_batch = sum(b.rows for b in batches) / n

    def avg(values: list[float]) -> float:
        return sum(values) / n

    compose_queries = avg([b.compose_queries for b in batches])
    parts = [
        (
            "claim (SELECT … FOR UPDATE SKIP LOCKED, UPDATE)",
            avg([b.claim_ms for b in batches]),
            f"{avg([b.claim_queries for b in batches]):g}",
        ),
        (
            "compose (its queries, templates, tokens)",
            avg([b.compose_ms for b in batches]),
            f"{compose_queries:g}",
        ),
        (
            "build and serialise the MIME messages (Django)",
            avg([b.messages_ms for b in batches]),
            "-",
        ),
        (
            "SMTP dialogue (connect, MAIL, RCPT, DATA, answers)",
            avg([b.dialogue_ms for b in batches]),
            "-",
        ),
        (
            "database: load the rows, mark each one",
            avg([b.database_ms for b in batches]),
            f"{avg([b.send_queries for b in batches]) - compose_queries:g}",
        ),
    ]
    total = sum(ms for _, ms, _ in parts)
    lines = [
        f"Average of {n} batches of {per_batch:g} emails, sent in this process as the worker "
        "sends them (the SMTP server runs in its own process):",
        "",
        "| step | ms per batch | ms per email | share | queries per batch |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, ms, queries in parts:
        lines.append(f"| {name} | {ms:.0f} | {ms / per_batch:.2f} | {ms / total:.0%} | {queries} |")
    lines.append(f"| **total** | {total:.0f} | {total / per_batch:.2f} | 100% | |")
    return "\n".join(lines)


def report(
    *,
    fanouts: list[Fanout],
    sending: Sending,
    batches: list[Batch],
    database_url: str,
    load: tuple[float, float, float],
    batch_size: int,
    coalesce_seconds: int,
) -> str:
    same, detail = constant_queries(fanouts)
    progress = ", ".join(f"{t:.0f} s: {n:,}" for t, n in sending.progress)
    out = [
        f"# Email benchmark, {today()}",
        "",
        produced_by("bench/mail.py", database_url) + " with DEBUG off, Redis as "
        f"broker and cache, a {coalesce_seconds} s coalescing window and batches of "
        f"{batch_size}. The SMTP server is aiosmtpd on {LOOPBACK}, in a process of its own; it "
        "accepts every message. Tables are vacuumed and analysed before each measurement.",
        "",
        "## Fan-out of one reply to a thread's watchers",
        "",
        "`notify_post_published` called in-process, timed with its queries counted. The first "
        "reply opens one pending email per watcher; the second, while those are still pending, "
        "adds its notifications to them.",
        "",
        fanout_table(fanouts),
        "",
        f"Queries per fan-out are the same at {SMALL_WATCHERS} and {fanouts[-1].watchers:,} "
        f"watchers: **{'yes' if same else 'no'}** ({detail}).",
        "",
        "## One worker sending the backlog",
        "",
        f"{sending.emails:,} pending notification emails (two replies by one member in a thread "
        f"with {sending.emails:,} watchers: {sending.notifications:,} notifications; "
        f"{sending.with_text:,} members quote post text), made due at once. One worker: "
        "`celery -A config worker -Q default,email -P prefork --without-gossip --without-mingle "
        f"--without-heartbeat`, two pool processes per core, at most {sending.connections} SMTP "
        "connections at once (`EMAIL_MAX_CONNECTIONS`) (ready after "
        f"{sending.worker_ready_s:.1f} s, not counted). The "
        "clock runs from enqueuing `email.send_due` until the SMTP server accepted every email "
        "and every row is `sent`.",
        "",
        sending_table(sending),
        "",
        f"Accepted by the SMTP server after {progress or '-'}. Distinct recipients there: "
        f"{sending.distinct_recipients:,}. The two fan-outs that made the backlog "
        f"({sending.emails:,} watchers each) took "
        + " and ".join(f"{ms:.0f} ms" for ms in sending.fanout_ms)
        + ".",
        "",
    ]
    if sending.cpu:
        out += [cpu_line(sending), ""]
    if sending.subject:
        out += [f"Subject of the first email: “{sending.subject}”.", ""]
    if sending.note:
        out += [f"Note: {sending.note}.", ""]
    out += [
        "## Where a batch's time goes",
        "",
        breakdown_table(batches),
        "",
        "Composing and the SMTP backend are timed by wrapping the real functions; the database "
        "line is the rest of `send_claimed` (loading the claimed rows, one UPDATE "
        "per email to mark it sent), so it includes commits and a little Python. Queries are "
        "captured here, which makes each a little slower than in the worker.",
        "",
        *machine_lines(
            database_url,
            load,
            "The worker, PostgreSQL and the SMTP server share the machine's cores.",
        ),
    ]
    return "\n".join(out)


def main() -> None:
    parser = bench_parser(
        doc=__doc__ or "",
        database_env="BENCH_EMAIL_DATABASE_URL",
        database_url=DEFAULT_DATABASE_URL,
    )
    parser.add_argument("--watchers", type=int, default=5_000)
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--max-seconds", type=float, default=180.0)
    args = bench_args(parser)
    if not SMALL_WATCHERS < args.watchers <= 100_000 or not 100 <= args.emails <= 100_000:
        parser.error("--watchers must be 51 to 100,000 and --emails 100 to 100,000")

    print(f"Email benchmark in {database_name(args.database_url)!r}", flush=True)
    print("  create database and migrate", flush=True)
    database_fresh(args.database_url)
    smtp = SmtpServer().start()
    environment = Environment(
        database_url=args.database_url, redis_url=args.redis_url, smtp_port=smtp.port
    )
    try:
        django_start(environment.variables())
        from django.conf import settings

        members = max(args.watchers, args.emails, BREAKDOWN_BATCHES * settings.EMAIL_BATCH_SIZE)
        print(f"  {members:,} members", flush=True)
        member_ids = members_create(members)
        board = board_create()
        load = os.getloadavg()
        print("Fan-out", flush=True)
        fanouts = fanout_part(board=board, member_ids=member_ids, watchers=args.watchers)
        print(f"Sending: {args.emails:,} emails", flush=True)
        thread, backlog = backlog_create(
            board=board, member_ids=member_ids, emails=args.emails, name="backlog"
        )
        # Also clears the dead rows left by making the backlog due at once, which production
        # never does.
        vacuum_analyze()
        sending = send_part(
            environment=environment,
            smtp=smtp,
            thread=thread,
            result=backlog,
            max_seconds=args.max_seconds,
        )
        print("Where a batch's time goes", flush=True)
        batches = breakdown_part(
            board=board, member_ids=member_ids, batch_size=settings.EMAIL_BATCH_SIZE
        )
        text = report(
            fanouts=fanouts,
            sending=sending,
            batches=batches,
            database_url=args.database_url,
            load=load,
            batch_size=settings.EMAIL_BATCH_SIZE,
            coalesce_seconds=settings.EMAIL_COALESCE_SECONDS,
        )
    finally:
        smtp.stop()
        redis_forget(args.redis_url, environment.prefix)

    path = write_report(args.output_dir, "email", text)
    same, detail = constant_queries(fanouts)
    print()
    print(fanout_table(fanouts))
    print(f"\nSame queries at {SMALL_WATCHERS} and {args.watchers:,} watchers: {same} ({detail})")
    print()
    print(sending_table(sending))
    print(cpu_line(sending))
    print()
    print(breakdown_table(batches))
    print(f"\nWritten to {shown(path)}")
    if sending.accepted < sending.emails or sending.states.get("sent", 0) < sending.emails:
        sys.exit("Not every email was sent (see the table).")
    if sending.distinct_recipients != sending.emails:
        sys.exit("Some members were sent the same email twice (see the table).")
    if not same or not sending.passed or not all(f.passed for f in fanouts):
        print("Some targets were missed (see the tables).")


if __name__ == "__main__":
    main()
