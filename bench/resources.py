"""Measures the resource library's API with 50,000 resources, and one run of the link checker.

    python -m bench.resources [--database-url URL] [--redis-url URL] [--requests 200]
                              [--warmup 10] [--resources 50000] [--links 1000]

Drops and recreates its own database (its name must contain "bench", on 127.0.0.1), applies
the migrations, then loads with ``bulk_create`` in this process: ``--resources`` resources
(mostly published; titles, summaries and organisations from the seed's vocabulary, spread over
the categories, audiences, sixty tags three to a resource, and a few languages), a few hundred
members with saved resources and "this helped me" marks, and ``--links`` more published
resources whose links point at a threaded HTTP server in this process. VACUUM ANALYZE, then
gunicorn starts as bench/run.py starts it.

Scenarios, each with warm-up requests then ``--requests`` sequential keep-alive requests,
anonymous and (for some) signed in as a member, whose rows carry the saved / helped-me flags:
the library's first page, filtered by category, by category and audience, by a tag of middling
frequency, by language, searched for a common word, a rare word and a word within a category,
the second page (through ``next``) and one resource. Target: p95 at most 30 ms each. Every
scenario's first request must answer 200 with rows, or the run fails.

Then the link checker, in this process, over the local links (mostly 200, some 404 and 500,
redirects, a few that take a second): its time (target 60 s) and the most requests the server
saw at once, which must not exceed RESOURCES_LINK_CHECK_CONCURRENCY. The report (with EXPLAIN
ANALYZE of each scenario's page query) goes to docs/benchmarks/resources-YYYY-MM-DD.md.
"""

import os
import random
import re
import secrets
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from bench import vocabulary as v
from bench.lib.client import Client, Reply, local_path, sign_in
from bench.lib.common import (
    BENCH_PASSWORD,
    LOOPBACK,
    bench_email,
    bench_username,
    database_name,
    django_setup,
    http_bench_args,
    http_bench_parser,
    member_row,
)
from bench.lib.database import database_fresh, redis_forget, vacuum_analyze, with_connection
from bench.lib.httpserver import LocalServer
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

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_resources"
TARGET_P95_MS = 30.0
LINK_CHECK_TARGET_SECONDS = 60.0
LIST = "/api/v1/resources"
PAGE_SIZE = 25
MEMBERS = 300
MARKS_EACH = 20  # "this helped me" marks per member
MEMBER_SAVED = 300  # resources on the signed-in member's reading list
MEMBER_HELPED = 150
CURATOR_EMAIL = "curator@bench.example.org"
BATCH = 5_000
SEED = 7
COMMON_WORD = "neck"
RARE_WORD = "feldenkrais"
RARE_SHARE = 1_000  # one summary in this many carries the rare word
SCOPED_WORD, SCOPED_CATEGORY = "exercises", "physical_therapy"
RARE_TAG, RARE_TAG_WEIGHT = "denervation", 0.003  # about one resource in a thousand

CATEGORY_WEIGHTS = {
    "botulinum_toxin": 16,
    "oral_medication": 5,
    "dbs_and_surgery": 5,
    "physical_therapy": 12,
    "complementary": 6,
    "pain": 12,
    "mental_health": 9,
    "daily_living": 10,
    "work": 7,
    "understanding_dystonia": 8,
    "research_and_trials": 5,
    "support_organisations": 5,
}
AUDIENCE_WEIGHTS = {"everyone": 50, "patients": 30, "caregivers": 12, "clinicians": 8}
LANGUAGE_WEIGHTS = {"en": 86, "es": 6, "fr": 4, "de": 2, "nl": 2}
STATE_WEIGHTS = {"published": 94, "suggested": 4, "archived": 2}

TAGS = [
    "botulinum-toxin", "botox", "dysport", "xeomin", "injections", "emg-guidance",
    "physiotherapy", "stretching", "yoga", "pilates", "swimming", "massage", "acupuncture",
    "tens", "heat", "mindfulness", "alexander-technique", "sensory-tricks", "posture",
    "deep-brain-stimulation", "surgery", "denervation", "baclofen", "clonazepam",
    "trihexyphenidyl", "gabapentin", "neck-pain", "shoulder-pain", "headaches", "tremor",
    "spasms", "fatigue", "sleep", "jaw-tension", "driving", "computer-work", "employment",
    "adjustments", "benefits", "travel", "anxiety", "low-mood", "counselling", "peer-support",
    "carers", "partners", "parents", "newly-diagnosed", "diagnosis", "genetics",
    "clinical-trials", "registries", "research-news", "collars", "pillows", "helplines",
    "uk", "us", "europe", "international",
]  # fmt: skip

WHO = ["your neurologist", "your GP", "your physiotherapist", "the clinic nurse", "a pharmacist"]
DRUGS = ["baclofen", "clonazepam", "trihexyphenidyl", "gabapentin"]
PLACES = ["Northern", "Southern", "Eastern", "Western", "Central", "Coastal", "Highland",
          "Valley", "Riverside", "Lakeland"]  # fmt: skip
KINDS = ["Dystonia Support Group", "Movement Disorders Clinic", "Pain Management Service",
         "Neuro Physiotherapy Network", "Carers Centre", "Neurology Foundation",
         "Patient Association", "Research Institute", "Disability Advice Service",
         "Wellbeing Trust"]  # fmt: skip

TITLES: dict[str, list[str]] = {
    "botulinum_toxin": ["{toxin} injections: what to expect", "Planning your injection cycle",
                        "Injections into the {muscle} explained", "When the toxin wears off early"],
    "oral_medication": ["{drug} for dystonia: a guide", "Tablets for cervical dystonia",
                        "Side effects of {drug} explained"],
    "dbs_and_surgery": ["Deep brain stimulation: questions to ask", "Living with a stimulator",
                        "Assessment for DBS surgery"],
    "physical_therapy": ["Stretches for the {muscle}", "{treatment} and cervical dystonia",
                         "Posture and pacing at home"],
    "complementary": ["{treatment}: what the evidence says", "Trying {treatment} safely"],
    "pain": ["Managing {symptom}", "Sleep and neck pain", "Pain services explained"],
    "mental_health": ["Anxiety and the pulling", "Low mood and long-term conditions",
                      "Talking therapies for dystonia"],
    "daily_living": ["Tips for {activity}", "Benefits when {symptom} limits you",
                     "Equipment that helps at home"],
    "work": ["Adjustments at work", "Telling your employer about dystonia",
             "{activity} at work with a twisting neck"],
    "understanding_dystonia": ["What is cervical dystonia?", "Newly diagnosed: a first guide",
                               "Types of dystonia explained"],
    "research_and_trials": ["Trials recruiting at {hospital}", "Dystonia genetics: research news",
                            "Joining a patient registry"],
    "support_organisations": ["{org}", "Support groups near you", "Helpline and online meetings"],
}  # fmt: skip

SUMMARIES: dict[str, list[str]] = {
    "botulinum_toxin": [
        "Explains how {toxin} injections are planned and why many clinics work on a {weeks} "
        "week cycle.",
        "Describes injections into the {muscle}, the first weeks afterwards and the questions "
        "worth asking {who}.",
    ],
    "oral_medication": [
        "An overview of tablets such as {drug} that are sometimes tried for cervical dystonia.",
        "Sets out what to ask {who} before starting or stopping {drug}.",
    ],
    "dbs_and_surgery": [
        "How deep brain stimulation is assessed, what the surgery involves and how the "
        "stimulator is programmed afterwards.",
        "Answers common questions about recovery, battery changes and living with a stimulator.",
    ],
    "physical_therapy": [
        "Gentle exercises and stretches for the {muscle}, with advice on posture and pacing.",
        "Shows how {treatment} can sit alongside injections, and how to find a physiotherapist "
        "with neurological experience.",
    ],
    "complementary": [
        "Looks at the evidence for {treatment} and what people with dystonia report from it.",
        "A calm look at cost, safety and what to tell {who} before trying {treatment}.",
    ],
    "pain": [
        "Practical ways to manage {symptom}, from heat and a TENS machine to pacing and sleep.",
        "Explains how pain services work and what a pain management programme offers.",
    ],
    "mental_health": [
        "Coping with anxiety and low mood when your neck pulls {tilt}.",
        "How talking therapies and peer support can help on the harder days.",
    ],
    "daily_living": [
        "Everyday tips for {activity} with a twisting neck, from pillows to car headrests.",
        "The benefits and equipment that can help when {symptom} limits {activity}.",
    ],
    "work": [
        "How to talk to your employer about adjustments when {symptom} makes {activity} hard.",
        "Rights at work, occupational health referrals and phased returns, explained.",
    ],
    "understanding_dystonia": [
        "A plain introduction to cervical dystonia: why the neck pulls {tilt}, how it is "
        "diagnosed and which treatments are used.",
        "Explains the difference between focal, segmental and generalised dystonia.",
    ],
    "research_and_trials": [
        "News of research into the genetics of dystonia and trials recruiting at {hospital}.",
        "How to tell a registered clinical trial from a sales pitch, and what taking part "
        "involves.",
    ],
    "support_organisations": [
        "A patient organisation with a helpline, local support groups and online meetings.",
        "Connects people with dystonia, their families and carers, and campaigns for better "
        "services.",
    ],
}
CLOSING = [
    "Written for people living with cervical dystonia and those close to them.",
    "Questions about your own treatment are best taken to {who}.",
    "Includes stories from members and a short reading list.",
    "Useful for the newly diagnosed and for anyone whose neck pain has changed.",
]
RARE_SENTENCE = "Also covers Feldenkrais classes and hydrotherapy."

# The local links: (path pattern, share of the links, previous state). "recovering" links
# were broken (three failures) and answer 200 now; "breaking" ones failed twice and fail
# again, the third failure that makes them broken (RESOURCES_LINK_BROKEN_AFTER is 3).
LINK_MIX = [
    ("/slow/1?n={n}", 10, "ok"),
    ("/status/404?n={n}", 40, "ok"),
    ("/status/404?n={n}", 20, "breaking"),
    ("/status/500?n={n}", 20, "ok"),
    ("/redirect/2?n={n}", 50, "ok"),
    ("/head-not-allowed?n={n}", 20, "ok"),
    ("/ok/{n}", 30, "recovering"),
    ("/ok/{n}", 810, "ok"),
]


def pick(rng: random.Random, weights: Mapping[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def fill(rng: random.Random, template: str, org: str) -> str:
    slots = {key: rng.choice(options) for key, options in v.SLOTS.items()}
    slots.update(who=rng.choice(WHO), drug=rng.choice(DRUGS), org=org)
    text = template.format_map(slots)
    return text[0].upper() + text[1:]


def text_for(rng: random.Random, category: str, org: str) -> tuple[str, str]:
    """A title and a two- or three-sentence summary (plain text: Markdown renders it as is)."""
    title = fill(rng, rng.choice(TITLES[category]), org)
    sentences = [fill(rng, s, org) for s in rng.sample(SUMMARIES[category], 2)]
    if rng.random() < 0.5:
        sentences.append(fill(rng, rng.choice(CLOSING), org))
    if rng.randrange(RARE_SHARE) == 0:
        sentences.append(RARE_SENTENCE)
    return title, " ".join(sentences)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass
class Volumes:
    resources: int = 0
    published: int = 0
    local_links: int = 0
    tags: int = 0
    tag_links: int = 0
    members: int = 0
    saved: int = 0
    helpful: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    by_language: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


def people_create() -> list[Any]:
    """The member who signs in (verified address, usable password), a curator (told of broken
    links) and the members whose marks fill helpful_count."""
    from allauth.account.models import EmailAddress

    from accounts.models import Role, TrustLevel, User

    member = User.objects.create_user(
        bench_email(1),
        bench_username(1),
        BENCH_PASSWORD,
        display_name="Bench member",
        role=Role.MEMBER,
        trust_level=TrustLevel.ESTABLISHED,
    )
    curator = User.objects.create_user(
        CURATOR_EMAIL, "bench_curator", None, display_name="Bench curator", is_curator=True
    )
    for user in (member, curator):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    others = User.objects.bulk_create(
        [member_row(f"member{n}@bench.example.org", f"member_{n}") for n in range(1, MEMBERS + 1)]
    )
    return [member, curator, *others]


def data_create(*, resources: int, links: int, link_url: Callable[[str], str]) -> Volumes:
    """Tags, resources (the last ``links`` of them pointing at the local server), their tags,
    and the members' saved lists and marks; helpful_count set to match the marks."""
    from community.resources.models import HelpfulMark, Resource, SavedResource, Tag

    started = time.perf_counter()
    rng = random.Random(SEED)  # noqa: S311 (varied data, not secrets)
    now = datetime.now(tz=UTC)
    member, curator, *others = people_create()
    tags = Tag.objects.bulk_create(
        [Tag(slug=s, name=s.replace("-", " ").capitalize()) for s in TAGS]
    )
    # A long tail: a few tags on many resources, most on one or two thousand, and one
    # (RARE_TAG) on only a few dozen.
    tag_weights = [
        RARE_TAG_WEIGHT if tag.slug == RARE_TAG else 1 / (rank + 1) ** 0.8
        for rank, tag in enumerate(tags)
    ]
    orgs = [f"{place} {kind}" for place in PLACES for kind in KINDS]
    local = [(pattern, state) for pattern, share, state in LINK_MIX for _ in range(share)]
    rng.shuffle(local)
    local = (local * (links // len(local) + 1))[:links]

    rows: list[Resource] = []
    for n in range(resources + links):
        category = pick(rng, CATEGORY_WEIGHTS)
        org = rng.choice(orgs)
        title, summary = text_for(rng, category, org)
        is_local = n >= resources
        state = "published" if is_local else pick(rng, STATE_WEIGHTS)
        published_at = now - timedelta(seconds=rng.randint(3_600, 3 * 365 * 86_400))
        row = Resource(
            title=title[:200],
            organisation=org,
            summary_source=summary,
            summary_html=f"<p>{summary}</p>",
            category=category,
            audience=pick(rng, AUDIENCE_WEIGHTS),
            language=pick(rng, LANGUAGE_WEIGHTS),
            state=state,
            curated_by=curator if state != "suggested" else None,
            suggested_by=rng.choice(others) if state == "suggested" else None,
            published_at=published_at if state != "suggested" else None,
            last_reviewed_at=published_at if state != "suggested" else None,
            review_due_at=published_at + timedelta(days=365) if state != "suggested" else None,
        )
        if is_local:
            pattern, previous = local[n - resources]
            row.url = link_url(pattern.format(n=n))
            # Checked days ago: due before any other link, whatever order the checker reads.
            row.link_checked_at = now - timedelta(days=rng.randint(2, 30))
            row.link_status = {"ok": "ok", "recovering": "broken", "breaking": "failing"}[previous]
            row.link_status_code = 200 if previous == "ok" else 404
            row.link_failures = {"ok": 0, "recovering": 3, "breaking": 2}[previous]
            if previous != "ok":
                row.link_failing_since = row.link_checked_at - timedelta(days=2)
        else:
            # Not a real host (.invalid never resolves), and checked within the hour: the
            # checker has no reason to touch these during the run.
            row.url = f"https://{slug(org)}.bench.invalid/library/{n}"
            row.link_checked_at = now - timedelta(minutes=rng.randint(1, 60))
            row.link_status, row.link_status_code = "ok", 200
        rows.append(row)
    Resource.objects.bulk_create(rows, batch_size=BATCH)

    through = Resource.tags.through
    tag_rows = [
        through(resource_id=row.pk, tag_id=tag.pk)
        for row in rows
        for tag in set(rng.choices(tags, weights=tag_weights, k=3))
    ]
    through.objects.bulk_create(tag_rows, batch_size=BATCH * 2)

    published = [row for row in rows if row.state == "published"]
    newest = sorted(published, key=lambda row: row.published_at or now, reverse=True)
    # Some of the first page saved and marked, so the signed-in list shows both flags.
    saved = {row.pk for row in newest[:25:3]} | {
        row.pk for row in rng.sample(published, MEMBER_SAVED)
    }
    SavedResource.objects.bulk_create(
        [SavedResource(user=member, resource_id=pk) for pk in saved], batch_size=BATCH
    )
    marks = [
        HelpfulMark(user=member, resource_id=pk)
        for pk in {row.pk for row in newest[1:25:4]}
        | {row.pk for row in rng.sample(published, MEMBER_HELPED)}
    ]
    for user in others:
        marks += [
            HelpfulMark(user=user, resource_id=row.pk) for row in rng.sample(published, MARKS_EACH)
        ]
    HelpfulMark.objects.bulk_create(marks, batch_size=BATCH)
    with_connection(
        """
        UPDATE resources_resource r SET helpful_count = m.n
        FROM (SELECT resource_id, count(*) AS n FROM resources_helpfulmark GROUP BY 1) m
        WHERE m.resource_id = r.id
        """
    )
    # created_at is set on insert: move it to before publication (the suggestions' queue
    # order, and nothing that looks made in one second).
    with_connection(
        """
        UPDATE resources_resource SET created_at =
            COALESCE(published_at, now() - interval '10 days') - (id % 5000) * interval '1 minute'
        """
    )
    vacuum_analyze()
    return Volumes(
        resources=len(rows),
        published=len(published),
        local_links=links,
        tags=len(tags),
        tag_links=len(tag_rows),
        members=len(others) + 2,
        saved=len(saved),
        helpful=len(marks),
        by_category=Counter(row.category for row in published),
        by_language=Counter(row.language for row in published),
        seconds=time.perf_counter() - started,
    )


# --- scenarios ----------------------------------------------------------------------------------
@dataclass
class Scenario:
    name: str
    params: dict[str, str]
    signed_in: bool = False
    page_two: bool = False
    detail: bool = False
    matching: int | None = None  # published resources matching, through the API's filter
    wrong: str = ""  # set when a page holds other than the rows that match

    @property
    def path(self) -> str:
        if not self.params:
            return LIST
        return LIST + "?" + "&".join(f"{k}={quote(val)}" for k, val in self.params.items())


def middle_tag() -> tuple[str, int]:
    """The published library's tag of median frequency: neither the commonest nor a rare one."""
    rows = with_connection(
        """
        SELECT t.slug, count(*) FROM resources_tag t
        JOIN resources_resource_tags rt ON rt.tag_id = t.id
        JOIN resources_resource r ON r.id = rt.resource_id AND r.state = 'published'
        GROUP BY t.slug ORDER BY count(*), t.slug
        """
    )
    slug_, count = rows[len(rows) // 2]
    return str(slug_), int(count)


def scenarios_build() -> list[Scenario]:
    tag, _ = middle_tag()
    listed = [
        Scenario("List, first page", {}),
        Scenario("List, first page (signed in)", {}, signed_in=True),
        Scenario("Category botulinum_toxin", {"category": "botulinum_toxin"}),
        Scenario(
            "Category botulinum_toxin (signed in)",
            {"category": "botulinum_toxin"},
            signed_in=True,
        ),
        Scenario(
            "Category pain, audience caregivers", {"category": "pain", "audience": "caregivers"}
        ),
        Scenario(f"Tag {tag!r} (middling)", {"tag": tag}),
        Scenario(f"Tag {RARE_TAG!r} (rare)", {"tag": RARE_TAG}),
        Scenario("Language es", {"language": "es"}),
        Scenario(f"Search, common word ({COMMON_WORD!r})", {"q": COMMON_WORD}),
        Scenario(
            f"Search, common word ({COMMON_WORD!r}, signed in)", {"q": COMMON_WORD}, signed_in=True
        ),
        Scenario(f"Search, rare word ({RARE_WORD!r})", {"q": RARE_WORD}),
        Scenario(
            f"Search {SCOPED_WORD!r} in {SCOPED_CATEGORY}",
            {"q": SCOPED_WORD, "category": SCOPED_CATEGORY},
        ),
        Scenario("List, page 2 (via next)", {}, page_two=True),
        Scenario("List, page 2 (via next, signed in)", {}, page_two=True, signed_in=True),
        Scenario("One resource", {}, detail=True),
    ]
    from django.contrib.auth.models import AnonymousUser

    from community.resources.selectors import resource_list

    for scenario in listed:
        # The published library, as a visitor lists it.
        scenario.matching = resource_list(viewer=AnonymousUser(), filters=scenario.params).count()
    return listed


def newest_published_id() -> int:
    rows = with_connection(
        "SELECT id FROM resources_resource WHERE state = 'published' "
        "ORDER BY published_at DESC, id DESC LIMIT 1"
    )
    return int(rows[0][0])


@dataclass
class FirstPage:
    rows: int = 0
    has_next: bool = False
    flags: bool | None = None  # rows carry saved/helped_me (True or False, not null)
    saved_shown: int = 0


def first_page(reply: Reply) -> FirstPage:
    data = reply.json()
    rows = data.get("results", [data]) if isinstance(data, dict) else []
    return FirstPage(
        rows=len(rows),
        has_next=bool(data.get("next")) if isinstance(data, dict) else False,
        flags=all(isinstance(r.get("saved"), bool) for r in rows) if rows else None,
        saved_shown=sum(1 for r in rows if r.get("saved") is True),
    )


def run_scenarios(
    scenarios: list[Scenario],
    anonymous: Client,
    member: Client,
    *,
    requests: int,
    warmup: int,
    max_seconds: float,
) -> tuple[list[Result], dict[str, str]]:
    """Measures each scenario; returns the results and the path each one measured."""
    opts = {"requests": requests, "warmup": warmup, "max_seconds": max_seconds}
    results: list[Result] = []
    paths: dict[str, str] = {}
    detail_id = newest_published_id()
    for scenario in scenarios:
        client = member if scenario.signed_in else anonymous
        path = f"{LIST}/{detail_id}" if scenario.detail else scenario.path
        print(f"  {scenario.name}", flush=True)
        result = Result(scenario.name, TARGET_P95_MS)
        probe = client.request("GET", path)
        if probe.status == 200 and scenario.page_two:
            nxt = probe.json().get("next")
            if not nxt:
                result.errors, result.note = 1, "the first page has no next link"
                results.append(result)
                continue
            path = local_path(nxt)
            probe = client.request("GET", path)
        if probe.status != 200:
            result.errors = 1
            result.note = f"HTTP {probe.status} on {path}: {probe.body[:160]!r}"
            results.append(result)
            continue
        page = first_page(probe)
        if page.rows == 0:
            result.errors = 1
            result.note = f"no rows on {path}"
            results.append(result)
            continue
        measure(client, result, lambda _i, c=client, p=path: c.request("GET", p), **opts)
        facts = [f"{page.rows} rows" + (", more pages" if page.has_next else "")]
        if scenario.matching is not None and not scenario.detail:
            facts.append(f"{scenario.matching:,} published resources match")
            skipped = PAGE_SIZE if scenario.page_two else 0
            expected = max(0, min(PAGE_SIZE, scenario.matching - skipped))
            if page.rows != expected:
                scenario.wrong = f"{expected} rows expected, {page.rows} returned"
                facts.insert(0, f"**{scenario.wrong}**")
        if scenario.signed_in:
            facts.append(
                f"saved/helped_me on every row: {'yes' if page.flags else 'no'}; "
                f"{page.saved_shown} shown saved"
            )
        result.note = "; ".join(([result.note] if result.note else []) + facts)
        paths[scenario.name] = path
        results.append(result)
    return results, paths


# --- query plans ----------------------------------------------------------------------------------
def page_query_plans(scenarios: list[Scenario], paths: dict[str, str]) -> dict[str, str]:
    """Each measured request made once more in this process, its queries captured; EXPLAIN
    (ANALYZE, BUFFERS) of those that choose the page's rows."""
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    anonymous = DjangoClient(HTTP_HOST=LOOPBACK, raise_request_exception=False)
    member = DjangoClient(HTTP_HOST=LOOPBACK, raise_request_exception=False)
    member.force_login(User.objects.get(email=bench_email(1)))
    plans: dict[str, str] = {}
    for scenario in scenarios:
        path = paths.get(scenario.name)
        if path is None:
            continue
        client = member if scenario.signed_in else anonymous
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code != 200:
            plans[scenario.name] = f"(in-process request answered {response.status_code})"
            continue
        queries = [q["sql"] for q in captured.captured_queries]
        page = [
            sql
            for sql in queries
            if sql.startswith("SELECT") and 'FROM "resources_resource"' in sql and "LIMIT" in sql
        ]
        if not page:
            plans[scenario.name] = "(no page query found)"
            continue
        # A ranked search chooses its page in two steps (candidates, then their ranks).
        shown = []
        for n, sql in enumerate(page, start=1):
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            label = f"query {n} of {len(page)} choosing the page" if len(page) > 1 else "the page"
            shown.append(f"{label}:\n\n{plan}")
        plans[scenario.name] = f"{len(queries)} queries in-process; " + "\n\n".join(shown)
    return plans


# --- the link checker -----------------------------------------------------------------------------
@dataclass
class LinkCheck:
    available: bool = True
    note: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    concurrency: int = 0
    requests_seen: int = 0
    max_in_flight: int = 0
    others_touched: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return (
            self.available
            and self.seconds <= LINK_CHECK_TARGET_SECONDS
            and 0 < self.max_in_flight <= self.concurrency
            and self.others_touched == 0
        )


SUMMARY_FIELDS = ("checked", "ok", "failed", "newly_broken", "recovered", "seconds")


def link_check(server: Any, *, links: int) -> LinkCheck:
    """One run of the checker over the local links, as the hourly task would run it."""
    try:
        from community.resources.health import link_check_run
    except ImportError as exc:
        return LinkCheck(available=False, note=f"community.resources.health: {exc}")
    from django.conf import settings
    from django.utils import timezone

    settings.RESOURCES_LINK_CHECK_ALLOW = [server.allow]
    before = len(server.requests)
    server.max_in_flight = 0
    started_at = timezone.now()
    clock = time.perf_counter()
    summary = link_check_run(limit=links)
    seconds = time.perf_counter() - clock
    values = {
        name: (summary.get(name) if isinstance(summary, Mapping) else getattr(summary, name, None))
        for name in SUMMARY_FIELDS
    }
    from community.resources.models import Resource

    prefix = server.url("/")
    local_rows = Resource.objects.filter(url__startswith=prefix)
    # The checker must have read only the local links: the others were checked an hour ago.
    touched = (
        Resource.objects.filter(link_checked_at__gte=started_at)
        .exclude(url__startswith=prefix)
        .count()
    )
    return LinkCheck(
        summary=values,
        seconds=seconds,
        concurrency=settings.RESOURCES_LINK_CHECK_CONCURRENCY,
        requests_seen=len(server.requests) - before,
        max_in_flight=server.max_in_flight,
        others_touched=touched,
        statuses=dict(Counter(local_rows.values_list("link_status", flat=True))),
    )


# --- report -------------------------------------------------------------------------------------
def link_check_lines(check: LinkCheck) -> list[str]:
    out = ["## Link checker", ""]
    if not check.available:
        return [*out, f"**Not available**: {check.note}", ""]
    s = check.summary
    within = 0 < check.max_in_flight <= check.concurrency
    out += [
        "`community.resources.health.link_check_run(limit=...)` in this process, against a "
        f"threaded HTTP server on {LOOPBACK} (allowed through RESOURCES_LINK_CHECK_ALLOW). "
        "The local links, by what they answer: "
        + ", ".join(
            f"{share} `{pattern.split('?')[0].replace('{n}', 'n')}` ({state})"
            for pattern, share, state in LINK_MIX
        )
        + " per thousand. Before the run, `recovering` links were broken (three failures) and "
        "`breaking` ones had failed twice; the rest were fine.",
        "",
        "| measure | value | target |",
        "| --- | ---: | --- |",
        f"| run time (measured here) | {check.seconds:.1f} s | ≤ {LINK_CHECK_TARGET_SECONDS:g} s "
        f"{'pass' if check.seconds <= LINK_CHECK_TARGET_SECONDS else '**miss**'} |",
        f"| most requests in flight at the server | {check.max_in_flight} | ≤ "
        f"{check.concurrency} (RESOURCES_LINK_CHECK_CONCURRENCY) "
        f"{'pass' if within else '**miss**'} |",
        f"| requests the server answered | {check.requests_seen:,} | |",
        f"| other links checked during the run | {check.others_touched:,} | 0 "
        f"{'pass' if check.others_touched == 0 else '**miss**'} |",
        *[f"| summary: {name} | {s.get(name)} | |" for name in SUMMARY_FIELDS],
        "",
        "Local links by status afterwards: "
        + ", ".join(f"{status} {n:,}" for status, n in sorted(check.statuses.items()))
        + ".",
        "",
    ]
    return out


def report(
    results: list[Result],
    *,
    scenarios: list[Scenario],
    volumes: Volumes,
    check: LinkCheck,
    plans: dict[str, str],
    database_url: str,
    server: Server,
    requests: int,
    warmup: int,
    load: tuple[float, float, float],
) -> str:
    by_name = {r.name: r for r in results}
    anon, signed = by_name.get("List, first page"), by_name.get("List, first page (signed in)")
    wrong = [f"- **{s.name}**: {s.wrong}" for s in scenarios if s.wrong]
    out = [
        f"# Resource library benchmark, {today()}",
        "",
        over_http(
            "bench/resources.py",
            server,
            signed_in="anonymous or signed in as a member with an X-Session-Token;",
            warmup=warmup,
            requests=requests,
            database_url=database_url,
        ),
        "",
        "## Results",
        "",
        table(results),
        "",
        f"Target: p95 ≤ {TARGET_P95_MS:g} ms for each, and each page holds the rows that "
        "match (the count comes from the API's own filter, in-process).",
        "",
    ]
    if wrong:
        out += ["Pages with the wrong rows:", "", *wrong, ""]
    if anon and signed:
        out += [
            f"- Queries per request, first page: anonymous {fmt_queries(anon)}, signed in "
            f"{fmt_queries(signed)} (the saved and helped-me flags come in the page query).",
            "",
        ]
    out += notes(results)
    out += link_check_lines(check)
    out += [
        "## Data set",
        "",
        f"Loaded with `bulk_create` in {volumes.seconds:.0f} s, then vacuumed and analysed.",
        "",
        "| what | rows |",
        "| --- | ---: |",
        f"| resources | {volumes.resources:,} |",
        f"| of which published | {volumes.published:,} |",
        f"| of which linking to the local server (published) | {volumes.local_links:,} |",
        f"| tags | {volumes.tags:,} |",
        f"| resource tags | {volumes.tag_links:,} |",
        f"| members (one signs in, one curator) | {volumes.members:,} |",
        f"| saved by the signed-in member | {volumes.saved:,} |",
        f'| "this helped me" marks | {volumes.helpful:,} |',
        "",
        "Published by category: "
        + ", ".join(f"{c} {n:,}" for c, n in volumes.by_category.most_common())
        + ". By language: "
        + ", ".join(f"{lang} {n:,}" for lang, n in volumes.by_language.most_common())
        + ". Text is built from bench/vocabulary.py; the summaries of every language are in "
        f"English. One summary in {RARE_SHARE:,} carries the rare word.",
        "",
        "## Query plans",
        "",
        "Each scenario's request made once more in-process after the measurement, its queries "
        "captured, and EXPLAIN (ANALYZE, BUFFERS) of the queries that choose the page's rows.",
        "",
    ]
    out += plan_lines(plans, heading="### {}")
    out += machine_lines(database_url, load)
    return "\n".join(out)


def main() -> None:
    parser = http_bench_parser(
        doc=__doc__ or "",
        database_env="BENCH_RESOURCES_DATABASE_URL",
        database_url=DEFAULT_DATABASE_URL,
    )
    parser.add_argument("--resources", type=int, default=50_000)
    parser.add_argument("--links", type=int, default=1_000)
    args = http_bench_args(parser)
    if not 1_000 <= args.resources <= 500_000 or not 1 <= args.links <= 10_000:
        parser.error("--resources must be 1,000 to 500,000 and --links 1 to 10,000")

    print(f"Resource library benchmark in {database_name(args.database_url)!r}", flush=True)
    with LocalServer() as links_server:
        print("  create database and migrate", flush=True)
        database_fresh(args.database_url)
        django_setup(
            database_url=args.database_url,
            redis_url=args.redis_url,
            name="resources",
            # Tasks queued by the link checker (curators told of broken links) stay under a
            # prefix of this run, removed at the end.
            CELERY_KEY_PREFIX=f"bench-resources-celery-{secrets.token_hex(4)}:",
            RESOURCES_LINK_CHECK_ALLOW=links_server.allow,
        )
        print(f"  load: {args.resources:,} resources and {args.links:,} local links", flush=True)
        volumes = data_create(resources=args.resources, links=args.links, link_url=links_server.url)
        scenarios = scenarios_build()
        load = os.getloadavg()
        server = start_server(args.database_url, args.redis_url, args.workers)
        try:
            anonymous, member = Client(server.port), Client(server.port)
            sign_in(member)
            results, paths = run_scenarios(
                scenarios,
                anonymous,
                member,
                requests=args.requests,
                warmup=args.warmup,
                max_seconds=args.max_seconds,
            )
            anonymous.close()
            member.close()
        finally:
            server.stop()
        try:
            plans = page_query_plans(scenarios, paths)
            print(f"  link checker over {args.links:,} local links", flush=True)
            check = link_check(links_server, links=args.links)
        finally:
            for prefix in ("CACHE_KEY_PREFIX", "CELERY_KEY_PREFIX"):
                redis_forget(args.redis_url, os.environ[prefix])

    text = report(
        results,
        scenarios=scenarios,
        volumes=volumes,
        check=check,
        plans=plans,
        database_url=args.database_url,
        server=server,
        requests=args.requests,
        warmup=args.warmup,
        load=load,
    )
    path = write_report(args.output_dir, "resources", text)
    print()
    print(table(results))
    print()
    print("\n".join(link_check_lines(check)[2:]))
    print(f"Written to {shown(path)}")
    if any(r.errors for r in results):
        sys.exit("Some requests failed (see the table).")
    if any(s.wrong for s in scenarios):
        sys.exit("Some pages held the wrong rows (see the notes).")
    if not check.available:
        sys.exit(f"The link checker is not available: {check.note}")
    if not all(r.passed for r in results) or not check.passed:
        print("Some targets were missed (see the table).")


if __name__ == "__main__":
    main()
