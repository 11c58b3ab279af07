"""Issue #8 against the real local Kafka: a consumer stuck on an outage shows as stalled, with its lag,
while a healthy consumer beside it does not."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import REGISTRY

from anju_contracts import Actor, Envelope, Event, Role
from anju_kit.consumer_health import ConsumerWatch, PartitionKey
from anju_kit.kafka import Inbound, ensure_topics, make_broker, reliable_batch_subscriber, reliable_subscriber
from anju_kit.testing import door_for_tests, produce

pytestmark = pytest.mark.integration

ACTOR = Actor(id="test-system", role=Role.SYSTEM, region="shanghai")


class Tick(Event):
    """A tiny event for consumer-health tests."""

    TYPE = "test.Tick"
    n: int


def tick(n: int) -> bytes:
    envelope = Envelope.wrap(Tick(n=n), region="shanghai", producer="tests", actor=ACTOR, key="k")
    return envelope.model_dump_json().encode()


async def test_consumer_stuck_on_outage_is_stalled_with_lag_and_healthy_batch_consumer_is_not(service_settings, unique):
    settings = service_settings()
    stuck_topic, flowing_topic = unique("kit-stall"), unique("kit-flow")
    stuck_group, flowing_group = unique("g-stall"), unique("g-flow")
    await ensure_topics(settings, [stuck_topic, flowing_topic], partitions=1)
    broker = make_broker(settings)
    attempts: list[int] = []
    handled: list[int] = []

    @reliable_subscriber(
        broker, stuck_topic, group_id=stuck_group, service="test", outage_pause_s=0.2, **door_for_tests()
    )
    async def always_down(inbound: Inbound) -> None:
        attempts.append(inbound.envelope.data["n"])
        raise ConnectionError("database unreachable")  # an outage: the kit re-reads this offset forever

    async def one(inbound: Inbound) -> None:
        handled.append(inbound.envelope.data["n"])

    @reliable_batch_subscriber(
        broker, flowing_topic, group_id=flowing_group, service="test", handle_one=one, **door_for_tests()
    )
    async def flowing(inbounds: list[Inbound]) -> None:
        handled.extend(i.envelope.data["n"] for i in inbounds)

    await produce(settings.kafka_bootstrap, stuck_topic, [tick(1)])
    await produce(settings.kafka_bootstrap, flowing_topic, [tick(1), tick(2), tick(3)])
    watch = ConsumerWatch(broker, bootstrap_servers=settings.kafka_bootstrap, interval_s=0.5, stall_after_s=2.5)
    stuck = PartitionKey(stuck_group, stuck_topic, 0)
    flowing_key = PartitionKey(flowing_group, flowing_topic, 0)
    stopping = asyncio.Event()
    await broker.start()
    loop = asyncio.create_task(watch.run(stopping))
    try:
        async with asyncio.timeout(45):
            while not (stuck in watch.partitions and watch.partitions[stuck].stalled):
                await asyncio.sleep(0.2)
            while watch.partitions.get(flowing_key) is None or watch.partitions[flowing_key].lag:
                await asyncio.sleep(0.2)
        readiness = await watch.readiness()
    finally:
        stopping.set()
        await asyncio.wait_for(loop, 15)
        await broker.stop()

    health = watch.partitions[stuck]
    assert health.lag == 1 and health.position == 0 and health.since_progress_s > 2.5
    assert readiness.startswith(f"stalled: {stuck_topic}[0] at offset 0 for ")
    assert readiness.endswith(f"(lag 1, group {stuck_group})")
    assert flowing_topic not in readiness
    labels = {"group": stuck_group, "topic": stuck_topic, "partition": "0"}
    assert REGISTRY.get_sample_value("anju_kafka_consumer_stalled", labels) == 1
    assert REGISTRY.get_sample_value("anju_kafka_consumer_lag", labels) == 1

    # The healthy consumer was watched past the threshold too, and is caught up, not stalled.
    flowing_health = watch.partitions[flowing_key]
    assert not flowing_health.stalled and flowing_health.position == 3
    assert (
        REGISTRY.get_sample_value(
            "anju_kafka_consumer_stalled", {"group": flowing_group, "topic": flowing_topic, "partition": "0"}
        )
        == 0
    )
    # The watch did not disturb either consumer: the good records were handled once each, and the
    # stuck one was still being retried (no seek past it, no commit).
    assert sorted(handled) == [1, 2, 3]
    assert len(attempts) >= 2 and set(attempts) == {1}
