"""What every report says the same way: what made it, how the requests went, the machine;
and where it is written."""

import os
import platform
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench.lib.common import BASE_DIR, LOOPBACK, database_name
from bench.lib.servers import Server


def today() -> str:
    return datetime.now(tz=UTC).date().isoformat()


def produced_by(module: str, database_url: str | None = None) -> str:
    """The report's opening words: what made it and, for a benchmark with a database of its
    own, which one."""
    where = (
        f", in its own database ({database_name(database_url)!r}, dropped and recreated)"
        if database_url
        else ""
    )
    return f"Produced by `make bench` ({module}){where}"


def over_http(
    module: str,
    server: Server,
    *,
    signed_in: str,
    warmup: int,
    requests: int,
    database_url: str | None = None,
) -> str:
    """The opening paragraph of an HTTP benchmark's report: what made it and how the
    scenarios were measured; ``signed_in`` says as whom, with its own punctuation."""
    return (
        f"{produced_by(module, database_url)}. Sequential requests over one keep-alive HTTP "
        f"connection to gunicorn on {LOOPBACK} ({server.workers} gthread workers, DEBUG off, "
        f"Redis cache), {signed_in} {warmup} warm-up requests then {requests} measured per "
        "scenario. Queries per request come from the X-Query-Count header "
        "(QUERY_COUNT_HEADER=1)."
    )


def plan_lines(plans: dict[str, str], *, heading: str) -> list[str]:
    """Each query plan under its name; ``heading`` makes the title of a name (e.g. "### {}")."""
    out: list[str] = []
    for name, plan in plans.items():
        out += [heading.format(name), "", "```", plan, "```", ""]
    return out


def machine_lines(
    database_url: str,
    load: tuple[float, ...],
    note: str = "Anything else running on the machine shows in the latencies.",
) -> list[str]:
    """The report's "Machine" section: ``load`` is the load average before the measurement,
    ``note`` what it means for the results."""
    box = machine(database_url)
    return [
        "## Machine",
        "",
        f"- CPUs (nproc): {box['nproc']}",
        f"- CPU model: {box['cpu']}",
        f"- Memory: {box['memory']}",
        f"- PostgreSQL: {box['postgres']} ({box['postgres_settings']})",
        f"- Python {box['python']}, Linux {box['kernel']}",
        f"- Load average just before the measurement (1, 5, 15 min): {load[0]:.2f}, "
        f"{load[1]:.2f}, {load[2]:.2f}. {note}",
        "",
    ]


def machine(database_url: str) -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT version()").fetchone()
        settings = [
            (name, conn.execute(f"SHOW {name}").fetchone())
            for name in ("shared_buffers", "work_mem", "effective_cache_size")
        ]
    postgres = str(row[0]).split(" on ")[0] if row else "unknown"
    pg_settings = ", ".join(f"{name} {value[0]}" for name, value in settings if value)
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "memory": memory,
        "cpu": cpu,
        "postgres": postgres,
        "postgres_settings": pg_settings,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def shown(path: Path) -> str:
    """A path as the output names it: from the project root when it is inside."""
    return str(path.relative_to(BASE_DIR) if path.is_relative_to(BASE_DIR) else path)


def write_report(output_dir: Path, name: str, text: str) -> Path:
    """Writes the report to ``output_dir/name-YYYY-MM-DD.md``."""
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / f"{name}-{today()}.md"
    path.write_text(text)
    return path
