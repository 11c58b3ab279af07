"""Timing named read questions: p50 / p99 of async callables over N repetitions (issue #10).

A :class:`QueryCase` is a name and an async callable that asks one question once (a page, a read-model
look-up, a count); :func:`time_queries` calls each ``repetitions`` times after a warm-up and reports the
percentiles. :func:`old_way` times the same kind of question asked the old way — a field query that the
local store answers by reading a whole collection — so each figure can be printed beside it as a ratio.
Benchmarks measure; they assert nothing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

QueryCall = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class QueryCase:
    name: str
    call: QueryCall
    repetitions: int | None = None  # None: the run's default (a slow question may ask fewer)
    warmup: int = 1  # calls before the timed ones (0 for a question that takes seconds)


@dataclass(frozen=True)
class QueryFigure:
    name: str
    n: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    error: str | None = None  # the first failure, when the question could not be asked

    @property
    def skipped(self) -> bool:
        """Asked no times (zero repetitions): no figure, and nothing to fail."""
        return self.n == 0 and self.error is None

    def ratio_to(self, old: QueryFigure) -> float:
        """How many times faster than ``old`` (by p50)."""
        return old.p50_ms / self.p50_ms if self.p50_ms > 0 else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


async def time_case(case: QueryCase, repetitions: int) -> QueryFigure:
    """``case`` asked ``repetitions`` times (its own count if it has one); zero or fewer asks it not at all
    (not even the warm-up: e.g. ``ANJU_BENCH_NOTIFY_SLOW_REPS=0`` to leave out the slow old way), a
    figure that :func:`format_figures` prints as skipped."""
    count = repetitions if case.repetitions is None else case.repetitions
    if count < 1:
        return QueryFigure(case.name, 0, float("nan"), float("nan"), float("nan"))
    timings: list[float] = []
    try:
        for _ in range(case.warmup):
            await case.call()
        for _ in range(count):
            started = time.perf_counter()
            await case.call()
            timings.append((time.perf_counter() - started) * 1000)
    except Exception as exc:  # a benchmark reports what went wrong instead of stopping the others
        return QueryFigure(case.name, len(timings), float("nan"), float("nan"), float("nan"), f"{exc!r}"[:200])
    return QueryFigure(case.name, count, percentile(timings, 0.50), percentile(timings, 0.99), max(timings))


async def time_queries(cases: Sequence[QueryCase], repetitions: int) -> list[QueryFigure]:
    """Each case in turn (never concurrently: the figures are latencies of one question alone)."""
    return [await time_case(case, repetitions) for case in cases]


async def old_way(
    collection: AsyncCollection[dict[str, Any]], field: str, value: object, repetitions: int
) -> QueryFigure:
    """``find({field: value})`` read to the end: what a question costs without a read model made for it."""

    async def ask() -> object:
        return await collection.find({field: value}).to_list()

    name = f"old way: find({{{field!r}: …}}) on {collection.name}"
    return await time_case(QueryCase(name, ask, warmup=0), repetitions)


def format_figures(
    figures: Sequence[QueryFigure], old: QueryFigure | None, *, p99_target_ms: float | None = None
) -> list[str]:
    """One line per question, then the old way's; with a target, whether each question's p99 met it, and
    a last line counting them (a question that failed or was skipped did not meet it). An old way that
    failed or was skipped gives no ratios."""
    target = f" {'p99 < ' + format(p99_target_ms, 'g') + ' ms':>14}" if p99_target_ms is not None else ""
    lines = [f"{'question':<66} {'n':>4} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9} {'× old':>8}{target}"]
    baseline = old if old is not None and old.error is None and not old.skipped else None
    missed = 0
    for figure in [*figures, *([old] if old is not None else [])]:
        is_old = figure is old
        if figure.error is not None or figure.skipped:
            why = f"failed: {figure.error}" if figure.error is not None else "skipped (0 repetitions asked)"
            lines.append(f"{figure.name:<66} {why}")
            missed += not is_old  # the old way is not one of the questions the target counts
            continue
        ratio = f"{figure.ratio_to(baseline):>8.0f}" if baseline is not None and not is_old else f"{'':>8}"
        verdict = ""
        if p99_target_ms is not None and not is_old:
            met = figure.p99_ms < p99_target_ms
            missed += not met
            verdict = f" {'met' if met else 'MISSED':>14}"
        lines.append(
            f"{figure.name[:66]:<66} {figure.n:>4} {figure.p50_ms:>9.1f} {figure.p99_ms:>9.1f} "
            f"{figure.max_ms:>9.1f} {ratio}{verdict}"
        )
    if p99_target_ms is not None:
        lines.append(f"p99 target {p99_target_ms:g} ms: {len(figures) - missed} of {len(figures)} questions met it")
    return lines
