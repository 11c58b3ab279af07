"""The benches' timing helper (tests/bench/queries.py): zero repetitions of a question — e.g.
``ANJU_BENCH_NOTIFY_SLOW_REPS=0`` or ``ANJU_BENCH_CITY_SLOW_REPS=0`` to leave out the slow old way —
ask it not at all and print it as skipped, instead of failing the whole bench on an empty list."""

from __future__ import annotations

from tests.bench.queries import QueryCase, QueryFigure, format_figures, time_case


def _counting() -> tuple[list[int], QueryCase]:
    calls: list[int] = []

    async def ask() -> object:
        calls.append(1)
        return None

    return calls, QueryCase("a question", ask)


async def test_zero_repetitions_ask_nothing_and_are_skipped() -> None:
    calls, case = _counting()
    figure = await time_case(case, 0)
    assert calls == []  # not even the warm-up
    assert figure.skipped and figure.n == 0 and figure.error is None


async def test_a_case_of_its_own_zero_repetitions_is_skipped_too() -> None:
    calls, case = _counting()
    figure = await time_case(QueryCase(case.name, case.call, repetitions=0), 5)
    assert calls == [] and figure.skipped


async def test_repetitions_are_timed() -> None:
    calls, case = _counting()
    figure = await time_case(case, 3)
    assert len(calls) == 4  # one warm-up, three timed
    assert figure.n == 3 and not figure.skipped and figure.p50_ms >= 0


def test_a_skipped_old_way_says_so_and_gives_no_ratios() -> None:
    fast = QueryFigure("fast", 10, 2.0, 4.0, 5.0)
    old = QueryFigure("old way: find", 0, float("nan"), float("nan"), float("nan"))
    lines = format_figures([fast], old, p99_target_ms=10)
    assert lines[1].split()[:5] == ["fast", "10", "2.0", "4.0", "5.0"]
    assert "nan" not in lines[1]  # no ratio to a figure that was never measured
    assert lines[2].startswith("old way: find") and lines[2].endswith("skipped (0 repetitions asked)")
    assert lines[3] == "p99 target 10 ms: 1 of 1 questions met it"  # the old way is not a question


def test_a_skipped_question_does_not_meet_the_target() -> None:
    skipped = QueryFigure("never asked", 0, float("nan"), float("nan"), float("nan"))
    old = QueryFigure("old", 3, 100.0, 120.0, 130.0)
    lines = format_figures([skipped, QueryFigure("asked", 5, 1.0, 2.0, 2.0)], old, p99_target_ms=10)
    assert lines[1].endswith("skipped (0 repetitions asked)")
    assert lines[2].split()[5] == "100"  # asked: × old
    assert lines[-1] == "p99 target 10 ms: 1 of 2 questions met it"
