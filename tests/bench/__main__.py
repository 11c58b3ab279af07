"""`make bench`: figures against the real local servers, each beside the baselines of the same run."""

from __future__ import annotations

import asyncio
import os

from anju_kit.settings import ServiceSettings
from tests.bench.baseline import Result, b0, b1, b1_batched
from tests.bench.city_bench import run_city_benchmarks
from tests.bench.notify_bench import run_notify_benchmarks
from tests.bench.views_rate import view_catch_up
from tests.bench.web_bench import run_web_benchmarks


def report(results: list[Result], baseline: Result, lines: list[str]) -> None:
    print()
    print(f"{'benchmark':<48} {'events':>8} {'seconds':>8} {'events/s':>10} {'× B0':>6}")
    for r in results:
        print(f"{r.name:<48} {r.events:>8} {r.seconds:>8.2f} {r.rate:>10.0f} {r.rate / baseline.rate:>6.2f}")
    for line in lines:
        print(line)


async def main() -> None:
    settings = ServiceSettings.for_service("bench")
    count = int(os.environ.get("ANJU_BENCH_EVENTS", "20000"))
    # B1 is bounded by one database round trip per event (~1–3 ms): a few thousand events give its rate.
    b1_count = int(os.environ.get("ANJU_BENCH_B1_EVENTS", str(min(count, 5000))))
    baseline = await b0(settings, count)
    results: list[Result] = [baseline, await b1(settings, b1_count), await b1_batched(settings, count)]
    lines: list[str] = []
    try:
        from anju_claims.bench import run_claims_benchmarks  # added by the claims service
    except ImportError:
        run_claims_benchmarks = None  # type: ignore[assignment]
    if run_claims_benchmarks is not None:
        figures = await run_claims_benchmarks(settings, count)
        results += figures.results  # type: ignore[arg-type]  # same shape: name, events, seconds, rate
        lines += figures.lines
    # V1: a read model rebuilt from its events (issue #10), beside B0 and B1b of this run. A view reads
    # and rewrites a document per event on FerretDB (~2-3 ms each here), so a few thousand give its rate.
    results.append(await view_catch_up(settings, int(os.environ.get("ANJU_BENCH_VIEW_EVENTS", "4000"))))
    lines += await run_city_benchmarks(settings)  # one line when no seeded city is there (make seed-city)
    lines += await run_notify_benchmarks(settings)  # the ledger's questions (ANJU_BENCH_OBLIGATIONS)
    lines += await run_web_benchmarks(settings)  # first render of two pages in Chromium (ANJU_BENCH_WEB_RENDERS)
    report(results, baseline, lines)


if __name__ == "__main__":
    asyncio.run(main())
