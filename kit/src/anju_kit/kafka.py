"""Kafka delivery you can trust, set once for every service.

FastStream's Kafka default (ACK_FIRST) commits before the handler runs — at-most-once — and
aiokafka's producer defaults to ``acks=1`` without idempotence. Here instead:

* producers are idempotent with ``acks=all``; :func:`publish` awaits the broker's acknowledgement, and
  every record a service publishes carries its signed actor token (``anju_actor_token``, see auth);
* subscribers read from ``earliest`` and commit only after the handler returned, i.e. after the state
  change is stored (FastStream ``NACK_ON_ERROR``: an escaping exception seeks back to the message);
* **no record can stall a partition.** FastStream neither parses headers nor decodes the body here (our
  parser and decoder pass bytes through: a body that is not JSON under ``content-type: application/json``,
  or JSON nested 10,000 deep, used to fail inside the framework, before any of our code, and was re-read
  forever). Our code decodes the bytes, refuses what is too large, not an envelope or not authenticated,
  answers it once on the service's rejection topic (with the record's topic/partition/offset) and/or puts
  it on ``<topic>.dlq`` once, logs it once, and moves on;
* a handler that keeps failing is retried a bounded number of times, then the message goes to
  ``<topic>.dlq`` with its origin topic/partition/offset and the error in headers (never a submitted value),
  and only then is the offset committed — a failed message is never silently skipped (FastStream #2618);
* infrastructure outages (database or broker unreachable) are not the message's fault: they are not
  dead-lettered but retried from the same offset after a pause, so an outage never empties a topic into the
  DLQ. A *permanent* Kafka error (a message too large, an invalid topic) is not an outage: dead-lettered.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import inspect
import json
import re
import weakref
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError, TopicAlreadyExistsError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pymongo.errors import AutoReconnect, ConnectionFailure, ServerSelectionTimeoutError

from anju_contracts import Actor, Envelope, ReasonCode, RecordRef, Refusal
from anju_contracts.topics import dlq
from anju_kit.auth import TOKEN_HEADER, ActorTokens, Sender, service_actor
from anju_kit.logging import get_logger, message_context
from anju_kit.metrics import DEAD_LETTERED, HANDLED, HANDLER_SECONDS
from anju_kit.problems import safe_error_text
from anju_kit.settings import ServiceSettings

log = get_logger(__name__)

_MAX_KEY = 256  # Envelope.key's limit: a longer record key is not repeated in an answer


@dataclass(frozen=True)
class Inbound:
    """A record that passed the door: decoded as an envelope, its sender authenticated."""

    envelope: Envelope
    sender: Sender
    record: RecordRef
    size: int = 0  # the record's bytes (a router sizing what it re-sends)


Handler = Callable[[Inbound], Awaitable[None]]
BatchHandler = Callable[[list[Inbound]], Awaitable[None]]
Authenticate = Callable[[Any, Envelope], Sender]
Answer = Callable[[Refusal, RecordRef, Envelope | None, dict[str, str]], Awaitable[None]]
"""answer(refusal, record, envelope or None, hints): ``hints`` are event_id/type/key of an unreadable record."""
Addressed = Callable[[Envelope], bool]  # whether a well-formed record is one the subscriber reads at all


# -- producing ---------------------------------------------------------------------------------------

_SIGNERS: weakref.WeakKeyDictionary[KafkaBroker, tuple[ActorTokens, Actor]] = weakref.WeakKeyDictionary()


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
    broker = KafkaBroker(settings.kafka_bootstrap, **options)
    sign_as(broker, ActorTokens.from_settings(settings), service_actor(settings.service, settings.region))
    return broker


def sign_as(broker: KafkaBroker, tokens: ActorTokens, sender: Actor) -> None:
    """Every envelope published through ``broker`` carries a token of ``sender`` (a service's own actor)."""
    _SIGNERS[broker] = (tokens, sender)


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


def record_headers(broker: KafkaBroker, envelope: Envelope) -> dict[str, str]:
    headers = cloudevents_headers(envelope)
    if (signer := _SIGNERS.get(broker)) is not None:
        tokens, sender = signer
        headers[TOKEN_HEADER] = tokens.sign(envelope, sender)
    return headers


def encode(envelope: Envelope) -> bytes:
    return envelope.model_dump_json().encode()


async def publish(broker: KafkaBroker, topic: str, envelope: Envelope) -> None:
    """Publish and wait until the broker acknowledged (acks=all)."""
    await broker.publish(
        encode(envelope),
        topic=topic,
        key=(envelope.key or str(envelope.event_id)).encode(),
        headers=record_headers(broker, envelope),
    )


async def publish_many(broker: KafkaBroker, items: Sequence[tuple[str, Envelope]]) -> None:
    """Send several events at once and wait for every acknowledgement (order per key is kept)."""
    futures = [
        await broker.publish(
            encode(envelope),
            topic=topic,
            key=(envelope.key or str(envelope.event_id)).encode(),
            headers=record_headers(broker, envelope),
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
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

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


# -- what counts as an outage --------------------------------------------------------------------------


def is_outage(exc: BaseException) -> bool:
    """The platform is sick (retry the same record later), as opposed to this record being bad."""
    if isinstance(exc, KafkaError):
        # aiokafka marks what a retry can cure; a message too large or an invalid topic stays so.
        return isinstance(exc, KafkaConnectionError | KafkaTimeoutError) or bool(getattr(exc, "retriable", False))
    return isinstance(exc, ConnectionFailure | AutoReconnect | ServerSelectionTimeoutError | ConnectionError)


# -- the door: bytes in, an authenticated envelope or one answer out ------------------------------------


def _ref(record: Any) -> RecordRef:
    return RecordRef(topic=record.topic, partition=record.partition, offset=record.offset)


def header_map(record: Any) -> dict[str, bytes]:
    return {name: value for name, value in (record.headers or ()) if isinstance(value, bytes)}


def _answer_key(record: Any) -> str | None:
    """The record's key for the answer, when it is a short text; a key we cannot repeat is left out."""
    key = record.key
    if not isinstance(key, bytes) or not key or len(key) > _MAX_KEY:
        return None
    try:
        return key.decode()
    except UnicodeDecodeError:
        return None


_UUID = re.compile(r"^[0-9a-fA-F-]{32,36}$")
_TYPE = re.compile(r"^[A-Za-z0-9_.]{1,128}$")


def _hints(value: bytes) -> dict[str, str]:
    """event_id and type of a record that is not a valid envelope, when they can be read safely.

    Only values of the expected shape are repeated: the answer must not echo what was submitted."""
    try:
        parsed = json.loads(value)
    except Exception:  # not JSON, too deep (RecursionError), not UTF-8: nothing to tie the answer to
        return {}
    if not isinstance(parsed, dict):
        return {}
    hints: dict[str, str] = {}
    if isinstance(event_id := parsed.get("event_id"), str) and _UUID.match(event_id):
        hints["event_id"] = event_id
    if isinstance(kind := parsed.get("type"), str) and _TYPE.match(kind):
        hints["type"] = kind
    return hints


class Door:
    """Decodes and authenticates each record of one subscriber, and answers whatever it refuses."""

    def __init__(
        self,
        broker: KafkaBroker,
        topic: str,
        *,
        service: str,
        authenticate: Authenticate,
        answer: Answer,
        max_bytes: int,
        addressed: Addressed | None = None,
    ) -> None:
        self.topic = topic
        self.dead_letters = DeadLetters(broker, service)
        self._authenticate = authenticate
        self._answer = answer
        self._max_bytes = max_bytes
        self._addressed = addressed

    async def admit(self, record: Any) -> Inbound | None:
        """The record as an :class:`Inbound`, or None after it was answered (and dead-lettered if malformed)."""
        value: bytes = record.value if isinstance(record.value, bytes) else b""
        ref = _ref(record)
        if len(value) > self._max_bytes:
            refusal = Refusal(ReasonCode.PAYLOAD_TOO_LARGE, f"a record may have at most {self._max_bytes} bytes")
            await self._refuse_malformed(record, refusal, value=None)
            return None
        try:
            envelope = Envelope.model_validate_json(value)
        except Exception as exc:  # ValidationError (incl. bad UTF-8, depth), anything else pydantic raises
            refusal = Refusal(ReasonCode.MALFORMED_MESSAGE, f"not a valid envelope: {safe_error_text(exc)}")
            await self._refuse_malformed(record, refusal, value=value)
            return None
        if self._addressed is not None and not self._addressed(envelope):
            # Another service's event we do not read (policy reads one of risk's ~20 types): nothing is
            # done with it, so there is nothing to authenticate or answer. Verifying every record's token
            # first cost a consumer ~8 % of its process for records it then passed (issue #10).
            HANDLED.labels(topic=self.topic, outcome="not_addressed").inc()
            return None
        try:
            sender = self._authenticate(record, envelope)
        except Refusal as refusal:  # answered, and logged once, by the answer
            HANDLED.labels(topic=self.topic, outcome="unauthenticated").inc()
            await self._answer(refusal, ref, envelope, {})
            return None
        return Inbound(envelope, sender, ref, len(value))

    async def _refuse_malformed(self, record: Any, refusal: Refusal, *, value: bytes | None) -> None:
        HANDLED.labels(topic=self.topic, outcome="malformed").inc()
        await self.dead_letters.send(record, refusal, attempts=1)
        hints = _hints(value) if value is not None else {}
        if (key := _answer_key(record)) is not None:
            hints["key"] = key
        await self._answer(refusal, _ref(record), None, hints)


ORIGIN_TOPIC = "anju_origin_topic"
ORIGIN_PARTITION = "anju_origin_partition"
ORIGIN_OFFSET = "anju_origin_offset"
ORIGIN_TIMESTAMP = "anju_origin_timestamp"  # ms since the epoch: the door judges the token at this time
ORIGIN_CONTENT_TYPE = "anju_origin_content_type"
ORIGIN_HEADERS = "anju_origin_headers"  # JSON list of the sender's header names carried, in their order
ERROR_TYPE = "anju_error_type"
ERROR = "anju_error"
ATTEMPTS = "anju_attempts"
DEAD_LETTERED_BY = "anju_dead_lettered_by"
VALUE_DROPPED = "anju_value_dropped"
DEAD_LETTER_HEADERS = frozenset(
    {
        ORIGIN_TOPIC,
        ORIGIN_PARTITION,
        ORIGIN_OFFSET,
        ORIGIN_TIMESTAMP,
        ORIGIN_CONTENT_TYPE,
        ORIGIN_HEADERS,
        ERROR_TYPE,
        ERROR,
        ATTEMPTS,
        DEAD_LETTERED_BY,
        VALUE_DROPPED,
    }
)
"""What a dead letter says of itself; every other header is the sender's own (``anju_kit.dlq`` replays those)."""
_MAX_CARRIED_HEADER = 8192


class DeadLetters:
    """Sends a message that cannot be processed to ``<topic>.dlq`` with where it came from.

    The record's key, value and its sender's headers travel along unchanged, so that ``anju_kit.dlq replay``
    can put the very record back on its topic after a fix: ``anju_origin_headers`` names them in order (the
    producer adds headers of its own to the dead letter), ``content-type`` travels as
    ``anju_origin_content_type`` (a dead letter is whatever bytes arrived: claiming JSON would trip
    consumers of the DLQ), and the record's own timestamp as ``anju_origin_timestamp``."""

    def __init__(self, broker: KafkaBroker, service: str) -> None:
        self._broker = broker
        self._service = service

    async def send(self, record: Any, error: BaseException, attempts: int) -> None:
        detail = error.detail if isinstance(error, Refusal) else safe_error_text(error)
        headers = {
            ORIGIN_TOPIC: record.topic,
            ORIGIN_PARTITION: str(record.partition),
            ORIGIN_OFFSET: str(record.offset),
            ERROR_TYPE: error.reason_code if isinstance(error, Refusal) else type(error).__name__,
            ERROR: detail[:1000],
            ATTEMPTS: str(attempts),
            DEAD_LETTERED_BY: self._service,
        }
        if isinstance(record.timestamp, int) and record.timestamp >= 0:
            headers[ORIGIN_TIMESTAMP] = str(record.timestamp)
        carried: list[str] = []
        for name, value in header_map(record).items():
            # The sender's own headers (a replay re-sends them), each at most 8 KiB and only as UTF-8 text,
            # the only headers the door reads anyway; one named like ours would be taken for ours: left out.
            if name in DEAD_LETTER_HEADERS or len(value) > _MAX_CARRIED_HEADER or not _utf8(value):
                continue
            headers[ORIGIN_CONTENT_TYPE if name == "content-type" else name] = value.decode()
            carried.append(name)
        headers[ORIGIN_HEADERS] = json.dumps(carried)
        key = record.key if isinstance(record.key, bytes) else None
        try:
            await self._broker.publish(record.value, topic=dlq(record.topic), key=key, headers=headers)
        except KafkaError as exc:
            if is_outage(exc):
                raise  # not committed: the record comes again when Kafka is back
            # The record itself cannot be copied (e.g. too large with our headers): keep where it is.
            headers[VALUE_DROPPED] = type(exc).__name__
            await self._broker.publish(b"", topic=dlq(record.topic), key=None, headers=headers)
        DEAD_LETTERED.labels(topic=record.topic).inc()
        log.error(
            "kafka.dead_lettered",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=headers[ERROR],
            dlq=dlq(record.topic),
        )


# -- FastStream: hands us the bytes and touches nothing ----------------------------------------------------


def _clean(record: Any) -> Any:
    """A copy of ``record`` whose headers FastStream's parser can read: null or non-UTF-8 values are
    dropped (none of ours is either; the envelope and the token are what we read)."""
    headers = tuple(
        (str(name), value)
        for name, value in (record.headers or ())
        if isinstance(value, bytes) and _utf8(value) and isinstance(name, str)
    )
    return dataclasses.replace(record, headers=headers)


def _utf8(value: bytes) -> bool:
    try:
        value.decode()
    except UnicodeDecodeError:
        return False
    return True


async def _parser(record: Any, original: Callable[[Any], Awaitable[Any]]) -> Any:
    if isinstance(record, tuple):
        return await original(tuple(_clean(r) for r in record))
    return await original(_clean(record))


async def _decoder(message: Any, original: Callable[[Any], Awaitable[Any]]) -> Any:
    return message.body  # bytes (a list of bytes for a batch): decoding is ours, never by content-type


# -- subscribers ----------------------------------------------------------------------------------------


def reliable_subscriber(
    broker: KafkaBroker,
    topic: str,
    *,
    group_id: str,
    service: str,
    authenticate: Authenticate,
    answer: Answer,
    max_bytes: int,
    attempts: int = 3,
    retry_pause_s: float = 0.2,
    outage_pause_s: float = 2.0,
    description: str | None = None,
) -> Callable[[Handler], Handler]:
    """Register ``handler(inbound)`` on ``topic`` with the delivery guarantees of this module."""

    def register(handler: Handler) -> Handler:
        door = Door(broker, topic, service=service, authenticate=authenticate, answer=answer, max_bytes=max_bytes)

        async def consume(message: KafkaMessage) -> None:
            record = message.raw_message
            assert not isinstance(record, tuple)  # single-message subscriber
            await _guarded(door, record, lambda: _one(door, handler, record, attempts, retry_pause_s, outage_pause_s))

        _subscribe(broker, topic, group_id, consume, handler, description)
        return handler

    return register


def reliable_batch_subscriber(
    broker: KafkaBroker,
    topic: str,
    *,
    group_id: str,
    service: str,
    authenticate: Authenticate,
    answer: Answer,
    max_bytes: int,
    handle_one: Handler,
    max_records: int = 500,
    batch_timeout_ms: int = 20,
    attempts: int = 3,
    retry_pause_s: float = 0.2,
    outage_pause_s: float = 2.0,
    description: str | None = None,
    addressed: Addressed | None = None,
) -> Callable[[BatchHandler], BatchHandler]:
    """Like :func:`reliable_subscriber`, for throughput: up to ``max_records`` records at a time.

    The batch handler gets the admitted records in partition order (the others were already answered)
    and must be idempotent, as the whole batch comes again when it fails on an outage. When it fails for
    any other reason the batch is replayed one message at a time through ``handle_one`` with the
    single-message retry and dead-letter rules, so one poison message costs its batch a slower path but
    never blocks the partition or takes good messages down with it. Offsets are committed once, after
    the batch is stored.

    With ``addressed``, a well-formed record it says no to is passed without authenticating it: the
    subscriber does nothing with it (a malformed one is still dead-lettered and answered).
    """

    def register(handle_batch: BatchHandler) -> BatchHandler:
        door = Door(
            broker,
            topic,
            service=service,
            authenticate=authenticate,
            answer=answer,
            max_bytes=max_bytes,
            addressed=addressed,
        )

        async def consume(message: KafkaMessage) -> None:
            raw = message.raw_message
            records = raw if isinstance(raw, tuple) else (raw,)
            admitted: list[tuple[Any, Inbound]] = []
            for record in records:
                inbound = await _guarded(door, record, functools.partial(door.admit, record))
                if inbound is not None:
                    admitted.append((record, inbound))
            if not admitted:
                return
            try:
                with HANDLER_SECONDS.labels(topic=topic).time():
                    await handle_batch([inbound for _, inbound in admitted])
            except Exception as exc:
                if is_outage(exc):
                    log.warning("kafka.batch_outage", error=safe_error_text(exc), size=len(admitted))
                    await asyncio.sleep(outage_pause_s)
                    raise
                log.warning("kafka.batch_failed_replaying_singly", error=safe_error_text(exc), size=len(admitted))
                for record, inbound in admitted:
                    retry = functools.partial(
                        _retried, door, handle_one, inbound, record, attempts, retry_pause_s, outage_pause_s
                    )
                    await _guarded(door, record, retry)
                return
            HANDLED.labels(topic=topic, outcome="ok").inc(len(admitted))

        _subscribe(
            broker,
            topic,
            group_id,
            consume,
            handle_batch,
            description,
            batch=True,
            max_records=max_records,
            batch_timeout_ms=batch_timeout_ms,
        )
        return handle_batch

    return register


def _subscribe(
    broker: KafkaBroker,
    topic: str,
    group_id: str,
    consume: Callable[[KafkaMessage], Awaitable[None]],
    handler: Callable[..., Any],
    description: str | None,
    **batch: Any,
) -> None:
    consume.__name__ = handler.__name__
    consume.__doc__ = handler.__doc__
    broker.subscriber(
        topic,
        group_id=group_id,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        parser=_parser,
        decoder=_decoder,
        description=description or handler.__doc__,
        **batch,
    )(consume)


async def _guarded(door: Door, record: Any, step: Callable[[], Awaitable[Any]]) -> Any:
    """Runs ``step``; only an outage escapes (the record comes again). Anything else — a bug in our own
    answering code included — dead-letters the record once, so the partition always moves on."""
    try:
        return await step()
    except Exception as exc:
        if is_outage(exc):
            raise
        log.error("kafka.consume_failed", topic=record.topic, offset=record.offset, error=safe_error_text(exc))
        await door.dead_letters.send(record, exc, attempts=1)
        HANDLED.labels(topic=door.topic, outcome="dead_lettered").inc()
        return None


async def _one(
    door: Door, handler: Handler, record: Any, attempts: int, retry_pause_s: float, outage_pause_s: float
) -> None:
    inbound = await door.admit(record)
    if inbound is not None:
        await _retried(door, handler, inbound, record, attempts, retry_pause_s, outage_pause_s)


async def _retried(
    door: Door,
    handler: Handler,
    inbound: Inbound,
    record: Any,
    attempts: int,
    retry_pause_s: float,
    outage_pause_s: float,
) -> None:
    topic = door.topic
    last_error: BaseException | None = None
    with message_context(inbound.envelope, topic=topic, partition=record.partition, offset=record.offset):
        for attempt in range(1, attempts + 1):
            try:
                with HANDLER_SECONDS.labels(topic=topic).time():
                    await handler(inbound)
            except Exception as exc:
                if is_outage(exc):
                    # Not the message's fault: pause, then let FastStream seek back so it comes again.
                    log.warning("kafka.handler_outage", error=safe_error_text(exc), pause_s=outage_pause_s)
                    HANDLED.labels(topic=topic, outcome="outage").inc()
                    await asyncio.sleep(outage_pause_s)
                    raise
                last_error = exc
                log.warning("kafka.handler_failed", attempt=attempt, of=attempts, error=safe_error_text(exc))
                if attempt < attempts:
                    await asyncio.sleep(retry_pause_s * attempt)
            else:
                HANDLED.labels(topic=topic, outcome="ok").inc()
                return
        assert last_error is not None
        # If the DLQ publish itself fails on an outage, that escapes: no commit, the message comes again.
        await door.dead_letters.send(record, last_error, attempts)
        HANDLED.labels(topic=topic, outcome="dead_lettered").inc()
