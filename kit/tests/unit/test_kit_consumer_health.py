"""Issue #8: a consumer that makes no progress on a partition with records waiting shows in
readiness and in the lag / stalled gauges (stall logic with an injected clock and fake offsets)."""

from __future__ import annotations

import asyncio
import uuid

from aiokafka import TopicPartition
from prometheus_client import REGISTRY

from anju_kit.consumer_health import (
    Assignments,
    ConsumerWatch,
    KafkaOffsetReader,
    Offsets,
    PartitionKey,
    StallTracker,
)

TOPIC = "anju.claims.commands.v1"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeReader:
    """Offsets as a test sets them; ``down`` makes every read fail as an unreachable Kafka does."""

    def __init__(self) -> None:
        self.offsets: dict[PartitionKey, Offsets] = {}
        self.down = False
        self.closed = False

    async def read(self, assignments: Assignments) -> dict[PartitionKey, Offsets]:
        if self.down:
            raise ConnectionError("Unable to bootstrap from 127.0.0.1:9092")
        wanted = {PartitionKey(g, tp.topic, tp.partition) for g, tps in assignments.items() for tp in tps}
        return {key: value for key, value in self.offsets.items() if key in wanted}

    async def close(self) -> None:
        self.closed = True


def key(partition: int = 2, group: str = "claims") -> PartitionKey:
    return PartitionKey(group, TOPIC, partition)


def test_records_waiting_and_committed_offset_standing_past_threshold_is_stalled() -> None:
    clock = Clock()
    tracker = StallTracker(60, clock)
    assert not tracker.observe(key(), Offsets(committed=1234, start=0, end=1251)).stalled
    clock.now += 59
    assert not tracker.observe(key(), Offsets(1234, 0, 1251)).stalled
    clock.now += 36
    health = tracker.observe(key(), Offsets(1234, 0, 1251))
    assert health.stalled and health.lag == 17 and health.since_progress_s == 95
    assert health.describe() == f"{TOPIC}[2] at offset 1234 for 95 s (lag 17, group claims)"


def test_moving_committed_offset_is_progress_even_with_lag() -> None:
    clock = Clock()
    tracker = StallTracker(60, clock)
    for committed in range(100, 110):
        clock.now += 30
        health = tracker.observe(key(), Offsets(committed, 0, 10_000))  # far behind, but moving
        assert not health.stalled and health.since_progress_s == 0


def test_idle_caught_up_partition_is_never_stalled_and_a_new_record_does_not_inherit_idle_time() -> None:
    clock = Clock()
    tracker = StallTracker(60, clock)
    for _ in range(10):
        clock.now += 600  # hours with nothing to do
        assert not tracker.observe(key(), Offsets(50, 0, 50)).stalled
    clock.now += 10
    health = tracker.observe(key(), Offsets(50, 0, 51))  # a record lands
    assert not health.stalled and health.since_progress_s == 10
    clock.now += 61
    assert tracker.observe(key(), Offsets(50, 0, 51)).stalled  # and is not handled: now it is a stall


def test_group_without_commit_starts_at_log_start_like_an_earliest_consumer() -> None:
    clock = Clock()
    tracker = StallTracker(2, clock)
    first = tracker.observe(key(), Offsets(committed=None, start=40, end=41))
    assert (first.position, first.lag) == (40, 1)
    clock.now += 3
    assert tracker.observe(key(), Offsets(None, 40, 41)).stalled
    # A commit older than retention counts from the log start too (the consumer resets there).
    assert tracker.observe(key(3), Offsets(committed=5, start=40, end=40)).lag == 0


def test_forgetting_revoked_partitions_restarts_their_clock_when_they_come_back() -> None:
    clock = Clock()
    tracker = StallTracker(60, clock)
    tracker.observe(key(1), Offsets(7, 0, 9))
    tracker.observe(key(2), Offsets(7, 0, 9))
    clock.now += 100
    assert tracker.forget_others({key(2)}) == [key(1)]
    assert not tracker.observe(key(1), Offsets(7, 0, 9)).stalled
    assert tracker.observe(key(2), Offsets(7, 0, 9)).stalled


def _gauge(name: str, k: PartitionKey) -> float | None:
    return REGISTRY.get_sample_value(name, {"group": k.group, "topic": k.topic, "partition": str(k.partition)})


def _watch(reader: FakeReader, clock: Clock, assigned: dict[str, set[TopicPartition]]) -> ConsumerWatch:
    return ConsumerWatch(
        None,  # type: ignore[arg-type]  # assignments are injected: no broker needed
        bootstrap_servers="unused:9092",
        interval_s=10,
        stall_after_s=60,
        clock=clock,
        reader=reader,
        assignments=lambda: assigned,
    )


async def test_watch_reports_stall_in_readiness_and_gauges_and_clears_them_on_progress() -> None:
    clock, reader = Clock(), FakeReader()
    group = f"g-{uuid.uuid4().hex[:8]}"
    stuck, idle = key(2, group), key(0, group)
    assigned = {group: {TopicPartition(TOPIC, 2), TopicPartition(TOPIC, 0)}}
    reader.offsets = {stuck: Offsets(1234, 0, 1251), idle: Offsets(9, 0, 9)}
    watch = _watch(reader, clock, assigned)

    await watch.check()
    assert await watch.readiness() == "ok"
    clock.now += 95
    await watch.check()
    assert await watch.readiness() == f"stalled: {TOPIC}[2] at offset 1234 for 95 s (lag 17, group {group})"
    assert _gauge("anju_kafka_consumer_stalled", stuck) == 1
    assert _gauge("anju_kafka_consumer_lag", stuck) == 17
    assert _gauge("anju_kafka_consumer_seconds_since_progress", stuck) == 95
    assert _gauge("anju_kafka_consumer_stalled", idle) == 0
    assert _gauge("anju_kafka_consumer_lag", idle) == 0

    reader.offsets[stuck] = Offsets(1251, 0, 1251)  # the outage ended and the consumer caught up
    clock.now += 10
    await watch.check()
    assert await watch.readiness() == "ok"
    assert _gauge("anju_kafka_consumer_stalled", stuck) == 0 and _gauge("anju_kafka_consumer_lag", stuck) == 0


async def test_revoked_partition_series_are_removed_so_no_stale_alarm_remains() -> None:
    clock, reader = Clock(), FakeReader()
    group = f"g-{uuid.uuid4().hex[:8]}"
    stuck = key(2, group)
    assigned = {group: {TopicPartition(TOPIC, 2)}}
    reader.offsets = {stuck: Offsets(1, 0, 5)}
    watch = _watch(reader, clock, assigned)
    await watch.check()
    clock.now += 61
    await watch.check()
    assert _gauge("anju_kafka_consumer_stalled", stuck) == 1
    assigned[group] = set()  # a rebalance gave the partition to another instance
    await watch.check()
    assert _gauge("anju_kafka_consumer_stalled", stuck) is None
    assert await watch.readiness() == "ok"


async def test_kafka_down_reports_unknown_never_raises_and_recovers() -> None:
    clock, reader = Clock(), FakeReader()
    group = f"g-{uuid.uuid4().hex[:8]}"
    reader.offsets = {key(2, group): Offsets(3, 0, 3)}
    watch = _watch(reader, clock, {group: {TopicPartition(TOPIC, 2)}})
    reader.down = True
    await watch.check()
    assert (await watch.readiness()).startswith("unknown: cannot read consumer offsets (ConnectionError:")
    assert REGISTRY.get_sample_value("anju_kafka_consumer_watch_up") == 0
    reader.down = False
    await watch.check()
    assert await watch.readiness() == "ok"
    assert REGISTRY.get_sample_value("anju_kafka_consumer_watch_up") == 1


async def test_a_watch_whose_loop_does_not_run_turns_unknown() -> None:
    clock = Clock()
    watch = _watch(FakeReader(), clock, {})
    assert await watch.readiness() == "ok"
    clock.now += 36  # 3 intervals + the read timeout without a check
    assert await watch.readiness() == "unknown: no consumer check for 36 s"


async def test_run_loop_checks_until_stopping_and_closes_its_clients() -> None:
    clock, reader = Clock(), FakeReader()
    reader.down = True  # even failing rounds must not end the loop
    watch = ConsumerWatch(
        None,  # type: ignore[arg-type]
        bootstrap_servers="unused:9092",
        interval_s=0.01,
        clock=clock,
        reader=reader,
        assignments=dict,
    )
    stopping = asyncio.Event()
    task = asyncio.create_task(watch.run(stopping))
    await asyncio.sleep(0.1)
    assert not task.done()
    stopping.set()
    await asyncio.wait_for(task, 1)
    assert reader.closed


async def test_real_reader_against_a_closed_port_fails_within_its_timeout() -> None:
    reader = KafkaOffsetReader("127.0.0.1:1", timeout_s=1.0)
    watch = ConsumerWatch(
        None,  # type: ignore[arg-type]
        bootstrap_servers="127.0.0.1:1",
        reader=reader,
        assignments=lambda: {"g": {TopicPartition("t", 0)}},
    )
    await asyncio.wait_for(watch.check(), 5)
    assert (await watch.readiness()).startswith("unknown: cannot read consumer offsets")
