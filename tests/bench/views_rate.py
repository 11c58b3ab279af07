"""Catch-up rate of a read model (issue #10): how fast a view is rebuilt from its events.

A fresh generation of ``claims.by_unit`` reads a source topic of ``claims.ClaimStateChanged`` events
from the first one: the router re-keys them by unit, the writer folds them into one document per unit.
The figure is events folded per second from start-up until the last one is in, printed beside B0 and
B1b of the same run (B1b: consume, ``insert_many`` the batch, produce — "store, then pass on" with
batching, one document per event; a view reads and rewrites the document it folds into instead).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

from anju_claims.read_models import ByUnit
from anju_contracts import Envelope
from anju_contracts import claims as c
from anju_kit.auth import service_actor
from anju_kit.kafka import ensure_topics, make_broker, publish_many
from anju_kit.service import ServiceApp
from anju_kit.settings import ServiceSettings
from tests.bench.baseline import Result

UNITS_PER_EVENT = 0.5  # two changes per unit on average: a report and one more step


def _state(n: int, region: str) -> Envelope:
    unit = f"u-{int(n * UNITS_PER_EVENT)}"
    claim = f"c-{n}"
    event = c.ClaimStateChanged(
        claim_id=claim,
        version=1,
        status=c.ClaimStatus.REPORTED,
        unit_id=unit,
        owner_id=f"o-{unit}",
        insurer_id="ins-1",
        policy_id="pol-1",
        project_id="prj-1",
        reported_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
        next_due=None,
    )
    return Envelope.wrap(event, region=region, producer="claims", actor=service_actor("claims", region), key=claim)


async def view_catch_up(base: ServiceSettings, count: int) -> Result:
    run = uuid.uuid4().hex[:8]
    settings = ServiceSettings.for_service(
        "claims",
        kafka_bootstrap=base.kafka_bootstrap,
        mongo_url=base.mongo_url,
        mongo_db=f"bench_views_{run}",
        kafka_group_suffix=f"-bench-{run}",
    )
    source, topic = f"anju.claims.events.v1-bench-{run}", f"anju.claims.views.v1-bench-{run}"
    await ensure_topics(settings, [source, topic, f"{topic}.dlq"], partitions=3)
    broker = make_broker(settings)  # signs as the claims service, the owner of the source topic
    await broker.connect()
    try:
        envelopes = [_state(n, settings.region) for n in range(count)]
        for start in range(0, count, 2000):
            await publish_many(broker, [(source, e) for e in envelopes[start : start + 2000]])
    finally:
        await broker.stop()

    view = ByUnit()
    view.sources = (source,)
    service = ServiceApp(settings, title="bench", description="view catch-up")
    views = service.read_models([view], topic=topic)
    began = time.perf_counter()
    await service.start()
    try:
        while views.writer is None or views.writer.folded < count:
            await asyncio.sleep(0.05)
        seconds = time.perf_counter() - began
    finally:
        await service.mongo.drop_database(settings.mongo_db)
        await service.stop()
    return Result(f"V1 view rebuild (claims.by_unit, {count // 2} units)", count, seconds)
