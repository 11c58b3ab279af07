"""Test helpers for integration tests of any service: produce raw records, read a topic back."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pymongo import monitoring

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
    """Records of ``topic`` from the beginning, until ``expect`` arrived (without ``until``), one satisfies
    ``until``, or the timeout. With ``until`` the whole topic is read if need be: the local topics are
    shared and grow (a seeded city leaves ~100,000 records on one), so a cap on the count would stop short
    of the record a test looks for."""
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
            while until is not None or len(records) < expect:
                batch = await consumer.getmany(timeout_ms=500, max_records=10_000)
                arrived = [r for recs in batch.values() for r in recs]
                records.extend(arrived)
                if until is not None and any(until(r) for r in arrived):
                    break
    except TimeoutError:
        pass
    finally:
        await consumer.stop()
    return records


async def group_at_end(bootstrap: str, group: str, names: Sequence[str]) -> None:
    """Start consumer group ``group`` where ``names`` end now, like a deployment that is caught up: what
    earlier runs left on the shared local topics is not this run's business."""
    consumer = AIOKafkaConsumer(
        *names, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="latest", enable_auto_commit=False
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


# -- the city-scale guard: nothing reads a whole collection ---------------------------------------------


@dataclass(frozen=True)
class Scan:
    """A command that makes the local store read a whole collection (anything but an exact ``_id``)."""

    database: str
    collection: str
    command: str
    filter_fields: tuple[str, ...]  # the field names asked for, never the values


class ScanWatch(monitoring.CommandListener):
    """Records every read, update or delete whose filter is not an exact ``_id`` look-up.

    FerretDB v1 answers only ``{"_id": <value>}`` from an index; any other filter — a field, ``_id``
    with ``$in`` or a range, no filter at all — reads every document of the collection. Registered
    once per process (pymongo's listeners are global, for every client created after), it records only
    inside :meth:`watching`."""

    def __init__(self) -> None:
        self.scans: list[Scan] = []
        self._active = False

    @contextlib.contextmanager
    def watching(self) -> Iterator[list[Scan]]:
        self.scans, self._active = [], True
        try:
            yield self.scans
        finally:
            self._active = False

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if not self._active:
            return
        for collection, query in _filters(event.command_name, event.command):
            if not _exact_id(query):
                self.scans.append(Scan(event.database_name, collection, event.command_name, tuple(query or {})))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


_WATCH: ScanWatch | None = None


def scan_watch() -> ScanWatch:
    """The process's scan watch (registered on first use: create the clients to watch after that)."""
    global _WATCH
    if _WATCH is None:
        _WATCH = ScanWatch()
        monitoring.register(_WATCH)
    return _WATCH


def _filters(name: str, command: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any] | None]]:
    collection = str(command.get(name, ""))
    match name:
        case "find":
            return [(collection, command.get("filter"))]
        case "count" | "distinct":
            return [(collection, command.get("query"))]
        case "findAndModify":
            return [(collection, command.get("query"))]
        case "update":
            return [(collection, u.get("q")) for u in command.get("updates", [])]
        case "delete":
            return [(collection, d.get("q")) for d in command.get("deletes", [])]
        case "aggregate":
            stages = command.get("pipeline", [])
            first = stages[0].get("$match") if stages else None
            return [(collection, first)]
    return []


def _exact_id(query: Mapping[str, Any] | None) -> bool:
    if not query or set(query) != {"_id"}:
        return False
    value = query["_id"]
    return not (isinstance(value, Mapping) and any(str(k).startswith("$") for k in value))
