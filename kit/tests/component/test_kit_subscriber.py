"""The reliable subscriber on FastStream's in-memory broker: malformed input is answered, not dropped."""

from __future__ import annotations

import json

from faststream.kafka import KafkaBroker, TestKafkaBroker

from anju_contracts import Actor, Envelope, Rejected, Role
from anju_contracts.topics import CLAIMS, dlq
from anju_kit.kafka import reliable_subscriber
from anju_kit.rejections import Rejector

ACTOR = Actor(id="core-system", role=Role.SYSTEM, region="shanghai")


async def test_xc07_malformed_message_is_dead_lettered_and_answered_with_a_reason_code() -> None:
    broker = KafkaBroker()
    rejector = Rejector(broker, CLAIMS, region="shanghai", producer="claims")
    seen: list[Envelope] = []

    @reliable_subscriber(
        broker, CLAIMS.commands, group_id="g", service="claims", on_malformed=rejector.reject_malformed
    )
    async def handle(envelope: Envelope) -> None:
        seen.append(envelope)

    rejections: list[dict[str, object]] = []
    dead: list[object] = []

    @broker.subscriber(CLAIMS.rejections)
    async def rejected(body: dict[str, object]) -> None:
        rejections.append(body)

    @broker.subscriber(dlq(CLAIMS.commands))
    async def dead_lettered(body: object) -> None:
        dead.append(body)

    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(b'{"event_id": "e-1", "type": "claims.ReportClaim"}', CLAIMS.commands)
        good = Envelope.wrap(Rejected(reason_code="X"), region="shanghai", producer="t", actor=ACTOR)
        await test_broker.publish(good.model_dump_json().encode(), CLAIMS.commands)

    assert [e.event_id for e in seen] == [good.event_id]
    assert len(dead) == 1
    [answer] = rejections
    data = answer["data"]
    assert isinstance(data, dict)
    assert data["reason_code"] == "MALFORMED_MESSAGE" and data["command_event_id"] == "e-1"
    assert "event_id" not in json.dumps(data["problems"])
