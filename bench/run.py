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

import json
import os
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import psycopg

from bench import vocabulary as v
from bench.lib.client import Client, Reply, follow_next, sign_in
from bench.lib.common import (
    DEFAULT_DATABASE_URL,
    GENERATION_RESULTS,
    RESULTS_DIR,
    bench_email,
    database_name,
    http_bench_args,
    http_bench_parser,
)
from bench.lib.measure import Result, measure, notes, table
from bench.lib.report import (
    machine_lines,
    over_http,
    shown,
    today,
    write_report,
)
from bench.lib.servers import Server, start_server

READ_P95_MS = 25.0
WRITE_P95_MS = 40.0
SEARCH_P95_MS = 150.0
DEEP_PAGES = 200
PAGE_SIZE = 25
REPLY_THREADS = 40
COMMON_WORD = "neck"
RARE_WORD = "hydrotherapy"


# --- scenarios ----------------------------------------------------------------------------------
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


def deep_cursor_path(client: Client, board: str) -> tuple[str | None, str]:
    """The link to the page ``DEEP_PAGES`` pages in, following ``next`` from the first page;
    or None and why not."""
    return follow_next(client, f"/api/v1/boards/{board}/threads?page_size={PAGE_SIZE}", DEEP_PAGES)


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
    gen: dict[str, Any] = {}
    if GENERATION_RESULTS.exists():
        gen = json.loads(GENERATION_RESULTS.read_text())
    out = [
        f"# Forum benchmark, {today()}",
        "",
        over_http(
            "bench/generate.py, then bench/run.py",
            server,
            signed_in="signed in as an established member with an X-Session-Token;",
            warmup=warmup,
            requests=requests,
        ),
        "",
        "## Results",
        "",
        table(results),
        "",
        f"Targets: reads p95 ≤ {READ_P95_MS:g} ms, reply create p95 ≤ {WRITE_P95_MS:g} ms, "
        f"search p95 ≤ {SEARCH_P95_MS:g} ms.",
        "",
    ]
    out += notes(results)
    out += [
        *machine_lines(
            database_url,
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
    parser = http_bench_parser(
        doc=__doc__ or "",
        database_env="BENCH_DATABASE_URL",
        database_url=DEFAULT_DATABASE_URL,
        warmup=20,
    )
    # The data set is bench.generate's: measured as it is, never dropped here.
    args = http_bench_args(parser, drops_database=False)

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
    path = write_report(args.output_dir, "forum", text)
    print()
    print(table(results))
    print(f"\nWritten to {shown(path)}")
    if any(r.errors for r in results):
        sys.exit("Some requests failed (see the table).")
    if any(r.available and not r.passed for r in results):
        print("Some targets were missed (see the table).")


if __name__ == "__main__":
    main()
