"""What generation and measurement share: addresses (loopback only), bench accounts, paths."""

import argparse
import os
import secrets
import sys
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
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


def http_bench_parser(*, doc: str, database_env: str, database_url: str) -> argparse.ArgumentParser:
    """The options every HTTP benchmark in its own database shares; a benchmark adds its own
    volumes and reads them with ``http_bench_args``."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(database_env, database_url))
    parser.add_argument("--redis-url", default=redis_url_from_env())
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--max-seconds", type=float, default=90.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output-dir", type=Path, default=BASE_DIR / "docs" / "benchmarks")
    return parser


def http_bench_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The parsed options, refused unless the database is a bench one and Redis is local."""
    args = parser.parse_args()
    require_bench_database(args.database_url)
    require_loopback(args.redis_url, what="The Redis URL")
    if not 1 <= args.requests <= 10_000 or not 0 <= args.warmup <= 1_000:
        parser.error("--requests must be 1 to 10,000 and --warmup 0 to 1,000")
    return args


def django_setup(*, database_url: str, redis_url: str, name: str, **extra: str) -> None:
    """Django in the benchmark's own process (to load data and explain queries): DEBUG off,
    a cache key prefix of this run; ``extra`` sets more settings by environment variable."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": LOOPBACK,
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": f"bench-{name}-load-{secrets.token_hex(4)}",
            "LOG_LEVEL": "WARNING",
            **extra,
        }
    )
    import django

    django.setup()
