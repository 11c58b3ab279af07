"""`make bench`: figures against the real local servers, each beside the baseline of the same run."""

from __future__ import annotations

import asyncio
import os

from anju_kit.settings import ServiceSettings
from tests.bench.baseline import Result, b0


def report(results: list[Result], baseline: Result) -> None:
    print(f"{'benchmark':<48} {'events':>8} {'seconds':>8} {'events/s':>10} {'× B0':>6}")
    for r in results:
        print(f"{r.name:<48} {r.events:>8} {r.seconds:>8.2f} {r.rate:>10.0f} {r.rate / baseline.rate:>6.2f}")


async def main() -> None:
    settings = ServiceSettings.for_service("bench")
    count = int(os.environ.get("ANJU_BENCH_EVENTS", "20000"))
    baseline = await b0(settings, count)
    results = [baseline]
    try:
        from anju_claims.bench import run_claims_benchmarks  # added by the claims service
    except ImportError:
        run_claims_benchmarks = None
    if run_claims_benchmarks is not None:
        results += await run_claims_benchmarks(settings, count)
    report(results, baseline)


if __name__ == "__main__":
    asyncio.run(main())
