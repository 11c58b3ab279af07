"""Test helpers for integration tests of any service: produce raw records, read a topic back."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from anju_contracts import Actor, Envelope
from anju_kit.auth import TOKEN_HEADER, issue_token, service_actor
from anju_kit.settings import ServiceSettings


def signed_headers(topic: str, value: bytes, *, sender: Actor | None = None) -> list[tuple[str, bytes]]:
    """The actor-token header a legitimate sender would put on ``value`` (empty when it is no envelope).

    By default the sender is the envelope's actor; on a service's events topic, that service. Signed with
    the development secret, as the platform's own services and sign-in do locally."""
    try:
        envelope = Envelope.model_validate_json(value)
    except ValueError:
        return []
    if sender is None:
        owner = topic.split(".")[1] if topic.startswith("anju.") and ".events." in topic else None
        sender = service_actor(owner, envelope.region) if owner else envelope.actor
    secret = ServiceSettings().token_secret.get_secret_value()
    return [(TOKEN_HEADER, issue_token(sender, secret, jti=str(envelope.event_id)).encode())]


async def produce(
    bootstrap: str,
    topic: str,
    values: list[bytes],
    key: bytes = b"k",
    headers: list[tuple[str, bytes]] | None = None,
    *,
    sign: bool = True,
) -> None:
    """Send ``values`` in order; each envelope is signed as its legitimate sender unless ``headers`` or
    ``sign=False`` say otherwise (tests of the door send what an attacker would)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for value in values:
            extra = headers if headers is not None or not sign else signed_headers(topic, value)
            await producer.send_and_wait(topic, value, key=key, headers=extra)
    finally:
        await producer.stop()


async def read_topic(
    bootstrap: str,
    topic: str,
    *,
    expect: int,
    timeout_s: float = 30.0,
    until: Callable[[Any], bool] | None = None,
) -> list[Any]:
    """Records of ``topic`` from the beginning, until ``expect`` arrived, one satisfies ``until``, or
    the timeout."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[Any] = []
    try:
        async with asyncio.timeout(timeout_s):
            while len(records) < expect:
                batch = await consumer.getmany(timeout_ms=500)
                for recs in batch.values():
                    records.extend(recs)
                if until is not None and any(until(r) for r in records):
                    break
    except TimeoutError:
        pass
    finally:
        await consumer.stop()
    return records


def door_for_tests(region: str = "shanghai", *, max_bytes: int = 1_048_576) -> dict[str, Any]:
    """Subscriber options for delivery tests: senders authenticated as in a service (the development secret),
    refusals logged instead of answered on a service's rejection topic."""
    from anju_contracts import RecordRef, Refusal
    from anju_kit.auth import ActorTokens
    from anju_kit.pipeline import command_sender

    async def answer(refusal: Refusal, record: RecordRef, envelope: Envelope | None, hints: dict[str, str]) -> None:
        print("refused", refusal.reason_code, record.topic, record.offset)

    tokens = ActorTokens(ServiceSettings().token_secret.get_secret_value(), region)
    return {"authenticate": command_sender(tokens), "answer": answer, "max_bytes": max_bytes}
