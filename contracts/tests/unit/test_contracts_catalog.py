"""The message catalog: discovery by TYPE, per-topic types and typed parsing (XC-07)."""

from __future__ import annotations

from typing import ClassVar

import pytest
from pydantic import ValidationError

from anju_contracts import Actor, Envelope, Event, Message, ReasonCode, Rejected, Role, catalog, topics
from anju_contracts.catalog import (
    ContractError,
    DuplicateMessageType,
    UnknownMessageType,
    UnsupportedSchemaVersion,
)

SYSTEM = Actor(id="anju-claims", role=Role.SYSTEM, region="shanghai")
TYPES = catalog.message_types()


def rejected_envelope(**changes: object) -> Envelope:
    env = Envelope.wrap(
        Rejected(reason_code=ReasonCode.NOT_FOUND, detail="no such unit"),
        region="shanghai",
        producer="claims",
        actor=SYSTEM,
    )
    return env.model_copy(update=changes)


def test_discovers_common_rejected() -> None:
    assert TYPES["common.Rejected"] is Rejected


def test_discovers_only_concrete_types_of_the_package() -> None:
    assert all(cls.__module__.startswith("anju_contracts.") for cls in TYPES.values())
    assert Message not in TYPES.values() and Event not in TYPES.values()
    assert list(TYPES) == sorted(TYPES)


def test_message_types_returns_a_copy() -> None:
    catalog.message_types().clear()
    assert "common.Rejected" in catalog.message_types()


def test_two_classes_with_one_type_are_refused() -> None:
    class First(Event):
        TYPE = "test.Duplicate"

    class Second(Event):
        TYPE = "test.Duplicate"

    with pytest.raises(DuplicateMessageType, match=r"test\.Duplicate"):
        catalog.index_by_type([First, Second])
    assert catalog.index_by_type([First, First]) == {"test.Duplicate": First}


@pytest.mark.parametrize("type_name", list(TYPES))
def test_xc07_every_type_declares_kind_topic_and_version(type_name: str) -> None:
    cls = TYPES[type_name]
    assert cls.KIND in ("event", "command", "rejection")
    assert isinstance(cls.SCHEMA_VERSION, int) and cls.SCHEMA_VERSION >= 1
    if cls.KIND == "rejection":
        assert cls.TOPIC is None, "rejections travel on every service's rejections topic"
        assert type_name.startswith("common.")
        return
    live_topics = [t for t in topics.all_topics() if not t.endswith(".dlq")]
    assert cls.TOPIC in live_topics, (
        f"{type_name}: set TOPIC: ClassVar[str | None] = topics.<SERVICE>.{cls.KIND}s (not {cls.TOPIC!r})"
    )
    _, service, topic_kind, _ = cls.TOPIC.split(".")
    assert topic_kind == f"{cls.KIND}s", f"{type_name} is a {cls.KIND}; it belongs on a {cls.KIND}s topic"
    assert type_name.split(".")[0] == service, f"{type_name}: TYPE must start with '{service}.'"


@pytest.mark.parametrize("type_name", list(TYPES))
def test_xc07_every_type_refuses_unknown_fields(type_name: str) -> None:
    config = TYPES[type_name].model_config
    assert config.get("extra") == "forbid" and config.get("frozen") is True


def test_types_for_topic() -> None:
    for service in topics.BY_SERVICE.values():
        assert Rejected in catalog.types_for_topic(service.rejections)
        assert Rejected not in catalog.types_for_topic(service.events)
        assert catalog.types_for_topic(topics.dlq(service.events)) == catalog.types_for_topic(service.events)
    for cls in TYPES.values():
        if cls.TOPIC is not None:
            assert cls in catalog.types_for_topic(cls.TOPIC)


def test_types_for_an_unknown_topic_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"anju\.claim\.events\.v1"):
        catalog.types_for_topic("anju.claim.events.v1")


def test_parse_returns_the_typed_payload() -> None:
    message = catalog.parse(rejected_envelope())
    assert isinstance(message, Rejected)
    assert message.reason_code == ReasonCode.NOT_FOUND


def test_parse_accepts_a_type_on_its_topic() -> None:
    assert isinstance(catalog.parse(rejected_envelope(), topic=topics.CLAIMS.rejections), Rejected)


def test_xc07_unknown_type_is_refused_with_unknown_type() -> None:
    with pytest.raises(UnknownMessageType) as caught:
        catalog.parse(rejected_envelope(type="claims.NoSuchThing"))
    assert caught.value.reason_code == ReasonCode.UNKNOWN_TYPE
    assert "claims.NoSuchThing" in caught.value.detail


def test_xc07_type_not_handled_on_the_topic_is_refused_with_unknown_type() -> None:
    with pytest.raises(UnknownMessageType) as caught:
        catalog.parse(rejected_envelope(), topic=topics.CLAIMS.commands)
    assert caught.value.reason_code == ReasonCode.UNKNOWN_TYPE


@pytest.mark.parametrize("version", [2, 99])
def test_xc07_unsupported_schema_version_is_refused(version: int) -> None:
    with pytest.raises(UnsupportedSchemaVersion) as caught:
        catalog.parse(rejected_envelope(schema_version=version))
    assert caught.value.reason_code == ReasonCode.UNSUPPORTED_SCHEMA_VERSION
    assert isinstance(caught.value, ContractError) and isinstance(caught.value, ValueError)


def test_xc07_payload_not_matching_its_type_raises_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        catalog.parse(rejected_envelope(data={"detail": "no reason_code", "extra": 1}))
    assert {e["loc"] for e in caught.value.errors()} == {("reason_code",), ("extra",)}


def test_message_type_lookup() -> None:
    assert catalog.message_type("common.Rejected") is Rejected
    with pytest.raises(UnknownMessageType):
        catalog.message_type("common.rejected")


class _Probe(Event):
    """Defined outside the package: never part of the catalog."""

    TYPE = "test.Probe"
    TOPIC: ClassVar[str | None] = topics.CLAIMS.events


def test_types_outside_the_package_are_not_discovered() -> None:
    assert "test.Probe" not in catalog.message_types()
