"""Dead letters for operators: list a ``<topic>.dlq`` and, after a fix, replay its records to their topic.

    python -m anju_kit.dlq list   <dlq-topic> [--partition P] [--from-offset N] [--to-offset M]
    python -m anju_kit.dlq replay <dlq-topic> [--origin-topic T] [--partition P] [--from-offset N]
                                              [--to-offset M] [--dry-run]

Kafka is found through the services' settings (``ANJU_KAFKA_BOOTSTRAP``, …).

* **Nothing is committed anywhere.** Partitions are assigned by hand, without a consumer group, and read
  from ``--from-offset`` up to the end offsets seen at the start (or ``--to-offset``, inclusive; both per
  partition), so a run is bounded and repeatable and no service's group offsets move.
* **The very record goes back**: the dead letter's key and value, and its sender's headers (the actor token
  among them) byte-for-byte, without the dead letter's own ``anju_origin_*``/``anju_error*`` headers (see
  :class:`anju_kit.kafka.DeadLetters`). The key picks the partition, as it did for the original.
* **The original timestamp is kept.** The door judges an actor token at the record's timestamp (the time it
  was sent, :mod:`anju_kit.auth`); service tokens live 10 minutes, so a record re-sent with today's time
  would be refused as expired. With the original timestamp the token is judged as at first delivery, and
  the replay acts as the original sender, not as the operator — no secret is needed and none is minted.
  (A dead letter written before ``anju_origin_timestamp`` existed goes back with the time it was
  dead-lettered; a topic with ``message.timestamp.type=LogAppendTime`` overrides any: tokens are then
  judged at replay time and expired ones are refused, answered on the service's rejection topic.)
* Replaying twice is harmless: services apply a message once per ``event_id`` (their commit log keeps
  applied ids). A dead letter whose value was dropped, or that names another origin, is skipped and said so.
* ``list`` never prints a value (it may hold personal data, XC-09): offset, origin, error, key and size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, TextIO

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from anju_contracts.topics import dlq
from anju_kit import kafka as k
from anju_kit.settings import ServiceSettings

__all__ = ["DeadLetter", "ReplayReport", "list_letters", "main", "partitions_of", "read_dead_letters", "replay"]

_POLL_MS = 500
_IDLE_LIMIT_MS = 30_000
_MAX_KEY_SHOWN = 64


@dataclass(frozen=True)
class DeadLetter:
    """One record of a DLQ, split into what the DLQ says of it and the original record."""

    partition: int
    offset: int
    origin_topic: str | None
    origin: str  # "<partition>@<offset>" on the origin topic, as far as the headers say
    error: str
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]  # the sender's, in order
    timestamp_ms: int | None  # the original record's (see _sent_at)
    value_dropped: bool

    @classmethod
    def of(cls, record: Any) -> DeadLetter:
        raw = [(name, value) for name, value in (record.headers or ()) if isinstance(value, bytes)]
        own = {name: value.decode(errors="replace") for name, value in raw if name in k.DEAD_LETTER_HEADERS}
        return cls(
            partition=record.partition,
            offset=record.offset,
            origin_topic=own.get(k.ORIGIN_TOPIC),
            origin=f"{own.get(k.ORIGIN_PARTITION, '?')}@{own.get(k.ORIGIN_OFFSET, '?')}",
            error=_error(own.get(k.ERROR_TYPE, "?"), own.get(k.ERROR, "")),
            key=record.key if isinstance(record.key, bytes) else None,
            value=record.value if isinstance(record.value, bytes) else b"",
            headers=_sender_headers(raw, own),
            timestamp_ms=_sent_at(own.get(k.ORIGIN_TIMESTAMP, ""), record.timestamp),
            value_dropped=k.VALUE_DROPPED in own,
        )


def _sent_at(origin: str, dead_lettered: object) -> int | None:
    if origin.isdigit():
        return int(origin)
    # A dead letter from before the origin time was kept: the time it was dead-lettered is the nearest known,
    # seconds after the door last admitted it, and far likelier to keep its token in date than the time now.
    return dead_lettered if isinstance(dead_lettered, int) and dead_lettered >= 0 else None


def _error(kind: str, detail: str) -> str:
    # A failure's text already starts with its exception type; a refusal's detail does not name its code.
    return detail if detail.startswith(f"{kind}:") else f"{kind}: {detail}"


def _sender_headers(raw: list[tuple[str, bytes]], own: dict[str, str]) -> tuple[tuple[str, bytes], ...]:
    carried: dict[str, bytes] = {name: value for name, value in raw if name not in k.DEAD_LETTER_HEADERS}
    if k.ORIGIN_CONTENT_TYPE in own:
        carried["content-type"] = own[k.ORIGIN_CONTENT_TYPE].encode()
    else:
        carried.pop("content-type", None)  # the DLQ producer's, not the sender's
    try:
        names = json.loads(own[k.ORIGIN_HEADERS])
    except (KeyError, ValueError):
        # A dead letter from before the names were kept: every header not the DLQ's own is the sender's.
        return tuple(carried.items())
    return tuple((name, carried[name]) for name in names if isinstance(name, str) and name in carried)


@dataclass
class ReplayReport:
    replayed: int = 0
    skipped: int = 0


async def partitions_of(bootstrap: str, topic: str) -> list[int]:
    """The partitions of an existing topic; LookupError when there is none (and none is created: the local
    broker creates topics on a metadata request for an unknown name, so the name is looked up first)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        if topic not in await admin.list_topics():
            raise LookupError(f"no topic {topic!r} on {bootstrap}")
        [described] = await admin.describe_topics([topic])
        return sorted(p["partition"] for p in described["partitions"])
    finally:
        await admin.close()


async def read_dead_letters(
    bootstrap: str,
    dlq_topic: str,
    *,
    partition: int | None = None,
    from_offset: int = 0,
    to_offset: int | None = None,
) -> AsyncGenerator[DeadLetter, None]:
    """The dead letters of ``dlq_topic`` in partition and offset order, without a consumer group."""
    partitions = await partitions_of(bootstrap, dlq_topic)
    if partition is not None and partition not in partitions:
        raise LookupError(f"{dlq_topic} has no partition {partition} (it has {partitions})")
    partitions = partitions if partition is None else [partition]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        for number in partitions:
            tp = TopicPartition(dlq_topic, number)
            consumer.assign([tp])
            first = max(from_offset, (await consumer.beginning_offsets([tp]))[tp])
            stop = (await consumer.end_offsets([tp]))[tp]  # what is there now: a run always ends
            if to_offset is not None:
                stop = min(stop, to_offset + 1)
            if first >= stop:
                continue
            consumer.seek(tp, first)
            idle = 0
            while (position := await consumer.position(tp)) < stop:
                batch = await consumer.getmany(tp, timeout_ms=_POLL_MS)
                for record in batch.get(tp, ()):
                    if record.offset >= stop:
                        break
                    yield DeadLetter.of(record)
                # A broker that stops answering must not hang an operator's terminal.
                idle = idle + 1 if await consumer.position(tp) == position else 0
                if idle * _POLL_MS > _IDLE_LIMIT_MS:
                    raise TimeoutError(f"{dlq_topic} partition {number}: no progress at offset {position}")
    finally:
        await consumer.stop()


async def replay(
    settings: ServiceSettings,
    dlq_topic: str,
    *,
    origin_topic: str | None = None,
    partition: int | None = None,
    from_offset: int = 0,
    to_offset: int | None = None,
    dry_run: bool = False,
    out: TextIO = sys.stdout,
) -> ReplayReport:
    """Republish the dead letters of ``dlq_topic`` to their origin topic; see the module's docstring."""
    expected = origin_topic or dlq_topic.removesuffix(".dlq")
    if dlq(expected) != dlq_topic:
        raise ValueError(f"{dlq_topic} is not the dead-letter topic of {expected} (that is {dlq(expected)})")
    await partitions_of(settings.kafka_bootstrap, expected)  # never create the origin topic by replaying
    report = ReplayReport()
    producer = None
    if not dry_run:
        producer = AIOKafkaProducer(
            bootstrap_servers=settings.kafka_bootstrap,
            client_id=f"{settings.client_id}-dlq-replay",
            acks="all",
            enable_idempotence=True,
        )
        await producer.start()
    try:
        letters = read_dead_letters(
            settings.kafka_bootstrap, dlq_topic, partition=partition, from_offset=from_offset, to_offset=to_offset
        )
        async with aclosing(letters):  # a failed send stops the reader at once, not at GC
            async for letter in letters:
                where = f"{dlq_topic} {letter.partition}:{letter.offset}"
                # Never another topic than the DLQ's own origin, whatever a header says.
                if (letter.origin_topic or expected) != expected:
                    report.skipped += 1
                    print(f"skip   {where}: its origin is {letter.origin_topic}, not {expected}", file=out)
                    continue
                if letter.value_dropped:
                    report.skipped += 1
                    print(f"skip   {where}: the value was dropped when it was dead-lettered", file=out)
                    continue
                if producer is None:
                    print(f"would  {where} -> {expected} (key {_shown(letter.key)}, {len(letter.value)} B)", file=out)
                else:
                    sent = await producer.send_and_wait(
                        expected,
                        letter.value,
                        key=letter.key,
                        headers=list(letter.headers),
                        timestamp_ms=letter.timestamp_ms,
                    )
                    print(f"replay {where} -> {expected} {sent.partition}:{sent.offset}", file=out)
                report.replayed += 1
    finally:
        if producer is not None:
            await producer.stop()
    return report


async def list_letters(settings: ServiceSettings, dlq_topic: str, *, out: TextIO = sys.stdout, **window: Any) -> int:
    """Print one line per dead letter — never its value — and return how many there are."""
    count = 0
    async with aclosing(read_dead_letters(settings.kafka_bootstrap, dlq_topic, **window)) as letters:
        async for letter in letters:
            count += 1
            if count == 1:  # after the topic was found: an error is then the only line
                print("partition:offset | origin topic partition@offset | error | key | size", file=out)
            size = "value dropped" if letter.value_dropped else f"{len(letter.value)} B"
            origin = f"{letter.origin_topic or '?'} {letter.origin}"
            line = [f"{letter.partition}:{letter.offset}", origin, letter.error[:200], _shown(letter.key), size]
            print(" | ".join(line), file=out)
    print(f"{count} dead letter(s) in {dlq_topic}", file=out)
    return count


def _shown(key: bytes | None) -> str:
    if key is None:
        return "-"
    text = key.decode(errors="replace")  # a key that is no short printable text is only measured
    readable = "\ufffd" not in text and len(text) <= _MAX_KEY_SHOWN and text.isprintable()
    return repr(text) if readable else f"<{len(key)} bytes>"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m anju_kit.dlq", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("list", "show dead letters (never their values)"), ("replay", "republish them")):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("dlq_topic", help="e.g. anju.claims.commands.v1.dlq")
        sub.add_argument("--partition", type=int, help="only this partition of the DLQ")
        sub.add_argument("--from-offset", type=int, default=0, help="first DLQ offset (per partition)")
        sub.add_argument("--to-offset", type=int, help="last DLQ offset, inclusive (per partition)")
        if name == "replay":
            sub.add_argument("--origin-topic", help="the topic to replay into; must be the DLQ's origin")
            sub.add_argument("--dry-run", action="store_true", help="say what would be replayed, send nothing")
    return parser


async def _run(args: argparse.Namespace, settings: ServiceSettings) -> None:
    window = {"partition": args.partition, "from_offset": args.from_offset, "to_offset": args.to_offset}
    if args.command == "list":
        await list_letters(settings, args.dlq_topic, **window)
        return
    report = await replay(settings, args.dlq_topic, origin_topic=args.origin_topic, dry_run=args.dry_run, **window)
    print(f"{'would replay' if args.dry_run else 'replayed'} {report.replayed}, skipped {report.skipped}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.from_offset < 0 or (args.to_offset is not None and args.to_offset < args.from_offset):
        parser.error("offsets: 0 <= --from-offset <= --to-offset")
    try:
        asyncio.run(_run(args, ServiceSettings(service="dlq")))
    except (LookupError, ValueError) as exc:  # a wrong topic, partition or setting: the operator's to fix
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (KafkaError, TimeoutError) as exc:
        print(f"error: Kafka: {exc!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
