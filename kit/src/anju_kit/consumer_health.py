"""Is every consumer making progress? Lag and stall detection per assigned partition.

A consumer can be connected, assigned and "healthy" while making no progress: a handler that meets
an outage re-reads the same offset forever (by design, see :mod:`anju_kit.kafka`). Broker pings do
not see that. :class:`ConsumerWatch` does: every ``interval_s`` it reads, for each partition assigned
to one of the broker's subscribers, the log end offset and the group's committed offset, exports the
lag, and calls the partition STALLED when records wait (lag > 0) and the committed offset has not
moved for longer than ``stall_after_s``. A caught-up partition (lag 0) is never stalled, and catching
up restarts its clock, so a partition idle for hours is not called stalled the moment a record lands.

The watch never touches the subscribers' consumers beyond reading their assignment (a local,
in-memory read): offsets come from its own admin client and its own group-less consumer, so it
cannot seek, commit or trigger a rebalance. When Kafka cannot be reached it reports "unknown" and
keeps going.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker
from faststream.kafka.subscriber.usecase import LogicSubscriber

from anju_kit.logging import get_logger
from anju_kit.metrics import CONSUMER_LAG, CONSUMER_SECONDS_SINCE_PROGRESS, CONSUMER_STALLED, CONSUMER_WATCH_UP

log = get_logger(__name__)

Clock = Callable[[], float]
Assignments = Mapping[str, set[TopicPartition]]  # consumer group -> partitions assigned in this process


@dataclass(frozen=True, order=True)
class PartitionKey:
    group: str
    topic: str
    partition: int


@dataclass(frozen=True)
class Offsets:
    committed: int | None  # None: the group never committed on this partition
    start: int  # log start offset: where an ``earliest`` consumer without a commit begins
    end: int  # log end offset: the offset the next record will get


@dataclass(frozen=True)
class PartitionHealth:
    key: PartitionKey
    position: int  # the committed offset, or the log start when there is none
    end: int
    lag: int
    since_progress_s: float
    stalled: bool

    def describe(self) -> str:
        return (
            f"{self.key.topic}[{self.key.partition}] at offset {self.position} for {self.since_progress_s:.0f} s "
            f"(lag {self.lag}, group {self.key.group})"
        )


class StallTracker:
    """Decides stalls from successive observations; pure, with an injected clock."""

    def __init__(self, stall_after_s: float, clock: Clock = time.monotonic) -> None:
        self.stall_after_s = stall_after_s
        self._clock = clock
        self._progress: dict[PartitionKey, tuple[int, float]] = {}  # key -> (position, when it last moved)

    def observe(self, key: PartitionKey, offsets: Offsets) -> PartitionHealth:
        now = self._clock()
        # With the kit's auto_offset_reset="earliest", no commit (or one older than retention) means the
        # consumer starts at the log start.
        position = max(offsets.committed if offsets.committed is not None else offsets.start, offsets.start)
        lag = max(offsets.end - position, 0)
        previous = self._progress.get(key)
        if previous is None or previous[0] != position or lag == 0:
            # First sight, progress, or caught up: the clock (re)starts here. First sight counts as
            # progress because nothing says how long the offset had been standing before.
            self._progress[key] = (position, now)
        since = now - self._progress[key][1]
        return PartitionHealth(key, position, offsets.end, lag, since, stalled=lag > 0 and since > self.stall_after_s)

    def forget_others(self, keep: set[PartitionKey]) -> list[PartitionKey]:
        """Drop partitions no longer assigned here (a rebalance moved them); returns the dropped."""
        gone = [key for key in self._progress if key not in keep]
        for key in gone:
            del self._progress[key]
        return gone


class OffsetReader(Protocol):
    async def read(self, assignments: Assignments) -> dict[PartitionKey, Offsets]: ...

    async def close(self) -> None: ...


class KafkaOffsetReader:
    """Reads committed, start and end offsets with clients of its own (never the subscribers')."""

    def __init__(self, bootstrap_servers: str, *, timeout_s: float = 5.0, **client_options: Any) -> None:
        self._bootstrap = bootstrap_servers
        self._timeout_s = timeout_s
        self._options = client_options
        self._admin: Any = None
        self._consumer: Any = None

    async def _clients(self) -> tuple[Any, Any]:
        if self._admin is None:
            admin = AIOKafkaAdminClient(
                bootstrap_servers=self._bootstrap, request_timeout_ms=int(self._timeout_s * 1000), **self._options
            )
            await admin.start()
            self._admin = admin
        if self._consumer is None:
            # Group-less: it only answers offset look-ups, it never joins or commits for any group.
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap,
                group_id=None,
                enable_auto_commit=False,
                request_timeout_ms=int(self._timeout_s * 1000),
                **self._options,
            )
            await consumer.start()
            self._consumer = consumer
        return self._admin, self._consumer

    async def read(self, assignments: Assignments) -> dict[PartitionKey, Offsets]:
        partitions = sorted({tp for tps in assignments.values() for tp in tps})
        if not partitions:
            return {}
        try:
            # aiokafka retries some look-ups forever while Kafka is away: one deadline for the round.
            async with asyncio.timeout(self._timeout_s):
                admin, consumer = await self._clients()
                starts = await consumer.beginning_offsets(partitions)
                ends = await consumer.end_offsets(partitions)
                result: dict[PartitionKey, Offsets] = {}
                for group, tps in assignments.items():
                    if not tps:
                        continue
                    committed = await admin.list_consumer_group_offsets(group, partitions=sorted(tps))
                    for tp in tps:
                        meta = committed.get(tp)
                        offset = meta.offset if meta is not None and meta.offset >= 0 else None
                        result[PartitionKey(group, tp.topic, tp.partition)] = Offsets(offset, starts[tp], ends[tp])
                return result
        except BaseException:
            await self.close()  # a broken connection is rebuilt on the next round
            raise

    async def close(self) -> None:
        consumer, admin, self._consumer, self._admin = self._consumer, self._admin, None, None
        if consumer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(consumer.stop(), self._timeout_s)
        if admin is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(admin.close(), self._timeout_s)


def subscriber_assignments(broker: KafkaBroker) -> dict[str, set[TopicPartition]]:
    """Partitions assigned right now to this process's subscribers (single and batch), by group.

    Subscribers without a group (manual partition assignment) commit nothing and are not watched.
    """
    found: dict[str, set[TopicPartition]] = {}
    for subscriber in broker.subscribers:
        if not isinstance(subscriber, LogicSubscriber) or not subscriber.group_id:
            continue
        # ConcurrentBetweenPartitionsSubscriber keeps several consumers of one group.
        consumers = getattr(subscriber, "consumer_subgroup", None) or [subscriber.consumer]
        for consumer in consumers:
            if consumer is None:
                continue
            try:
                assigned = set(consumer.assignment())
            except Exception:  # a test broker's fake consumer, or one being stopped
                continue
            found.setdefault(subscriber.group_id, set()).update(assigned)
    return found


class ConsumerWatch:
    """Lag and stall detection for a broker's subscribers: gauges, a readiness text and a loop.

    ``run(stopping)`` fits ``ServiceApp.background``; ``readiness()`` answers from the last check
    (no I/O), so a probe never waits on Kafka.
    """

    def __init__(
        self,
        broker: KafkaBroker,
        *,
        bootstrap_servers: str,
        interval_s: float = 10.0,
        stall_after_s: float = 60.0,
        timeout_s: float = 5.0,
        clock: Clock = time.monotonic,
        reader: OffsetReader | None = None,
        assignments: Callable[[], Assignments] | None = None,
    ) -> None:
        self.interval_s = interval_s
        self._clock = clock
        self._tracker = StallTracker(stall_after_s, clock)
        self._reader: OffsetReader = reader or KafkaOffsetReader(bootstrap_servers, timeout_s=timeout_s)
        self._assignments = assignments or (lambda: subscriber_assignments(broker))
        # A check older than this means the loop is not running or hangs: readiness says so.
        self._stale_after_s = 3 * interval_s + timeout_s
        self._checked_at = clock()  # construction counts, so a watch never run turns "unknown" in time
        self._error: str | None = None
        self.partitions: dict[PartitionKey, PartitionHealth] = {}

    async def check(self) -> dict[PartitionKey, PartitionHealth]:
        """One round: read offsets, update the verdicts and gauges. Never raises (but cancellation)."""
        try:
            offsets = await self._reader.read(self._assignments())
        except Exception as exc:  # whatever Kafka does, the watch must survive it and say so
            self._error = f"{type(exc).__name__}: {exc}"[:200]
            self._checked_at = self._clock()
            CONSUMER_WATCH_UP.set(0)
            log.warning("kafka.consumer_watch_failed", error=self._error)
            return self.partitions
        health = {key: self._tracker.observe(key, value) for key, value in sorted(offsets.items())}
        for key in self._tracker.forget_others(set(health)):
            labels = (key.group, key.topic, str(key.partition))
            for gauge in (CONSUMER_LAG, CONSUMER_STALLED, CONSUMER_SECONDS_SINCE_PROGRESS):
                with contextlib.suppress(KeyError):
                    gauge.remove(*labels)
        for key, item in health.items():
            labels = (key.group, key.topic, str(key.partition))
            CONSUMER_LAG.labels(*labels).set(item.lag)
            CONSUMER_STALLED.labels(*labels).set(1 if item.stalled else 0)
            CONSUMER_SECONDS_SINCE_PROGRESS.labels(*labels).set(item.since_progress_s)
            if item.stalled and not self._was_stalled(key):
                log.error("kafka.consumer_stalled", detail=item.describe())
        CONSUMER_WATCH_UP.set(1)
        self.partitions, self._error, self._checked_at = health, None, self._clock()
        return health

    def _was_stalled(self, key: PartitionKey) -> bool:
        previous = self.partitions.get(key)
        return previous is not None and previous.stalled

    async def readiness(self) -> str:
        """``ok``, or a short text for an operator: what is stalled, or why the watch cannot tell."""
        age = self._clock() - self._checked_at
        if age > self._stale_after_s:
            return f"unknown: no consumer check for {age:.0f} s"
        if self._error is not None:
            return f"unknown: cannot read consumer offsets ({self._error})"
        stalled = [item.describe() for item in self.partitions.values() if item.stalled]
        if not stalled:
            return "ok"
        more = f"; and {len(stalled) - 3} more" if len(stalled) > 3 else ""
        return "stalled: " + "; ".join(stalled[:3]) + more

    async def run(self, stopping: asyncio.Event) -> None:
        """Check every ``interval_s`` until ``stopping`` is set; then close the watch's clients."""
        # Slow start-up hooks between construction and here must not read as a hung watch.
        self._checked_at = self._clock()
        try:
            while not stopping.is_set():
                await self.check()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), self.interval_s)
        finally:
            await self._reader.close()
