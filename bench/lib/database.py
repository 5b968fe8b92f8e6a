"""The bench database, dropped, recreated and migrated; SQL run through Django in this
process; the run's keys removed from Redis."""

import os
from typing import Any

import psycopg
from psycopg import sql

from bench.lib.common import database_name, manage


def recreate_database(url: str) -> None:
    name = database_name(url)
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    manage("migrate", "--noinput", "--verbosity", "0", env=env)


def database_fresh(url: str) -> None:
    """Drops the bench database, creates it again and applies the migrations."""
    recreate_database(url)
    migrate(url)


def with_connection(statement: str) -> list[tuple[Any, ...]]:
    """One statement on Django's connection in this process; the rows it returns, if any."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement)
        return list(cursor.fetchall()) if cursor.description else []


def vacuum_analyze() -> None:
    """Statistics and tidy tables, as a production database has them (autovacuum may be off
    on a bench machine)."""
    with_connection("VACUUM (ANALYZE)")


def redis_forget(redis_url: str, prefix: str) -> None:
    """Removes the run's queues and cache keys (all under its own prefix)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
