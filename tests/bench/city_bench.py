"""City-scale figures for ``make bench`` (issue #10): read questions timed against a seeded city.

Seeding a city takes far longer than a benchmark should (see ``make seed-city``), so ``make bench`` only
uses one that is there: the manifest in ``<prefix>_city_<region>`` (``ANJU_BENCH_CITY_PREFIX``, default
``seed``; ``ANJU_BENCH_CITY_REGION``, default the settings' region; ``ANJU_BENCH_CITY_BASE_PORT``,
default 18400) must say the seed finished. Without
one it prints a line saying how to get one and moves on; ``ANJU_BENCH_CITY=0`` skips it outright.

With a city: the registry, policy, risk and claims services start as local processes on the city's databases (own
ports; consumer groups at the end of their topics), each question of :mod:`tests.bench.city_queries`
is timed ``ANJU_BENCH_CITY_REPS`` times (default 200) for p50 / p99, "the old way" — a field query on
the 100,000-document slice of the claims projection — ``ANJU_BENCH_CITY_SLOW_REPS`` times (default
3), and the collection sizes and each service's resident memory (VmRSS, at the start and at the end)
are printed beside them.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient

from anju_kit.mongo import connect
from anju_kit.settings import ServiceSettings
from tests.bench.city.context import City
from tests.bench.city.kafka_io import wait_caught_up
from tests.bench.city.manifest import Manifest, plan_of
from tests.bench.city.processes import (
    SERVICES,
    CityNames,
    position_groups_at_end,
    start_service,
    view_groups,
    wait_ready,
)
from tests.bench.city.sizes import collection_sizes, format_sizes
from tests.bench.city.slice import SLICE, build_slice, slice_units
from tests.bench.city_queries import city_queries
from tests.bench.queries import format_figures, old_way, time_queries

SLICE_SIZE = 100_000
P99_TARGET_MS = 50.0  # issue #10: every listed question, at the city-scale data set, on this machine
Doc = dict[str, Any]


async def run_city_benchmarks(settings: ServiceSettings) -> list[str]:
    if os.environ.get("ANJU_BENCH_CITY", "1") == "0":
        return ["city-scale figures: skipped (ANJU_BENCH_CITY=0)"]
    names = CityNames(
        os.environ.get("ANJU_BENCH_CITY_PREFIX", "seed"),
        os.environ.get("ANJU_BENCH_CITY_REGION", settings.region),
        int(os.environ.get("ANJU_BENCH_CITY_BASE_PORT", "18400")),  # the services on base + 1 … 4
    )
    mongo = connect(settings)
    try:
        manifest = await Manifest.read(mongo[names.city_database]["manifest"])
        if manifest is None or manifest.get("finished_at") is None:
            state = "none" if manifest is None else "an unfinished one"
            return [
                f"city-scale figures: skipped — no seeded city in {names.city_database} ({state}); "
                'run `make seed-city` (SEED_ARGS="--scale 0.01" for a small one), then `make bench`'
            ]
        return await _measure(settings, names, mongo, manifest)
    finally:
        await mongo.close()


async def _measure(
    settings: ServiceSettings, names: CityNames, mongo: AsyncMongoClient[Doc], manifest: Doc
) -> list[str]:
    plan = plan_of(manifest, names.region)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        "",
        f"city-scale figures (load average {load} as they start; other work on the cores slows them): "
        f"{names.city_database}, scale {plan.scale} ({plan.units:,} units, {plan.claims:,} claims, "
        f"{plan.practitioners:,} practitioners, {plan.projects:,} projects with {plan.issues_per_project} risk issues each)",
    ]
    slice_size, units = await slice_units(mongo, names)
    if slice_size != SLICE_SIZE:
        lines.append(f"building the {SLICE_SIZE:,}-document slice for the old way (once)…")
        await build_slice(mongo, names, SLICE_SIZE)
        slice_size, units = await slice_units(mongo, names)
    await position_groups_at_end(settings, names)
    log_dir = Path(".run/city") / f"{names.city_database}-bench"
    services = {s: await start_service(s, settings, names, log_dir) for s in SERVICES}
    city = City(plan, names, mongo, services, settings.token_secret.get_secret_value())
    try:
        await asyncio.gather(*(wait_ready(s) for s in services.values()))
        waited = await wait_caught_up(settings.kafka_bootstrap, await view_groups(settings, names, mongo))
        lines.append(f"read models caught up with the city's events ({waited:.0f} s) before the questions")
        started_rss = {name: s.rss_mib() for name, s in services.items()}
        reps = int(os.environ.get("ANJU_BENCH_CITY_REPS", "200"))
        slow = int(os.environ.get("ANJU_BENCH_CITY_SLOW_REPS", "3"))
        figures = await time_queries(city_queries(city), reps)
        old = await old_way(mongo[names.city_database][SLICE], "state.unit_id", units[0] if units else "none", slow)
        ended_rss = {name: s.rss_mib() for name, s in services.items()}
    finally:
        await city.close()
        await asyncio.gather(*(s.stop() for s in services.values()))
    lines += format_figures(figures, old, p99_target_ms=P99_TARGET_MS)
    lines.append(f"(old way: {slice_size:,} documents in {names.city_database}.{SLICE}; × old = old p50 / p50)")
    sizes = await collection_sizes(mongo, [names.database(s) for s in SERVICES])
    lines += format_sizes(sizes)
    lines.append(
        "service VmRSS start → end: "
        + ", ".join(f"{name} {started_rss[name]:.0f} → {ended_rss[name]:.0f} MiB" for name in services)
    )
    return lines


def main() -> None:
    """``python -m tests.bench.city_bench``: the city-scale figures alone."""
    for line in asyncio.run(run_city_benchmarks(ServiceSettings.for_service("bench"))):
        print(line)


if __name__ == "__main__":
    main()
