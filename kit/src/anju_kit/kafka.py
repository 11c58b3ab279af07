"""Kafka delivery you can trust, set once for every service.

FastStream's Kafka default (ACK_FIRST) commits before the handler runs — at-most-once — and
aiokafka's producer defaults to ``acks=1`` without idempotence. Here instead:

* producers are idempotent with ``acks=all``; :func:`publish` awaits the broker's acknowledgement;
* subscribers read from ``earliest`` and commit only after the handler returned, i.e. after the state
  change is stored (FastStream ``NACK_ON_ERROR``: an escaping exception seeks back to the message);
* a handler that keeps failing is retried a bounded number of times, then the message goes to
  ``<topic>.dlq`` with its origin topic/partition/offset and the error in headers, and only then is the
  offset committed — a failed message is never silently skipped (see FastStream issue #2618);
* infrastructure outages (database or broker unreachable) are not the message's fault: they are not
  dead-lettered but retried from the same offset after a pause, so an outage never empties a topic
  into the DLQ;
* an undecodable message (not JSON, no valid envelope) cannot be retried into health: it goes to the
  DLQ at once and is answered on the service's rejection topic.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import traceback
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, KafkaError, TopicAlreadyExistsError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pydantic import ValidationError
from pymongo.errors import AutoReconnect, ConnectionFailure, ServerSelectionTimeoutError

from anju_contracts import Envelope
from anju_contracts.topics import dlq
from anju_kit.logging import get_logger, message_context
from anju_kit.metrics import DEAD_LETTERED, HANDLED, HANDLER_SECONDS
from anju_kit.settings import ServiceSettings

log = get_logger(__name__)

Handler = Callable[[Envelope], Awaitable[None]]
MalformedHandler = Callable[[bytes, str], Awaitable[None]]

# Errors that say "the platform is sick", not "this message is bad".
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionFailure,
    AutoReconnect,
    ServerSelectionTimeoutError,
    KafkaConnectionError,
    KafkaError,
    ConnectionError,
    TimeoutError,
)


def make_broker(settings: ServiceSettings, **overrides: Any) -> KafkaBroker:
    options: dict[str, Any] = {
        "client_id": settings.client_id,
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 2,  # tiny batching window: many events per request under load, ~no added latency
        "request_timeout_ms": 30_000,
        "graceful_timeout": 15.0,
        "logger": None,  # our own structured logs; FastStream's access log would print every message
    }
    options |= overrides
    return KafkaBroker(settings.kafka_bootstrap, **options)


def cloudevents_headers(envelope: Envelope) -> dict[str, str]:
    """CloudEvents Kafka binding (binary mode) headers, plus Anju's routing headers."""
    return {
        "ce_specversion": "1.0",
        "ce_id": str(envelope.event_id),
        "ce_type": envelope.type,
        "ce_source": f"anju/{envelope.region}/{envelope.producer}",
        "ce_time": envelope.occurred_at.isoformat(),
        "content-type": "application/json",
        "anju_schema_version": str(envelope.schema_version),
        "anju_correlation_id": str(envelope.correlation_id),
        "anju_region": envelope.region,
    }


def encode(envelope: Envelope) -> bytes:
    return envelope.model_dump_json().encode()


async def publish(broker: KafkaBroker, topic: str, envelope: Envelope) -> None:
    """Publish and wait until the broker acknowledged (acks=all)."""
    await broker.publish(
        encode(envelope),
        topic=topic,
        key=(envelope.key or str(envelope.event_id)).encode(),
        headers=cloudevents_headers(envelope),
    )


async def publish_many(broker: KafkaBroker, items: Sequence[tuple[str, Envelope]]) -> None:
    """Send several events at once and wait for every acknowledgement (order per key is kept)."""
    futures = [
        await broker.publish(
            encode(envelope),
            topic=topic,
            key=(envelope.key or str(envelope.event_id)).encode(),
            headers=cloudevents_headers(envelope),
            no_confirm=True,
        )
        for topic, envelope in items
    ]
    # FastStream's in-memory test broker delivers at once and returns no future to wait on.
    pending = [f for f in futures if inspect.isawaitable(f)]
    if pending:
        await asyncio.gather(*pending)


async def ensure_topics(
    settings: ServiceSettings, names: Iterable[str], *, partitions: int = 3, timeout_s: float = 30.0
) -> None:
    """Create topics that do not exist yet (idempotent; safe with several instances starting)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, request_timeout_ms=10_000)
    await asyncio.wait_for(admin.start(), timeout_s)
    try:
        existing = set(await admin.list_topics())
        missing = [n for n in dict.fromkeys(names) if n not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another instance was quicker
                await admin.create_topics(
                    [NewTopic(name=n, num_partitions=partitions, replication_factor=1) for n in missing]
                )
            log.info("kafka.topics_created", topics=missing)
    finally:
        await admin.close()


def _error_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()[:1000]


class DeadLetters:
    """Sends a message that cannot be processed to ``<topic>.dlq`` with where it came from."""

    def __init__(self, broker: KafkaBroker, service: str) -> None:
        self._broker = broker
        self._service = service

    async def send(self, record: Any, error: BaseException, attempts: int) -> None:
        headers = {
            "anju_origin_topic": record.topic,
            "anju_origin_partition": str(record.partition),
            "anju_origin_offset": str(record.offset),
            "anju_error_type": type(error).__name__,
            "anju_error": _error_text(error),
            "anju_attempts": str(attempts),
            "anju_dead_lettered_by": self._service,
        }
        for name, value in record.headers or ():
            if name.startswith(("ce_", "anju_correlation", "content-type")):
                headers.setdefault(name, value.decode(errors="replace"))
        await self._broker.publish(record.value, topic=dlq(record.topic), key=record.key, headers=headers)
        DEAD_LETTERED.labels(topic=record.topic).inc()
        log.error(
            "kafka.dead_lettered",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=headers["anju_error"],
            dlq=dlq(record.topic),
        )


def decode_envelope(value: bytes) -> Envelope:
    """Raises ValueError / pydantic.ValidationError for anything that is not a valid envelope."""
    return Envelope.model_validate_json(value)


def reliable_subscriber(
    broker: KafkaBroker,
    topic: str,
    *,
    group_id: str,
    service: str,
    attempts: int = 3,
    retry_pause_s: float = 0.2,
    outage_pause_s: float = 2.0,
    on_malformed: MalformedHandler | None = None,
    description: str | None = None,
) -> Callable[[Handler], Handler]:
    """Register ``handler(envelope)`` on ``topic`` with the delivery guarantees of this module."""
    dead_letters = DeadLetters(broker, service)

    def register(handler: Handler) -> Handler:
        async def consume(message: KafkaMessage) -> None:
            record = message.raw_message
            assert not isinstance(record, tuple)  # single-message subscriber
            value: bytes = record.value or b""
            try:
                envelope = decode_envelope(value)
            except (ValueError, ValidationError) as exc:
                await dead_letters.send(record, exc, attempts=1)
                if on_malformed is not None:
                    await on_malformed(value, _error_text(exc))
                HANDLED.labels(topic=topic, outcome="malformed").inc()
                return
            with message_context(envelope, topic=topic, partition=record.partition, offset=record.offset):
                await _run_with_retries(
                    handler, envelope, record, dead_letters, topic, attempts, retry_pause_s, outage_pause_s
                )

        consume.__name__ = handler.__name__
        consume.__doc__ = handler.__doc__
        broker.subscriber(
            topic,
            group_id=group_id,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            description=description or handler.__doc__,
        )(consume)
        return handler

    return register


BatchHandler = Callable[[list[Envelope]], Awaitable[None]]


def reliable_batch_subscriber(
    broker: KafkaBroker,
    topic: str,
    *,
    group_id: str,
    service: str,
    handle_one: Handler,
    max_records: int = 500,
    batch_timeout_ms: int = 20,
    attempts: int = 3,
    retry_pause_s: float = 0.2,
    outage_pause_s: float = 2.0,
    on_malformed: MalformedHandler | None = None,
    description: str | None = None,
) -> Callable[[BatchHandler], BatchHandler]:
    """Like :func:`reliable_subscriber`, for throughput: up to ``max_records`` envelopes at a time.

    The batch handler gets the valid envelopes in partition order (undecodable ones were already
    dead-lettered and answered) and must be idempotent, as the whole batch comes again when it fails
    on an outage. When it fails for any other reason the batch is replayed one message at a time
    through ``handle_one`` with the single-message retry and dead-letter rules, so one poison message
    costs its batch a slower path but never blocks the partition or takes good messages down with it.
    The offsets are committed once, after the batch is stored.
    """
    dead_letters = DeadLetters(broker, service)

    def register(handle_batch: BatchHandler) -> BatchHandler:
        async def consume(message: KafkaMessage) -> None:
            records = message.raw_message if isinstance(message.raw_message, tuple) else (message.raw_message,)
            batch: list[tuple[Any, Envelope]] = []
            for record in records:
                try:
                    batch.append((record, decode_envelope(record.value or b"")))
                except (ValueError, ValidationError) as exc:
                    await dead_letters.send(record, exc, attempts=1)
                    if on_malformed is not None:
                        await on_malformed(record.value or b"", _error_text(exc))
                    HANDLED.labels(topic=topic, outcome="malformed").inc()
            if not batch:
                return
            try:
                with HANDLER_SECONDS.labels(topic=topic).time():
                    await handle_batch([envelope for _, envelope in batch])
            except TRANSIENT_ERRORS as exc:
                log.warning("kafka.batch_outage", error=_error_text(exc), size=len(batch), pause_s=outage_pause_s)
                await asyncio.sleep(outage_pause_s)
                raise
            except Exception as exc:
                log.warning("kafka.batch_failed_replaying_singly", error=_error_text(exc), size=len(batch))
                for record, envelope in batch:
                    with message_context(envelope, topic=topic, partition=record.partition, offset=record.offset):
                        await _run_with_retries(
                            handle_one, envelope, record, dead_letters, topic, attempts, retry_pause_s, outage_pause_s
                        )
                return
            HANDLED.labels(topic=topic, outcome="ok").inc(len(batch))

        consume.__name__ = handle_batch.__name__
        consume.__doc__ = handle_batch.__doc__
        broker.subscriber(
            topic,
            group_id=group_id,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            batch=True,
            max_records=max_records,
            batch_timeout_ms=batch_timeout_ms,
            description=description or handle_batch.__doc__,
        )(consume)
        return handle_batch

    return register


async def _run_with_retries(
    handler: Handler,
    envelope: Envelope,
    record: Any,
    dead_letters: DeadLetters,
    topic: str,
    attempts: int,
    retry_pause_s: float,
    outage_pause_s: float,
) -> None:
    last_error: BaseException | None = None
    for attempt in range(1, attempts + 1):
        try:
            with HANDLER_SECONDS.labels(topic=topic).time():
                await handler(envelope)
        except TRANSIENT_ERRORS as exc:
            # Not the message's fault: pause, then let FastStream seek back so it comes again.
            log.warning("kafka.handler_outage", error=_error_text(exc), pause_s=outage_pause_s)
            HANDLED.labels(topic=topic, outcome="outage").inc()
            await asyncio.sleep(outage_pause_s)
            raise
        except Exception as exc:
            last_error = exc
            log.warning("kafka.handler_failed", attempt=attempt, of=attempts, error=_error_text(exc))
            if attempt < attempts:
                await asyncio.sleep(retry_pause_s * attempt)
        else:
            HANDLED.labels(topic=topic, outcome="ok").inc()
            return
    assert last_error is not None
    # If the DLQ publish itself fails, the exception escapes: no commit, the message comes again.
    await dead_letters.send(record, last_error, attempts)
    HANDLED.labels(topic=topic, outcome="dead_lettered").inc()
