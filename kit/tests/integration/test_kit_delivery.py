"""Kit delivery guarantees against the real local Kafka and FerretDB (deploy/local)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from faststream.kafka import KafkaBroker
from prometheus_client import REGISTRY

from anju_contracts import Actor, Envelope, Event, Role
from anju_contracts.topics import dlq
from anju_kit.kafka import (
    Inbound,
    ensure_topics,
    make_broker,
    publish,
    publish_many,
    reliable_batch_subscriber,
    reliable_subscriber,
)
from anju_kit.mongo import AggregateStore, NewAggregate, OutboxRelay, OutgoingEvent, VersionConflict, connect
from anju_kit.testing import door_for_tests, produce, read_topic

pytestmark = pytest.mark.integration

ACTOR = Actor(id="test-system", role=Role.SYSTEM, region="shanghai")


class Ping(Event):
    """A tiny event for delivery tests."""

    TYPE = "test.Ping"
    n: int
    poison: bool = False


def ping(n: int, *, key: str = "k", poison: bool = False) -> Envelope:
    return Envelope.wrap(Ping(n=n, poison=poison), region="shanghai", producer="tests", actor=ACTOR, key=key)


COUNTER_APP = textwrap.dedent(
    """
    # A consumer that stores each message's effect, then (first life only) dies before committing.
    import asyncio, os, sys
    from anju_kit.kafka import make_broker, reliable_subscriber
    from anju_kit.testing import door_for_tests
    from anju_kit.mongo import AggregateStore, AlreadyExists, connect
    from anju_kit.settings import ServiceSettings

    async def main() -> None:
        settings = ServiceSettings.for_service("claims")
        topic, die = sys.argv[1], sys.argv[2] == "die"
        store = AggregateStore(connect(settings)[settings.mongo_db]["counters"])
        broker = make_broker(settings)

        @reliable_subscriber(broker, topic, group_id="counter", service="test", **door_for_tests())
        async def handle(inbound):
            envelope = inbound.envelope
            doc = await store.get("c")
            if doc is None:
                try:
                    await store.create("c", {"total": 0})
                except AlreadyExists:
                    pass
                doc = await store.get("c")
            if str(envelope.event_id) not in doc.applied:  # the inbox: applied once
                state = {"total": doc.state["total"] + envelope.data["n"]}
                await store.update("c", doc.version, state, applied_id=str(envelope.event_id))
            print("stored", envelope.data["n"], flush=True)
            if die:
                os._exit(9)  # killed after storing, before the offset commit

        await broker.start()
        await asyncio.sleep(float(sys.argv[3]))
        await broker.stop()

    asyncio.run(main())
    """
)


async def test_consumer_killed_after_store_before_commit_applies_once(service_settings, unique, tmp_path: Path):
    settings = service_settings()
    topic = unique("kit-kill")
    await ensure_topics(settings, [topic], partitions=1)
    await produce(settings.kafka_bootstrap, topic, [ping(5).model_dump_json().encode()])
    script = tmp_path / "counter.py"
    script.write_text(COUNTER_APP)
    env = os.environ | {
        "ANJU_MONGO_DB": settings.mongo_db,
        "ANJU_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "ANJU_MONGO_URL": settings.mongo_url,
    }

    first = subprocess.run(
        [sys.executable, str(script), topic, "die", "30"], env=env, capture_output=True, text=True, timeout=90
    )
    assert first.returncode == 9, first.stderr[-2000:]
    assert "stored 5" in first.stdout

    second = subprocess.run(
        [sys.executable, str(script), topic, "live", "6"], env=env, capture_output=True, text=True, timeout=90
    )
    assert second.returncode == 0, second.stderr[-2000:]
    assert "stored 5" in second.stdout, "the uncommitted message must be delivered again"

    client = connect(settings)
    doc = await AggregateStore(client[settings.mongo_db]["counters"]).get("c")
    await client.close()
    assert doc is not None and doc.state["total"] == 5  # applied exactly once


async def test_poison_message_goes_to_dlq_with_headers_and_later_messages_flow(service_settings, unique):
    settings = service_settings()
    topic = unique("kit-poison")
    await ensure_topics(settings, [topic, dlq(topic)], partitions=1)
    handled: list[int] = []
    broker = make_broker(settings)

    @reliable_subscriber(
        broker, topic, group_id=unique("g"), service="test", attempts=2, retry_pause_s=0.01, **door_for_tests()
    )
    async def handle(inbound: Inbound) -> None:
        envelope = inbound.envelope
        if envelope.data["poison"]:
            raise ValueError("cannot handle this one")
        handled.append(envelope.data["n"])

    values = [
        ping(1).model_dump_json().encode(),
        ping(2, poison=True).model_dump_json().encode(),
        b"not json at all",
        ping(3).model_dump_json().encode(),
    ]
    await produce(settings.kafka_bootstrap, topic, values)
    await broker.start()
    try:
        async with asyncio.timeout(30):
            while handled != [1, 3]:
                await asyncio.sleep(0.1)
    finally:
        await broker.stop()

    dead = await read_topic(settings.kafka_bootstrap, dlq(topic), expect=2)
    assert len(dead) == 2
    headers = [dict((k, v.decode()) for k, v in r.headers) for r in dead]
    assert headers[0]["anju_origin_topic"] == topic
    assert headers[0]["anju_origin_partition"] == "0"
    assert headers[0]["anju_origin_offset"] == "1"
    assert "cannot handle this one" in headers[0]["anju_error"]
    assert headers[0]["anju_attempts"] == "2"
    assert headers[1]["anju_origin_offset"] == "2" and dead[1].value == b"not json at all"


async def test_outbox_relay_publishes_event_whose_first_publish_was_interrupted(service_settings, unique):
    settings = service_settings()
    topic = unique("kit-outbox")
    await ensure_topics(settings, [topic], partitions=1)
    client = connect(settings)
    store = AggregateStore(client[settings.mongo_db]["things"])
    await store.ensure_indexes()
    event = ping(7, key="thing-1")
    # The state change and its event are stored; the process "dies" before publishing.
    await store.create("thing-1", {"n": 7}, [OutgoingEvent(topic, event)])
    assert await store.pending_outbox("thing-1")

    broker: KafkaBroker = make_broker(settings)
    await broker.connect()

    async def publish_many(items):
        for t, env in items:
            await publish(broker, t, env)

    relay = OutboxRelay([store], publish_many)
    swept_before = REGISTRY.get_sample_value("anju_outbox_published_total", {"path": "sweep"}) or 0.0
    try:
        assert await relay.sweep_once(older_than=timedelta(0)) == 1
        assert REGISTRY.get_sample_value("anju_outbox_published_total", {"path": "sweep"}) == swept_before + 1
    finally:
        await broker.stop()
    assert await store.pending_outbox("thing-1") == []
    records = await read_topic(settings.kafka_bootstrap, topic, expect=1)
    assert [json.loads(r.value)["event_id"] for r in records] == [str(event.event_id)]
    assert dict(records[0].headers)["ce_id"].decode() == str(event.event_id)
    # A second sweep finds nothing left: marked only once acknowledged, and only once.
    assert await relay.sweep_once(older_than=timedelta(0)) == 0
    await client.close()


async def test_two_concurrent_compare_and_set_saves_one_wins_nothing_lost(service_settings):
    settings = service_settings()
    client = connect(settings)
    store = AggregateStore(client[settings.mongo_db]["cas"])
    await store.create("a", {"notes": []})
    first = await store.get("a")
    assert first is not None

    async def add(note: str) -> str:
        doc = await store.get("a")
        assert doc is not None
        await asyncio.sleep(0.05)  # both read version 1 before either writes
        try:
            await store.update("a", first.version, {"notes": [*doc.state["notes"], note]})
            return "won"
        except VersionConflict:
            return "conflict"

    results = sorted(await asyncio.gather(add("x"), add("y")))
    assert results == ["conflict", "won"]
    # The loser reloads and applies again: both changes are kept.
    doc = await store.get("a")
    assert doc is not None and doc.version == 2
    missing = "y" if doc.state["notes"] == ["x"] else "x"
    await store.update("a", doc.version, {"notes": [*doc.state["notes"], missing]})
    final = await store.get("a")
    assert final is not None and sorted(final.state["notes"]) == ["x", "y"] and final.version == 3
    await client.close()


async def test_publish_carries_cloudevents_headers_and_key(service_settings, unique):
    settings = service_settings()
    topic = unique("kit-ce")
    await ensure_topics(settings, [topic], partitions=1)
    broker = make_broker(settings)
    await broker.connect()
    envelope = Envelope.wrap(Ping(n=1), region="shanghai", producer="tests", actor=ACTOR, key="claim-9")
    try:
        await publish(broker, topic, envelope)
    finally:
        await broker.stop()
    [record] = await read_topic(settings.kafka_bootstrap, topic, expect=1)
    headers = {k: v.decode() for k, v in record.headers}
    assert record.key == b"claim-9"
    assert headers["ce_type"] == "test.Ping" and headers["ce_specversion"] == "1.0"
    assert headers["anju_correlation_id"] == str(envelope.correlation_id)


async def test_batch_subscriber_replays_singly_so_a_poison_message_reaches_the_dlq_alone(service_settings, unique):
    settings = service_settings()
    topic = unique("kit-batch")
    await ensure_topics(settings, [topic, dlq(topic)], partitions=1)
    handled: list[int] = []
    broker = make_broker(settings)

    async def one(inbound: Inbound) -> None:
        envelope = inbound.envelope
        if envelope.data["poison"]:
            raise ValueError("poison")
        handled.append(envelope.data["n"])

    @reliable_batch_subscriber(
        broker, topic, group_id=unique("g"), service="test", handle_one=one, attempts=1, **door_for_tests()
    )
    async def many(inbounds: list[Inbound]) -> None:
        for inbound in inbounds:
            await one(inbound)  # fails on the poison one: the whole batch is replayed singly

    values = [ping(i, poison=(i == 3)).model_dump_json().encode() for i in range(1, 7)]
    await produce(settings.kafka_bootstrap, topic, values)
    await broker.start()
    try:
        async with asyncio.timeout(30):
            while not {1, 2, 4, 5, 6} <= set(handled):
                await asyncio.sleep(0.1)
    finally:
        await broker.stop()
    assert 3 not in handled
    [dead] = await read_topic(settings.kafka_bootstrap, dlq(topic), expect=1)
    assert dict(dead.headers)["anju_origin_offset"] == b"2"


class Pong(Event):
    """Another type on the same topic, which the subscriber below does not read."""

    TYPE = "test.Pong"
    n: int


async def test_batch_subscriber_passes_unverified_what_it_does_not_read_and_refuses_what_it_reads(
    service_settings, unique
):
    """issue #10: a consumer reading one of a topic's types verifies only the records of that type.
    An unsigned record of a type it reads is still refused and answered; one it does not read passes
    unanswered (nothing is done with it), and a malformed one is still dead-lettered."""
    settings = service_settings()
    topic = unique("kit-addressed")
    await ensure_topics(settings, [topic, dlq(topic)], partitions=1)
    handled: list[int] = []
    refused: list[int] = []
    door = door_for_tests()

    async def answer(refusal, record, envelope, hints) -> None:  # type: ignore[no-untyped-def]
        refused.append(record.offset)

    async def one(inbound: Inbound) -> None:
        handled.append(inbound.envelope.data["n"])

    broker = make_broker(settings)

    @reliable_batch_subscriber(
        broker,
        topic,
        group_id=unique("g"),
        service="test",
        handle_one=one,
        authenticate=door["authenticate"],
        answer=answer,
        max_bytes=door["max_bytes"],
        addressed=lambda envelope: envelope.type == Ping.TYPE,
    )
    async def many(inbounds: list[Inbound]) -> None:
        for inbound in inbounds:
            await one(inbound)

    pong = Envelope.wrap(Pong(n=2), region="shanghai", producer="tests", actor=ACTOR, key="k")
    await produce(settings.kafka_bootstrap, topic, [ping(1).model_dump_json().encode()], sign=False)  # offset 0
    await produce(settings.kafka_bootstrap, topic, [pong.model_dump_json().encode()], sign=False)  # offset 1
    await produce(settings.kafka_bootstrap, topic, [b"{not json"], sign=False)  # offset 2
    await produce(settings.kafka_bootstrap, topic, [ping(4).model_dump_json().encode()])  # offset 3, signed
    await broker.start()
    try:
        async with asyncio.timeout(30):
            while handled != [4]:
                await asyncio.sleep(0.1)
        [dead] = await read_topic(settings.kafka_bootstrap, dlq(topic), expect=1)
    finally:
        await broker.stop()
    assert refused == [0, 2]  # the unsigned Ping and the malformed record; the Pong passed unanswered
    assert dict(dead.headers)["anju_origin_offset"] == b"2"


async def test_create_many_is_idempotent_and_its_events_are_relayed_once(service_settings, unique):
    settings = service_settings()
    topic = unique("kit-many")
    await ensure_topics(settings, [topic], partitions=1)
    client = connect(settings)
    store = AggregateStore(client[settings.mongo_db]["bulk"])
    items = [
        NewAggregate(f"c-{i}", {"n": i}, [OutgoingEvent(topic, ping(i, key=f"c-{i}"))], applied_id=f"cmd-{i}")
        for i in range(50)
    ]
    batch = await store.create_many(items)
    assert batch.ids == {f"c-{i}" for i in range(50)}
    assert (await store.create_many(items[:10])).ids == set()  # a redelivered batch changes nothing
    # A batch whose publish never happened (the writer died after its commit): the sweep publishes it.
    orphans = [NewAggregate(f"o-{i}", {"n": i}, [OutgoingEvent(topic, ping(100 + i, key=f"o-{i}"))]) for i in range(5)]
    assert (await store.create_many(orphans)).ids == {f"o-{i}" for i in range(5)}
    broker = make_broker(settings)
    await broker.connect()
    relay = OutboxRelay([store], lambda batch: publish_many(broker, batch))
    try:
        assert await relay.flush_created(store, items, batch) == 50
        assert await relay.sweep_once(older_than=timedelta(0)) == 5  # the orphaned batch, one marker
        assert await relay.sweep_once(older_than=timedelta(0)) == 0
    finally:
        await broker.stop()
    stored = await store.get("c-7")
    assert stored is not None and stored.state == {"n": 7} and stored.applied == {"cmd-7"}
    assert len(await read_topic(settings.kafka_bootstrap, topic, expect=55)) == 55
    await client.close()
