"""Envelope, actor and topic-catalog rules every Anju message relies on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from anju_contracts import Actor, Envelope, FieldProblem, ReasonCode, Rejected, Role, topics

SYSTEM = Actor(id="anju-claims", role=Role.SYSTEM, region="shanghai")
INSURER = Actor(id="picc-core", role=Role.INSURER, region="shanghai", insurer_id="picc-sh")


def rejected() -> Rejected:
    return Rejected(
        command_event_id="9e4b2c71-0f3a-4d8e-b5c6-7a1e2d9f0b34",
        command_type="claims.ReportClaim",
        reason_code=ReasonCode.RULE_VIOLATION,
        rule_id="CLM-01",
        problems=(FieldProblem(field="building_part", message="coverage period ended"),),
    )


def envelope() -> Envelope:
    return Envelope.wrap(
        rejected(),
        region="shanghai",
        producer="claims",
        actor=SYSTEM,
        key="SH-PD-2019-0117.3-1502",
        occurred_at=datetime(2026, 3, 2, 2, 15, 4, 512000, tzinfo=UTC),
    )


def test_envelope_round_trips_through_json() -> None:
    original = envelope()
    again = Envelope.model_validate_json(original.model_dump_json())
    assert again == original
    assert again.payload(Rejected) == rejected()


def test_wrap_names_the_type_and_schema_version() -> None:
    env = envelope()
    assert (env.type, env.schema_version) == ("common.Rejected", 1)
    assert env.causation_id is None


def test_xc04_follow_up_keeps_correlation_and_sets_causation() -> None:
    command = Envelope.wrap(rejected(), region="shanghai", producer="picc-core", actor=INSURER, key="k-1")
    answer = command.follow_up(rejected(), producer="claims", actor=SYSTEM)
    assert answer.correlation_id == command.correlation_id
    assert answer.causation_id == command.event_id
    assert answer.event_id != command.event_id
    assert (answer.region, answer.key, answer.producer, answer.actor) == ("shanghai", "k-1", "claims", SYSTEM)


def test_follow_up_defaults_to_the_causing_actor() -> None:
    command = Envelope.wrap(rejected(), region="shanghai", producer="picc-core", actor=INSURER)
    assert command.follow_up(rejected(), producer="claims").actor == INSURER


def test_xc07_unknown_envelope_field_is_refused() -> None:
    raw = envelope().model_dump(mode="json") | {"colour": "blue"}
    with pytest.raises(ValidationError) as caught:
        Envelope.model_validate(raw)
    assert caught.value.errors()[0]["type"] == "extra_forbidden"


def test_xc07_unknown_payload_field_is_refused() -> None:
    data = rejected().model_dump(mode="json") | {"reason": "typo of reason_code"}
    with pytest.raises(ValidationError) as caught:
        Rejected.model_validate(data)
    assert [e["loc"] for e in caught.value.errors()] == [("reason",)]


def test_xc07_unknown_actor_field_is_refused() -> None:
    with pytest.raises(ValidationError):
        Actor.model_validate({"id": "u1", "role": "owner", "region": "shanghai", "is_admin": True})


def test_xc05_actor_with_an_invalid_role_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Actor.model_validate({"id": "u1", "role": "superuser", "region": "shanghai"})
    assert caught.value.errors()[0]["loc"] == ("role",)


def test_envelope_refuses_a_naive_timestamp() -> None:
    raw = envelope().model_dump(mode="json") | {"occurred_at": "2026-03-02T10:15:04"}
    with pytest.raises(ValidationError):
        Envelope.model_validate(raw)


def test_identifiers_refuse_spaces_and_non_ascii() -> None:
    for bad in ("unit 1502", "上海", ""):
        with pytest.raises(ValidationError):
            Actor(id=bad, role=Role.OWNER, region="shanghai")


def test_messages_are_immutable() -> None:
    with pytest.raises(ValidationError):
        rejected().reason_code = "OTHER"  # type: ignore[misc]


def test_all_topics_include_a_dead_letter_topic_for_every_topic() -> None:
    names = topics.all_topics()
    live = [name for name in names if not name.endswith(".dlq")]
    assert len(live) == 3 * len(topics.SERVICES) + len(topics.OUTBOUND)  # + the outbound supervision topic
    assert sorted(names) == sorted(live + [topics.dlq(name) for name in live])
    assert len(set(names)) == len(names)


def test_topic_names_follow_the_naming_rule() -> None:
    assert topics.CLAIMS.events == "anju.claims.events.v1"
    assert topics.CLAIMS.rejections == "anju.claims.rejections.v1"
    assert topics.dlq(topics.CLAIMS.commands) == "anju.claims.commands.v1.dlq"


def test_envelope_ids_are_uuids() -> None:
    env = envelope()
    assert isinstance(env.event_id, uuid.UUID)
    assert isinstance(env.correlation_id, uuid.UUID)
