"""Full-text search vectors for post bodies and thread titles, on PostgreSQL only.

Each is a stored generated column (the text is parsed once per write, never per search) with
a GIN index for ``@@``. Titles weigh A and bodies B, so a title match ranks above a body
match. The models do not declare these columns: ``community.forum.search`` reads them with
raw SQL, and other databases (the laptop's SQLite) search with a simpler fallback, so this
migration does nothing there.

Adding a stored generated column rewrites the table under an exclusive lock: plan the
deploy for a quiet moment on a large forum.
"""

from django.db import migrations

FORWARD = [
    """
    ALTER TABLE forum_post ADD COLUMN IF NOT EXISTS search_vector tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('english'::regconfig, coalesce(body_source, '')), 'B')
        ) STORED
    """,
    "CREATE INDEX IF NOT EXISTS forum_post_search_vector ON forum_post USING gin (search_vector)",
    """
    ALTER TABLE forum_thread ADD COLUMN IF NOT EXISTS search_vector tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
        ) STORED
    """,
    "CREATE INDEX IF NOT EXISTS forum_thread_search_vector ON forum_thread USING gin (search_vector)",
]

BACKWARD = [
    "DROP INDEX IF EXISTS forum_thread_search_vector",
    "ALTER TABLE forum_thread DROP COLUMN IF EXISTS search_vector",
    "DROP INDEX IF EXISTS forum_post_search_vector",
    "ALTER TABLE forum_post DROP COLUMN IF EXISTS search_vector",
]


def add_search_vectors(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement)


def remove_search_vectors(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_search_vectors, remove_search_vectors, elidable=False),
    ]
