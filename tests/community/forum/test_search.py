"""GET /api/v1/search: ranking, safe snippets, what each viewer may find, filters and paging.

Most tests run twice: on PostgreSQL's full-text search (ranked, ts_headline snippets) and on
the simple fallback the laptop's SQLite uses (forced here on PostgreSQL).
"""

import base64
import importlib
import json
import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from rest_framework.test import APIClient

from community.forum import search
from community.forum.models import Board, BoardVisibility, Post, PostingPolicy, PostState, Thread
from community.posting import services as posting
from tests import factories
from tests.queries import assert_constant_queries

URL = "/api/v1/search"
ANONYMOUS_LABEL = "a member"
TAG = re.compile(r"<[^>]*>")


@pytest.fixture(autouse=True)
def _search_ready(search_columns, db):
    """Every test here needs the database, with the search columns."""


@pytest.fixture(params=["postgres", "fallback"])
def engine(request, monkeypatch):
    """Runs a test on full-text search and again on the fallback."""
    if request.param == "fallback":
        monkeypatch.setattr(search, "full_text_available", lambda using: False)
    return request.param


@pytest.fixture
def board(db):
    return factories.BoardFactory(allows_anonymous=True)


@pytest.fixture
def opener(db):
    return factories.UserFactory()


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def run(client: APIClient, **params) -> dict:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def found(client: APIClient, **params) -> list[int]:
    return [row["post"] for row in run(client, **params)["results"]]


def by_post(body: dict) -> dict[int, dict]:
    return {row["post"]: row for row in body["results"]}


def assert_invalid(response, field: str, code: str = "invalid", status: int = 400) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    assert body["code"] == code, body
    assert body["message"].strip()
    if field:
        assert field in body["fields"], body
    return body


def opening_post(thread: Thread) -> Post:
    return Post.objects.get(thread=thread, position=1)


def set_created(post: Post, when: datetime) -> None:
    Post.objects.filter(pk=post.pk).update(created_at=when)


# --- Ranking and words --------------------------------------------------------------------------


def test_title_match_ranks_above_body_matches(board, opener, member):
    titled = factories.make_thread(
        board=board,
        author=opener,
        title="Trihexyphenidyl experiences",
        body="I started a new tablet last month and wanted to compare notes.",
    )
    other = factories.make_thread(
        board=board,
        author=member,
        title="Evening routine",
        body="Trihexyphenidyl made me sleepy, so I take trihexyphenidyl before bed.",
    )
    reply = factories.make_reply(
        thread=other, author=opener, body="Has anyone here tried trihexyphenidyl for tremor?"
    )

    body = run(client_for(), q="trihexyphenidyl")

    rows = body["results"]
    assert rows[0]["post"] == opening_post(titled).pk
    assert {row["post"] for row in rows} == {
        opening_post(titled).pk,
        opening_post(other).pk,
        reply.pk,
    }
    ranks = [row["rank"] for row in rows]
    assert all(isinstance(rank, float) and rank > 0 for rank in ranks)
    assert ranks == sorted(ranks, reverse=True)
    assert ranks[0] > ranks[1]
    assert rows[0]["thread_title"] == "Trihexyphenidyl experiences"


def test_words_are_stemmed_and_all_required(board, opener):
    both = factories.make_thread(
        board=board, author=opener, title="Mornings", body="Stretches help my stiff shoulders."
    )
    factories.make_thread(
        board=board, author=opener, title="Evenings", body="Stretches before sleep."
    )

    assert found(client_for(), q="stretching shoulder") == [opening_post(both).pk]


def test_phrase_and_exclusion(board, opener):
    brace = factories.make_thread(
        board=board, author=opener, title="Support", body="A soft neck brace helps me drive."
    )
    collar = factories.make_thread(
        board=board, author=opener, title="Gear", body="My neck brace and a foam collar."
    )
    factories.make_thread(
        board=board, author=opener, title="Other", body="Brace yourself: my neck hurts."
    )

    assert set(found(client_for(), q='"neck brace"')) == {
        opening_post(brace).pk,
        opening_post(collar).pk,
    }
    assert found(client_for(), q='"neck brace" -collar') == [opening_post(brace).pk]


def test_only_stop_words_find_nothing(board, opener):
    factories.make_thread(board=board, author=opener, title="The and", body="The and of it.")

    assert run(client_for(), q="the and")["results"] == []


def test_fallback_is_newest_first_without_rank(board, opener, monkeypatch):
    monkeypatch.setattr(search, "full_text_available", lambda using: False)
    older = factories.make_thread(board=board, author=opener, title="Heat", body="Heat pads.")
    newer = factories.make_reply(thread=older, author=opener, body="Wheat bags with heat work.")
    set_created(opening_post(older), datetime(2024, 1, 1, tzinfo=UTC))
    set_created(newer, datetime(2024, 2, 1, tzinfo=UTC))

    rows = run(client_for(), q="HEAT")["results"]

    assert [row["post"] for row in rows] == [newer.pk, opening_post(older).pk]
    assert [row["rank"] for row in rows] == [None, None]


def test_result_shape(engine, board, opener):
    thread = factories.make_thread(
        board=board, author=opener, title="Sunglasses", body="Tinted glasses ease my blinking."
    )

    row = run(client_for(), q="glasses")["results"][0]

    assert set(row) == {
        "post",
        "thread",
        "thread_title",
        "board",
        "position",
        "state",
        "author",
        "author_label",
        "created_at",
        "snippet",
        "rank",
    }
    assert row["post"] == opening_post(thread).pk
    assert row["thread"] == thread.pk
    assert row["thread_title"] == "Sunglasses"
    assert row["board"] == board.slug
    assert row["position"] == 1
    assert row["state"] == PostState.PUBLISHED
    assert row["author"]["username"] == opener.username
    assert row["author_label"] == opener.public_name


# --- Snippets -----------------------------------------------------------------------------------


def assert_safe_html(snippet: str) -> None:
    assert set(TAG.findall(snippet)) <= {"<mark>", "</mark>"}, snippet
    assert snippet.count("<mark>") == snippet.count("</mark>"), snippet
    assert "\x02" not in snippet
    assert "\x03" not in snippet


def test_snippet_highlights_matches(engine, board, opener):
    factories.make_thread(
        board=board,
        author=opener,
        title="Routine",
        body="Every morning I do gentle stretching, and stretching again at night.",
    )

    snippet = run(client_for(), q="stretching")["results"][0]["snippet"]

    assert snippet.count("<mark>") == 2
    assert "<mark>stretching</mark>" in snippet.lower()
    assert_safe_html(snippet)


def test_snippet_never_carries_markup_from_the_post(engine, board, opener):
    factories.make_thread(
        board=board,
        author=opener,
        title="Odd characters",
        body=(
            "Before <script>alert('x')</script> the <b onmouseover=\"x()\">stretching</b> "
            'helped; 2 < 3 & "quotes" stay text. <img src=x onerror=alert(1)>'
        ),
    )

    snippet = run(client_for(), q="stretching")["results"][0]["snippet"]

    assert "<script" not in snippet.lower()
    assert "<img" not in snippet.lower()
    assert "<b" not in snippet.lower()
    assert "&amp;" in snippet
    assert "<mark>stretching</mark>" in snippet
    assert_safe_html(snippet)


def test_snippet_ignores_marker_characters_in_the_post(engine, board, opener):
    factories.make_thread(
        board=board,
        author=opener,
        title="Control characters",
        body="Odd \x02\x03 bytes \x03around\x02 the word massage, then \x02 more.",
    )

    snippet = run(client_for(), q="massage")["results"][0]["snippet"]

    assert snippet.count("<mark>") == 1
    assert_safe_html(snippet)


def test_title_only_match_shows_the_start_of_the_post(engine, board, opener):
    factories.make_thread(
        board=board,
        author=opener,
        title="Pillows",
        body="What helps me most at night is a rolled towel under my neck.",
    )

    snippet = run(client_for(), q="pillows")["results"][0]["snippet"]

    assert snippet.startswith("What helps me")
    assert "<mark>" not in snippet


def test_fallback_snippet_windows_around_a_late_match():
    text = "word " * 200 + "the <Botox> dose & more " + "tail " * 100

    snippet = search.fallback_snippet(text, ["botox"])

    assert snippet.startswith("… ")
    assert snippet.endswith(" …")
    assert "&lt;<mark>Botox</mark>&gt; dose &amp; more" in snippet
    assert len(snippet) < 300


# --- Who sees what ------------------------------------------------------------------------------

VIEWERS = ["visitor", "member", "author", "moderator"]
STATES = [
    PostState.PENDING,
    PostState.PUBLISHED,
    PostState.REJECTED,
    PostState.HIDDEN,
    PostState.WITHDRAWN,
]
VISIBILITIES = [BoardVisibility.PUBLIC, BoardVisibility.MEMBERS]


def may_read(viewer: str, state: str, visibility: str) -> bool:
    """The rule, written out independently of the code under test."""
    if viewer == "visitor" and visibility == BoardVisibility.MEMBERS:
        return False
    if viewer == "moderator" or state == PostState.PUBLISHED:
        return True
    return viewer == "author" and state in (
        PostState.PENDING,
        PostState.REJECTED,
        PostState.HIDDEN,
    )


def knows_author(viewer: str, is_anonymous: bool) -> bool:
    return not is_anonymous or viewer in ("author", "moderator")


def viewer_client(kind: str, author) -> APIClient:
    if kind == "visitor":
        return client_for()
    if kind == "author":
        return client_for(author)
    if kind == "moderator":
        return client_for(factories.ModeratorFactory())
    return client_for(factories.UserFactory())


@pytest.mark.parametrize("is_anonymous", [False, True], ids=["named", "anonymous"])
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_reply_visibility_matrix(engine, opener, viewer, state, visibility, is_anonymous):
    board = factories.BoardFactory(visibility=visibility, allows_anonymous=True)
    thread = factories.make_thread(board=board, author=opener, title="Weekly check-in")
    author = factories.UserFactory(username="writer_of_reply")
    reply = factories.make_reply(
        thread=thread,
        author=author,
        body="Acupuncture eased my pulling for a week.",
        is_anonymous=is_anonymous,
        state=state,
    )
    client = viewer_client(viewer, author)

    body = run(client, q="acupuncture")
    by_author = found(client, q="acupuncture", author="WRITER_of_reply")

    visible = may_read(viewer, state, visibility)
    rows = by_post(body)
    assert (reply.pk in rows) is visible
    if visible:
        row = rows[reply.pk]
        assert row["state"] == state
        if knows_author(viewer, is_anonymous):
            assert row["author"]["username"] == author.username
            assert row["author_label"] == author.public_name
        else:
            assert row["author"] is None
            assert row["author_label"] == ANONYMOUS_LABEL
    assert (reply.pk in by_author) is (visible and knows_author(viewer, is_anonymous))
    assert "writer_of_reply" not in json.dumps(body) or knows_author(viewer, is_anonymous)


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_thread_visibility_matrix(engine, viewer, state, visibility):
    """Title and opening post are found only in published threads, except by moderators."""
    board = factories.BoardFactory(visibility=visibility)
    author = factories.UserFactory()
    thread = factories.make_thread(
        board=board,
        author=author,
        title="Lidocaine patches",
        body="Anyone using patches on the sore side?",
        state=state,
    )
    client = viewer_client(viewer, author)

    by_title = found(client, q="lidocaine")
    by_body = found(client, q="sore side")

    if viewer == "visitor" and visibility == BoardVisibility.MEMBERS:
        visible = False
    else:
        visible = viewer == "moderator" or state == PostState.PUBLISHED
    post = opening_post(thread)
    assert (post.pk in by_title) is visible
    assert (post.pk in by_body) is visible


def test_anonymous_thread_title_match_hides_its_author(engine, board, member):
    factories.make_thread(
        board=board,
        author=member,
        title="Anonymous question about gabapentin",
        body="Asking without my name.",
        is_anonymous=True,
    )

    row = run(client_for(factories.UserFactory()), q="gabapentin")["results"][0]

    assert row["author"] is None
    assert row["author_label"] == ANONYMOUS_LABEL
    assert member.username not in json.dumps(row)


# --- Filters ------------------------------------------------------------------------------------


def test_board_filter(engine, opener):
    first = factories.BoardFactory()
    second = factories.BoardFactory()
    here = factories.make_thread(board=first, author=opener, title="Cold", body="Ice packs.")
    factories.make_thread(board=second, author=opener, title="Cold", body="Ice baths.")

    assert found(client_for(), q="ice", board=first.slug) == [opening_post(here).pk]
    assert len(found(client_for(), q="ice")) == 2


def test_unknown_and_hidden_boards_are_refused_alike(engine, opener, member):
    secret = factories.BoardFactory(visibility=BoardVisibility.MEMBERS)
    inside = factories.make_thread(board=secret, author=opener, title="Quiet", body="Ice.")

    unknown = client_for().get(URL, {"q": "ice", "board": "no-such-board"})
    hidden = client_for().get(URL, {"q": "ice", "board": secret.slug})

    assert_invalid(unknown, "board", status=422)
    assert_invalid(hidden, "board", status=422)
    assert hidden.json() == unknown.json()
    assert found(client_for(member), q="ice", board=secret.slug) == [opening_post(inside).pk]


def test_author_filter_is_case_insensitive_and_exact(engine, board, opener):
    writer = factories.UserFactory(username="Neck_Warrior")
    factories.UserFactory(username="neck_warrior2")
    mine = factories.make_thread(board=board, author=writer, title="Yoga", body="Yoga daily.")
    factories.make_thread(board=board, author=opener, title="Yoga", body="Yoga weekly.")

    assert found(client_for(), q="yoga", author="neck_WARRIOR") == [opening_post(mine).pk]
    assert found(client_for(), q="yoga", author="nobody_here") == []


def test_date_filters_take_whole_days_in_utc(engine, board, opener):
    thread = factories.make_thread(board=board, author=opener, title="Diary", body="Spasms.")
    before_start = opening_post(thread)
    first_moment = factories.make_reply(thread=thread, author=opener, body="Spasms again.")
    last_moment = factories.make_reply(thread=thread, author=opener, body="More spasms.")
    day_after = factories.make_reply(thread=thread, author=opener, body="Spasms eased.")
    set_created(before_start, datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC))
    set_created(first_moment, datetime(2024, 3, 1, 0, 0, tzinfo=UTC))
    set_created(last_moment, datetime(2024, 3, 9, 23, 59, 59, tzinfo=UTC))
    set_created(day_after, datetime(2024, 3, 10, 0, 0, tzinfo=UTC))
    client = client_for()

    window = found(client, q="spasms", after="2024-03-01", before="2024-03-10")
    since = found(client, q="spasms", after="2024-03-01")
    until = found(client, q="spasms", before="2024-03-01")

    assert set(window) == {first_moment.pk, last_moment.pk}
    assert set(since) == {first_moment.pk, last_moment.pk, day_after.pk}
    assert set(until) == {before_start.pk}


def test_empty_optional_parameters_are_ignored(engine, board, opener):
    thread = factories.make_thread(board=board, author=opener, title="Jaw", body="Jaw clenching.")

    assert found(client_for(), q="jaw", board="", author="", after="", before="") == [
        opening_post(thread).pk
    ]


# --- Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "a"}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "neck", "board": "Not a slug!"}, "board"),
        ({"q": "neck", "author": "x" * 31}, "author"),
        ({"q": "neck", "after": "yesterday"}, "after"),
        ({"q": "neck", "before": "2024-13-01"}, "before"),
        ({"q": "neck", "page_size": "ten"}, "page_size"),
    ],
    ids=[
        "missing-q",
        "empty-q",
        "blank-q",
        "short-q",
        "long-q",
        "bad-board",
        "long-author",
        "bad-after",
        "bad-before",
        "bad-page-size",
    ],
)
def test_bad_parameters_answer_400_naming_the_field(params, field):
    assert_invalid(client_for().get(URL, params), field)


@pytest.mark.parametrize("before", ["2024-03-02", "2024-03-01"], ids=["same-day", "before-after"])
def test_a_range_that_holds_no_day_finds_nothing(board, opener, before):
    factories.make_thread(board=board, author=opener, title="Neck brace", body="A neck brace.")

    found = run(client_for(), q="neck", after="2024-03-02", before=before)

    assert found["results"] == []


def test_nul_byte_is_refused_before_reaching_the_database():
    response = client_for().get(URL, {"q": "bad\x00byte"})

    assert response.status_code == 400
    assert set(response.json()) == {"code", "message", "fields"}


def test_longest_and_shortest_queries_are_accepted():
    assert run(client_for(), q="ab")["results"] == []
    assert run(client_for(), q="b" * 200)["results"] == []


def encode_cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor!",
        encode_cursor({"o": -1}),
        encode_cursor({"o": 1000}),
        encode_cursor({"o": "10"}),
        encode_cursor({"o": True}),
        encode_cursor([1]),
    ],
    ids=["garbage", "negative", "past-cap", "string", "bool", "list"],
)
def test_bad_cursor_answers_400(cursor):
    response = client_for().get(URL, {"q": "neck", "cursor": cursor})

    assert_invalid(response, "", code="invalid_cursor")


# --- Paging and cost ----------------------------------------------------------------------------


def make_matches(board: Board, author, count: int, word: str = "tremor") -> list[int]:
    thread = factories.make_thread(board=board, author=author, title="Log", body=f"{word} log")
    ids = [opening_post(thread).pk]
    ids += [
        factories.make_reply(thread=thread, author=author, body=f"{word} day {n}").pk
        for n in range(count - 1)
    ]
    return ids


def test_pages_walk_forward_and_back(engine, board, opener):
    expected = make_matches(board, opener, 23)
    client = client_for()

    first = run(client, q="tremor", page_size=10)
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    back = client.get(second["previous"]).json()

    pages = [first, second, third]
    seen = [row["post"] for page in pages for row in page["results"]]
    assert [len(page["results"]) for page in pages] == [10, 10, 3]
    assert sorted(seen) == sorted(expected)
    assert first["previous"] is None
    assert third["next"] is None
    assert back["results"] == first["results"]


def test_results_stop_at_the_cap(engine, board, opener, monkeypatch):
    monkeypatch.setattr(search, "RESULT_CAP", 12)
    make_matches(board, opener, 20)
    client = client_for()

    first = run(client, q="tremor", page_size=10)
    second = client.get(first["next"]).json()

    assert len(first["results"]) == 10
    assert len(second["results"]) == 2
    assert second["next"] is None


def test_query_count_does_not_grow_with_results(engine, opener):
    small = factories.BoardFactory(allows_anonymous=True)
    large = factories.BoardFactory(allows_anonymous=True)
    make_matches(small, opener, 2, word="clonazepam")
    thread = factories.make_thread(board=large, author=opener, title="Log", body="clonazepam")
    for n in range(24):
        writer = factories.UserFactory()
        factories.make_reply(
            thread=thread, author=writer, body=f"clonazepam {n}", is_anonymous=n % 3 == 0
        )
    client = client_for(factories.UserFactory())
    boards = {2: small, 25: large}

    few, many = assert_constant_queries(
        lambda n: len(run(client, q="clonazepam", board=boards[n].slug)["results"])
    )

    assert (few, many) == (2, 25)


# --- PostgreSQL specifics -----------------------------------------------------------------------


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_matches_are_answered_by_the_gin_indexes(board, opener):
    factories.make_thread(board=board, author=opener, title="Indexes", body="Dysport cycle.")

    bodies = explain(Post.objects.filter(search.SearchMatch("body_source", "dysport")))
    titles = explain(Thread.objects.filter(search.SearchMatch("title", "dysport")))
    by_title = explain(Post.objects.filter(search.SearchMatch("thread__title", "dysport")))

    assert "Bitmap Index Scan on forum_post_search_vector" in bodies, bodies
    assert "Bitmap Index Scan on forum_thread_search_vector" in titles, titles
    assert "Bitmap Index Scan on forum_thread_search_vector" in by_title, by_title


def test_ranked_query_reads_only_bound_parameters(board, opener, moderator):
    factories.make_thread(board=board, author=opener, title="Quotes", body="It's a post; --")
    text = "'; DROP TABLE forum_post; --"
    posts = search.visible_posts(viewer=moderator, filters=search.SearchFilters(text=text))
    assert posts is not None

    sql, params = search.build_ranked_query(posts, text, offset=0, limit=26)

    assert text not in sql
    assert params.count(text) == 4
    assert found(client_for(moderator), q=text) == []
    assert Post.objects.count() == 1


def test_generated_columns_follow_edits(board, opener):
    thread = factories.make_thread(board=board, author=opener, title="Old", body="Old words.")
    Post.objects.filter(thread=thread).update(body_source="Completely fresh baclofen words.")
    Thread.objects.filter(pk=thread.pk).update(title="Renamed about xeomin")

    assert found(client_for(), q="baclofen") == [opening_post(thread).pk]
    assert found(client_for(), q="xeomin") == [opening_post(thread).pk]
    assert found(client_for(), q="old") == []


def test_migration_does_nothing_on_other_databases():
    executed: list[str] = []
    editor = SimpleNamespace(connection=SimpleNamespace(vendor="sqlite"), execute=executed.append)

    migration = importlib.import_module("community.forum.migrations.0002_search_vectors")
    migration.add_search_vectors(None, editor)
    migration.remove_search_vectors(None, editor)

    assert executed == []


def test_premoderated_board_keeps_new_members_posts_to_themselves(engine, new_member, opener):
    held = factories.BoardFactory(posting_policy=PostingPolicy.PREMODERATE_NEW)
    thread = factories.make_thread(board=held, author=opener, title="Welcome", body="Hello.")
    reply = posting.post_create(
        author=new_member, thread_id=thread.pk, body="Hello, meige here, new to this."
    )
    assert reply.state == PostState.PENDING

    assert found(client_for(new_member), q="meige") == [reply.pk]
    assert found(client_for(factories.UserFactory()), q="meige") == []
    assert found(client_for(), q="meige") == []
