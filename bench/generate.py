"""Generates the forum benchmark's data set in a fresh PostgreSQL database.

    python -m bench.generate [--database-url URL] [--members N] [--threads N] [--posts N]

Drops and recreates the database (its name must contain "bench", on 127.0.0.1), applies the
migrations, then bulk loads with COPY: members (profiles and verified email addresses), the
ten demo boards, threads, posts and reactions. One thread gets ``--big-thread-posts`` posts.

- Secondary indexes, unique and foreign-key constraints of the big tables are dropped for the
  load and put back afterwards, each one timed.
- Generated columns (a full-text search vector, for one) are never named in a COPY:
  PostgreSQL computes them as rows arrive. Their cost is estimated on a sample afterwards.
- The denormalised counters of threads and boards are computed in SQL after the COPY, from the
  posts as loaded (over published posts, as the model defines them), then checked.
- Subscriptions and read positions follow from who posted where; the bench members also have
  read a share of the threads, most of the recent ones. None of them posted in the biggest
  thread, and the first one (who the measurement signs in as) has never opened it.
- VACUUM ANALYZE at the end. Timings and volumes go to bench/results/generation.json.
"""

import argparse
import json
import math
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql

from bench import vocabulary as v
from bench.lib.common import (
    BENCH_PASSWORD,
    BENCH_USERS,
    GENERATION_RESULTS,
    RESULTS_DIR,
    bench_email,
    bench_username,
    database_name,
    database_url_from_env,
    require_bench_database,
)
from bench.lib.database import database_fresh

DAY = 86_400.0
HISTORY_DAYS = 730
MODERATORS = 10
# Account ids of the bench members, right after the admin and the moderators.
BENCH_IDS = range(MODERATORS + 2, MODERATORS + 2 + BENCH_USERS)
# Tables loaded in bulk: their secondary indexes and constraints are rebuilt after the load.
BULK_TABLES = [
    "forum_thread",
    "forum_post",
    "forum_reaction",
    "forum_subscription",
    "forum_readstate",
]
COPY_CHUNK = 1 << 22  # characters sent to COPY at a time

USER_COLUMNS = [
    "id", "password", "last_login", "is_superuser", "email", "username", "display_name", "role",
    "trust_level", "trust_changed_at", "suspended_until", "clinician_verified_at",
    "clinician_expires_at", "is_active", "is_staff", "date_joined", "session_epoch", "is_curator",
]  # fmt: skip
PROFILE_COLUMNS = [
    "user_id", "bio", "bio_visibility", "diagnosis_year", "diagnosis_year_visibility",
    "treatments", "treatments_visibility", "country", "country_visibility", "updated_at",
]  # fmt: skip
EMAIL_COLUMNS = ["user_id", "email", "verified", "primary"]
BOARD_COLUMNS = [
    "id", "slug", "name", "description", "position", "visibility", "posting_policy",
    "allows_anonymous", "is_archived", "thread_count", "post_count", "last_post_at",
    "public_thread_count", "public_post_count", "public_last_post_at",
]  # fmt: skip
THREAD_COLUMNS = [
    "id", "board_id", "title", "author_id", "is_anonymous", "state", "is_pinned", "is_locked",
    "created_at", "reply_count", "last_post_at", "last_poster_id", "last_post_anonymous",
    "last_position", "last_published_position", "is_urgent", "public_reply_count",
    "public_last_post_at", "public_last_poster_id", "public_last_post_anonymous",
    "public_last_position",
]  # fmt: skip
POST_COLUMNS = [
    "id", "thread_id", "author_id", "is_anonymous", "position", "reply_to_id", "body_source",
    "body_html", "state", "created_at", "edited_at", "support_count", "me_too_count",
    "helpful_count", "is_urgent",
]  # fmt: skip
REACTION_COLUMNS = ["post_id", "user_id", "kind", "created_at"]

PUBLISHED, PENDING, HIDDEN, WITHDRAWN, REJECTED = (
    "published",
    "pending",
    "hidden",
    "withdrawn",
    "rejected",
)
REACTION_KINDS = ["support", "me_too", "helpful"]
NULL = r"\N"


# --- plumbing ---------------------------------------------------------------------------------
@dataclass
class Timings:
    phases: dict[str, float] = field(default_factory=dict)
    indexes: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        print(f"  {name} ...", flush=True)
        yield
        elapsed = time.perf_counter() - started
        self.phases[name] = round(elapsed, 2)
        print(f"  {name}: {elapsed:.1f}s", flush=True)


def ts(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat()


def b(value: bool) -> str:
    return "t" if value else "f"


def esc(text: str) -> str:
    """A value for COPY's text format."""
    text = text.replace("\\", "\\\\").replace("\t", "\\t")
    return text.replace("\n", "\\n").replace("\r", "\\r")


class CopyWriter:
    """Buffers COPY text lines and sends them in large chunks."""

    def __init__(self, copy: Any) -> None:
        self.copy = copy
        self.parts: list[str] = []
        self.size = 0
        self.rows = 0

    def row(self, fields: list[str]) -> None:
        line = "\t".join(fields) + "\n"
        self.parts.append(line)
        self.size += len(line)
        self.rows += 1
        if self.size >= COPY_CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.copy.write("".join(self.parts))
            self.parts = []
            self.size = 0


@contextmanager
def copy_into(cur: psycopg.Cursor[Any], table: str, columns: list[str]) -> Iterator[CopyWriter]:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with cur.copy(statement) as copy:
        writer = CopyWriter(copy)
        yield writer
        writer.flush()


def check_columns(conn: psycopg.Connection[Any], table: str, columns: list[str]) -> None:
    """Fails clearly if the table gained a required column this generator does not fill."""
    rows = conn.execute(
        """
        SELECT a.attname FROM pg_attribute a
        WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attnotnull AND NOT a.atthasdef AND a.attgenerated = '' AND a.attidentity = ''
        """,
        [table],
    ).fetchall()
    missing = [name for (name,) in rows if name not in columns]
    if missing:
        sys.exit(f"{table} has required columns the generator does not fill: {missing}")


def generated_columns(conn: psycopg.Connection[Any]) -> list[tuple[str, str, str]]:
    """(table, column, expression) of every stored generated column in the schema."""
    rows = conn.execute(
        """
        SELECT c.relname, a.attname, pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
        JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attgenerated = 's' AND NOT a.attisdropped
        ORDER BY 1, 2
        """
    ).fetchall()
    return [(str(t), str(c), str(e)) for t, c, e in rows]


# --- database ---------------------------------------------------------------------------------
def password_hashes(url: str) -> tuple[str, str]:
    """One usable hash for the bench members and one unusable for everyone else."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password

    return make_password(BENCH_PASSWORD), make_password(None)


@dataclass
class Detached:
    table: str
    statements: list[tuple[str, str]]  # (name, SQL that puts it back), in order


def detach(conn: psycopg.Connection[Any], table: str) -> Detached:
    """Drops the table's secondary indexes, unique and foreign-key constraints (not the primary
    key, which other tables' foreign keys use); returns what puts them back."""
    constraints = conn.execute(
        """
        SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = %s::regclass AND contype IN ('u', 'f')
        ORDER BY contype DESC, conname
        """,
        [table],
    ).fetchall()
    indexes = conn.execute(
        """
        SELECT ci.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
        JOIN pg_class ci ON ci.oid = i.indexrelid
        WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
          AND NOT EXISTS (
              SELECT 1 FROM pg_constraint c
              WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid
          )
        ORDER BY ci.relname
        """,
        [table],
    ).fetchall()
    statements: list[tuple[str, str]] = []
    t = sql.Identifier(table)
    for name, _kind, definition in constraints:
        ident = sql.Identifier(name)
        conn.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(t, ident))
        add = sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(t, ident).as_string(conn)
        statements.append((name, add + definition))
    for name, definition in indexes:
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        statements.append((name, definition))
    # Unique constraints and indexes first, foreign keys last.
    statements.sort(key=lambda item: "FOREIGN KEY" in item[1])
    return Detached(table=table, statements=statements)


# --- text -------------------------------------------------------------------------------------
def fill(rng: random.Random, template: str) -> str:
    text = template.format_map({k: rng.choice(options) for k, options in v.SLOTS.items()})
    return text[0].upper() + text[1:]


def sentence_pool(rng: random.Random, templates: list[str], variants: int) -> list[str]:
    pool: list[str] = []
    for template in templates:
        seen: set[str] = set()
        for _ in range(variants):
            seen.add(fill(rng, template))
        pool.extend(sorted(seen))
    return pool


class Writer:
    """Post bodies and titles from the vocabulary, weighted by board topic."""

    UNSAFE = set("*_`<>&[]#\\|~!=")

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.general = sentence_pool(rng, v.GENERAL, 60)
        self.topics = {name: sentence_pool(rng, tpl, 60) for name, tpl in v.TOPICS.items()}
        self.board_topics = {
            slug: [self.topics[t] for t in topics] for slug, topics in v.BOARD_TOPICS.items()
        }
        self.default_topics = [self.general]
        for sentence in [*self.general, *v.RARE, *v.SHORT_REPLIES]:
            self._check(sentence)
        for pool in self.topics.values():
            for sentence in pool:
                self._check(sentence)

    def _check(self, sentence: str) -> None:
        if self.UNSAFE & set(sentence) or sentence[0].isdigit() or sentence[0] in "-+>":
            raise ValueError(f"Not plain text in Markdown: {sentence!r}")

    def title(self, slug: str) -> str:
        titles = v.TITLES.get(slug) or v.TITLES["pain-and-daily-living"]
        return fill(self.rng, self.rng.choice(titles))[:150]

    def body(self, slug: str, *, opening: bool) -> list[str]:
        """Paragraphs of a post."""
        rng = self.rng
        if not opening and rng.random() < 0.15:
            return [rng.choice(v.SHORT_REPLIES)]
        topics = self.board_topics.get(slug, self.default_topics)
        paragraphs = rng.choice((2, 3, 3, 4)) if opening else rng.choice((1, 1, 1, 2, 2, 3))
        out = []
        for _ in range(paragraphs):
            sentences = [
                rng.choice(rng.choice(topics)) if rng.random() < 0.6 else rng.choice(self.general)
                for _ in range(rng.randint(1, 4))
            ]
            out.append(" ".join(sentences))
        if rng.random() < 0.0005:
            out[rng.randrange(len(out))] += " " + rng.choice(v.RARE)
        return out


def html(paragraphs: list[str]) -> str:
    return "".join(f"<p>{p}</p>\n" for p in paragraphs)


# --- the data set -----------------------------------------------------------------------------
@dataclass
class Plan:
    members: int
    threads: int
    posts: int
    big_thread_posts: int
    seed: int
    boards: list[dict[str, Any]] = field(default_factory=list)
    now: float = field(default_factory=time.time)


def zipf_cum_weights(rng: random.Random, ids: list[int], exponent: float) -> list[float]:
    """Cumulative weights for picking authors: a few members write a lot, most a little."""
    ranks = list(range(1, len(ids) + 1))
    rng.shuffle(ranks)
    total = 0.0
    cum: list[float] = []
    for rank in ranks:
        total += 1.0 / rank**exponent
        cum.append(total)
    return cum


def load_members(
    cur: psycopg.Cursor[Any], rng: random.Random, plan: Plan, usable: str, unusable: str
) -> None:
    now = plan.now
    with copy_into(cur, "accounts_user", USER_COLUMNS) as users:
        for uid in range(1, plan.members + 1):
            joined = now - rng.uniform(30, 3 * 365) * DAY
            role, trust, staff = "member", "established", False
            if uid == 1:
                role, staff = "admin", True
                email, username = "admin@bench.example.org", "harriet_admin"
            elif uid <= MODERATORS + 1:
                role, staff = "moderator", True
                email, username = f"moderator{uid}@bench.example.org", f"moderator_{uid}"
            elif uid in BENCH_IDS:
                n = uid - BENCH_IDS.start + 1
                email, username = bench_email(n), bench_username(n)
            else:
                email = f"member{uid}@bench.example.org"
                username = f"{rng.choice(v.NAME_WORDS)}_{rng.choice(v.NAME_WORDS)}{uid}"
                trust = "established" if rng.random() < 0.8 else "new"
            display = rng.choice(v.FIRST_NAMES) if rng.random() < 0.6 else ""
            last_login = ts(now - rng.uniform(0, 60) * DAY) if rng.random() < 0.7 else NULL
            users.row(
                [
                    str(uid),
                    usable if uid in BENCH_IDS else unusable,
                    last_login,
                    b(uid == 1),
                    email,
                    username,
                    display,
                    role,
                    trust,
                    ts(joined),
                    NULL,
                    NULL,
                    NULL,
                    "t",
                    b(staff),
                    ts(joined),
                    "0",
                    "f",
                ]
            )
    visibilities = ["public", "members", "members", "only_me"]
    treatments = ["botulinum_toxin", "physical_therapy", "oral_medication", "yoga", "acupuncture"]
    with copy_into(cur, "accounts_profile", PROFILE_COLUMNS) as profiles:
        for uid in range(1, plan.members + 1):
            bio = fill(rng, rng.choice(v.BIOS)) if rng.random() < 0.5 else ""
            year = str(rng.randint(1985, 2025)) if rng.random() < 0.6 else NULL
            chosen = sorted(set(rng.sample(treatments, rng.randint(0, 3))))
            country = rng.choice(v.COUNTRIES) if rng.random() < 0.7 else ""
            profiles.row(
                [
                    str(uid),
                    esc(bio),
                    rng.choice(visibilities),
                    year,
                    rng.choice(visibilities),
                    json.dumps(chosen),
                    rng.choice(visibilities),
                    country,
                    rng.choice(visibilities),
                    ts(now - rng.uniform(0, 365) * DAY),
                ]
            )
    cur.execute(
        """
        INSERT INTO account_emailaddress (user_id, email, verified, "primary")
        SELECT id, email, true, true FROM accounts_user
        """
    )


def board_specs() -> list[dict[str, Any]]:
    """The demo community's boards, with each one's share of the threads."""
    keys = ("slug", "name", "description", "visibility", "posting_policy", "allows_anonymous")
    try:
        from community.demo.forum import DEMO_BOARDS
    except ImportError:
        source: list[Any] = v.BOARDS
    else:
        source = list(DEMO_BOARDS)
    specs: list[dict[str, Any]] = []
    for board in source:
        spec: dict[str, Any] = {key: board[key] for key in keys}
        spec = {key: str(value) for key, value in spec.items()}
        spec["allows_anonymous"] = bool(board["allows_anonymous"])
        spec["weight"] = v.BOARD_WEIGHTS.get(spec["slug"], 5)
        specs.append(spec)
    return specs


def load_boards(cur: psycopg.Cursor[Any], plan: Plan) -> None:
    for position, board in enumerate(plan.boards, start=1):
        cur.execute(
            sql.SQL("INSERT INTO forum_board ({}) VALUES ({})").format(
                sql.SQL(", ").join(map(sql.Identifier, BOARD_COLUMNS)),
                sql.SQL(", ").join(sql.Placeholder() * len(BOARD_COLUMNS)),
            ),
            [
                position,
                board["slug"],
                board["name"],
                board["description"],
                position,
                board["visibility"],
                board["posting_policy"],
                board["allows_anonymous"],
                False,
                0,
                0,
                None,
                0,
                0,
                None,
            ],
        )


@dataclass
class ThreadPlan:
    created: list[float]
    board: list[int]  # index into plan.boards
    author: list[int]
    state: list[str]
    anonymous: list[bool]
    pinned: list[bool]
    locked: list[bool]
    posts: list[int]
    big: int


def plan_threads(rng: random.Random, plan: Plan, pick_author: Callable[[], int]) -> ThreadPlan:
    n = plan.threads
    now = plan.now
    span = HISTORY_DAYS * DAY
    # The community grows: activity density rises linearly towards today.
    created = sorted(now - span * (1 - math.sqrt(rng.random())) - 3600 for _ in range(n - 1))
    big_created = now - (HISTORY_DAYS - 30) * DAY
    created.append(big_created)
    created.sort()
    big = created.index(big_created)
    boards = plan.boards
    board = rng.choices(range(len(boards)), weights=[bd["weight"] for bd in boards], k=n)
    board[big] = next(
        (i for i, bd in enumerate(boards) if bd["slug"] == "pain-and-daily-living"), 0
    )
    state = rng.choices(
        [PUBLISHED, PENDING, HIDDEN, REJECTED], weights=[975, 12, 8, 5], k=n
    )  # a pending opening post is recent, as moderators clear the queue daily
    for i in range(n):
        if state[i] == PENDING and now - created[i] > 3 * DAY:
            state[i] = PUBLISHED
    state[big] = PUBLISHED
    anonymous = [
        bool(boards[board[i]]["allows_anonymous"]) and rng.random() < 0.3 for i in range(n)
    ]
    anonymous[big] = False
    pinned = [False] * n
    seen: dict[int, int] = {}
    for i in range(n):
        if state[i] == PUBLISHED and seen.get(board[i], 0) < 2:
            pinned[i] = True
            seen[board[i]] = seen.get(board[i], 0) + 1
    locked = [rng.random() < 0.003 and i != big for i in range(n)]
    posts = _reply_plan(rng, plan, state, big)
    author = [pick_author() for _ in range(n)]
    while author[big] in BENCH_IDS:
        author[big] = pick_author()
    return ThreadPlan(
        created=created,
        board=board,
        author=author,
        state=state,
        anonymous=anonymous,
        pinned=pinned,
        locked=locked,
        posts=posts,
        big=big,
    )


def _reply_plan(rng: random.Random, plan: Plan, state: list[str], big: int) -> list[int]:
    """Posts per thread (opening post included), heavy-tailed, summing exactly to the plan."""
    posts = [1] * plan.threads
    posts[big] = plan.big_thread_posts
    remaining = plan.posts - sum(posts)
    eligible = [i for i in range(plan.threads) if state[i] == PUBLISHED and i != big]
    sigma = 1.1
    mu = math.log(remaining / len(eligible) + 0.5) - sigma**2 / 2
    draws = [min(int(rng.lognormvariate(mu, sigma)), 1500) for _ in eligible]
    diff = remaining - sum(draws)
    while diff != 0:
        j = rng.randrange(len(draws))
        if diff > 0:
            draws[j] += 1
            diff -= 1
        elif draws[j] > 0:
            draws[j] -= 1
            diff += 1
    for i, extra in zip(eligible, draws, strict=True):
        posts[i] += extra
    return posts


@dataclass
class PostPlan:
    created: list[float]
    thread: list[int]
    position: list[int]
    author: list[int]
    state: list[str]
    anonymous: list[bool]


def plan_posts(
    rng: random.Random, plan: Plan, threads: ThreadPlan, pick_author: Callable[[], int]
) -> PostPlan:
    now = plan.now
    created: list[float] = []
    thread: list[int] = []
    position: list[int] = []
    author: list[int] = []
    state: list[str] = []
    anonymous: list[bool] = []
    reply_states = [PUBLISHED, HIDDEN, WITHDRAWN, REJECTED, PENDING]
    reply_weights = [9650, 150, 60, 40, 100]
    for t in range(plan.threads):
        start = threads.created[t]
        count = threads.posts[t]
        allows_anonymous = bool(plan.boards[threads.board[t]]["allows_anonymous"])
        created.append(start)
        thread.append(t)
        position.append(1)
        author.append(threads.author[t])
        state.append(threads.state[t])
        anonymous.append(threads.anonymous[t])
        if count == 1:
            continue
        # Replies follow at the thread's own pace and always before now.
        if t == threads.big:
            mean_gap = (now - start) / count
        else:
            mean_gap = math.exp(rng.uniform(math.log(1200), math.log(2 * DAY)))
        gaps = [30 + rng.expovariate(1 / mean_gap) for _ in range(count - 1)]
        total = sum(gaps)
        room = now - 60 - start
        if total > room:
            # Still active: its last reply came at some point in the last few days.
            end = max(now - 60 - rng.expovariate(1 / (2 * DAY)), start + room / 2)
            scale = (end - start) / total
            gaps = [g * scale for g in gaps]
        at = start
        states = rng.choices(reply_states, weights=reply_weights, k=count - 1)
        for k, gap in enumerate(gaps):
            at += gap
            created.append(at)
            thread.append(t)
            position.append(k + 2)
            who = threads.author[t] if rng.random() < 0.2 else pick_author()
            while t == threads.big and who in BENCH_IDS:
                who = pick_author()
            author.append(who)
            s = states[k]
            if s == PENDING and now - at > 3 * DAY and rng.random() < 0.8:
                s = PUBLISHED  # old posts have mostly been through the queue
            state.append(s)
            anonymous.append(allows_anonymous and rng.random() < 0.25)
    return PostPlan(created, thread, position, author, state, anonymous)


def load_threads(
    cur: psycopg.Cursor[Any], writer: Writer, threads: ThreadPlan, plan: Plan
) -> list[str]:
    slugs = [str(board["slug"]) for board in plan.boards]
    titles: list[str] = []
    with copy_into(cur, "forum_thread", THREAD_COLUMNS) as out:
        for t in range(plan.threads):
            slug = slugs[threads.board[t]]
            title = v.BIG_THREAD_TITLE if t == threads.big else writer.title(slug)
            titles.append(title)
            created = ts(threads.created[t])
            out.row(
                [
                    str(t + 1),
                    str(threads.board[t] + 1),
                    esc(title),
                    str(threads.author[t]),
                    b(threads.anonymous[t]),
                    PENDING,  # set from the opening post after the load
                    b(threads.pinned[t]),
                    b(threads.locked[t]),
                    created,
                    "0",
                    created,
                    NULL,
                    "f",
                    "0",
                    "0",
                    "f",
                    "0",
                    created,
                    NULL,
                    "f",
                    "0",
                ]
            )
    return titles


def load_posts(
    cur: psycopg.Cursor[Any],
    rng: random.Random,
    writer: Writer,
    threads: ThreadPlan,
    posts: PostPlan,
    plan: Plan,
    reaction_out: list[str],
) -> list[tuple[str, str]]:
    """COPYs the posts in time order (ids rise with time, as they would in production) and
    collects their reactions. Returns a sample of (source, html) to check against Markdown."""
    slugs = [str(board["slug"]) for board in plan.boards]
    order = sorted(range(len(posts.created)), key=posts.created.__getitem__)
    ids_by_thread: list[list[int]] = [[] for _ in range(plan.threads)]
    members = plan.members
    now = plan.now
    samples: list[tuple[str, str]] = []
    with copy_into(cur, "forum_post", POST_COLUMNS) as out:
        for rank, i in enumerate(order):
            post_id = rank + 1
            t = posts.thread[i]
            pos = posts.position[i]
            earlier = ids_by_thread[t]
            earlier.append(post_id)
            reply_to = NULL
            if pos > 2 and rng.random() < 0.15:
                reply_to = str(earlier[rng.randrange(pos - 1)])
            paragraphs = writer.body(slugs[threads.board[t]], opening=pos == 1)
            source = "\n\n".join(paragraphs)
            body_html = html(paragraphs)
            if rank % 5000 == 0:
                samples.append((source, body_html))
            state = posts.state[i]
            created = posts.created[i]
            edited = NULL
            if state == PUBLISHED and rng.random() < 0.03:
                edited = ts(min(created + rng.uniform(60, 3600), now - 1))
            counts = [0, 0, 0]
            if state == PUBLISHED:
                reactors: set[tuple[int, int]] = set()
                if rng.random() < 0.2:
                    for _ in range(1 + int(rng.expovariate(0.6))):
                        kind = rng.choices((0, 1, 2), weights=(5, 3, 2))[0]
                        reactors.add((rng.randint(1, members), kind))
                for user_id, kind in reactors:
                    if user_id == posts.author[i]:
                        continue
                    counts[kind] += 1
                    reaction_out.append(
                        f"{post_id}\t{user_id}\t{REACTION_KINDS[kind]}\t"
                        f"{ts(min(created + rng.expovariate(1 / 21600), now - 1))}\n"
                    )
            out.row(
                [
                    str(post_id),
                    str(t + 1),
                    str(posts.author[i]),
                    b(posts.anonymous[i]),
                    str(pos),
                    reply_to,
                    esc(source),
                    esc(body_html),
                    state,
                    ts(created),
                    edited,
                    str(counts[0]),
                    str(counts[1]),
                    str(counts[2]),
                    "f",
                ]
            )
    return samples


def load_reactions(cur: psycopg.Cursor[Any], lines: list[str]) -> None:
    with copy_into(cur, "forum_reaction", REACTION_COLUMNS) as out:
        for start in range(0, len(lines), 50_000):
            out.copy.write("".join(lines[start : start + 50_000]))


# --- SQL after the load -----------------------------------------------------------------------
THREAD_COUNTERS = """
WITH agg AS (
    SELECT thread_id,
           max(position) AS last_position,
           coalesce(max(position) FILTER (WHERE state = 'published'), 0) AS last_published,
           count(*) FILTER (WHERE state = 'published' AND position > 1) AS replies
    FROM forum_post GROUP BY thread_id
), opening AS (
    SELECT thread_id, state FROM forum_post WHERE position = 1
), last_published AS (
    SELECT DISTINCT ON (thread_id) thread_id, created_at, author_id, is_anonymous
    FROM forum_post WHERE state = 'published'
    ORDER BY thread_id, position DESC
)
{action}
"""

THREAD_UPDATE = THREAD_COUNTERS.format(
    action="""
UPDATE forum_thread t SET
    state = o.state,
    reply_count = a.replies,
    last_position = a.last_position,
    last_published_position = a.last_published,
    last_post_at = coalesce(l.created_at, t.created_at),
    last_poster_id = l.author_id,
    last_post_anonymous = coalesce(l.is_anonymous, false),
    -- Generated posts are never urgent: what everyone sees is what moderators see.
    public_reply_count = a.replies,
    public_last_position = a.last_published,
    public_last_post_at = coalesce(l.created_at, t.created_at),
    public_last_poster_id = l.author_id,
    public_last_post_anonymous = coalesce(l.is_anonymous, false)
FROM agg a JOIN opening o USING (thread_id) LEFT JOIN last_published l USING (thread_id)
WHERE t.id = a.thread_id
"""
)

THREAD_CHECK = THREAD_COUNTERS.format(
    action="""
SELECT count(*) FROM forum_thread t
JOIN agg a ON a.thread_id = t.id JOIN opening o ON o.thread_id = t.id
LEFT JOIN last_published l ON l.thread_id = t.id
WHERE (t.state, t.reply_count, t.last_position, t.last_published_position, t.last_post_at,
       t.last_poster_id, t.last_post_anonymous)
      IS DISTINCT FROM
      (o.state, a.replies::integer, a.last_position, a.last_published,
       coalesce(l.created_at, t.created_at), l.author_id, coalesce(l.is_anonymous, false))
"""
)

BOARD_UPDATE = """
UPDATE forum_board b SET
    thread_count = coalesce(x.threads, 0),
    post_count = coalesce(x.posts, 0),
    last_post_at = x.last_post_at,
    public_thread_count = coalesce(x.threads, 0),
    public_post_count = coalesce(x.posts, 0),
    public_last_post_at = x.last_post_at
FROM forum_board b2 LEFT JOIN (
    SELECT board_id,
           count(*) FILTER (WHERE state = 'published') AS threads,
           sum(reply_count + 1) FILTER (WHERE state = 'published') AS posts,
           max(last_post_at) FILTER (WHERE state = 'published') AS last_post_at
    FROM forum_thread GROUP BY board_id
) x ON x.board_id = b2.id
WHERE b.id = b2.id
"""

BOARD_CHECK = """
SELECT count(*) FROM forum_board b LEFT JOIN (
    SELECT t.board_id,
           count(DISTINCT t.id) FILTER (WHERE p.position = 1) AS threads,
           count(*) AS posts,
           max(p.created_at) AS last_post_at
    FROM forum_post p JOIN forum_thread t ON t.id = p.thread_id
    WHERE p.state = 'published'
    GROUP BY t.board_id
) x ON x.board_id = b.id
WHERE (b.thread_count, b.post_count, b.last_post_at)
      IS DISTINCT FROM (coalesce(x.threads, 0)::integer, coalesce(x.posts, 0)::integer,
                        x.last_post_at)
"""

REACTION_CHECK = """
SELECT count(*) FROM forum_post p LEFT JOIN (
    SELECT post_id,
           count(*) FILTER (WHERE kind = 'support') AS support,
           count(*) FILTER (WHERE kind = 'me_too') AS me_too,
           count(*) FILTER (WHERE kind = 'helpful') AS helpful
    FROM forum_reaction GROUP BY post_id
) r ON r.post_id = p.id
WHERE (p.support_count, p.me_too_count, p.helpful_count)
      IS DISTINCT FROM (coalesce(r.support, 0)::integer, coalesce(r.me_too, 0)::integer,
                        coalesce(r.helpful, 0)::integer)
"""

# Members follow the threads they posted in and have read at least to their own last post.
SUBSCRIPTIONS = """
INSERT INTO forum_subscription (user_id, thread_id, board_id, level, updated_at)
SELECT author_id, thread_id, NULL,
       CASE WHEN random() < 0.03 THEN 'muted' WHEN random() < 0.05 THEN 'normal'
            ELSE 'watching' END,
       min(created_at)
FROM forum_post GROUP BY author_id, thread_id
"""

BOARD_SUBSCRIPTIONS = """
INSERT INTO forum_subscription (user_id, thread_id, board_id, level, updated_at)
SELECT u.id, NULL, b.id, 'watching', now() - random() * interval '300 days'
FROM accounts_user u CROSS JOIN forum_board b
WHERE random() < 0.02
"""

READ_STATES = """
INSERT INTO forum_readstate (user_id, thread_id, last_read_position, updated_at)
SELECT p.author_id, p.thread_id,
       greatest(max(p.position),
                least(t.last_published_position, max(p.position) + (random() * 20)::integer)),
       max(p.created_at)
FROM forum_post p JOIN forum_thread t ON t.id = p.thread_id
GROUP BY p.author_id, p.thread_id, t.last_published_position
"""

# The bench members read most recent threads (some only part way) and a few older ones.
BENCH_READ_STATES = """
INSERT INTO forum_readstate (user_id, thread_id, last_read_position, updated_at)
SELECT u.id, t.id,
       CASE WHEN random() < 0.7 THEN t.last_published_position
            ELSE (t.last_published_position * random())::integer END,
       t.last_post_at
FROM accounts_user u CROSS JOIN forum_thread t
WHERE u.email LIKE 'bench%@bench.example.org' AND t.state = 'published'
  AND random() < CASE WHEN t.last_post_at > now() - interval '14 days' THEN 0.5 ELSE 0.03 END
ON CONFLICT (user_id, thread_id) DO NOTHING
"""


def set_sequences(cur: psycopg.Cursor[Any], tables: list[str]) -> None:
    for table in tables:
        cur.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {}))"
            ).format(sql.Identifier(table)),
            [table],
        )


def generated_cost(
    conn: psycopg.Connection[Any], columns: list[tuple[str, str, str]], sample: int = 100_000
) -> list[dict[str, Any]]:
    """Time to compute each generated column's expression, measured on the first ``sample``
    rows and scaled to the table (what COPY paid per row on top of storing it)."""
    out = []
    for table, column, expression in columns:
        rows = scalar(conn, sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        n = min(sample, rows)
        if n == 0:
            continue
        base = sql.SQL("SELECT * FROM {} ORDER BY id LIMIT {}").format(
            sql.Identifier(table), sql.Literal(n)
        )
        probe = sql.SQL("SELECT count(*) FROM ({}) s WHERE ({}) IS NOT NULL")
        conn.execute(sql.SQL("SELECT count(*) FROM ({}) s").format(base))  # warm the cache
        started = time.perf_counter()
        conn.execute(probe.format(base, sql.SQL("true")))
        plain = time.perf_counter() - started
        started = time.perf_counter()
        conn.execute(probe.format(base, sql.SQL(expression)))
        computed = time.perf_counter() - started
        per_row = max(computed - plain, 0) / n
        out.append(
            {
                "table": table,
                "column": column,
                "expression": expression,
                "sample_rows": n,
                "estimated_seconds_for_table": round(per_row * rows, 1),
                "microseconds_per_row": round(per_row * 1e6, 1),
            }
        )
    return out


def scalar(conn: psycopg.Connection[Any], query: Any) -> int:
    row = conn.execute(query).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def volumes(conn: psycopg.Connection[Any]) -> dict[str, int]:
    queries = {
        "members": "SELECT count(*) FROM accounts_user",
        "boards": "SELECT count(*) FROM forum_board",
        "threads": "SELECT count(*) FROM forum_thread",
        "threads_published": "SELECT count(*) FROM forum_thread WHERE state = 'published'",
        "posts": "SELECT count(*) FROM forum_post",
        "posts_published": "SELECT count(*) FROM forum_post WHERE state = 'published'",
        "posts_pending": "SELECT count(*) FROM forum_post WHERE state = 'pending'",
        "posts_hidden_rejected_withdrawn": (
            "SELECT count(*) FROM forum_post WHERE state IN ('hidden', 'rejected', 'withdrawn')"
        ),
        "posts_anonymous": "SELECT count(*) FROM forum_post WHERE is_anonymous",
        "biggest_thread_posts": "SELECT max(last_position) FROM forum_thread",
        "reactions": "SELECT count(*) FROM forum_reaction",
        "subscriptions": "SELECT count(*) FROM forum_subscription",
        "read_states": "SELECT count(*) FROM forum_readstate",
        "database_bytes": "SELECT pg_database_size(current_database())",
    }
    return {name: scalar(conn, query) for name, query in queries.items()}


# --- main -------------------------------------------------------------------------------------
def generate(url: str, plan: Plan) -> dict[str, Any]:
    require_bench_database(url)
    timings = Timings()
    rng = random.Random(plan.seed)  # noqa: S311 (reproducible data, not secrets)
    started = time.perf_counter()
    print(f"Generating the benchmark data set in {database_name(url)!r}", flush=True)
    with timings.phase("create database and migrate"):
        database_fresh(url)
    with timings.phase("hash the bench password"):
        usable, unusable = password_hashes(url)
        plan.boards = board_specs()

    with psycopg.connect(url) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET work_mem = '256MB'")
        conn.execute("SELECT setseed(%s)", [plan.seed % 1000 / 1000])  # random() in SQL below
        generated = generated_columns(conn)
        for table, columns in [
            ("accounts_user", USER_COLUMNS),
            ("accounts_profile", PROFILE_COLUMNS),
            ("forum_board", BOARD_COLUMNS),
            ("forum_thread", THREAD_COLUMNS),
            ("forum_post", POST_COLUMNS),
            ("forum_reaction", REACTION_COLUMNS),
        ]:
            check_columns(conn, table, columns)
        with timings.phase("drop secondary indexes and constraints"):
            detached = [detach(conn, table) for table in BULK_TABLES]
            conn.commit()

        cur = conn.cursor()
        with timings.phase("members, profiles, email addresses (COPY)"):
            load_members(cur, rng, plan, usable, unusable)
            load_boards(cur, plan)
            conn.commit()

        member_ids = list(range(1, plan.members + 1))
        cum = zipf_cum_weights(rng, member_ids, 0.9)

        def pick_author() -> int:
            return rng.choices(member_ids, cum_weights=cum)[0]

        writer = Writer(rng)
        with timings.phase("plan threads and posts"):
            threads = plan_threads(rng, plan, pick_author)
            posts = plan_posts(rng, plan, threads, pick_author)
        with timings.phase("threads (COPY)"):
            load_threads(cur, writer, threads, plan)
            conn.commit()
        reactions: list[str] = []
        with timings.phase("posts (COPY)"):
            samples = load_posts(cur, rng, writer, threads, posts, plan, reactions)
            conn.commit()
        del posts
        with timings.phase("reactions (COPY)"):
            load_reactions(cur, reactions)
            set_sequences(cur, ["accounts_user", "forum_board", "forum_thread", "forum_post"])
            conn.commit()
        del reactions

        with timings.phase("thread and board counters (SQL)"):
            cur.execute(THREAD_UPDATE)
            conn.commit()
            conn.autocommit = True
            conn.execute("VACUUM FULL forum_thread")  # the update left a dead copy of each row
            conn.autocommit = False
            cur.execute(BOARD_UPDATE)
            conn.commit()
        with timings.phase("subscriptions and read positions (SQL)"):
            cur.execute(SUBSCRIPTIONS)
            cur.execute(BOARD_SUBSCRIPTIONS)
            cur.execute(READ_STATES)
            conn.commit()
        with timings.phase("rebuild indexes and constraints"):
            for item in detached:
                for name, statement in item.statements:
                    t0 = time.perf_counter()
                    cur.execute(statement)
                    conn.commit()
                    timings.indexes[f"{item.table}.{name}"] = round(time.perf_counter() - t0, 2)
        with timings.phase("bench members' read positions"):
            cur.execute(BENCH_READ_STATES)
            # The member the measurement signs in as has never opened the biggest thread.
            cur.execute(
                "DELETE FROM forum_readstate WHERE user_id = %s AND thread_id = %s",
                [BENCH_IDS[0], threads.big + 1],
            )
            conn.commit()
        with timings.phase("VACUUM ANALYZE"):
            conn.autocommit = True
            conn.execute("VACUUM (ANALYZE)")
        with timings.phase("check counters"):
            mismatches = {
                "threads": scalar(conn, THREAD_CHECK),
                "boards": scalar(conn, BOARD_CHECK),
                "reactions": scalar(conn, REACTION_CHECK),
            }
        total = time.perf_counter() - started
        generated_report = generated_cost(conn, generated) if generated else []
        counts = volumes(conn)

    from community.forum.markdown import render_markdown

    markdown_mismatches = sum(render_markdown(src) != out for src, out in samples)
    if any(mismatches.values()) or markdown_mismatches:
        sys.exit(f"Checks failed: counters {mismatches}, markdown {markdown_mismatches}")
    return {
        "database": database_name(url),
        "generated_at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "seed": plan.seed,
        "total_seconds": round(total, 1),
        "phases": timings.phases,
        "indexes": dict(sorted(timings.indexes.items(), key=lambda kv: -kv[1])),
        "generated_columns": generated_report,
        "volumes": counts,
        "checks": {**mismatches, "markdown_samples": len(samples), "markdown": 0},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=database_url_from_env())
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--big-thread-posts", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if args.members < MODERATORS + 2 + BENCH_USERS:
        parser.error("--members is too small for the admin, moderators and bench members")
    if args.posts < args.threads + args.big_thread_posts:
        parser.error("--posts must cover one post per thread plus the big thread")
    plan = Plan(
        members=args.members,
        threads=args.threads,
        posts=args.posts,
        big_thread_posts=args.big_thread_posts,
        seed=args.seed,
    )
    report = generate(args.database_url, plan)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    GENERATION_RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Generated in {report['total_seconds']}s: {json.dumps(report['volumes'])}")
    if report["generated_columns"]:
        print(f"Generated columns: {json.dumps(report['generated_columns'])}")


if __name__ == "__main__":
    main()
