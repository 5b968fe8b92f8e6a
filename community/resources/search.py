"""Full-text search over the library's titles, organisations and summaries.

On PostgreSQL, migration 0002 keeps ``search_vector`` (title A, organisation B, summary C)
with a GIN index; the model does not declare it, and this module is the only code that reads
it. ``resources_matching`` narrows a list like any filter; ``resources_ranked`` then orders
the matches best first, a title match above an organisation's above a summary's.

Cost stays bounded in a large library: only the ``CANDIDATE_CAP`` most recent matches are
ranked (found through the GIN index, or for a very common word by walking the newest-first
index), with a top-N sort, and results are paged by offset within the top ``RESULT_CAP``.
Elsewhere (the laptop's SQLite) every word must appear in the title, organisation or summary,
and matches come newest first.
"""

import operator
import re
from functools import reduce

from django.db import connection
from django.db.models import BooleanField, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL

from community.resources.models import Resource

MAX_QUERY_LENGTH = 200
RESULT_CAP = 1000
CANDIDATE_CAP = 300
MAX_WORDS = 8
_WORD = re.compile(r"\w+", re.UNICODE)


def full_text_available() -> bool:
    return connection.vendor == "postgresql"


def resources_matching(resources: QuerySet[Resource], *, text: str) -> QuerySet[Resource]:
    """``resources`` narrowed to those matching ``text`` (web-search syntax on PostgreSQL:
    quoted phrases, ``or``, ``-word``). Text without any word matches nothing."""
    text = text.strip()[:MAX_QUERY_LENGTH]
    words = _WORD.findall(text)[:MAX_WORDS]
    if not words:
        return resources.none()
    if full_text_available():
        table = Resource._meta.db_table
        match = RawSQL(  # noqa: S611 - the column is ours, the text a bound parameter
            f'"{table}"."search_vector" @@ websearch_to_tsquery(\'english\', %s)',
            [text],
            output_field=BooleanField(),
        )
        return resources.filter(match)
    per_word = [
        Q(title__icontains=word)
        | Q(organisation__icontains=word)
        | Q(summary_source__icontains=word)
        for word in words
    ]
    return resources.filter(reduce(operator.and_, per_word))


def resources_ranked(
    resources: QuerySet[Resource], *, text: str, offset: int, limit: int
) -> list[int]:
    """The ids of ``limit`` matches from ``offset``, best first: ``resources`` is already
    narrowed by ``resources_matching`` (and any other filter)."""
    newest_first = resources.order_by("-published_at", "-id").values_list("pk", flat=True)
    if limit <= 0:
        return []
    if not full_text_available():
        return list(newest_first[offset : offset + limit])
    # The candidates first, in a query of their own (as a subquery the planner would run it
    # once per matching row); then only they are ranked, found by primary key.
    candidates = list(newest_first[:CANDIDATE_CAP])
    if not candidates:
        return []
    table = Resource._meta.db_table
    rank = RawSQL(  # noqa: S611 - the column is ours, the text a bound parameter
        f'ts_rank_cd("{table}"."search_vector", websearch_to_tsquery(\'english\', %s))',
        [text.strip()[:MAX_QUERY_LENGTH]],
        output_field=FloatField(),
    )
    ranked = (
        Resource.objects.filter(pk__in=candidates)
        .annotate(rank=rank)
        .order_by("-rank", "-published_at", "-id")
        .values_list("pk", flat=True)
    )
    return list(ranked[offset : offset + limit])
