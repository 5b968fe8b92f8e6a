"""What generation and measurement share: addresses (loopback only), bench accounts, paths,
options, and the settings of a benchmark's Django processes."""

import argparse
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent.parent
RESULTS_DIR = BASE_DIR / "bench" / "results"
GENERATION_RESULTS = RESULTS_DIR / "generation.json"

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
LOOPBACK = "127.0.0.1"

# The accounts the measurement signs in with; the data set gives them a usable password.
BENCH_PASSWORD = "bench-neck-2026"  # noqa: S105 (a local benchmark database only)
BENCH_USERS = 8


def bench_email(n: int) -> str:
    return f"bench{n}@bench.example.org"


def bench_username(n: int) -> str:
    return f"bench_member_{n}"


def require_loopback(url: str, *, what: str) -> None:
    """The benchmark talks to 127.0.0.1 and nothing else."""
    host = urlsplit(url).hostname
    if host != LOOPBACK:
        sys.exit(f"{what} must point at {LOOPBACK}, not {host!r}.")


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def require_bench_database(url: str) -> None:
    """The run drops and recreates this database: refuse anything not named for the bench."""
    require_loopback(url, what="The database URL")
    name = database_name(url)
    if "bench" not in name:
        sys.exit(f"Refusing to drop {name!r}: the benchmark database's name must contain 'bench'.")


def database_url_from_env() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)


def redis_url_from_env() -> str:
    return os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)


def bench_parser(*, doc: str, database_env: str, database_url: str) -> argparse.ArgumentParser:
    """The options every benchmark shares: its database, Redis and where the report goes; a
    benchmark adds its own and reads them with ``bench_args``."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(database_env, database_url))
    parser.add_argument("--redis-url", default=redis_url_from_env())
    parser.add_argument("--output-dir", type=Path, default=BASE_DIR / "docs" / "benchmarks")
    return parser


def bench_args(
    parser: argparse.ArgumentParser, *, drops_database: bool = True
) -> argparse.Namespace:
    """The parsed options, refused unless Redis and the database are local and (for a
    benchmark that drops it) the database is a bench one."""
    args = parser.parse_args()
    if drops_database:
        require_bench_database(args.database_url)
    else:
        require_loopback(args.database_url, what="The database URL")
    require_loopback(args.redis_url, what="The Redis URL")
    return args


def http_bench_parser(
    *, doc: str, database_env: str, database_url: str, warmup: int = 10
) -> argparse.ArgumentParser:
    """The options every HTTP benchmark shares; a benchmark adds its own volumes and reads
    them with ``http_bench_args``."""
    parser = bench_parser(doc=doc, database_env=database_env, database_url=database_url)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=warmup)
    parser.add_argument("--max-seconds", type=float, default=90.0)
    parser.add_argument("--workers", type=int, default=2)
    return parser


def http_bench_args(
    parser: argparse.ArgumentParser, *, drops_database: bool = True
) -> argparse.Namespace:
    """The parsed options, checked as ``bench_args`` checks them, the volumes within bounds."""
    args = bench_args(parser, drops_database=drops_database)
    if not 1 <= args.requests <= 10_000 or not 0 <= args.warmup <= 1_000:
        parser.error("--requests must be 1 to 10,000 and --warmup 0 to 1,000")
    return args


def django_environment(
    *, database_url: str, redis_url: str, cache_key_prefix: str, secret_key: str | None = None
) -> dict[str, str]:
    """The settings every Django process of a benchmark runs with, by environment variable:
    production's (DEBUG off, a secret of this run), plain HTTP on 127.0.0.1, the bench
    database, Redis under a key prefix of this run, warnings and worse in the log."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secret_key or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": LOOPBACK,
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": cache_key_prefix,
        "LOG_LEVEL": "WARNING",
    }


def django_start(variables: dict[str, str]) -> None:
    """Django in this process, with these settings."""
    os.environ.update(variables)
    import django

    django.setup()


def django_setup(*, database_url: str, redis_url: str, name: str, **extra: str) -> None:
    """Django in the benchmark's own process (to load data and explain queries): DEBUG off,
    a cache key prefix of this run; ``extra`` sets more settings by environment variable."""
    prefix = f"bench-{name}-load-{secrets.token_hex(4)}"
    django_start(
        {
            **django_environment(
                database_url=database_url, redis_url=redis_url, cache_key_prefix=prefix
            ),
            **extra,
        }
    )


def manage(*arguments: str, env: dict[str, str]) -> None:
    """``manage.py`` with these arguments, in a process of its own."""
    subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "manage.py", *arguments],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )


def member_row(email: str, username: str, **fields: Any) -> Any:
    """An unsaved established member no one signs in as (an unusable password), for
    ``bulk_create``; ``fields`` sets or overrides any other column."""
    from accounts.models import Role, TrustLevel, User

    return User(
        **{
            "email": email,
            "username": username,
            "password": "!bench",
            "role": Role.MEMBER,
            "trust_level": TrustLevel.ESTABLISHED,
            **fields,
        }
    )
