"""The obligation ledger's questions at city scale (issue #14, XC-02): p50 / p99 beside the collection sizes.

``ANJU_BENCH_OBLIGATIONS`` obligations (default: 1,000,000 when ``bench_notify_1000000`` is seeded
already, else 20,000 and a line saying how to get the issue's figure) are written to a database of their
own (``bench_notify_<n>``, reused when it holds that many already; ``ANJU_BENCH_NOTIFY_FRESH=1`` rebuilds
it): the ledger's records in ``obligations`` and the documents the notify read models' folds make of
them, built in a stream (``tests.bench.notify_seed``: through Kafka and the views' writer they would take
hours on this machine; folded in memory, 100,000 took over 40 minutes). Then each question is asked the
way the service asks it (``anju_notify.queries``: a head and the pages it names, by ``_id``), and, as the
same-run baseline, "the old way": a field query on the ledger collection (the whole collection read) —
past 100,000 obligations on ``obligations_slice``, the ledger's first 100,000 records (one such query on
1,000,000 documents takes minutes here), as the city bench does.

The obligations: see ``tests.bench.notify_data``. Benchmarks measure; they assert nothing.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import UTC, date, datetime
from typing import Any

from anju_contracts import Role
from anju_contracts.common import PartyRef
from anju_kit.clock import SHANGHAI
from anju_kit.mongo import connect
from anju_kit.settings import ServiceSettings
from anju_kit.views import ViewStore
from anju_notify import queries
from anju_notify.read_models import VIEWS, ByDebtor, ByRule, BySubject, ByWeek, week_of
from tests.bench.city.sizes import collection_sizes, format_sizes
from tests.bench.notify_data import REGION, obligation_id
from tests.bench.notify_seed import LEDGER, Sink, stream
from tests.bench.queries import QueryCase, format_figures, old_way, time_queries

ISSUE_COUNT = 1_000_000  # the issue's figure (#14)
SMALL_COUNT = 20_000  # make bench's default until the issue's database is seeded
SLICE_SIZE = 100_000  # the old way's ledger slice, past this many obligations
PROGRESS = 100_000  # records between progress lines while seeding


async def _seed(db: Any, count: int) -> float:
    """Write ``count`` records and the views' documents in a stream; returns seconds taken."""
    started = time.perf_counter()
    sink = Sink(db)
    records = 0
    for collection, doc in stream(count, slice_size=SLICE_SIZE if count > SLICE_SIZE else 0):
        await sink.put(collection, doc)
        if collection == LEDGER:
            records += 1
            if records % PROGRESS == 0:
                rate = records / (time.perf_counter() - started)
                print(f"  seeded {records:,} of {count:,} ({rate:,.0f} records/s)", file=sys.stderr, flush=True)
    await sink.close()
    spent = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in sorted(sink.seconds.items()))
    print(f"  {sink.written:,} documents; inserts (overlapping) took: {spent}", file=sys.stderr, flush=True)
    await db["bench_manifest"].replace_one(
        {"_id": "notify"}, {"_id": "notify", "count": count, "at": datetime.now(UTC)}, upsert=True
    )
    return time.perf_counter() - started


async def _seeded(mongo: Any, count: int) -> bool:
    manifest = await mongo[f"bench_notify_{count}"]["bench_manifest"].find_one({"_id": "notify"})
    return manifest is not None and manifest["count"] == count


async def run_notify_benchmarks(settings: ServiceSettings) -> list[str]:
    reps = int(os.environ.get("ANJU_BENCH_NOTIFY_REPS", "200"))
    mongo = connect(settings)
    try:
        asked = os.environ.get("ANJU_BENCH_OBLIGATIONS")
        count = int(asked) if asked else ISSUE_COUNT if await _seeded(mongo, ISSUE_COUNT) else SMALL_COUNT
        name = f"bench_notify_{count}"
        db = mongo[name]
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        lines = ["", f"notify ledger questions (issue #14) at {count:,} obligations, database {name} (load {load}):"]
        if count < ISSUE_COUNT:
            lines.append(
                f"(the issue's {ISSUE_COUNT:,}: ANJU_BENCH_OBLIGATIONS={ISSUE_COUNT} make bench seeds "
                f"bench_notify_{ISSUE_COUNT} once, ~25 minutes here; later runs use it by default)"
            )
        if os.environ.get("ANJU_BENCH_NOTIFY_FRESH") == "1" or not await _seeded(mongo, count):
            await mongo.drop_database(name)
            seconds = await _seed(db, count)
            lines.append(
                f"seeded in a stream (the read models' documents, as their folds make them) in {seconds:.0f} s, "
                f"{count / seconds:,.0f} obligations/s"
            )
        store = {view.name: ViewStore(db, view) for view in VIEWS}
        insurer = PartyRef(role=Role.INSURER, id="ins-03")
        week = week_of(datetime.combine(date(2025, 6, 18), datetime.min.time(), tzinfo=SHANGHAI))
        cases = [
            QueryCase(
                "open obligations of one insurer under POL-07 (first page)",
                lambda: queries.by_debtor(store[ByDebtor.name], REGION, insurer, rule_id="POL-07"),
            ),
            QueryCase(
                "one insurer's filings report: on time / late / not filed, per rule",
                lambda: queries.debtor_report(store[ByDebtor.name], REGION, insurer),
            ),
            QueryCase(
                "overdue under RSK-07 in the region (first page)",
                lambda: queries.by_rule(store[ByRule.name], REGION, "RSK-07", states=("overdue",)),
            ),
            QueryCase(
                f"open obligations due in week {week} (first page)",
                lambda: queries.by_week(store[ByWeek.name], REGION, week),
            ),
            QueryCase(
                "everything owed about one project (XC-03)",
                lambda: queries.by_subject(store[BySubject.name], "project", f"sub-{count // 20}"),
            ),
            QueryCase(
                "one obligation's record by id",
                lambda: db["obligations"].find_one({"_id": obligation_id(count // 2)}),
            ),
        ]
        figures = await time_queries(cases, reps)
        slow = int(os.environ.get("ANJU_BENCH_NOTIFY_SLOW_REPS", "3"))
        ledger = f"{LEDGER}_slice" if count > SLICE_SIZE else LEDGER
        old = await old_way(db[ledger], "state.debtor.id", insurer.id, slow)
        lines += format_figures(figures, old)
        if count > SLICE_SIZE:
            lines.append(f"(old way on {ledger}: the ledger's first {SLICE_SIZE:,} records; × old = old p50 / p50)")
        lines += format_sizes(await collection_sizes(mongo, [name]))
    finally:
        await mongo.close()
    return lines


def main() -> None:
    """``python -m tests.bench.notify_bench``: the ledger figures alone."""
    for line in asyncio.run(run_notify_benchmarks(ServiceSettings.for_service("bench"))):
        print(line)


if __name__ == "__main__":
    main()
