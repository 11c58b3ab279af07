"""Claims intake benchmark (issue #3, item 10), run by ``make bench`` beside B0 and B1.

One claims instance (``ANJU_BENCH_CLAIMS_INSTANCES``, default 1, sharing one consumer group) runs as
its own process (``python -m anju_claims``, its own database) against the real servers. The bench
publishes ``ReportClaim`` commands and reads the matching ``ClaimReported`` events back from the
events topic — end to end: Kafka in, validation, coverage check, MongoDB commit, outbox, Kafka out.
The policy read model (``ANJU_BENCH_POLICIES`` policies of ``ANJU_BENCH_UNITS_PER_POLICY`` units) is
seeded first, outside every timing.

a. max-rate intake: ``count`` reports are put on the commands topic while the instance is stopped
   (SIGSTOP, after it joined its consumer group); the clock starts when it is resumed (SIGCONT) and
   stops at the last ``ClaimReported`` read back;
b. latency: once (a) is drained, reports paced at ``ANJU_BENCH_CLAIMS_RATE`` per second (default 500)
   for ``ANJU_BENCH_CLAIMS_PACED`` seconds (default 20), each carrying its send time; per claim
   ``ClaimReported`` read back − command sent: p50 / p95 / p99;
c. memory: the (first) instance's VmRSS every 10,000 claims up to ``ANJU_BENCH_MEMORY_CLAIMS`` (default
   100,000) stored claims, within ``ANJU_BENCH_MEMORY_BUDGET_S`` seconds (default 180).

Benchmarks measure; they assert nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from anju_claims.adapters.coverage_store import CoverageStore
from anju_claims.config import ClaimsSettings
from anju_claims.domain.coverage import PolicyCoverage
from anju_claims.domain.projection import apply_policy_event
from anju_contracts import Actor, Envelope, Role, topics
from anju_contracts.base import Event
from anju_contracts.catalog import parse
from anju_contracts.claims import ClaimReported, ReportChannel, ReportClaim
from anju_contracts.policy import BuildingPart, LiabilityPeriodStarted, OwnerRef, PolicyIssued, PolicyUnit
from anju_kit.kafka import encode, ensure_topics
from anju_kit.mongo import connect
from anju_kit.settings import ServiceSettings
from anju_kit.testing import group_at_end, signed_headers

CORE = Actor(id="bench-core", role=Role.SYSTEM, region="shanghai", insurer_id="ins-bench")
_SENT = "#sent="


@dataclass(frozen=True)
class BenchResult:
    name: str
    events: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


@dataclass
class ClaimsFigures:
    results: list[BenchResult] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # latency percentiles, memory: printed under the table


@dataclass(frozen=True)
class Portfolio:
    """A realistic spread: claims come from many units over many projects, few from the same unit."""

    policies: int
    units_per_policy: int

    @property
    def units(self) -> int:
        return self.policies * self.units_per_policy

    def unit(self, i: int) -> tuple[str, str]:
        n = (i * 7919) % self.units  # a prime stride: consecutive claims land on different policies
        return f"u-{n // self.units_per_policy}-{n % self.units_per_policy}", f"o-{n}"

    def coverages(self, region: str) -> list[Envelope]:
        actor = CORE.model_copy(update={"region": region})
        envelopes = []
        for p in range(self.policies):
            units = tuple(
                PolicyUnit(unit_id=f"u-{p}-{u}", owners=(OwnerRef(owner_id=f"o-{p * self.units_per_policy + u}"),))
                for u in range(self.units_per_policy)
            )
            issued = PolicyIssued(
                policy_id=f"pol-{p}",
                project_id=f"prj-{p}",
                insurer_id="ins-bench",
                issued_on=date(2022, 1, 1),
                units=units,
            )
            started = LiabilityPeriodStarted(
                policy_id=f"pol-{p}",
                project_id=f"prj-{p}",
                liability_starts_on=date(2024, 1, 1),
                contractor_warranty_end=date(2023, 12, 31),
            )
            envelopes += [
                Envelope.wrap(m, region=region, producer="bench", actor=actor, key=f"pol-{p}")
                for m in (issued, started)
            ]
        return envelopes


def _report(claim_id: str, i: int, region: str, portfolio: Portfolio, *, sent: float | None = None) -> bytes:
    unit, owner = portfolio.unit(i)
    description = "主卧卫生间地面渗水至楼下天花板。" + (f"{_SENT}{sent:.6f}" if sent is not None else "")
    message = ReportClaim(
        claim_id=claim_id,
        unit_id=unit,
        owner_id=owner,
        part=BuildingPart.WATERPROOFING,
        item="卫生间渗漏",
        location="主卧卫生间地面",
        description=description,
        channel=ReportChannel.HOTLINE_24H,
    )
    actor = CORE.model_copy(update={"region": region})
    return encode(Envelope.wrap(message, region=region, producer="bench", actor=actor, key=claim_id))


async def _seed_read_model(settings: ClaimsSettings, portfolio: Portfolio) -> None:
    """The policy read model as the policy consumer would build it, written in bulk (not timed)."""
    folds: dict[str, PolicyCoverage] = {}
    for envelope in portfolio.coverages(settings.region):
        event = parse(envelope, topic=topics.POLICY.events)
        assert isinstance(event, Event)
        policy_id = envelope.key or ""
        folds[policy_id] = apply_policy_event(folds.get(policy_id), event)
    client = connect(settings)
    try:
        db = client[settings.mongo_db]
        store = CoverageStore(db["policy_coverage"], db["policy_facts"], db["policy_units"])
        await store.load_new(list(folds.values()), seq=int(time.time() * 1000))
    finally:
        await client.close()


class _Watcher:
    """Reads ClaimReported events from the end of the events topic: when each arrived, and the
    latency of those that carry their send time."""

    def __init__(self, bootstrap: str) -> None:
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None, max_partition_fetch_bytes=4 << 20
        )
        self.arrived: dict[str, float] = {}
        self.latency_ms: dict[str, float] = {}
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
            batch = await self.consumer.getmany(timeout_ms=100, max_records=5000)
            now, wall = time.perf_counter(), time.time()
            for records in batch.values():
                for record in records:
                    data = json.loads(record.value)
                    key = data.get("key")
                    if data.get("type") != ClaimReported.TYPE or not key or key in self.arrived:
                        continue
                    self.arrived[key] = now
                    description = data.get("data", {}).get("description", "")
                    if _SENT in description:
                        self.latency_ms[key] = (wall - float(description.rsplit(_SENT, 1)[1])) * 1000
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


async def _send_all(producer: AIOKafkaProducer, records: list[tuple[str, bytes]]) -> None:
    futures = [
        await producer.send(topics.CLAIMS.commands, value, key=key.encode(), headers=_signed(value))
        for key, value in records
    ]
    await asyncio.gather(*futures)


def _env(settings: ClaimsSettings, port: int) -> dict[str, str]:
    return os.environ | {
        "ANJU_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "ANJU_MONGO_URL": settings.mongo_url,
        "ANJU_MONGO_DB": settings.mongo_db,
        "ANJU_S3_ENDPOINT": settings.s3_endpoint,
        "ANJU_S3_ACCESS_KEY": settings.s3_access_key,
        "ANJU_S3_SECRET_KEY": settings.s3_secret_key.get_secret_value(),
        "ANJU_REGION": settings.region,
        "ANJU_CLAIMS_BUCKET": settings.claims_bucket,
        "ANJU_CLAIMS_CONSUMER_GROUP": settings.claims_consumer_group,
        "ANJU_KAFKA_GROUP_SUFFIX": settings.kafka_group_suffix,
        "ANJU_HTTP_PORT": str(port),
        "ANJU_LOG_LEVEL": "WARNING",
    }


async def run_claims_benchmarks(settings: ServiceSettings, count: int) -> ClaimsFigures:
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
    portfolio = Portfolio(
        policies=int(os.environ.get("ANJU_BENCH_POLICIES", "40")),
        units_per_policy=int(os.environ.get("ANJU_BENCH_UNITS_PER_POLICY", "500")),
    )
    instances = int(os.environ.get("ANJU_BENCH_CLAIMS_INSTANCES", "1"))
    names = [*topics.CLAIMS.all(), *map(topics.dlq, topics.CLAIMS.all())]
    await ensure_topics(claims, [*names, topics.POLICY.events, topics.dlq(topics.POLICY.events)])
    # The groups the instances will use (with ANJU_KAFKA_GROUP_SUFFIX, as bootstrap.build names them).
    await group_at_end(
        claims.kafka_bootstrap, claims.consumer_group(claims.claims_consumer_group), [topics.CLAIMS.commands]
    )
    await group_at_end(
        claims.kafka_bootstrap, claims.consumer_group(f"{claims.claims_consumer_group}-policy"), [topics.POLICY.events]
    )
    await _seed_read_model(claims, portfolio)
    ports = [_free_port() for _ in range(instances)]
    log_path = Path(tempfile.gettempdir()) / f"anju-bench-claims-{token}.log"
    processes = []
    with log_path.open("wb") as log_file:
        for n, port in enumerate(ports):
            env = _env(claims, port) | {"ANJU_INSTANCE_ID": f"bench-{n}"}
            processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "anju_claims", env=env, stdout=log_file, stderr=log_file
                )
            )
    producer = AIOKafkaProducer(
        bootstrap_servers=claims.kafka_bootstrap, acks="all", enable_idempotence=True, linger_ms=2
    )
    watcher = _Watcher(claims.kafka_bootstrap)
    figures = ClaimsFigures()
    stopped = False
    try:
        for port in ports:
            await _ready(port)
        await _joined(claims, instances)
        await producer.start()
        await watcher.start(len(await producer.partitions_for(topics.CLAIMS.events)))

        # (a) max-rate intake from a backlog: the instance is frozen while the backlog is written.
        ids = [f"bench-{token}-t{i}" for i in range(count)]
        records = [(cid, _report(cid, i, claims.region, portfolio)) for i, cid in enumerate(ids)]
        _signal(processes, signal.SIGSTOP)
        stopped = True
        await _send_all(producer, records)
        del records
        started = time.perf_counter()
        _signal(processes, signal.SIGCONT)
        stopped = False
        await watcher.wait_for(ids, timeout_s=float(os.environ.get("ANJU_BENCH_INTAKE_TIMEOUT_S", "180")))
        done = [watcher.arrived[i] for i in ids if i in watcher.arrived]
        elapsed = (max(done) - started) if done else float("nan")
        label = "1 instance" if instances == 1 else f"{instances} instances"
        figures.results.append(BenchResult(f"claims intake e2e ({label}, backlog)", len(done), elapsed))
        if len(done) < count:
            figures.lines.append(f"claims intake: only {len(done)} of {count} ClaimReported within the timeout")

        # (b) latency at a fixed rate, the backlog of (a) drained (every claim of (a) read back above).
        rate = int(os.environ.get("ANJU_BENCH_CLAIMS_RATE", "500"))
        paced_s = float(os.environ.get("ANJU_BENCH_CLAIMS_PACED", "20"))
        paced = [f"bench-{token}-p{i}" for i in range(int(rate * paced_s))]
        begin = time.perf_counter()
        for i, cid in enumerate(paced):
            delay = begin + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            value = _report(cid, count + i, claims.region, portfolio, sent=time.time())
            await producer.send(topics.CLAIMS.commands, value, key=cid.encode(), headers=_signed(value))
        sending = time.perf_counter() - begin
        await producer.flush()
        await watcher.wait_for(paced, timeout_s=60.0)
        latencies = [watcher.latency_ms[c] for c in paced if c in watcher.latency_ms]
        last = max((watcher.arrived[c] for c in paced if c in watcher.arrived), default=begin)
        figures.results.append(BenchResult(f"claims intake paced @{rate}/s", len(latencies), last - begin))
        figures.lines.append(
            f"claims latency @{rate}/s for {paced_s:.0f}s (sent in {sending:.1f}s, {len(latencies)}/{len(paced)} "
            f"read back): p50={_percentile(latencies, 0.50):.0f} ms  p95={_percentile(latencies, 0.95):.0f} ms  "
            f"p99={_percentile(latencies, 0.99):.0f} ms  max={max(latencies, default=float('nan')):.0f} ms"
        )

        # (c) resident memory as the stored claims grow.
        figures.lines += await _memory(producer, watcher, processes[0].pid, claims.region, portfolio, token)
    finally:
        if stopped:
            _signal(processes, signal.SIGCONT)
        await watcher.stop()
        await producer.stop()
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()
        await _drop(claims)
    figures.lines.append(f"claims instance log: {log_path}")
    return figures


async def _memory(
    producer: AIOKafkaProducer, watcher: _Watcher, pid: int, region: str, portfolio: Portfolio, token: str
) -> list[str]:
    target = int(os.environ.get("ANJU_BENCH_MEMORY_CLAIMS", "100000"))
    budget_s = float(os.environ.get("ANJU_BENCH_MEMORY_BUDGET_S", "180"))
    step = 10_000
    deadline = time.perf_counter() + budget_s
    samples: list[tuple[int, float]] = [(len(watcher.arrived), _rss_mib(pid))]
    n = 0
    while len(watcher.arrived) < target and time.perf_counter() < deadline:
        chunk = min(step - len(watcher.arrived) % step, target - len(watcher.arrived))
        ids = [f"bench-{token}-m{n + i}" for i in range(chunk)]
        await _send_all(producer, [(cid, _report(cid, 10**6 + n + i, region, portfolio)) for i, cid in enumerate(ids)])
        n += chunk
        await watcher.wait_for(ids, timeout_s=max(1.0, deadline - time.perf_counter()))
        samples.append((len(watcher.arrived), _rss_mib(pid)))
    lines = ["claims instance VmRSS by claims stored: " + ", ".join(f"{k:,}: {v:.0f} MiB" for k, v in samples)]
    at = {k: v for k, v in samples}
    if 50_000 in at and 100_000 in at:
        lines.append(
            f"claims VmRSS 50,000 → 100,000 claims: {at[50_000]:.0f} → {at[100_000]:.0f} MiB "
            f"({at[100_000] - at[50_000]:+.0f} MiB)"
        )
    elif samples[-1][0] < target:
        lines.append(f"memory phase stopped at {samples[-1][0]:,} claims after its {budget_s:.0f} s budget")
    return lines


async def _ready(port: int, timeout_s: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout_s
    async with httpx.AsyncClient() as client:
        while time.perf_counter() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"http://127.0.0.1:{port}/readyz", timeout=2)).status_code == 200:
                    return
            await asyncio.sleep(0.5)
    raise RuntimeError("the claims instance did not become ready")


def _signal(processes: list[asyncio.subprocess.Process], signum: signal.Signals) -> None:
    for process in processes:
        process.send_signal(signum)


async def _joined(settings: ClaimsSettings, instances: int = 1, timeout_s: float = 30.0) -> None:
    """Until the instances' consumer group is stable with all of them (they own the partitions)."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            responses = await admin.describe_consumer_groups([settings.consumer_group(settings.claims_consumer_group)])
            # (error, id, state, protocol type, protocol, members)
            groups = [group for response in responses for group in response.groups]
            if any(group[2] == "Stable" and len(group[5]) >= instances for group in groups):
                await asyncio.sleep(0.5)  # the first fetch is under way
                return
            await asyncio.sleep(0.25)
    finally:
        await admin.close()


async def _drop(settings: ClaimsSettings) -> None:
    """Leave no bench database behind (a 100k-claim database is hundreds of MB in FerretDB)."""
    if os.environ.get("ANJU_BENCH_KEEP_DB"):
        return
    client = connect(settings)
    try:
        with contextlib.suppress(Exception):
            await client.drop_database(settings.mongo_db)
    finally:
        await client.close()


def main() -> None:
    """`python -m anju_claims.bench [count]`: the claims figures alone."""
    settings = ServiceSettings.for_service("bench")
    count = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("ANJU_BENCH_EVENTS", "20000"))
    figures = asyncio.run(run_claims_benchmarks(settings, count))
    for result in figures.results:
        print(f"{result.name:<48} {result.events:>8} {result.seconds:>8.2f} {result.rate:>10.0f}")
    for line in figures.lines:
        print(line)


if __name__ == "__main__":
    main()


def _signed(value: bytes) -> list[tuple[str, bytes]]:
    """Each command carries its sender's actor token, as an insurer's system sends it."""
    return signed_headers(topics.CLAIMS.commands, value)
