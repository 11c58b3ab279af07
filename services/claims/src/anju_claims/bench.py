"""Claims intake benchmark (issue #3, item 10), run by ``make bench`` beside B0.

One claims instance runs as its own process against the real servers. The bench publishes
``ReportClaim`` commands and measures until the matching ``ClaimReported`` event is read back from
the events topic — end to end: Kafka in, validation, coverage check, MongoDB commit, outbox, Kafka out.

* throughput: ``count`` reports sent as fast as possible;
* latency: reports paced at ``ANJU_BENCH_CLAIMS_RATE`` per second (default 500) for
  ``ANJU_BENCH_CLAIMS_PACED`` seconds (default 20) — p50 / p99;
* memory: the instance's RSS after all claims (``ANJU_BENCH_EVENTS=100000`` for the 100k figure).

Benchmarks measure; they assert nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from anju_claims.config import ClaimsSettings
from anju_contracts import Actor, Envelope, Role, topics
from anju_contracts.claims import ClaimReported, ReportChannel, ReportClaim
from anju_contracts.policy import BuildingPart, LiabilityPeriodStarted, OwnerRef, PolicyIssued, PolicyUnit
from anju_kit.kafka import encode, ensure_topics
from anju_kit.mongo import connect
from anju_kit.settings import ServiceSettings

UNITS = 1000
CORE = Actor(id="bench-core", role=Role.SYSTEM, region="shanghai", insurer_id="ins-bench")


@dataclass(frozen=True)
class BenchResult:
    name: str
    events: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def _report(claim_id: str, i: int, region: str) -> bytes:
    unit = f"u-{i % UNITS}"
    message = ReportClaim(
        claim_id=claim_id,
        unit_id=unit,
        owner_id=f"o-{i % UNITS}",
        part=BuildingPart.WATERPROOFING,
        item="卫生间渗漏",
        location="主卧卫生间地面",
        description="主卧卫生间地面渗水至楼下天花板。",
        channel=ReportChannel.HOTLINE_24H,
    )
    actor = CORE.model_copy(update={"region": region})
    return encode(Envelope.wrap(message, region=region, producer="bench", actor=actor, key=claim_id))


def _policy(region: str) -> list[Envelope]:
    actor = CORE.model_copy(update={"region": region})
    units = tuple(PolicyUnit(unit_id=f"u-{i}", owners=(OwnerRef(owner_id=f"o-{i}"),)) for i in range(UNITS))
    issued = PolicyIssued(
        policy_id="pol-bench", project_id="prj-bench", insurer_id="ins-bench", issued_on=date(2022, 1, 1), units=units
    )
    started = LiabilityPeriodStarted(
        policy_id="pol-bench",
        project_id="prj-bench",
        liability_starts_on=date(2024, 1, 1),
        contractor_warranty_end=date(2023, 12, 31),
    )
    return [Envelope.wrap(m, region=region, producer="bench", actor=actor, key="pol-bench") for m in (issued, started)]


class _Watcher:
    """Reads ClaimReported events from the end of the events topic and notes when each arrived."""

    def __init__(self, bootstrap: str) -> None:
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
        self.arrived: dict[str, float] = {}
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self, partitions: int) -> None:
        await self.consumer.start()
        assigned = [TopicPartition(topics.CLAIMS.events, p) for p in range(partitions)]
        self.consumer.assign(assigned)
        await self.consumer.seek_to_end(*assigned)
        for tp in assigned:
            await self.consumer.position(tp)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            batch = await self.consumer.getmany(timeout_ms=200, max_records=2000)
            now = time.perf_counter()
            for records in batch.values():
                for record in records:
                    data = json.loads(record.value)
                    if data.get("type") == ClaimReported.TYPE and data.get("key"):
                        self.arrived.setdefault(data["key"], now)
            if batch:
                self._changed.set()

    async def wait_for(self, ids: list[str], timeout_s: float) -> None:
        """Until every id arrived or the timeout passed (then the figures count what arrived)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                for claim_id in ids:
                    while claim_id not in self.arrived:
                        self._changed.clear()
                        await self._changed.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.consumer.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def _group_at_end(bootstrap: str, group: str, topic: str) -> None:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="latest", enable_auto_commit=False
    )
    await consumer.start()
    try:
        for _ in range(40):
            if consumer.assignment():
                break
            await consumer.getmany(timeout_ms=250)
        await consumer.commit({tp: await consumer.position(tp) for tp in consumer.assignment()})
    finally:
        await consumer.stop()


async def run_claims_benchmarks(settings: ServiceSettings, count: int) -> list[BenchResult]:
    token = uuid.uuid4().hex[:8]
    claims = ClaimsSettings.load(
        kafka_bootstrap=settings.kafka_bootstrap,
        mongo_url=settings.mongo_url,
        s3_endpoint=settings.s3_endpoint,
        s3_access_key=settings.s3_access_key,
        s3_secret_key=settings.s3_secret_key,
        region=settings.region,
        mongo_db=f"bench_claims_{token}",
        claims_bucket=f"bench-claims-{token}",
        claims_consumer_group=f"bench-claims-{token}",
    )
    names = [*topics.CLAIMS.all(), *map(topics.dlq, topics.CLAIMS.all())]
    await ensure_topics(claims, [*names, topics.POLICY.events, topics.dlq(topics.POLICY.events)])
    await _group_at_end(claims.kafka_bootstrap, claims.claims_consumer_group, topics.CLAIMS.commands)
    await _group_at_end(claims.kafka_bootstrap, f"{claims.claims_consumer_group}-policy", topics.POLICY.events)
    port = _free_port()
    env = os.environ | {
        "ANJU_KAFKA_BOOTSTRAP": claims.kafka_bootstrap,
        "ANJU_MONGO_URL": claims.mongo_url,
        "ANJU_MONGO_DB": claims.mongo_db,
        "ANJU_REGION": claims.region,
        "ANJU_CLAIMS_BUCKET": claims.claims_bucket,
        "ANJU_CLAIMS_CONSUMER_GROUP": claims.claims_consumer_group,
        "ANJU_HTTP_PORT": str(port),
        "ANJU_LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "anju_claims", env=env)
    producer = AIOKafkaProducer(
        bootstrap_servers=claims.kafka_bootstrap, acks="all", enable_idempotence=True, linger_ms=2
    )
    watcher = _Watcher(claims.kafka_bootstrap)
    results: list[BenchResult] = []
    try:
        await _ready(port)
        await producer.start()
        for envelope in _policy(claims.region):
            await producer.send_and_wait(topics.POLICY.events, encode(envelope), key=b"pol-bench")
        await _policy_projected(claims)
        partitions = len(await producer.partitions_for(topics.CLAIMS.events))
        await watcher.start(partitions)

        ids = [f"bench-{token}-t{i}" for i in range(count)]
        started = time.perf_counter()
        futures = [
            await producer.send(topics.CLAIMS.commands, _report(cid, i, claims.region), key=cid.encode())
            for i, cid in enumerate(ids)
        ]
        await asyncio.gather(*futures)
        await watcher.wait_for(ids, timeout_s=max(120.0, count / 20))
        done = [watcher.arrived[i] for i in ids if i in watcher.arrived]
        elapsed = (max(done) - started) if done else float("nan")
        results.append(BenchResult("claims intake e2e (1 instance, max rate)", len(done), elapsed))

        rate = int(os.environ.get("ANJU_BENCH_CLAIMS_RATE", "500"))
        paced_s = float(os.environ.get("ANJU_BENCH_CLAIMS_PACED", "20"))
        paced = [f"bench-{token}-p{i}" for i in range(int(rate * paced_s))]
        sent: dict[str, float] = {}
        begin = time.perf_counter()
        for i, cid in enumerate(paced):
            delay = begin + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sent[cid] = time.perf_counter()
            await producer.send(topics.CLAIMS.commands, _report(cid, i, claims.region), key=cid.encode())
        await producer.flush()
        await watcher.wait_for(paced, timeout_s=120.0)
        latencies = [(watcher.arrived[c] - sent[c]) * 1000 for c in paced if c in watcher.arrived]
        p50, p99 = _percentile(latencies, 0.50), _percentile(latencies, 0.99)
        last = max((watcher.arrived[c] for c in paced if c in watcher.arrived), default=begin)
        results.append(
            BenchResult(f"claims intake @{rate}/s p50={p50:.0f}ms p99={p99:.0f}ms", len(latencies), last - begin)
        )
        rss = _rss_mib(process.pid)
        print(f"claims instance RSS after {len(done) + len(latencies)} claims: {rss:.0f} MiB")
    finally:
        await watcher.stop()
        await producer.stop()
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
    return results


async def _ready(port: int, timeout_s: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout_s
    async with httpx.AsyncClient() as client:
        while time.perf_counter() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"http://127.0.0.1:{port}/readyz", timeout=2)).status_code == 200:
                    return
            await asyncio.sleep(0.5)
    raise RuntimeError("the claims instance did not become ready")


async def _policy_projected(settings: ClaimsSettings, timeout_s: float = 60.0) -> None:
    collection = connect(settings)[settings.mongo_db]["policy_facts"]
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        doc = await collection.find_one({"_id": "pol-bench"})
        if doc is not None and doc["facts"]["liability_starts_on"] is not None:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("the policy read model was not built")


def main() -> None:
    """`python -m anju_claims.bench [count]`: the claims figures alone."""
    settings = ServiceSettings.for_service("bench")
    count = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("ANJU_BENCH_EVENTS", "20000"))
    for result in asyncio.run(run_claims_benchmarks(settings, count)):
        print(f"{result.name:<48} {result.events:>8} {result.seconds:>8.2f} {result.rate:>10.0f}")


if __name__ == "__main__":
    main()
