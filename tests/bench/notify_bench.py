"""The obligation ledger's questions at city scale (issue #14, XC-02): p50 / p99 beside the collection sizes.

``ANJU_BENCH_OBLIGATIONS`` obligations (default 20,000; the issue's figure is 1,000,000) are folded by
the notify read models' own code (``anju_notify.read_models``, in memory: through Kafka and the views'
writer they would take hours on this machine) and written to a database of their own
(``bench_notify_<n>``, reused when it holds that many already; ``ANJU_BENCH_NOTIFY_FRESH=1`` rebuilds
it), beside the ledger's records themselves in ``obligations``. Then each question is asked the way the
service asks it (``anju_notify.queries``: a head and the pages it names, by ``_id``), and, as the
same-run baseline, "the old way": a field query on the ledger collection (the whole collection read).

The obligations: 20 insurers and 40 agencies owing under seven rules, due over three years (156 weeks),
one subject per 10 obligations; 80 % fulfilled (one in eight of them late), 10 % open, 5 % overdue,
3 % escalated, 2 % waived. Benchmarks measure; they assert nothing.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from anju_contracts import Actor, Envelope, Role
from anju_contracts import notify as n
from anju_contracts.common import ObligationKind, PartyRef, SubjectRef
from anju_kit.clock import SHANGHAI
from anju_kit.memory import MemoryViews
from anju_kit.mongo import connect
from anju_kit.settings import ServiceSettings
from anju_kit.views import ViewStore, collection_name
from anju_notify import queries
from anju_notify.read_models import VIEWS, ByDebtor, ByRule, BySubject, ByWeek, week_of
from tests.bench.city.sizes import collection_sizes, format_sizes
from tests.bench.queries import QueryCase, format_figures, old_way, time_queries

REGION = "shanghai"
RULES = ("POL-07", "POL-10", "RSK-02", "RSK-07", "RSK-08", "CLM-03", "CLM-04")
START = datetime(2024, 1, 1, tzinfo=SHANGHAI)
CHUNK = 1000  # documents per insert_many (never bulk_write: it hangs on FerretDB past ~150 operations)
Doc = dict[str, Any]


def _debtor(i: int) -> PartyRef:
    if i % 3 == 2:
        return PartyRef(role=Role.AGENCY, id=f"agy-{i % 40:02d}")
    return PartyRef(role=Role.INSURER, id=f"ins-{i % 20:02d}")


def _state(rng: random.Random) -> tuple[n.LedgerState, bool | None]:
    roll = rng.random()
    if roll < 0.80:
        return n.LedgerState.FULFILLED, rng.random() >= 0.125
    for state, edge in (
        (n.LedgerState.OPEN, 0.90),
        (n.LedgerState.OVERDUE, 0.95),
        (n.LedgerState.ESCALATED, 0.98),
    ):
        if roll < edge:
            return state, None
    return n.LedgerState.WAIVED, None


def obligation_id(i: int) -> str:
    return f"bench.sub-{i // 10}.{RULES[i % len(RULES)].lower().replace('-', '_')}.{i}"


def recorded(i: int, rng: random.Random) -> n.ObligationRecorded:
    rule = RULES[i % len(RULES)]
    due = (START + timedelta(hours=rng.randrange(0, 156 * 7 * 24))).replace(minute=0)
    state, on_time = _state(rng)
    closed = state in (n.LedgerState.FULFILLED, n.LedgerState.WAIVED)
    return n.ObligationRecorded(
        obligation_id=obligation_id(i),
        revision=2,
        recorded_at=due,
        source="policy" if rule.startswith("POL") else "risk" if rule.startswith("RSK") else "claims",
        obligation="upload",
        kind=ObligationKind.OBLIGATION,
        rule_id=rule,
        debtor=_debtor(i),
        creditor=PartyRef(role=Role.REGULATOR, id=REGION),
        subject=SubjectRef(kind="project", id=f"sub-{i // 10}"),
        due_at=due,
        last_day=(due - timedelta(days=1)).date() if due.hour == 0 else due.date(),
        calendar_estimated=False,
        state=state,
        closed_at=due - timedelta(days=1) if closed else None,
        on_time=on_time,
    )


async def _seed(db: Any, count: int) -> float:
    """Fold ``count`` records with the views' code, then write views and ledger; returns seconds taken."""
    started = time.perf_counter()
    views = MemoryViews(VIEWS)
    rng = random.Random(14)
    actor = Actor(id="anju-notify", role=Role.SYSTEM, region=REGION)
    ledger: list[Doc] = []
    for i in range(count):
        event = recorded(i, rng)
        envelope = Envelope.wrap(event, region=REGION, producer="notify", actor=actor, key=event.obligation_id)
        await views.publish("anju.notify.events.v1", envelope)
        ledger.append({"_id": event.obligation_id, "state": event.model_dump(mode="json")})
    await _insert(db["obligations"], ledger)
    for view in VIEWS:
        docs = views.store(view.name).docs
        await _insert(db[collection_name(view, 1)], list(docs.values()))
    await db["bench_manifest"].replace_one(
        {"_id": "notify"}, {"_id": "notify", "count": count, "at": datetime.now(UTC)}, upsert=True
    )
    return time.perf_counter() - started


async def _insert(collection: Any, docs: list[Doc]) -> None:
    for at in range(0, len(docs), CHUNK):
        await collection.insert_many(docs[at : at + CHUNK], ordered=False)


async def run_notify_benchmarks(settings: ServiceSettings) -> list[str]:
    count = int(os.environ.get("ANJU_BENCH_OBLIGATIONS", "20000"))
    reps = int(os.environ.get("ANJU_BENCH_NOTIFY_REPS", "200"))
    mongo = connect(settings)
    name = f"bench_notify_{count}"
    db = mongo[name]
    lines = ["", f"notify ledger questions (issue #14) at {count:,} obligations, database {name}:"]
    try:
        manifest = await db["bench_manifest"].find_one({"_id": "notify"})
        if os.environ.get("ANJU_BENCH_NOTIFY_FRESH") == "1" or manifest is None or manifest["count"] != count:
            await mongo.drop_database(name)
            seconds = await _seed(db, count)
            lines.append(f"seeded with the read models' own folds in {seconds:.0f} s")
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
        old = await old_way(db["obligations"], "state.debtor.id", insurer.id, slow)
        lines += format_figures(figures, old)
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
