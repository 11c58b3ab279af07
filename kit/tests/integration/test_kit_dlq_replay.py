"""Dead-letter replay (``python -m anju_kit.dlq``) against the real local Kafka (deploy/local)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
import time

import jwt
import pytest
from aiokafka import AIOKafkaProducer

from anju_contracts import Actor, Envelope, Event, Role
from anju_contracts.topics import dlq
from anju_kit import kafka as k
from anju_kit.auth import TOKEN_HEADER, audience
from anju_kit.dlq import list_letters, replay
from anju_kit.kafka import DeadLetters, Inbound, ensure_topics, make_broker, reliable_subscriber
from anju_kit.settings import ServiceSettings
from anju_kit.testing import door_for_tests, read_topic

pytestmark = pytest.mark.integration

ACTOR = Actor(id="core-system", role=Role.SYSTEM, region="shanghai", insurer_id="ins-a")
TWO_HOURS_MS = 2 * 3600 * 1000


class Note(Event):
    """A tiny command-like message for replay tests."""

    TYPE = "test.Note"
    n: int


def _token(envelope: Envelope, issued_s: int) -> bytes:
    """A 10-minute token issued at ``issued_s``, as a sender signs one record: long expired by now."""
    claims = {
        "iss": "anju",
        "aud": audience("shanghai"),
        "sub": ACTOR.id,
        "actor": ACTOR.model_dump(mode="json"),
        "iat": issued_s,
        "exp": issued_s + 600,
        "jti": str(envelope.event_id),
    }
    secret = ServiceSettings().token_secret.get_secret_value()
    return jwt.encode(claims, secret, algorithm="HS256").encode()


async def _send(bootstrap: str, topic: str, value: bytes, *, key: bytes, headers: list[tuple[str, bytes]], ts: int):
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        return await producer.send_and_wait(topic, value, key=key, headers=headers, timestamp_ms=ts)
    finally:
        await producer.stop()


async def _consume_once(settings: ServiceSettings, topic: str, group: str, fail: bool, expect: int) -> list[Inbound]:
    """Run a subscriber of ``group`` until it handled ``expect`` records (or dead-lettered them)."""
    seen: list[Inbound] = []
    broker = make_broker(settings)

    @reliable_subscriber(broker, topic, group_id=group, service="test", attempts=1, **door_for_tests())
    async def handle(inbound: Inbound) -> None:
        seen.append(inbound)
        if fail:
            raise RuntimeError("a bug in the handler")

    await broker.start()
    try:
        async with asyncio.timeout(30):
            while len(seen) < expect:
                await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # let the commit (and the dead letter) go out
    finally:
        await broker.stop()
    return seen


async def test_xc07_dead_letter_replayed_intact_with_its_original_time_and_applied(service_settings, unique):
    settings = service_settings()
    topic, group = unique("kit-replay"), unique("g")
    await ensure_topics(settings, [topic, dlq(topic)], partitions=1)
    envelope = Envelope.wrap(Note(n=1), region="shanghai", producer="core", actor=ACTOR, key="claim-42")
    value = envelope.model_dump_json().encode()
    sent_ms = int(time.time() * 1000) - TWO_HOURS_MS  # sent two hours ago; its token expired long since
    headers = [
        ("ce_id", str(envelope.event_id).encode()),
        ("content-type", b"application/json"),
        (TOKEN_HEADER, _token(envelope, sent_ms // 1000)),
        ("x-insurer-trace", "追踪-7".encode()),
    ]
    await _send(settings.kafka_bootstrap, topic, value, key=b"claim-42", headers=headers, ts=sent_ms)

    # The service fails on it (a bug): it is dead-lettered, and the group moves past it.
    failed = await _consume_once(settings, topic, group, fail=True, expect=1)
    assert [i.envelope.event_id for i in failed] == [envelope.event_id]
    [dead] = await read_topic(settings.kafka_bootstrap, dlq(topic), expect=1)
    dead_headers = dict(dead.headers)
    assert dead_headers[k.ORIGIN_TIMESTAMP] == str(sent_ms).encode()
    assert dead_headers[k.ORIGIN_CONTENT_TYPE] == b"application/json"
    assert json.loads(dead_headers[k.ORIGIN_HEADERS]) == [name for name, _ in headers]

    # list: where it came from and why, never the value.
    out = io.StringIO()
    assert await list_letters(settings, dlq(topic), out=out) == 1
    listing = out.getvalue()
    assert f"0:0 | {topic} 0@0 | RuntimeError: a bug in the handler | 'claim-42' | {len(value)} B" in listing
    assert str(envelope.event_id) not in listing

    # A dry run sends nothing.
    dry = io.StringIO()
    report = await replay(settings, dlq(topic), dry_run=True, out=dry)
    assert (report.replayed, report.skipped) == (1, 0) and "would" in dry.getvalue()

    # The operator's command, as documented, in its own process.
    env = os.environ | {"ANJU_KAFKA_BOOTSTRAP": settings.kafka_bootstrap}
    run = subprocess.run(
        [sys.executable, "-m", "anju_kit.dlq", "replay", dlq(topic)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "replayed 1, skipped 0" in run.stdout

    records = await read_topic(settings.kafka_bootstrap, topic, expect=2)
    assert len(records) == 2
    original, replayed = records
    assert replayed.key == original.key == b"claim-42"
    assert replayed.value == original.value == value
    assert list(replayed.headers) == list(original.headers) == headers
    assert replayed.timestamp == original.timestamp == sent_ms

    # After the fix the same group applies it: the door judged the token at the original time and let it in.
    applied = await _consume_once(settings, topic, group, fail=False, expect=1)
    assert [(i.envelope.event_id, i.sender.actor) for i in applied] == [(envelope.event_id, ACTOR)]
    assert applied[0].record.offset == 1


async def test_xc07_replay_skips_foreign_origins_and_dropped_values(service_settings, unique):
    settings = service_settings()
    topic = unique("kit-replay-skip")
    await ensure_topics(settings, [topic, dlq(topic)], partitions=1)
    broker = make_broker(settings)
    await broker.connect()
    try:
        # Dead letters as the kit writes them ...
        for offset in (7, 9):
            await DeadLetters(broker, "test").send(_Record(topic, offset), RuntimeError("bug"), attempts=3)
    finally:
        await broker.stop()
    now = int(time.time() * 1000)
    # ... and two that must not go back: one names another origin, one lost its value.
    forged = [(k.ORIGIN_TOPIC, b"anju.elsewhere.v1"), (k.ORIGIN_HEADERS, b"[]")]
    await _send(settings.kafka_bootstrap, dlq(topic), b"{}", key=b"x", headers=forged, ts=now)
    dropped = [(k.ORIGIN_TOPIC, topic.encode()), (k.VALUE_DROPPED, b"MessageSizeTooLargeError")]
    await _send(settings.kafka_bootstrap, dlq(topic), b"", key=b"y", headers=dropped, ts=now)

    out = io.StringIO()
    report = await replay(settings, dlq(topic), from_offset=1, out=out)  # skips DLQ offset 0 (origin offset 7)
    assert (report.replayed, report.skipped) == (1, 2), out.getvalue()
    assert "its origin is anju.elsewhere.v1" in out.getvalue()
    assert "the value was dropped" in out.getvalue()
    [back] = await read_topic(settings.kafka_bootstrap, topic, expect=1)
    assert back.value == b'{"n": 9}' and back.key == b"k-9" and list(back.headers) == [("ce_id", b"id-9")]

    with pytest.raises(ValueError, match="not the dead-letter topic"):
        await replay(settings, dlq(topic), origin_topic="anju.elsewhere.v1")
    with pytest.raises(LookupError, match="no topic"):
        await replay(settings, dlq(unique("kit-none")), dry_run=True)


class _Record:
    """What aiokafka hands a subscriber, as far as DeadLetters reads it."""

    def __init__(self, topic: str, offset: int) -> None:
        self.topic, self.partition, self.offset = topic, 0, offset
        self.key, self.value = f"k-{offset}".encode(), f'{{"n": {offset}}}'.encode()
        self.timestamp = int(time.time() * 1000)
        self.headers = [("ce_id", f"id-{offset}".encode())]
