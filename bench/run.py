"""Measures the forum API over HTTP against gunicorn on 127.0.0.1.

    python -m bench.run [--database-url URL] [--redis-url URL] [--requests 200] [--warmup 20]

Starts gunicorn (DEBUG off, the queries-per-request header on, throttles out of the way) on a
free loopback port, waits for /healthz, signs in one bench member through the authentication
API, then for each scenario sends warm-up requests followed by ``--requests`` sequential
requests over one keep-alive connection (bounded by ``--max-seconds`` per scenario). Reports
p50, p95, p99 and queries per request against the targets, prints the table and writes it
with the machine and the data set to docs/benchmarks/forum-YYYY-MM-DD.md.

Reply creation runs last, so the reads see the data set as generated.
"""

import argparse
import http.client
import json
import math
import os
import platform
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import psycopg

from bench import vocabulary as v
from bench.common import (
    BASE_DIR,
    BENCH_PASSWORD,
    GENERATION_RESULTS,
    LOOPBACK,
    RESULTS_DIR,
    bench_email,
    database_name,
    database_url_from_env,
    redis_url_from_env,
    require_loopback,
)

READ_P95_MS = 25.0
WRITE_P95_MS = 40.0
SEARCH_P95_MS = 150.0
DEEP_PAGES = 200
PAGE_SIZE = 25
REPLY_THREADS = 40
COMMON_WORD = "neck"
RARE_WORD = "hydrotherapy"


# --- HTTP ---------------------------------------------------------------------------------------
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
        headers = {"Accept": "application/json"}
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["X-Session-Token"] = self.token
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
            return Reply(response.status, data, dict(response.getheaders()), elapsed)
        raise RuntimeError("unreachable")

    def close(self) -> None:
        self.conn.close()


def local_path(url: str) -> str:
    """The path and query of a link the API returned, which must point back at 127.0.0.1."""
    parts = urlsplit(url)
    if parts.hostname not in (None, LOOPBACK):
        sys.exit(f"The API returned a link to {parts.hostname!r}; refusing to follow it.")
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- gunicorn -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    workers: int
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(database_url: str, redis_url: str, workers: int) -> Server:
    port = free_port()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    static_root = RESULTS_DIR / "static"
    static_root.mkdir(exist_ok=True)
    log = RESULTS_DIR / "gunicorn.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": LOOPBACK,
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # A fresh key prefix per run: no cached value or throttle history from an earlier one.
        "CACHE_KEY_PREFIX": f"bench-{secrets.token_hex(4)}",
        "STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "WARNING",
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


# --- scenarios ----------------------------------------------------------------------------------
@dataclass
class Result:
    name: str
    target_ms: float | None
    timings: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    errors: int = 0
    note: str = ""
    available: bool = True

    def percentile(self, q: float) -> float:
        ordered = sorted(self.timings)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    @property
    def passed(self) -> bool:
        return (
            self.available
            and not self.errors
            and bool(self.timings)
            and (self.target_ms is None or self.percentile(0.95) <= self.target_ms)
        )


@dataclass
class Targets:
    biggest_board: str
    biggest_board_threads: int
    big_thread: int
    big_thread_posts: int
    reply_board: str
    reply_threads: list[int]
    word_matches: dict[str, int]


def find_targets(database_url: str) -> Targets:
    with psycopg.connect(database_url) as conn:
        biggest = conn.execute(
            "SELECT slug, thread_count FROM forum_board ORDER BY thread_count DESC LIMIT 1"
        ).fetchone()
        big = conn.execute(
            "SELECT id, last_position FROM forum_thread ORDER BY last_position DESC LIMIT 1"
        ).fetchone()
        member = conn.execute(
            "SELECT trust_level, role FROM accounts_user WHERE email = %s", [bench_email(1)]
        ).fetchone()
        reply_board = conn.execute(
            """
            SELECT slug FROM forum_board WHERE posting_policy = 'open' AND NOT is_archived
            ORDER BY thread_count DESC LIMIT 1
            """
        ).fetchone()
        if not (biggest and big and member and reply_board):
            sys.exit("The bench database is missing its data; run `python -m bench.generate`.")
        if member[0] != "established":
            sys.exit("The bench member must be established to post without moderation.")
        reply_threads = [
            row[0]
            for row in conn.execute(
                """
                SELECT t.id FROM forum_thread t JOIN forum_board b ON b.id = t.board_id
                WHERE b.slug = %s AND t.state = 'published' AND NOT t.is_locked AND t.id <> %s
                ORDER BY t.last_post_at DESC LIMIT %s
                """,
                [reply_board[0], big[0], REPLY_THREADS],
            )
        ]
        word_matches = {word: posts_matching(conn, word) for word in (COMMON_WORD, RARE_WORD)}
    return Targets(
        biggest_board=biggest[0],
        biggest_board_threads=biggest[1],
        big_thread=big[0],
        big_thread_posts=big[1],
        reply_board=reply_board[0],
        reply_threads=reply_threads,
        word_matches={w: n for w, n in word_matches.items() if n is not None},
    )


def posts_matching(conn: psycopg.Connection[Any], word: str) -> int | None:
    """Posts whose search vector matches the word (None without full-text search)."""
    try:
        with conn.transaction():
            row = conn.execute(
                "SELECT count(*) FROM forum_post "
                "WHERE search_vector @@ websearch_to_tsquery('english', %s)",
                [word],
            ).fetchone()
    except psycopg.errors.UndefinedColumn:
        return None
    return int(row[0]) if row else None


def measure(
    client: Client,
    result: Result,
    send: Callable[[int], Reply],
    *,
    requests: int,
    warmup: int,
    max_seconds: float,
    expect: int = 200,
) -> Result:
    for i in range(warmup):
        send(i)
    deadline = time.monotonic() + max_seconds
    for i in range(requests):
        reply = send(warmup + i)
        result.timings.append(reply.ms)
        if reply.status != expect:
            result.errors += 1
            if result.errors == 1:
                result.note = f"HTTP {reply.status}: {reply.body[:200]!r}"
        count = reply.headers.get("X-Query-Count")
        if count is not None:
            result.queries.append(int(count))
        if time.monotonic() > deadline:
            result.note = (result.note + " " if result.note else "") + "stopped at the time limit"
            break
    return result


def sign_in(client: Client) -> None:
    reply = client.request(
        "POST",
        "/api/auth/app/v1/auth/login",
        {"email": bench_email(1), "password": BENCH_PASSWORD},
    )
    if reply.status != 200:
        sys.exit(f"Sign-in failed: HTTP {reply.status} {reply.body[:300]!r}")
    client.token = reply.json()["meta"]["session_token"]


def deep_cursor_path(client: Client, board: str) -> tuple[str | None, str]:
    """The link to the page ``DEEP_PAGES`` pages in, following ``next`` from the first page;
    or None and why not."""
    path = f"/api/v1/boards/{board}/threads?page_size={PAGE_SIZE}"
    for page in range(1, DEEP_PAGES + 1):
        reply = client.request("GET", path)
        if reply.status != 200:
            return None, f"page {page} answered HTTP {reply.status}: {reply.body[:120]!r}"
        nxt = reply.json().get("next")
        if not nxt:
            return None, f"no next link after page {page}"
        path = local_path(nxt)
    return path, ""


def reply_body(i: int) -> str:
    """A short reply, different each time."""
    rng = random.Random(i)  # noqa: S311 (varied text, not secrets)
    sentences = []
    for template in rng.sample(v.GENERAL, 2):
        text = template.format_map({k: rng.choice(options) for k, options in v.SLOTS.items()})
        sentences.append(text[0].upper() + text[1:])
    return " ".join(sentences)


def run_scenarios(
    client: Client, targets: Targets, *, requests: int, warmup: int, max_seconds: float
) -> list[Result]:
    def get(path: str) -> Callable[[int], Reply]:
        return lambda _i: client.request("GET", path)

    opts = {"requests": requests, "warmup": warmup, "max_seconds": max_seconds}
    results: list[Result] = []
    board = targets.biggest_board
    big = targets.big_thread
    reads = [
        ("Board list (signed in)", "/api/v1/boards"),
        (f"Thread list, page 1 ({board})", f"/api/v1/boards/{board}/threads"),
    ]
    for name, path in reads:
        print(f"  {name}", flush=True)
        results.append(measure(client, Result(name, READ_P95_MS), get(path), **opts))

    name = f"Thread list, {DEEP_PAGES * PAGE_SIZE:,} threads deep ({board})"
    print(f"  {name}", flush=True)
    deep, why = deep_cursor_path(client, board)
    if deep is None:
        results.append(Result(name, READ_P95_MS, errors=1, note=f"could not get there: {why}"))
    else:
        results.append(measure(client, Result(name, READ_P95_MS), get(deep), **opts))

    posts = f"{targets.big_thread_posts:,}-post thread"
    for name, path in [
        (f"Thread detail ({posts})", f"/api/v1/threads/{big}"),
        (f"Posts, page 1 ({posts})", f"/api/v1/threads/{big}/posts"),
        (f"Posts, last page ({posts})", f"/api/v1/threads/{big}/posts?last=1"),
    ]:
        print(f"  {name}", flush=True)
        results.append(measure(client, Result(name, READ_P95_MS), get(path), **opts))

    for label, word in [("common", COMMON_WORD), ("rare", RARE_WORD)]:
        name = f"Search, {label} word ({word!r})"
        print(f"  {name}", flush=True)
        path = f"/api/v1/search?q={quote(word)}"
        probe = client.request("GET", path)
        if probe.status == 404:
            results.append(Result(name, SEARCH_P95_MS, available=False, note="not available"))
            continue
        result = measure(client, Result(name, SEARCH_P95_MS), get(path), **opts)
        if probe.status == 200:
            page = probe.json()
            more = ", more pages" if page.get("next") else ""
            matches = targets.word_matches.get(word)
            in_db = f"; {matches:,} posts match in the database" if matches is not None else ""
            result.note = (result.note + "; " if result.note else "") + (
                f"{len(page.get('results', []))} results on page 1{more}{in_db}"
            )
        results.append(result)

    name = f"Reply create ({targets.reply_board}, {len(targets.reply_threads)} threads)"
    print(f"  {name}", flush=True)
    threads = targets.reply_threads

    def reply(i: int) -> Reply:
        thread = threads[i % len(threads)]
        return client.request("POST", f"/api/v1/threads/{thread}/posts", {"body": reply_body(i)})

    results.append(measure(client, Result(name, WRITE_P95_MS), reply, expect=201, **opts))
    return results


# --- report -------------------------------------------------------------------------------------
def machine_lines(box: dict[str, str], load: tuple[float, ...], note: str) -> list[str]:
    """The report's "Machine" section."""
    return [
        "## Machine",
        "",
        f"- CPUs (nproc): {box['nproc']}",
        f"- CPU model: {box['cpu']}",
        f"- Memory: {box['memory']}",
        f"- PostgreSQL: {box['postgres']} ({box['postgres_settings']})",
        f"- Python {box['python']}, Linux {box['kernel']}",
        f"- Load average just before the measurement (1, 5, 15 min): {load[0]:.2f}, "
        f"{load[1]:.2f}, {load[2]:.2f}. {note}",
        "",
    ]


def machine(database_url: str) -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT version()").fetchone()
        settings = [
            (name, conn.execute(f"SHOW {name}").fetchone())
            for name in ("shared_buffers", "work_mem", "effective_cache_size")
        ]
    postgres = str(row[0]).split(" on ")[0] if row else "unknown"
    pg_settings = ", ".join(f"{name} {value[0]}" for name, value in settings if value)
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "memory": memory,
        "cpu": cpu,
        "postgres": postgres,
        "postgres_settings": pg_settings,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def fmt_queries(result: Result) -> str:
    if not result.queries:
        return "-"
    low, high = min(result.queries), max(result.queries)
    median = statistics.median(result.queries)
    return f"{median:g}" if low == high else f"{median:g} ({low}-{high})"


def table(results: list[Result]) -> str:
    lines = [
        "| scenario | n | p50 ms | p95 ms | p99 ms | queries/request | target (p95) | result |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        target = f"≤ {r.target_ms:g} ms" if r.target_ms else "-"
        if not r.available:
            lines.append(f"| {r.name} | - | - | - | - | - | {target} | not available |")
            continue
        if not r.timings:
            lines.append(f"| {r.name} | 0 | - | - | - | - | {target} | **failed** |")
            continue
        verdict = "pass" if r.passed else "**miss**"
        if r.errors:
            verdict = f"**{r.errors} errors**"
        lines.append(
            f"| {r.name} | {len(r.timings)} | {r.percentile(0.5):.1f} | {r.percentile(0.95):.1f} "
            f"| {r.percentile(0.99):.1f} | {fmt_queries(r)} | {target} | {verdict} |"
        )
    return "\n".join(lines)


def report(
    results: list[Result],
    *,
    database_url: str,
    server: Server,
    targets: Targets,
    requests: int,
    warmup: int,
    load: tuple[float, float, float],
) -> str:
    today = datetime.now(tz=UTC).date().isoformat()
    box = machine(database_url)
    gen: dict[str, Any] = {}
    if GENERATION_RESULTS.exists():
        gen = json.loads(GENERATION_RESULTS.read_text())
    out = [
        f"# Forum benchmark, {today}",
        "",
        "Produced by `make bench` (bench/generate.py, then bench/run.py). Sequential requests over "
        f"one keep-alive HTTP connection to gunicorn on {LOOPBACK} ({server.workers} gthread "
        "workers, DEBUG off, Redis cache), signed in as an established member with an "
        f"X-Session-Token; {warmup} warm-up requests then {requests} measured per scenario. "
        "Queries per request come from the X-Query-Count header (QUERY_COUNT_HEADER=1).",
        "",
        "## Results",
        "",
        table(results),
        "",
        f"Targets: reads p95 ≤ {READ_P95_MS:g} ms, reply create p95 ≤ {WRITE_P95_MS:g} ms, "
        f"search p95 ≤ {SEARCH_P95_MS:g} ms.",
        "",
    ]
    notes = [f"- {r.name}: {r.note}" for r in results if r.note]
    if notes:
        out += ["Notes:", "", *notes, ""]
    out += [
        *machine_lines(
            box,
            load,
            "Anything else running on the machine shows in the latencies; the measurement "
            "itself keeps about two processes busy.",
        ),
        "## Data set",
        "",
    ]
    if gen:
        vol = gen["volumes"]
        out += [
            f"Generated in **{gen['total_seconds']:.0f} s** (database {gen['database']!r}, "
            f"seed {gen['seed']}, {gen['generated_at']}).",
            "",
            "| what | rows |",
            "| --- | ---: |",
            *[
                f"| {k.replace('_', ' ')} | {n:,} |"
                for k, n in vol.items()
                if k != "database_bytes"
            ],
            f"| database size | {vol.get('database_bytes', 0) / 1024**3:.2f} GiB |",
            "",
            f"Biggest board: {targets.biggest_board} ({targets.biggest_board_threads:,} "
            f"published threads). Biggest thread: {targets.big_thread} "
            f"({targets.big_thread_posts:,} posts).",
            "",
            "Generation phases (seconds):",
            "",
            "| phase | s |",
            "| --- | ---: |",
            *[f"| {k} | {s:.1f} |" for k, s in gen["phases"].items()],
            "",
        ]
        slowest = list(gen["indexes"].items())[:5]
        out += [
            "Slowest index and constraint rebuilds: "
            + ", ".join(f"{name} {s:.1f} s" for name, s in slowest)
            + ".",
            "",
        ]
        for col in gen.get("generated_columns", []):
            out.append(
                f"Generated column {col['table']}.{col['column']}: about "
                f"{col['estimated_seconds_for_table']:.1f} s of the load "
                f"({col['microseconds_per_row']:.0f} µs a row, measured on "
                f"{col['sample_rows']:,} rows), paid inside the COPY."
            )
        out.append("")
    else:
        out += ["(No generation results found.)", ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=database_url_from_env())
    parser.add_argument("--redis-url", default=redis_url_from_env())
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--max-seconds", type=float, default=90.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output-dir", type=Path, default=BASE_DIR / "docs" / "benchmarks")
    args = parser.parse_args()
    require_loopback(args.database_url, what="The database URL")
    require_loopback(args.redis_url, what="The Redis URL")
    if not 1 <= args.requests <= 10_000 or not 0 <= args.warmup <= 1_000:
        parser.error("--requests must be 1 to 10,000 and --warmup 0 to 1,000")

    targets = find_targets(args.database_url)
    print(f"Measuring against {database_name(args.database_url)!r}", flush=True)
    load = os.getloadavg()
    server = start_server(args.database_url, args.redis_url, args.workers)
    try:
        client = Client(server.port)
        sign_in(client)
        results = run_scenarios(
            client,
            targets,
            requests=args.requests,
            warmup=args.warmup,
            max_seconds=args.max_seconds,
        )
        client.close()
    finally:
        server.stop()

    text = report(
        results,
        database_url=args.database_url,
        server=server,
        targets=targets,
        requests=args.requests,
        warmup=args.warmup,
        load=load,
    )
    raw = {
        r.name: {"ms": [round(t, 2) for t in r.timings], "queries": r.queries, "note": r.note}
        for r in results
    }
    (RESULTS_DIR / "run.json").write_text(json.dumps(raw, indent=1) + "\n")
    args.output_dir.mkdir(parents=True, exist_ok=True)
    path = args.output_dir / f"forum-{datetime.now(tz=UTC).date().isoformat()}.md"
    path.write_text(text)
    print()
    print(table(results))
    print(f"\nWritten to {path.relative_to(BASE_DIR) if path.is_relative_to(BASE_DIR) else path}")
    if any(r.errors for r in results):
        sys.exit("Some requests failed (see the table).")
    if any(r.available and not r.passed for r in results):
        print("Some targets were missed (see the table).")


if __name__ == "__main__":
    main()
