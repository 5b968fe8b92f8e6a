"""Full-text search over thread titles and post bodies, narrowed to what the viewer may see.

On PostgreSQL, migration 0002 keeps a ``search_vector`` (tsvector) on ``forum_post`` (the
body, weight B) and on ``forum_thread`` (the title, weight A), each with a GIN index. The
models do not declare them; this module is the only code that reads them. A query matches a
post through its body, and an opening post also through its thread's title; it is ranked by
``ts_rank`` over the title and body together, so a title match ranks above a body match.

Cost stays bounded on a large forum: each branch (body, title) keeps only its most recent
``CANDIDATE_CAP`` matches, found through the GIN index (or, for a very common word, by
walking the primary key backwards, whichever the planner finds cheaper); only those are
ranked, with a top-N sort rather than a sort of every match; and only the rows of the page
asked for get a snippet (``ts_headline``, the costly part).

Results are the top ``RESULT_CAP`` by rank, paged by offset: keyset paging on a rank is not
possible, and nobody reads a thousand search results.

Elsewhere (the laptop's SQLite) a simple fallback matches every word with ``icontains``,
newest first, without a rank.
"""

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from django.db import connections
from django.db.models import BooleanField, Expression, F, Q, QuerySet
from django.db.models.functions import Lower

from accounts.models import User
from community.forum import policies, selectors
from community.forum.models import Board, BoardVisibility, Post, PostState
from community.forum.policies import Viewer

RESULT_CAP = 1000
CANDIDATE_CAP = 1000

MARK_OPEN = "<mark>"
MARK_CLOSE = "</mark>"
# ts_headline marks matches with these control characters (removed from the text first),
# so the snippet can be HTML-escaped as a whole before the marks become tags.
_START_SEL = "\x02"
_STOP_SEL = "\x03"

_FALLBACK_CHARS = 240
_FALLBACK_LEAD = 60
_FALLBACK_MAX_TERMS = 8
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class SearchFilters:
    text: str
    board: Board | None = None
    author: str | None = None
    after: date | None = None  # from the start of this day (UTC)
    before: date | None = None  # up to the start of this day (UTC), not including it


@dataclass(frozen=True)
class SearchHit:
    post: Post  # with its author, thread and board loaded
    snippet: str  # HTML: escaped text, matches wrapped in <mark>
    rank: float | None  # None where the database cannot rank


def search_posts(
    *, viewer: Viewer, filters: SearchFilters, offset: int, limit: int
) -> list[SearchHit]:
    """Up to ``limit`` hits from ``offset`` among the top ``RESULT_CAP``, best first.

    A constant number of queries, whatever the page size.
    """
    limit = min(limit, RESULT_CAP - offset)
    if limit <= 0 or offset < 0:
        return []
    posts = visible_posts(viewer=viewer, filters=filters)
    if posts is None:
        return []
    if full_text_available(posts.db):
        return _search_postgres(posts, filters, offset=offset, limit=limit)
    return _search_fallback(posts, filters.text, offset=offset, limit=limit)


def full_text_available(using: str) -> bool:
    return connections[using].vendor == "postgresql"


def visible_posts(*, viewer: Viewer, filters: SearchFilters) -> QuerySet[Post] | None:
    """Posts whose text the viewer may read, in threads they may see, narrowed by filters;
    None when nothing can match (an unknown author, a board the viewer may not see).

    Others see published posts of published threads; authors also their own pending,
    rejected and hidden posts (never a withdrawn text); moderators see everything. Members-
    only boards are left out for visitors who are not signed in. Urgent (crisis) posts are
    left out for everyone but moderators, and threads opened by one as in thread lists
    (``MODERATION_CRISIS_VISIBILITY``).

    Boards and the author are looked up first and passed as ids: the planner then estimates
    from the large tables' statistics (a table of a few boards may never be analysed).
    """
    moderator = policies.is_moderator(viewer)
    posts = Post.objects.filter(selectors.post_visibility_filter(viewer=viewer))
    if not moderator:
        posts = posts.exclude(state=PostState.WITHDRAWN).filter(thread__state=PostState.PUBLISHED)
    if policies.urgent_out_of_search_for(viewer=viewer):
        # A member who may be in crisis is not found through search while moderators look.
        posts = posts.filter(is_urgent=False)
    posts = posts.filter(selectors.thread_crisis_filter(viewer=viewer, thread_id="thread_id"))
    if filters.board is not None:
        if not policies.can_view_board(viewer=viewer, board=filters.board):
            return None
        posts = posts.filter(thread__board_id=filters.board.pk)
    elif not viewer.is_authenticated:
        public = Board.objects.filter(visibility=BoardVisibility.PUBLIC)
        board_ids = list(public.values_list("pk", flat=True))
        if not board_ids:
            return None
        posts = posts.filter(thread__board_id__in=board_ids)
    if filters.author:
        author_id = (
            User.objects.annotate(name=Lower("username"))
            .filter(name=filters.author.lower())
            .values_list("pk", flat=True)
            .first()
        )
        if author_id is None:
            return None
        posts = posts.filter(author_id=author_id)
        if not moderator and author_id != viewer.pk:
            # Who wrote an anonymous post is known only to its author and to moderators.
            posts = posts.filter(is_anonymous=False)
    if filters.after is not None:
        posts = posts.filter(created_at__gte=datetime.combine(filters.after, time.min, UTC))
    if filters.before is not None:
        posts = posts.filter(created_at__lt=datetime.combine(filters.before, time.min, UTC))
    return posts


# --- PostgreSQL -----------------------------------------------------------------------------
_QUERY = "websearch_to_tsquery('english', %s)"


class SearchMatch(Expression):
    """``search_vector @@ query`` on the table holding ``field`` (a post's or its thread's).

    Resolving ``field`` joins that table like any filter would, so the match uses the same
    alias as the rest of the query.
    """

    def __init__(self, field: str, text: str) -> None:
        super().__init__(output_field=BooleanField())
        self.column: Any = F(field)
        self.text = text

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.column,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        table = compiler.quote_name_unless_alias(self.column.alias)
        return f'{table}."search_vector" @@ {_QUERY}', [self.text]


_HEADLINE_OPTIONS = (
    f"StartSel={_START_SEL}, StopSel={_STOP_SEL}, "
    'MaxWords=35, MinWords=12, ShortWord=3, MaxFragments=2, FragmentDelimiter=" … "'
)

# {body} and {title} are the candidate queries compiled by Django (bound parameters only).
# A thread's title counts for its opening post only, the one post a title match finds.
_RANKED_PAGE = """
WITH hits AS (
    ({body})
    UNION
    ({title})
), page AS (
    SELECT p.id,
           ts_rank(
               CASE WHEN p.position = 1
                    THEN (SELECT t.search_vector FROM forum_thread t WHERE t.id = p.thread_id)
                         || p.search_vector
                    ELSE p.search_vector END,
               {query},
               32
           ) AS rank
    FROM hits
    JOIN forum_post p ON p.id = hits.id
    ORDER BY rank DESC, p.id DESC
    OFFSET %s LIMIT %s
)
SELECT page.id,
       page.rank,
       ts_headline('english', translate(p.body_source, %s, ''), {query}, %s)
FROM page
JOIN forum_post p ON p.id = page.id
ORDER BY page.rank DESC, page.id DESC
"""


def build_ranked_query(
    posts: QuerySet[Post], text: str, *, offset: int, limit: int, by_author: bool = False
) -> tuple[str, list[Any]]:
    """The SQL and parameters of one ranked page: rows of (post id, rank, raw headline).

    Candidates are the most recent matches: by post for bodies and by thread for titles, so
    that for a very common word the planner may walk a primary key backwards and stop early;
    by date when one author's posts are searched, to walk that author's index instead.
    """
    body_order = "-created_at" if by_author else "-id"
    title_order = "-created_at" if by_author else "-thread_id"
    body = (
        posts.filter(SearchMatch("body_source", text))
        .order_by(body_order)
        .values_list("id")[:CANDIDATE_CAP]
    )
    title = (
        posts.filter(SearchMatch("thread__title", text), position=1)
        .order_by(title_order)
        .values_list("id")[:CANDIDATE_CAP]
    )
    body_sql, body_params = body.query.sql_with_params()
    title_sql, title_params = title.query.sql_with_params()
    # The pieces are fixed SQL or compiled by Django; every value is a bound parameter.
    sql = _RANKED_PAGE.format(body=body_sql, title=title_sql, query=_QUERY)
    params: list[Any] = [
        *body_params,
        *title_params,
        text,
        offset,
        limit,
        _START_SEL + _STOP_SEL,
        text,
        _HEADLINE_OPTIONS,
    ]
    return sql, params


def _search_postgres(
    posts: QuerySet[Post], filters: SearchFilters, *, offset: int, limit: int
) -> list[SearchHit]:
    sql, params = build_ranked_query(
        posts, filters.text, offset=offset, limit=limit, by_author=bool(filters.author)
    )
    with connections[posts.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    loaded = _load([row[0] for row in rows], using=posts.db)
    return [
        SearchHit(post=loaded[post_id], snippet=_mark_headline(headline), rank=round(rank, 6))
        for post_id, rank, headline in rows
        if post_id in loaded
    ]


def _load(ids: Sequence[int], *, using: str) -> dict[int, Post]:
    if not ids:
        return {}
    return Post.objects.using(using).select_related("author", "thread__board").in_bulk(ids)


def _mark_headline(headline: str) -> str:
    escaped = " ".join(html.escape(headline, quote=True).split())
    return escaped.replace(_START_SEL, MARK_OPEN).replace(_STOP_SEL, MARK_CLOSE)


# --- Fallback (SQLite) ----------------------------------------------------------------------
def search_terms(text: str) -> list[str]:
    """The words a hit must contain: websearch-like, minus exclusions (``-word``) and ``or``."""
    terms: list[str] = []
    for sign, word in re.findall(r"(-?)(\w+)", text.lower()):
        if sign or word == "or" or word in terms:
            continue
        terms.append(word)
    return terms[:_FALLBACK_MAX_TERMS]


def _search_fallback(
    posts: QuerySet[Post], text: str, *, offset: int, limit: int
) -> list[SearchHit]:
    terms = search_terms(text)
    if not terms:
        return []
    for term in terms:
        posts = posts.filter(
            Q(body_source__icontains=term) | Q(position=1, thread__title__icontains=term)
        )
    found = posts.select_related("author", "thread__board").order_by("-created_at", "-id")
    return [
        SearchHit(post=post, snippet=fallback_snippet(post.body_source, terms), rank=None)
        for post in found[offset : offset + limit]
    ]


def fallback_snippet(text: str, terms: Sequence[str]) -> str:
    """Escaped text around the first match (or the start), every match wrapped in <mark>."""
    flat = " ".join(_CONTROL.sub("", text).split())
    pattern = re.compile(
        "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)),
        re.IGNORECASE,
    )
    first = pattern.search(flat)
    start = 0
    if first is not None and first.start() > _FALLBACK_LEAD:
        start = flat.rfind(" ", 0, first.start() - _FALLBACK_LEAD) + 1
    end = start + _FALLBACK_CHARS
    if end < len(flat):
        space = flat.rfind(" ", start, end)
        end = space if space > start else end
    piece = flat[start:end]
    parts: list[str] = []
    position = 0
    for match in pattern.finditer(piece):
        parts.append(html.escape(piece[position : match.start()]))
        parts.append(MARK_OPEN + html.escape(match.group()) + MARK_CLOSE)
        position = match.end()
    parts.append(html.escape(piece[position:]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(flat) else ""
    return prefix + "".join(parts) + suffix
