"""The kit's door on FastStream's in-memory broker: whatever arrives is answered once, never a stall.

The same cases run against the real broker in kit/tests/integration/test_kit_door.py.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from faststream.kafka import KafkaBroker, TestKafkaBroker

from anju_contracts import Actor, Envelope, Rejected, Role
from anju_contracts.topics import CLAIMS, dlq
from anju_kit.auth import TOKEN_HEADER, ActorTokens
from anju_kit.kafka import Inbound, reliable_subscriber
from anju_kit.pipeline import command_sender
from anju_kit.rejections import Rejector
from anju_kit.testing import signed_headers

ACTOR = Actor(id="core-system", role=Role.SYSTEM, region="shanghai", insurer_id="ins-a")
SECRET = "anju-dev-token-secret-change-me-32b"


def _good() -> bytes:
    return (
        Envelope.wrap(Rejected(reason_code="X"), region="shanghai", producer="t", actor=ACTOR)
        .model_dump_json()
        .encode()
    )


async def test_xc07_whatever_arrives_is_answered_once_and_the_next_command_is_applied() -> None:
    broker = KafkaBroker()
    rejector = Rejector(broker, CLAIMS, region="shanghai", producer="claims")
    seen: list[Envelope] = []

    @reliable_subscriber(
        broker,
        CLAIMS.commands,
        group_id="g",
        service="claims",
        authenticate=command_sender(ActorTokens(SECRET, "shanghai")),
        answer=rejector,
        max_bytes=64 * 1024,
    )
    async def handle(inbound: Inbound) -> None:
        seen.append(inbound.envelope)

    rejections: list[dict[str, Any]] = []
    dead: list[object] = []

    @broker.subscriber(CLAIMS.rejections)
    async def rejected(body: dict[str, Any]) -> None:
        rejections.append(body)

    async def as_bytes(message: Any, _: Any) -> Any:
        return message.body  # a dead letter is whatever arrived; FastStream's JSON guess would choke on it

    @broker.subscriber(dlq(CLAIMS.commands), decoder=as_bytes)
    async def dead_lettered(body: bytes) -> None:
        dead.append(body)

    event_id = str(uuid.uuid4())
    json_header = {"content-type": "application/json"}
    async with TestKafkaBroker(broker) as test_broker:
        # defect 1: not JSON although the header says so; nested 10,000 deep; a huge key; too large
        await test_broker.publish(b"\x00not json{", CLAIMS.commands, headers=json_header)
        await test_broker.publish(b"[" * 10_000 + b"]" * 10_000, CLAIMS.commands, headers=json_header)
        await test_broker.publish(json.dumps({"event_id": event_id}).encode(), CLAIMS.commands, key=b"k" * 5000)
        await test_broker.publish(b" " * (64 * 1024 + 1), CLAIMS.commands)
        # defect 4: a valid envelope without a token, and one whose token is another actor's
        await test_broker.publish(_good(), CLAIMS.commands)
        other = _good()
        forged = signed_headers(CLAIMS.commands, other, sender=ACTOR.model_copy(update={"insurer_id": "ins-b"}))
        await test_broker.publish(other, CLAIMS.commands, headers=dict((k, v.decode()) for k, v in forged))
        good = _good()
        token = dict(signed_headers(CLAIMS.commands, good))[TOKEN_HEADER].decode()
        await test_broker.publish(good, CLAIMS.commands, headers={TOKEN_HEADER: token, **json_header})

    assert [e.event_id for e in seen] == [Envelope.model_validate_json(good).event_id]
    assert len(dead) == 4  # the four unreadable records, once each
    codes = [answer["data"]["reason_code"] for answer in rejections]
    assert codes == ["MALFORMED_MESSAGE"] * 3 + ["PAYLOAD_TOO_LARGE", "UNAUTHENTICATED", "UNAUTHENTICATED"]
    with_id = rejections[2]
    assert with_id["data"]["command_event_id"] == event_id and with_id["key"] is None  # the key was too long
    assert all(answer["data"]["record"]["topic"] == CLAIMS.commands for answer in rejections)
