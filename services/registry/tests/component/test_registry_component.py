"""The registry service in one process: FastStream's in-memory Kafka broker, the real MongoDB-wire
server (deploy/local), the HTTP API through ASGI. Rules are the real region files."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from faststream.kafka import TestKafkaBroker

from anju_contracts import Actor, Envelope, Role, topics
from anju_contracts import registry as r
from anju_kit.testing import signed_headers

pytestmark = pytest.mark.integration  # needs the real MongoDB-wire server; Kafka is in memory

REGION = "shanghai"
INSURER = Actor(id="picc-core", role=Role.SYSTEM, region=REGION, insurer_id="ins-1")
REGULATOR = Actor(id="zjw-1", role=Role.REGULATOR, region=REGION)
AGENCY = Actor(id="ag-admin", role=Role.AGENCY, region=REGION, agency_id="ag-1")
OTHER_INSURER = Actor(id="other-core", role=Role.INSURER, region=REGION, insurer_id="ins-9")
EVIDENCE = r.QualificationEvidence(
    path=r.QualificationPath.SUPERVISION_LICENCE,
    supervision_grade=r.SupervisionGrade.COMPREHENSIVE,
    licence_number="E1",
    document_keys=("shanghai/registry/ag-1/licence.pdf",),
)


def _wrap(message: r.RegistryCommand, actor: Actor, key: str) -> bytes:
    return Envelope.wrap(message, region=REGION, producer="test-core", actor=actor, key=key).model_dump_json().encode()


async def _send(test_broker: Any, value: bytes) -> None:
    """As a legitimate sender would: with its actor token (an unreadable record has none to carry)."""
    headers = {name: token.decode() for name, token in signed_headers(topics.REGISTRY.commands, value)}
    await test_broker.publish(value, topics.REGISTRY.commands, headers=headers)


async def test_xc07_registry_commands_over_kafka_are_applied_or_answered_with_rule_ids(registry: Any) -> None:
    service, handlers = registry
    broker = service.broker
    events: list[dict[str, Any]] = []
    rejections: list[dict[str, Any]] = []

    @broker.subscriber(topics.REGISTRY.events)  # type: ignore[untyped-decorator]
    async def on_event(body: dict[str, Any]) -> None:
        events.append(body)

    @broker.subscriber(topics.REGISTRY.rejections)  # type: ignore[untyped-decorator]
    async def on_rejection(body: dict[str, Any]) -> None:
        rejections.append(body)

    nominate = r.NominateAgency(
        agency_id="ag-1",
        name="上海某风险管理有限公司",
        credit_code="91310000MA1K000001",
        insurer_id="ins-1",
        evidence=EVIDENCE,
    )
    async with TestKafkaBroker(broker) as test_broker:
        await _send(test_broker, _wrap(nominate, INSURER, "ag-1"))
        await _send(test_broker, _wrap(nominate, OTHER_INSURER, "ag-1"))
        await _send(test_broker, _wrap(r.AdmitAgency(agency_id="ag-1"), REGULATOR, "ag-1"))
        assign = r.AssignTeam(
            project_id="prj-1", agency_id="ag-1", insurer_id="ins-1", lead_id="p-ghost", member_ids=("p-ghost-2",)
        )
        await _send(test_broker, _wrap(assign, INSURER, "prj-1"))
        await _send(test_broker, b"not json")

    loaded = await handlers.repos.agencies.get("ag-1")
    assert loaded is not None and loaded.aggregate.in_pool
    # Each commit's domain events, then the state event the read models fold (issue #10).
    assert [e["type"] for e in events] == [
        "registry.AgencyNominated",
        "registry.AgencyStateChanged",
        "registry.AgencyAdmitted",
        "registry.AgencyStateChanged",
        "registry.AssignmentRefused",
        "registry.TeamStateChanged",
    ]
    codes = [(x["data"]["command_type"], x["data"]["reason_code"], x["data"]["rule_id"]) for x in rejections]
    assert codes == [
        ("registry.NominateAgency", "FORBIDDEN", None),
        ("registry.AssignTeam", "RULE_VIOLATION", "REG-02"),
        (None, "MALFORMED_MESSAGE", None),
    ]
    # the refusal's answer, stored in the same outbox write as AssignmentRefused, names the record it answers
    assert all(x["data"]["record"]["topic"] == topics.REGISTRY.commands for x in rejections)
    problems = rejections[1]["data"]["problems"]
    assert [p["message"].split(":")[0] for p in problems] == ["REG-02 NOT_IN_TALENT_DATABASE"] * 2


async def test_reg02_http_real_name_stored_protected_and_team_assigned_once(registry: Any, api: Any, auth: Any) -> None:
    service, _ = registry
    async with api(registry) as c:
        body = {
            "agency_id": "ag-1",
            "name": "上海某风险管理有限公司",
            "credit_code": "91310000MA1K000001",
            "insurer_id": "ins-1",
            "evidence": EVIDENCE.model_dump(mode="json"),
        }
        assert (await c.post("/v1/registry/agencies", json=body, headers=auth(INSURER))).status_code == 200
        admitted = await c.post(
            "/v1/registry/agencies/ag-1/admission", json={"agency_id": "ag-1"}, headers=auth(REGULATOR)
        )
        assert admitted.json()["events"] == ["registry.AgencyAdmitted"]

        apply = {
            "practitioner_id": "p-lead",
            "agency_id": "ag-1",
            "name": "王建国",
            "id_number": "310101198001011234",
            "phone": "13812345678",
            "title": "senior_engineer",
            "career_start": "2005-07-01",
            "registered_licences": [{"kind": "registered_structural_engineer", "level": 1, "number": "S1"}],
            "roles": ["project_lead"],
        }
        assert (await c.post("/v1/registry/practitioners", json=apply, headers=auth(AGENCY))).status_code == 200
        twin = apply | {"practitioner_id": "p-twin"}
        # One person, one listing, but the applicant is not told the person is listed (XC-05): accepted
        # like any application, flagged for the regulator, refused at its review (REG-02).
        taken = await c.post("/v1/registry/practitioners", json=twin, headers=auth(AGENCY))
        assert taken.status_code == 200 and taken.json()["events"] == ["registry.PractitionerApplied"]
        reviewed = await c.get("/v1/registry/practitioners/p-twin", headers=auth(REGULATOR))
        assert reviewed.json()["identity_review"] is True
        assert (await c.get("/v1/registry/practitioners/p-twin", headers=auth(AGENCY))).json()[
            "identity_review"
        ] is None
        twin_approval = await c.post(
            "/v1/registry/practitioners/p-twin/approval", json={"practitioner_id": "p-twin"}, headers=auth(REGULATOR)
        )
        assert twin_approval.status_code == 422 and twin_approval.json()["rule_id"] == "REG-02"
        await c.post(
            "/v1/registry/practitioners/p-lead/approval", json={"practitioner_id": "p-lead"}, headers=auth(REGULATOR)
        )

        shown = (await c.get("/v1/registry/practitioners/p-lead", headers=auth(INSURER))).json()
        assert shown["identity"] == {
            "name": "王**",
            "id_number_masked": "310***********1234",
            "phone_masked": "138****5678",
        }
        for name in ("practitioners", "practitioners_log"):
            async for doc in service.db[name].find({}):
                assert "310101198001011234" not in str(doc) and "13812345678" not in str(doc)

        key = str(uuid.uuid4())
        team = {"project_id": "prj-1", "agency_id": "ag-1", "insurer_id": "ins-1", "lead_id": "p-lead"}
        first = await c.post("/v1/registry/teams", json=team, headers=auth(INSURER) | {"Idempotency-Key": key})
        again = await c.post("/v1/registry/teams", json=team, headers=auth(INSURER) | {"Idempotency-Key": key})
        assert first.json()["events"] == ["registry.TeamAssigned"] and again.json()["duplicate"] is True
        other = await c.get("/v1/registry/teams/prj-1", headers=auth(OTHER_INSURER))
        assert other.status_code == 404  # another insurer's project answers like a missing one (XC-05)

        eligible = (
            await c.get(
                "/v1/registry/projects/prj-2/eligible-practitioners", params={"agency_id": "ag-1"}, headers=auth(AGENCY)
            )
        ).json()
        assert [
            (i["practitioner"]["practitioner_id"], i["eligible_as_lead"], i["lead_active_projects"])
            for i in eligible["items"]
        ] == [("p-lead", True, 1)]


async def test_reg03_http_refusal_lists_every_failed_condition_and_credit_views_are_scoped(
    registry: Any, api: Any, auth: Any
) -> None:
    async with api(registry) as c:
        body = {
            "agency_id": "ag-1",
            "name": "甲级监理公司",
            "credit_code": "91310000MA1K000002",
            "insurer_id": "ins-1",
            "evidence": {"path": "supervision_licence", "supervision_grade": "grade_a", "licence_number": "E2"},
        }
        refused = await c.post("/v1/registry/agencies", json=body, headers=auth(INSURER))
        assert refused.status_code == 422
        problems = [p["message"].split(":")[0] for p in refused.json()["problems"]]
        assert problems == ["REG-01 LICENCE_GRADE_TOO_LOW", "REG-01 EVIDENCE_DOCUMENTS_MISSING"]

        pool = (await c.get("/v1/registry/pool", headers=auth(INSURER))).json()
        assert pool["agencies"] == []
        refused_list = (await c.get("/v1/registry/pool", params={"status": "refused"}, headers=auth(REGULATOR))).json()
        assert [a["agency_id"] for a in refused_list["agencies"]] == ["ag-1"]

        history = (await c.get("/v1/registry/agencies/ag-1/history", headers=auth(REGULATOR))).json()
        assert history[0]["actor"]["id"] == "picc-core"  # who nominated it (XC-04)
        # A refused nomination never entered the pool: another insurer hears what a missing agency gets (XC-05).
        credit = await c.get("/v1/registry/agencies/ag-1/credit", headers=auth(OTHER_INSURER))
        missing = await c.get("/v1/registry/agencies/ag-404/credit", headers=auth(OTHER_INSURER))
        assert credit.status_code == missing.status_code == 404
        own = await c.get("/v1/registry/agencies/ag-1/credit", headers=auth(INSURER))
        assert own.status_code == 200 and own.json()["findings"] is None
