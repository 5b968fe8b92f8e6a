"""A scenario measured: warm-up requests, then timed ones with their queries counted; its
percentiles against a target, and the results table."""

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.lib.client import Client, Reply


@dataclass
class Result:
    name: str
    target_ms: float | None
    timings: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    errors: int = 0
    note: str = ""
    available: bool = True

    def percentile(self, q: float) -> float:
        ordered = sorted(self.timings)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    @property
    def passed(self) -> bool:
        return (
            self.available
            and not self.errors
            and bool(self.timings)
            and (self.target_ms is None or self.percentile(0.95) <= self.target_ms)
        )


def measure(
    client: Client,
    result: Result,
    send: Callable[[int], Reply],
    *,
    requests: int,
    warmup: int,
    max_seconds: float,
    expect: int = 200,
) -> Result:
    for i in range(warmup):
        send(i)
    deadline = time.monotonic() + max_seconds
    for i in range(requests):
        reply = send(warmup + i)
        result.timings.append(reply.ms)
        if reply.status != expect:
            result.errors += 1
            if result.errors == 1:
                result.note = f"HTTP {reply.status}: {reply.body[:200]!r}"
        count = reply.headers.get("X-Query-Count")
        if count is not None:
            result.queries.append(int(count))
        if time.monotonic() > deadline:
            result.note = (result.note + " " if result.note else "") + "stopped at the time limit"
            break
    return result


def fmt_queries(result: Result) -> str:
    if not result.queries:
        return "-"
    low, high = min(result.queries), max(result.queries)
    median = statistics.median(result.queries)
    return f"{median:g}" if low == high else f"{median:g} ({low}-{high})"


def table(results: list[Result]) -> str:
    lines = [
        "| scenario | n | p50 ms | p95 ms | p99 ms | queries/request | target (p95) | result |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        target = f"≤ {r.target_ms:g} ms" if r.target_ms else "-"
        if not r.available:
            lines.append(f"| {r.name} | - | - | - | - | - | {target} | not available |")
            continue
        if not r.timings:
            lines.append(f"| {r.name} | 0 | - | - | - | - | {target} | **failed** |")
            continue
        verdict = "pass" if r.passed else "**miss**"
        if r.errors:
            verdict = f"**{r.errors} errors**"
        lines.append(
            f"| {r.name} | {len(r.timings)} | {r.percentile(0.5):.1f} | {r.percentile(0.95):.1f} "
            f"| {r.percentile(0.99):.1f} | {fmt_queries(r)} | {target} | {verdict} |"
        )
    return "\n".join(lines)


def notes(results: list[Result]) -> list[str]:
    """The report's "Notes:" lines: what went wrong or is worth knowing, scenario by scenario
    (none if there is nothing to say)."""
    lines = [f"- {r.name}: {r.note}" for r in results if r.note]
    return ["Notes:", "", *lines, ""] if lines else []
