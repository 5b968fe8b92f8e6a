"""What generation and measurement share: addresses (loopback only), bench accounts, paths."""

import os
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
