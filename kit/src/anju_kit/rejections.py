"""Answering refused commands on the service's rejection topic (XC-07).

Every answer is a ``common.Rejected`` keyed like the refused command, naming the record it answers
(topic, partition, offset) so a sender can tie it even to a record that had no readable envelope.
"""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from anju_contracts import Envelope, RecordRef, Refusal
from anju_contracts.topics import ServiceTopics
from anju_kit.auth import service_actor
from anju_kit.kafka import publish
from anju_kit.logging import get_logger
from anju_kit.metrics import REJECTED

log = get_logger(__name__)


def answer_envelope(command: Envelope, refusal: Refusal, *, producer: str, record: RecordRef | None = None) -> Envelope:
    """The ``Rejected`` answer to ``command``, keyed and correlated like it (also for a service that stores
    the answer in the same write as its refusal event)."""
    rejected = refusal.answer(command_event_id=str(command.event_id), command_type=command.type)
    return command.follow_up(rejected.model_copy(update={"record": record}), producer=producer)


class Rejector:
    """Builds and publishes :class:`Rejected` answers; also the kit's Kafka ``Answer`` callable."""

    def __init__(self, broker: KafkaBroker, topics: ServiceTopics, *, region: str, producer: str) -> None:
        self._broker = broker
        self.topic = topics.rejections
        self._region = region
        self._producer = producer

    async def reject(self, command: Envelope, refusal: Refusal, record: RecordRef | None = None) -> Envelope:
        answer = answer_envelope(command, refusal, producer=self._producer, record=record)
        await self._send(answer, refusal, record)
        return answer

    async def __call__(
        self, refusal: Refusal, record: RecordRef, envelope: Envelope | None, hints: dict[str, str]
    ) -> None:
        """Answer a record refused at the door (unreadable, too large, unauthenticated)."""
        if envelope is not None:
            await self.reject(envelope, refusal, record)
            return
        rejected = refusal.answer(command_event_id=hints.get("event_id"), command_type=hints.get("type"))
        answer = Envelope.wrap(
            rejected.model_copy(update={"record": record}),
            region=self._region,
            producer=self._producer,
            actor=service_actor(self._producer, self._region),
            key=hints.get("key"),
        )
        await self._send(answer, refusal, record)

    async def _send(self, answer: Envelope, refusal: Refusal, record: RecordRef | None) -> None:
        await publish(self._broker, self.topic, answer)
        REJECTED.labels(reason_code=refusal.reason_code).inc()
        log.info(
            "command.rejected",
            reason_code=refusal.reason_code,
            rule_id=refusal.rule_id,
            fields=[p.field for p in refusal.problems],
            record=f"{record.topic}[{record.partition}]@{record.offset}" if record else None,
        )
