"""Kafka for the seed: envelopes sent in bulk with their senders' actor tokens, waiting until a service's
consumer group has committed past them (it commits only after storing).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import RecordMetadata

from anju_contracts import Envelope
from anju_kit.auth import TOKEN_HEADER, ActorTokens, service_actor
from anju_kit.kafka import encode

Offsets = dict[TopicPartition, int]


class Sender:
    """One idempotent producer (``acks=all``) for the whole seed; each record carries its sender's token
    (``jti`` = the envelope's event id), signed with the platform secret as the services' own and the
    local sign-in are."""

    def __init__(self, bootstrap: str, tokens: ActorTokens) -> None:
        self.tokens = tokens
        self.producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap,
            acks="all",
            enable_idempotence=True,
            linger_ms=10,
            max_batch_size=256 * 1024,
            max_request_size=2 * 1024 * 1024,
        )

    async def start(self) -> None:
        await self.producer.start()

    async def stop(self) -> None:
        await self.producer.stop()

    async def send(self, topic: str, envelopes: Iterable[Envelope], *, window: int = 5_000) -> Offsets:
        """Send every envelope keyed by its key, signed as its legitimate sender (on an events topic: that
        service; else the envelope's actor); returns, per partition, the offset after the last one."""
        after: Offsets = {}
        pending: list[asyncio.Future[RecordMetadata]] = []

        async def settle() -> None:
            for metadata in await asyncio.gather(*pending):
                tp = TopicPartition(metadata.topic, metadata.partition)
                after[tp] = max(after.get(tp, 0), metadata.offset + 1)
            pending.clear()

        owner = topic.split(".")[1] if topic.startswith("anju.") and ".events." in topic else None
        for envelope in envelopes:
            sender = service_actor(owner, envelope.region) if owner else envelope.actor
            headers = [(TOKEN_HEADER, self.tokens.sign(envelope, sender).encode())]
            key = (envelope.key or str(envelope.event_id)).encode()
            pending.append(await self.producer.send(topic, encode(envelope), key=key, headers=headers))
            if len(pending) >= window:
                await settle()
        await settle()
        return after


async def committed(admin: AIOKafkaAdminClient, group: str, partitions: Iterable[TopicPartition] | None) -> Offsets:
    """What ``group`` committed on ``partitions`` (None: on every partition it committed on)."""
    offsets = await admin.list_consumer_group_offsets(
        group, partitions=list(partitions) if partitions is not None else None
    )
    return {tp: meta.offset for tp, meta in offsets.items() if meta is not None and meta.offset >= 0}


async def wait_drained(
    bootstrap: str,
    group: str,
    targets: Offsets,
    *,
    alive: Callable[[], bool],
    stall_s: float = 300.0,
    what: str = "",
) -> None:
    """Until ``group`` committed at least ``targets`` on every partition. Raises when the service died or
    made no progress for ``stall_s`` seconds."""
    if not targets:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        best, moved = -1, time.perf_counter()
        while True:
            done = await committed(admin, group, targets)
            left = sum(max(0, end - done.get(tp, 0)) for tp, end in targets.items())
            if left == 0:
                return
            if left != best:
                best, moved = left, time.perf_counter()
            elif time.perf_counter() - moved > stall_s:
                raise RuntimeError(f"{group}: no progress for {stall_s:.0f} s with {left} records of {what} left")
            if not alive():
                raise RuntimeError(f"the service of {group} exited with {left} records of {what} left")
            await asyncio.sleep(0.5)
    finally:
        await admin.close()


async def wait_caught_up(
    bootstrap: str, groups: Sequence[str], *, stall_s: float = 300.0, report_every_s: float = 30.0
) -> float:
    """Until each of ``groups`` has committed up to the end of every partition it reads (a service's read
    models: its views' router and writer — the city's lists then show all of it). The writer's topic grows
    while the router works, so it waits for a lag of 0 twice in a row. Returns the seconds waited; raises
    when nothing moved for ``stall_s``."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    began = time.perf_counter()
    try:
        best, moved, reported, zeros = -1, began, began, 0
        while zeros < 2:
            left = 0
            for group in groups:
                done = await committed(admin, group, None)
                left += sum(max(0, end - done.get(tp, 0)) for tp, end in (await _ends(bootstrap, done)).items())
            zeros = zeros + 1 if left == 0 else 0
            now = time.perf_counter()
            if left != best:
                best, moved = left, now
            elif left and now - moved > stall_s:
                raise RuntimeError(f"{', '.join(groups)}: no progress for {stall_s:.0f} s with {left} records left")
            if now - reported > report_every_s:
                print(f"  read models catching up: {left:,} records left", flush=True)
                reported = now
            await asyncio.sleep(1.0)
        return time.perf_counter() - began
    finally:
        await admin.close()


async def _ends(bootstrap: str, partitions: Iterable[TopicPartition]) -> Offsets:
    wanted = list(partitions)
    if not wanted:
        return {}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(wanted))
    finally:
        await consumer.stop()
