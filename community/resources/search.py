"""Full-text search over the library's titles, organisations and summaries.

On PostgreSQL, migration 0002 keeps ``search_vector`` (title A, organisation B, summary C)
with a GIN index; the model does not declare it, and this module is the only code that reads
it. A search narrows the list like any filter and keeps its order (newest first), so results
page with the same cursor and cost what a filtered list does. Elsewhere (the laptop's SQLite)
every word must appear in the title, organisation or summary.
"""

import operator
import re
from functools import reduce

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from community.resources.models import Resource

MAX_QUERY_LENGTH = 200
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
