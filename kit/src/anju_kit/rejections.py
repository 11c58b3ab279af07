"""Answering refused commands on the service's rejection topic (XC-07)."""

from __future__ import annotations

import json

from faststream.kafka import KafkaBroker

from anju_contracts import Actor, Envelope, FieldProblem, ReasonCode, Rejected, Role
from anju_contracts.topics import ServiceTopics
from anju_kit.kafka import publish
from anju_kit.logging import get_logger
from anju_kit.metrics import REJECTED

log = get_logger(__name__)


class Rejector:
    """Publishes :class:`Rejected` answers, keyed like the refused command."""

    def __init__(self, broker: KafkaBroker, topics: ServiceTopics, *, region: str, producer: str) -> None:
        self._broker = broker
        self._topic = topics.rejections
        self._region = region
        self._producer = producer

    async def reject(
        self,
        command: Envelope,
        reason_code: str,
        *,
        rule_id: str | None = None,
        problems: tuple[FieldProblem, ...] = (),
        detail: str = "",
    ) -> Envelope:
        answer = command.follow_up(
            Rejected(
                command_event_id=str(command.event_id),
                command_type=command.type,
                reason_code=reason_code,
                rule_id=rule_id,
                problems=problems,
                detail=detail,
            ),
            producer=self._producer,
        )
        await publish(self._broker, self._topic, answer)
        REJECTED.labels(reason_code=reason_code).inc()
        log.info("command.rejected", reason_code=reason_code, rule_id=rule_id, fields=[p.field for p in problems])
        return answer

    async def reject_malformed(self, value: bytes, error: str) -> None:
        """Answer a message that had no readable envelope; correlation is taken from it if possible."""
        hint: dict[str, object] = {}
        try:
            parsed = json.loads(value)
            hint = parsed if isinstance(parsed, dict) else {}
        except ValueError:
            pass
        system = Actor(id=self._producer, role=Role.SYSTEM, region=self._region)
        answer = Envelope.wrap(
            Rejected(
                command_event_id=str(hint.get("event_id")) if hint.get("event_id") else None,
                command_type=str(hint.get("type")) if hint.get("type") else None,
                reason_code=ReasonCode.MALFORMED_MESSAGE,
                detail=error[:2000],
            ),
            region=self._region,
            producer=self._producer,
            actor=system,
            key=str(hint.get("key")) if hint.get("key") else None,
        )
        await publish(self._broker, self._topic, answer)
        REJECTED.labels(reason_code=ReasonCode.MALFORMED_MESSAGE).inc()
