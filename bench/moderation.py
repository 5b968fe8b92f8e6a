"""Measures the moderation queue with 10,000 posts waiting: the API's queue and the admin's.

    python -m bench.moderation [--database-url URL] [--redis-url URL] [--requests 200]
                               [--warmup 10] [--pending 10000]

Drops and recreates its own database (its name must contain "bench", on 127.0.0.1), applies
the migrations, then loads with ``bulk_create`` in this process: a few hundred members, a
handful of boards, about 2,000 threads with 20,000 published posts, and ``--pending`` posts
waiting for a moderator (new members' replies and opening posts, one in fifty marked urgent).
One moderator (in the Moderators group, with a verified email address) signs in twice: through
the app authentication API (X-Session-Token) for the API, and through /admin/login/ (a session
cookie) for the admin. VACUUM ANALYZE, then gunicorn starts as bench/run.py starts it (DEBUG
off, Redis cache under a key prefix of its own, the queries-per-request header on).

Scenarios, each with warm-up requests then ``--requests`` sequential keep-alive requests: the
API queue's first page, a page ``DEEP_API_PAGES`` pages in (following ``next``), the admin
queue's first page and its page ``DEEP_ADMIN_PAGE``. Target: p95 at most 50 ms each, with the
same number of queries on a deep page as on the first. The report (with EXPLAIN ANALYZE of
the queue's paging query) goes to docs/benchmarks/moderation-YYYY-MM-DD.md.
"""

import http.client
import os
import random
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from bench import vocabulary as v
from bench.lib.client import Client, Reply, follow_next, sign_in
from bench.lib.common import (
    BENCH_PASSWORD,
    LOOPBACK,
    RESULTS_DIR,
    database_name,
    django_setup,
    http_bench_args,
    http_bench_parser,
    manage,
    member_row,
)
from bench.lib.database import database_fresh, redis_forget, vacuum_analyze
from bench.lib.measure import Result, fmt_queries, measure, notes, table
from bench.lib.report import (
    machine_lines,
    over_http,
    plan_lines,
    shown,
    today,
    write_report,
)
from bench.lib.servers import Server, start_server

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_moderation"
TARGET_P95_MS = 50.0
MEMBERS = 400
NEW_MEMBERS = 150  # of the members, those whose posts are held
BOARDS = 6
THREADS = 2_000
PUBLISHED_POSTS = 20_000
PENDING_THREADS = 300  # of the pending posts, those that open a thread of their own
URGENT_SHARE = 50  # one pending post in this many is marked urgent
DEEP_API_PAGES = 100
DEEP_ADMIN_PAGE = 50
MODERATOR_EMAIL = "moderator@bench.example.org"
BATCH = 5_000
SEED = 6


def sentence(rng: random.Random) -> str:
    template = rng.choice(v.GENERAL)
    text = template.format_map({k: rng.choice(options) for k, options in v.SLOTS.items()})
    return text[0].upper() + text[1:]


def body(rng: random.Random) -> tuple[str, str]:
    """A post's source and HTML: two to five sentences."""
    source = " ".join(sentence(rng) for _ in range(rng.randint(2, 5)))
    return source, f"<p>{source}</p>"


@dataclass
class Volumes:
    members: int = 0
    boards: int = 0
    threads: int = 0
    published_posts: int = 0
    pending_posts: int = 0
    urgent_pending: int = 0
    seconds: float = 0.0


def moderator_create() -> None:
    """The moderator who signs in: role, staff flag, the Moderators group, a password and a
    verified primary address, as seed_demo makes its demo moderators."""
    from allauth.account.models import EmailAddress

    from accounts.models import Role, TrustLevel, User
    from accounts.services import staff_access_sync

    user = User.objects.create_user(
        MODERATOR_EMAIL,
        "bench_moderator",
        None,
        display_name="Bench moderator",
        role=Role.MODERATOR,
        trust_level=TrustLevel.ESTABLISHED,
        is_staff=True,
    )
    user.set_password(BENCH_PASSWORD)
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    staff_access_sync(user=user)


def data_create(*, pending: int) -> Volumes:
    """Members, boards, threads with published replies, and the posts waiting in the queue,
    oldest first; counters set to match the published posts."""
    from accounts.models import TrustLevel, User
    from community.forum.models import Board, BoardVisibility, Post, PostingPolicy, Thread

    started = time.perf_counter()
    rng = random.Random(SEED)  # noqa: S311 (varied data, not secrets)
    now = datetime.now(tz=UTC)
    history = timedelta(days=365)
    moderator_create()
    members = User.objects.bulk_create(
        [
            member_row(
                f"member{n}@bench.example.org",
                f"member_{n}",
                trust_level=TrustLevel.NEW if n <= NEW_MEMBERS else TrustLevel.ESTABLISHED,
                date_joined=now - history - timedelta(days=rng.randint(1, 400)),
            )
            for n in range(1, MEMBERS + 1)
        ]
    )
    newcomers = members[:NEW_MEMBERS]
    regulars = members[NEW_MEMBERS:]
    boards = Board.objects.bulk_create(
        [
            Board(
                slug=f"bench-board-{n}",
                name=f"Bench board {n}",
                position=n,
                visibility=BoardVisibility.PUBLIC,
                posting_policy=PostingPolicy.OPEN,
            )
            for n in range(1, BOARDS + 1)
        ]
    )

    # Published threads, each with its published posts spread over the year.
    replies_each = PUBLISHED_POSTS // THREADS
    threads = []
    for n in range(THREADS):
        created = now - history + timedelta(seconds=rng.randint(0, 300 * 86_400))
        threads.append(
            Thread(
                board=boards[n % BOARDS],
                title=sentence(rng)[:140],
                author=rng.choice(regulars),
                state="published",
                created_at=created,
                last_post_at=created,
            )
        )
    # Threads opened by newcomers and waiting for a moderator.
    pending_threads = [
        Thread(
            board=boards[n % BOARDS],
            title=sentence(rng)[:140],
            author=rng.choice(newcomers),
            state="pending",
        )
        for n in range(PENDING_THREADS)
    ]
    Thread.objects.bulk_create(threads + pending_threads, batch_size=BATCH)

    posts: list[Post] = []
    for thread in threads:
        at = thread.created_at
        for position in range(1, replies_each + 1):
            source, html = body(rng)
            author = thread.author if position == 1 else rng.choice(regulars)
            posts.append(
                Post(
                    thread=thread,
                    author=author,
                    position=position,
                    body_source=source,
                    body_html=html,
                    state="published",
                    created_at=at,
                )
            )
            at += timedelta(minutes=rng.randint(5, 600))
        # Published posts here are never urgent: both tallies are the same.
        thread.reply_count = thread.public_reply_count = replies_each - 1
        thread.last_position = thread.last_published_position = replies_each
        thread.public_last_position = replies_each
        thread.last_post_at = thread.public_last_post_at = at
        thread.last_poster = thread.public_last_poster = posts[-1].author
    # The queue: held posts over the last two weeks, oldest first; one in URGENT_SHARE urgent.
    waiting_since = now - timedelta(days=14)
    step = timedelta(days=14) / pending
    urgent = 0
    for n in range(pending):
        source, html = body(rng)
        created = waiting_since + step * n
        if n < PENDING_THREADS:
            thread = pending_threads[n]
            thread.created_at = thread.last_post_at = created
            author, position = thread.author, 1
            thread.last_position = 1
        else:
            thread = rng.choice(threads)
            author = rng.choice(newcomers)
            thread.last_position += 1
            position = thread.last_position
        is_urgent = n % URGENT_SHARE == 0
        urgent += is_urgent
        posts.append(
            Post(
                thread=thread,
                author=author,
                position=position,
                body_source=source,
                body_html=html,
                state="pending",
                is_urgent=is_urgent,
                created_at=created,
            )
        )
    Post.objects.bulk_create(posts, batch_size=BATCH)
    Thread.objects.bulk_update(
        threads + pending_threads,
        [
            "reply_count",
            "last_position",
            "last_published_position",
            "last_post_at",
            "last_poster",
            "public_reply_count",
            "public_last_position",
            "public_last_post_at",
            "public_last_poster",
            "created_at",
        ],
        batch_size=1_000,
    )
    for board in boards:
        mine = [t for t in threads if t.board_id == board.pk]
        board.thread_count = board.public_thread_count = len(mine)
        board.post_count = board.public_post_count = len(mine) * replies_each
        board.last_post_at = board.public_last_post_at = max(t.last_post_at for t in mine)
    Board.objects.bulk_update(
        boards,
        [
            "thread_count",
            "post_count",
            "last_post_at",
            "public_thread_count",
            "public_post_count",
            "public_last_post_at",
        ],
    )
    vacuum_analyze()
    return Volumes(
        members=len(members) + 1,
        boards=len(boards),
        threads=len(threads) + len(pending_threads),
        published_posts=len(threads) * replies_each,
        pending_posts=pending,
        urgent_pending=urgent,
        seconds=time.perf_counter() - started,
    )


def explain_queue(deep_rows: int) -> dict[str, str]:
    """EXPLAIN ANALYZE of the queries that page the queue (what the API runs to choose a page's
    rows), at the first page and ``deep_rows`` in, and of the admin's OFFSET page."""
    from django.db import connection
    from django.db.models import Q

    from community.moderation import selectors

    keys = selectors.QUEUE_KEYS
    narrow = selectors.queue_list().select_related(None).only(*keys)
    boundary = narrow[deep_rows - 1]
    after = narrow.filter(
        Q(is_urgent__lt=boundary.is_urgent)
        | Q(is_urgent=boundary.is_urgent, created_at__gt=boundary.created_at)
        | Q(is_urgent=boundary.is_urgent, created_at=boundary.created_at, id__gt=boundary.id)
    )
    admin_offset = selectors.queue_list()[(DEEP_ADMIN_PAGE - 1) * 50 : DEEP_ADMIN_PAGE * 50]
    plans = {}
    for name, queryset in [
        ("API first page (keyset)", narrow[:26]),
        (f"API {deep_rows:,} rows in (keyset)", after[:26]),
        (f"admin page {DEEP_ADMIN_PAGE} (OFFSET, full rows)", admin_offset),
    ]:
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plans[name] = "\n".join(row[0] for row in cursor.fetchall())
    return plans


# --- HTTP ---------------------------------------------------------------------------------------
class CookieClient(Client):
    """The admin's browser: one keep-alive connection carrying a session cookie."""

    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.cookies: dict[str, str] = {}

    def send(self, method: str, path: str, form: dict[str, str] | None = None) -> Reply:
        headers = {"Accept": "text/html"}
        data = None
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={val}" for k, val in self.cookies.items())
        if form is not None:
            data = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{LOOPBACK}:{self.port}{path}"
        return self.exchange(method, path, data, headers)

    def answered(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value


def collect_static() -> None:
    """The admin's pages name hashed static files: gunicorn (DEBUG off, manifest storage) needs
    them collected where bench/run.py points STATIC_ROOT."""
    env = {**os.environ, "STATIC_ROOT": str(RESULTS_DIR / "static")}
    manage("collectstatic", "--noinput", "--verbosity", "0", env=env)


def admin_sign_in(client: CookieClient) -> None:
    page = client.send("GET", "/admin/login/")
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    if page.status != 200 or not match:
        sys.exit(f"The admin login page answered HTTP {page.status} without a form.")
    reply = client.send(
        "POST",
        "/admin/login/?next=/admin/",
        {
            "csrfmiddlewaretoken": match.group(1).decode(),
            "username": MODERATOR_EMAIL,
            "password": BENCH_PASSWORD,
            "next": "/admin/",
        },
    )
    if reply.status != 302 or "sessionid" not in " ".join(client.cookies):
        sys.exit(f"Admin sign-in failed: HTTP {reply.status} {reply.body[:300]!r}")


@dataclass
class Check:
    """What the first page shows: the rows the scenario must really be reading."""

    api_rows: int = 0
    api_first_urgent: bool = False
    admin_rows: int = 0
    notes: list[str] = field(default_factory=list)


def run_scenarios(
    api: Client, browser: CookieClient, *, requests: int, warmup: int, max_seconds: float
) -> tuple[list[Result], Check]:
    opts = {"requests": requests, "warmup": warmup, "max_seconds": max_seconds}
    check = Check()
    results: list[Result] = []

    def api_get(path: str) -> Callable[[int], Reply]:
        return lambda _i: api.request("GET", path)

    def admin_get(path: str) -> Callable[[int], Reply]:
        return lambda _i: browser.send("GET", path)

    first = api.request("GET", "/api/v1/moderation/queue")
    if first.status == 200:
        rows = first.json().get("results", [])
        check.api_rows = len(rows)
        check.api_first_urgent = bool(rows and rows[0].get("is_urgent"))
    name = "API queue, first page"
    print(f"  {name}", flush=True)
    results.append(
        measure(api, Result(name, TARGET_P95_MS), api_get("/api/v1/moderation/queue"), **opts)
    )
    name = f"API queue, page {DEEP_API_PAGES + 1} (via next)"
    print(f"  {name}", flush=True)
    deep, why = follow_next(api, "/api/v1/moderation/queue", DEEP_API_PAGES)
    if deep is None:
        results.append(Result(name, TARGET_P95_MS, errors=1, note=f"could not get there: {why}"))
    else:
        results.append(measure(api, Result(name, TARGET_P95_MS), api_get(deep), **opts))

    changelist = "/admin/moderation/pendingpost/"
    page = browser.send("GET", changelist)
    check.admin_rows = page.body.count(b'class="queue-excerpt"')
    for name, path in [
        ("Admin queue, first page", changelist),
        (
            f"Admin queue, page {DEEP_ADMIN_PAGE} (?p={DEEP_ADMIN_PAGE})",
            f"{changelist}?p={DEEP_ADMIN_PAGE}",
        ),
    ]:
        print(f"  {name}", flush=True)
        results.append(measure(browser, Result(name, TARGET_P95_MS), admin_get(path), **opts))
    return results, check


def constant(first: Result, deep: Result) -> bool:
    return bool(first.queries) and set(first.queries) == set(deep.queries)


# --- report -------------------------------------------------------------------------------------
def report(
    results: list[Result],
    *,
    volumes: Volumes,
    check: Check,
    plans: dict[str, str],
    database_url: str,
    server: Server,
    requests: int,
    warmup: int,
    load: tuple[float, float, float],
) -> str:
    api_same = constant(results[0], results[1])
    admin_same = constant(results[2], results[3])
    out = [
        f"# Moderation queue benchmark, {today()}",
        "",
        over_http(
            "bench/moderation.py",
            server,
            signed_in="signed in as a moderator: with an X-Session-Token for the API, with a "
            "session cookie (signed in through /admin/login/) for the admin.",
            warmup=warmup,
            requests=requests,
            database_url=database_url,
        ),
        "",
        "## Results",
        "",
        table(results),
        "",
        f"Target: p95 ≤ {TARGET_P95_MS:g} ms for each, with a constant query count.",
        "",
        f"- API: the same queries on page 1 and page {DEEP_API_PAGES + 1} "
        f"({DEEP_API_PAGES * 25:,} posts in): **{'yes' if api_same else 'no'}** "
        f"({fmt_queries(results[0])} and {fmt_queries(results[1])}).",
        f"- Admin: the same queries on page 1 and page {DEEP_ADMIN_PAGE} "
        f"({(DEEP_ADMIN_PAGE - 1) * 50:,} posts in): **{'yes' if admin_same else 'no'}** "
        f"({fmt_queries(results[2])} and {fmt_queries(results[3])}).",
        f"- The API's first page held {check.api_rows} posts, an urgent one first: "
        f"{'yes' if check.api_first_urgent else 'no'}; the admin's first page showed "
        f"{check.admin_rows} posts.",
        "",
    ]
    out += notes(results)
    out += [
        "## Data set",
        "",
        f"Loaded with `bulk_create` in {volumes.seconds:.0f} s, then vacuumed and analysed.",
        "",
        "| what | rows |",
        "| --- | ---: |",
        f"| members (one moderator; {NEW_MEMBERS} new members, whose posts are held) "
        f"| {volumes.members:,} |",
        f"| boards | {volumes.boards:,} |",
        f"| threads ({PENDING_THREADS} of them waiting to be approved) | {volumes.threads:,} |",
        f"| published posts | {volumes.published_posts:,} |",
        f"| posts waiting for a moderator | {volumes.pending_posts:,} |",
        f"| of which marked urgent | {volumes.urgent_pending:,} |",
        "",
        "## Query plans",
        "",
        "EXPLAIN (ANALYZE, BUFFERS) of the query that chooses a page's rows, run in-process "
        "after the load.",
        "",
    ]
    out += plan_lines(plans, heading="{}:")
    out += machine_lines(database_url, load)
    return "\n".join(out)


def main() -> None:
    parser = http_bench_parser(
        doc=__doc__ or "",
        database_env="BENCH_MODERATION_DATABASE_URL",
        database_url=DEFAULT_DATABASE_URL,
    )
    parser.add_argument("--pending", type=int, default=10_000)
    args = http_bench_args(parser)
    if not DEEP_ADMIN_PAGE * 50 < args.pending <= 200_000:
        parser.error(f"--pending must be {DEEP_ADMIN_PAGE * 50 + 1:,} to 200,000")

    print(f"Moderation benchmark in {database_name(args.database_url)!r}", flush=True)
    print("  create database and migrate", flush=True)
    database_fresh(args.database_url)
    django_setup(database_url=args.database_url, redis_url=args.redis_url, name="moderation")
    print(f"  load: {args.pending:,} posts waiting", flush=True)
    volumes = data_create(pending=args.pending)
    plans = explain_queue(DEEP_API_PAGES * 25)
    print("  collect static files for the admin", flush=True)
    collect_static()
    load = os.getloadavg()
    server = start_server(args.database_url, args.redis_url, args.workers)
    try:
        api = Client(server.port)
        browser = CookieClient(server.port)
        sign_in(api, email=MODERATOR_EMAIL, what="API sign-in")
        admin_sign_in(browser)
        results, check = run_scenarios(
            api, browser, requests=args.requests, warmup=args.warmup, max_seconds=args.max_seconds
        )
        api.close()
        browser.close()
    finally:
        server.stop()
        redis_forget(args.redis_url, os.environ["CACHE_KEY_PREFIX"])

    text = report(
        results,
        volumes=volumes,
        check=check,
        plans=plans,
        database_url=args.database_url,
        server=server,
        requests=args.requests,
        warmup=args.warmup,
        load=load,
    )
    path = write_report(args.output_dir, "moderation", text)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    print()
    print(table(results))
    print(
        f"\nSame queries deep as on page 1: API {constant(results[0], results[1])}, "
        f"admin {constant(results[2], results[3])}"
    )
    print(f"\nWritten to {shown(path)}")
    if any(r.errors for r in results):
        sys.exit("Some requests failed (see the table).")
    if not all(r.passed for r in results) or not (
        constant(results[0], results[1]) and constant(results[2], results[3])
    ):
        print("Some targets were missed (see the table).")


if __name__ == "__main__":
    main()
