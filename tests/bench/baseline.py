"""B0 — the ceiling every service figure is reported against — and B1, B0 with a database write.

B0: a bare aiokafka loop: consume a batch, produce one message per input with the producer settings
the services use (idempotent, ``acks=all``), wait for the acknowledgements, commit the batch. Message
size matches a typical Anju envelope. No database, no validation: just the broker round trips.

B1: B0 plus one awaited ``insert_one`` per event into FerretDB/MongoDB before it is produced — what
"store each event, then pass it on" costs without any batching of the writes.

B1b (a reference, not a target): B0 plus one ``insert_many`` of the whole consumed batch before it is
produced — the ceiling of "store, then pass on" with batching, for a store of one document per event.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from anju_contracts import Actor, Envelope, Role
from anju_contracts.rejection import Rejected
from anju_kit.kafka import ensure_topics
from anju_kit.mongo import connect
from anju_kit.settings import ServiceSettings


@dataclass(frozen=True)
class Result:
    name: str
    events: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def sample_value() -> bytes:
    """An envelope of the size services exchange (~700 bytes)."""
    actor = Actor(id="insurer-staff-0001", role=Role.INSURER, region="shanghai", insurer_id="insurer-001")
    message = Rejected(
        command_event_id=str(uuid.uuid4()),
        command_type="claims.ReportClaim",
        reason_code="VALIDATION_FAILED",
        detail="x" * 200,
    )
    return (
        Envelope.wrap(message, region="shanghai", producer="bench", actor=actor, key="claim-1")
        .model_dump_json()
        .encode()
    )


async def fill(settings: ServiceSettings, topic: str, count: int, value: bytes) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap, acks="all", enable_idempotence=True, linger_ms=5
    )
    await producer.start()
    try:
        futures = [await producer.send(topic, value, key=f"k{i % 997}".encode()) for i in range(count)]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def b0(settings: ServiceSettings, count: int) -> Result:
    return await _relay(settings, count, store=False)


async def b1(settings: ServiceSettings, count: int) -> Result:
    return await _relay(settings, count, store=True)


async def b1_batched(settings: ServiceSettings, count: int) -> Result:
    return await _relay(settings, count, store=True, batched=True)


async def _relay(settings: ServiceSettings, count: int, *, store: bool, batched: bool = False) -> Result:
    token = uuid.uuid4().hex[:8]
    name = ("b1b" if batched else "b1") if store else "b0"
    source, sink = f"bench-{name}-in-{token}", f"bench-{name}-out-{token}"
    await ensure_topics(settings, [source, sink], partitions=3)
    await fill(settings, source, count, sample_value())
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=f"{name}-{token}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=500,
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap, acks="all", enable_idempotence=True, linger_ms=2
    )
    client = connect(settings)
    collection = client[f"bench_{name}_{token}"]["events"]
    await consumer.start()
    await producer.start()
    done = 0
    started = time.perf_counter()
    try:
        while done < count:
            batch = await consumer.getmany(timeout_ms=1000)
            futures = []
            if batched:
                docs = [
                    {"_id": f"{r.partition}:{r.offset}", "value": r.value}
                    for records in batch.values()
                    for r in records
                ]
                if docs:
                    await collection.insert_many(docs, ordered=False)
            for records in batch.values():
                for record in records:
                    if store and not batched:
                        await collection.insert_one(
                            {"_id": f"{record.partition}:{record.offset}", "value": record.value}
                        )
                    futures.append(await producer.send(sink, record.value, key=record.key))
            await asyncio.gather(*futures)
            await consumer.commit()
            done += len(futures)
        elapsed = time.perf_counter() - started
    finally:
        await consumer.stop()
        await producer.stop()
        if store:
            await client.drop_database(collection.database.name)
        await client.close()
    if batched:
        return Result("B1b B0 + one insert_many per batch (reference)", done, elapsed)
    if store:
        return Result("B1 B0 + one awaited insert_one per event", done, elapsed)
    return Result("B0 bare aiokafka consume→produce", done, elapsed)
