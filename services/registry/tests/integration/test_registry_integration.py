"""The registry against the real local Kafka and MongoDB-wire server (deploy/local): a command produced
on the commands topic is stored, its event leaves through the outbox, a refused one is answered."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer

from anju_contracts import Actor, Envelope, Role, topics
from anju_contracts import registry as r
from anju_kit.testing import produce
from anju_registry.bootstrap import build
from anju_registry.config import RegistrySettings

pytestmark = pytest.mark.integration

REGION = "shanghai"
INSURER = Actor(id="picc-core", role=Role.SYSTEM, region=REGION, insurer_id="ins-1")
REGULATOR = Actor(id="zjw-1", role=Role.REGULATOR, region=REGION)


async def _find(bootstrap: str, topic: str, key: str, *, want: int, timeout_s: float = 45.0) -> list[dict[str, Any]]:
    """Records of ``topic`` with Kafka key ``key`` (read from the beginning), once ``want`` distinct ones
    arrived: the same type with the same data counts once, as the outbox relay publishes at least once
    and another registry on the shared local Kafka (a developer's) may apply the same commands too."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"t-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: dict[str, dict[str, Any]] = {}
    try:
        async with asyncio.timeout(timeout_s):
            while len(found) < want:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for value in (json.loads(rec.value) for rec in records if rec.key == key.encode()):
                        found.setdefault(json.dumps([value["type"], value["data"]], sort_keys=True), value)
    except TimeoutError:
        pass
    finally:
        await consumer.stop()
    return list(found.values())


async def test_reg01_nomination_and_admission_over_real_kafka_and_a_refusal_answered(infra: Any, unique: Any) -> None:
    settings = RegistrySettings.load(
        region=REGION,
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_url=infra.mongo_url,
        mongo_db=unique("t_registry").replace("-", "_"),
    )
    service, _ = build(settings)
    agency_id, project_id = unique("ag"), unique("prj")
    evidence = r.QualificationEvidence(
        path=r.QualificationPath.SUPERVISION_LICENCE,
        supervision_grade=r.SupervisionGrade.COMPREHENSIVE,
        licence_number="E1",
        document_keys=(f"shanghai/registry/{agency_id}/licence.pdf",),
    )
    commands = [
        (
            r.NominateAgency(
                agency_id=agency_id,
                name="上海某风险管理有限公司",
                credit_code="91310000MA1K000001",
                insurer_id="ins-1",
                evidence=evidence,
            ),
            INSURER,
        ),
        (r.AdmitAgency(agency_id=agency_id), REGULATOR),
        (r.RectificationRefused(agency_id=agency_id, note="未列入重点观察名单"), REGULATOR),  # REG-07 refuses it
    ]
    # A team whose lead is not in the talent database: the refusal event and its Rejected answer leave
    # through the outbox relay (one write, XC-07).
    assign = r.AssignTeam(project_id=project_id, agency_id=agency_id, insurer_id="ins-1", lead_id="p-ghost")
    await service.start()
    try:
        for command, actor in commands:
            env = Envelope.wrap(command, region=REGION, producer="it-core", actor=actor, key=agency_id)
            await produce(
                infra.kafka_bootstrap,
                topics.REGISTRY.commands,
                [env.model_dump_json().encode()],
                key=agency_id.encode(),
            )
        # Commands keyed by another aggregate may land on another partition: send the assignment only
        # once the agency is admitted, so the refusal is about the lead alone.
        events = await _find(infra.kafka_bootstrap, topics.REGISTRY.events, agency_id, want=4)
        env = Envelope.wrap(assign, region=REGION, producer="it-core", actor=INSURER, key=project_id)
        await produce(
            infra.kafka_bootstrap, topics.REGISTRY.commands, [env.model_dump_json().encode()], key=project_id.encode()
        )
        rejections = await _find(infra.kafka_bootstrap, topics.REGISTRY.rejections, agency_id, want=1)
        team_events = await _find(infra.kafka_bootstrap, topics.REGISTRY.events, project_id, want=2)
        team_rejections = await _find(infra.kafka_bootstrap, topics.REGISTRY.rejections, project_id, want=1)
    finally:
        await service.stop()
    # Each commit's domain events, then its state event (issue #10).
    assert [e["type"] for e in events] == [
        "registry.AgencyNominated",
        "registry.AgencyStateChanged",
        "registry.AgencyAdmitted",
        "registry.AgencyStateChanged",
    ]
    assert [(x["data"]["reason_code"], x["data"]["rule_id"]) for x in rejections] == [("CONFLICT", "REG-07")]
    assert [e["type"] for e in team_events] == ["registry.AssignmentRefused", "registry.TeamStateChanged"]
    assert [
        (x["data"]["command_event_id"], x["data"]["reason_code"], x["data"]["rule_id"]) for x in team_rejections
    ] == [(str(env.event_id), "RULE_VIOLATION", "REG-02")]
    reader = RegistrySettings.load(region=REGION, mongo_url=infra.mongo_url, mongo_db=settings.mongo_db)
    service2, handlers2 = build(reader)
    try:
        loaded = await handlers2.repos.agencies.get(agency_id)
        assert loaded is not None and loaded.aggregate.in_pool
        history = await handlers2.repos.agencies.history(agency_id)
        assert [h["actor"]["id"] for h in history] == ["picc-core", "zjw-1"]  # XC-04
    finally:
        await service2.mongo.drop_database(settings.mongo_db)
        await service2.mongo.close()
