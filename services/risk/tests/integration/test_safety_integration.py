"""Construction safety on the real local servers (Kafka, FerretDB, MinIO).

* shaoxing (安责险, safety only): the project's facts folded from policy's and registry's events, the one
  service plan, risk sources from the region's list, a level-1 hazard with a photo uploaded through the
  presigned URL and verified, its same-day report due 24:00 Shanghai of today, the rectification with
  before/after photos, closure by the agency, the quarter's coverage read by ``_id``; a quality command
  refused as not offered in the region (XC-06) — with nothing but ``_id`` look-ups on the risk database.
* qingdao-laoshan (质安保): one project, one policy, carrying quality and safety work in one risk file.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from risk_factories import CONTRACTOR, ENGINEER, INSURER, LEAD, PARTICIPANTS, REGULATOR, SUPERVISOR, issue, plan
from risk_memory import team_assigned
from safety_factories import inspection, safety_plan, sources

from anju_contracts import Actor, Envelope, topics
from anju_contracts import risk as r
from anju_contracts import safety as s
from anju_contracts import underwriting as u
from anju_contracts.base import Command, Event
from anju_contracts.common import EvidenceRef
from anju_contracts.policy import DeliveryStandard, ProjectStage, ResidentialType
from anju_kit.auth import issue_token, service_actor
from anju_kit.calendar import end_of_day
from anju_kit.clock import SHANGHAI
from anju_kit.kafka import ensure_topics
from anju_kit.testing import group_at_end, produce, read_topic, scan_watch
from anju_risk.bootstrap import build, compose
from anju_risk.config import RiskSettings
from anju_risk.domain.coverage import quarter_of

pytestmark = pytest.mark.integration


class Running:
    def __init__(self, settings: RiskSettings, views_topic: str) -> None:
        self.settings = settings
        self.region = settings.region
        self.service, self.handlers = build(settings, views_topic=views_topic)
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=compose(self.service, self.handlers)), base_url="http://risk"
        )

    def actor(self, actor: Actor) -> Actor:
        return actor.model_copy(update={"region": self.region})

    def auth(self, actor: Actor) -> dict[str, str]:
        token = issue_token(self.actor(actor), self.settings.token_secret.get_secret_value())
        return {"Authorization": f"Bearer {token}"}

    async def post(self, path: str, body: Command, actor: Actor) -> httpx.Response:
        headers = {**self.auth(actor), "Content-Type": "application/json"}
        return await self.http.post(f"/v1/risk{path}", content=body.model_dump_json(), headers=headers)

    async def ok(self, path: str, body: Command, actor: Actor) -> dict[str, Any]:
        answer = await self.post(path, body, actor)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    async def upload(self, project_id: str, name: str, actor: Actor, data: bytes) -> EvidenceRef:
        digest = hashlib.sha256(data).hexdigest()
        ask = r.RequestEvidenceUpload(
            project_id=project_id, file_name=name, content_type="image/jpeg", size=len(data), sha256=digest
        )
        ticket = await self.ok(f"/projects/{project_id}/evidence-uploads", ask, actor)
        async with httpx.AsyncClient() as s3:
            put = await s3.put(ticket["url"], content=data, headers=ticket["headers"])
        assert put.status_code == 200, put.text
        return EvidenceRef(key=ticket["key"], sha256=digest, size=len(data), content_type="image/jpeg")

    async def publish_as(self, event: Event, service: str, key: str) -> None:
        envelope = Envelope.wrap(
            event, region=self.region, producer=service, actor=service_actor(service, self.region), key=key
        )
        await produce(
            self.settings.kafka_bootstrap,
            topics.BY_SERVICE[service].events,
            [envelope.model_dump_json().encode()],
            key=key.encode(),
        )

    async def insured(self, project_id: str, product_line: str) -> None:
        registered = u.ProjectRegistered(
            project_id=project_id,
            insurer_id="ins-a",
            product_line=product_line,
            residential_type=ResidentialType.COMMERCIAL,
            delivery_standard=DeliveryStandard.FITTED,
            true_building_area_m2=Decimal("10000.00"),
            units=120,
            participants=tuple(u.Participant(role=role, organisation_id=org) for org, role in PARTICIPANTS.items()),
            stage=ProjectStage.CONSTRUCTION,
            stage_on=date(2026, 9, 1),
        )
        await self.publish_as(registered, "policy", project_id)
        await self.publish_as(team_assigned(project_id), "registry", project_id)
        async with asyncio.timeout(45):  # the real routers and writer fold policy's and registry's events
            while (await self.handlers.project_facts(project_id)).team == frozenset():
                await asyncio.sleep(0.3)


def running_in(region: str) -> Callable[..., Any]:
    @pytest.fixture
    async def fixture(infra: Any, unique: Callable[[str], str]) -> AsyncIterator[Running]:
        token = unique("run").split("-")[-1]
        settings = RiskSettings.load(
            region=region,
            kafka_bootstrap=infra.kafka_bootstrap,
            mongo_url=infra.mongo_url,
            s3_endpoint=infra.s3_endpoint,
            s3_access_key=infra.s3_access_key,
            s3_secret_key=infra.s3_secret_key,
            mongo_db=f"hsafety_{token}",
            risk_bucket=f"hsafety-{token}",
            kafka_group_suffix=f"-{token}",
        )
        scan_watch()  # registered before the service's client exists: pymongo's listeners are per client
        running = Running(settings, views_topic=f"anju.risk.views.v1.{token}")
        views = running.service.views
        feeds = [topics.POLICY.events, topics.REGISTRY.events, topics.RISK.events]
        await ensure_topics(settings, [*topics.RISK.all(), *map(topics.dlq, topics.RISK.all()), *feeds, views.topic])
        await group_at_end(
            settings.kafka_bootstrap, settings.consumer_group(settings.risk_consumer_group), [topics.RISK.commands]
        )
        await group_at_end(settings.kafka_bootstrap, views.router_group(), feeds)
        await group_at_end(settings.kafka_bootstrap, views.writer_group, [views.topic])
        await running.service.start()
        yield running
        await running.http.aclose()
        await running.service.mongo.drop_database(settings.mongo_db)  # hsafety_* only: this run's own
        await running.service.stop()

    return fixture


shaoxing = running_in("shaoxing")
qingdao = running_in("qingdao-laoshan")


async def test_saf03_saf02_shaoxing_hazard_to_closure_with_photo_evidence_on_the_real_servers(
    shaoxing: Running, unique: Callable[[str], str]
) -> None:
    risk, project_id = shaoxing, unique("prj")
    await risk.insured(project_id, "safety_liability")
    base = f"/projects/{project_id}"
    now = datetime.now(SHANGHAI)
    today = now.date()
    with scan_watch().watching() as scans:
        refused = await risk.post(f"{base}/plan", plan(project_id), LEAD)  # a quality plan: not sold here
        assert refused.status_code >= 400 and refused.json()["reason_code"] == "PRODUCT_NOT_OFFERED", refused.text
        await risk.ok(f"{base}/safety/plan", safety_plan(project_id), LEAD)
        second = await risk.post(f"{base}/safety/plan", safety_plan(project_id, plan_id="spl-2"), LEAD)
        assert second.status_code == 409 and second.json()["rule_id"] == "SAF-01"
        await risk.ok(f"{base}/safety/risk-sources", sources(project_id, identified_on=today), ENGINEER)

        photo = await risk.upload(project_id, "基坑位移.jpg", ENGINEER, b"\xff\xd8 photo of the pit")
        found_at = now - timedelta(minutes=1)
        level1 = s.RaiseHazard(
            project_id=project_id,
            hazard_id="hz-1",
            level=1,
            source_id="src-pit",
            location="1号楼 基坑 北侧",
            responsible_unit_id="org-con",
            description="支护桩顶位移超报警值，坑边违规堆载",
            rectify_by=today + timedelta(days=2),
            stop_work=s.StopWork.PARTIAL,
            found_at=found_at,
            evidence=(photo,),
        )
        wrong = level1.model_copy(update={"evidence": (photo.model_copy(update={"sha256": "0" * 64}),)})
        mismatch = await risk.post(f"{base}/safety/hazards", wrong, ENGINEER)
        assert mismatch.status_code == 422 and mismatch.json()["reason_code"] == "CHECKSUM_MISMATCH"
        raised = await risk.ok(f"{base}/safety/hazards", level1, ENGINEER)
        assert "risk.HazardRaised" in raised["events"] and raised["events"].count("risk.ObligationOpened") == 3

        report = s.ReportHazard(project_id=project_id, hazard_id="hz-1", recipients=tuple(s.Recipient))
        await risk.ok(f"{base}/safety/hazards/hz-1/reports", report, ENGINEER)
        before = await risk.upload(project_id, "整改前.jpg", CONTRACTOR, b"\xff\xd8 before")
        after = await risk.upload(project_id, "整改后.jpg", CONTRACTOR, b"\xff\xd8 after")
        fix = s.SubmitHazardRectification(
            project_id=project_id, hazard_id="hz-1", note="已卸载并加密监测", before=(before,), after=(after,)
        )
        not_theirs = await risk.post(f"{base}/safety/hazards/hz-1/rectifications", fix, SUPERVISOR)
        assert not_theirs.status_code == 403  # level 1: the responsible unit rectifies
        await risk.ok(f"{base}/safety/hazards/hz-1/rectifications", fix, CONTRACTOR)
        close = s.ReviewHazardRectification(project_id=project_id, hazard_id="hz-1", decision=s.HazardDecision.CLOSE)
        closed = await risk.ok(f"{base}/safety/hazards/hz-1/review", close, ENGINEER)
        assert "risk.HazardStateChanged" in closed["events"]

        await risk.ok(
            f"{base}/safety/inspections", inspection("ins-1", today, "src-pit", project_id=project_id), ENGINEER
        )
        quarter = quarter_of(today)
        cov = (await risk.http.get(f"/v1/risk{base}/safety/coverage/{quarter}", headers=risk.auth(INSURER))).json()
        assert cov["unchecked_source_ids"] == ["src-hoist"] and cov["covered"] is False  # SAF-02: what is left

        async def listed() -> dict[str, Any] | None:  # the regulator's quarter listing, by _id
            answer = await risk.http.get(f"/v1/risk/safety/coverage/{quarter}", headers=risk.auth(REGULATOR))
            body: dict[str, Any] = answer.json()
            rows = [i for i in body.get("items", []) if i["project_id"] == project_id]
            return body if rows and rows[0]["unchecked_source_ids"] == ["src-hoist"] else None  # caught up

        async with asyncio.timeout(45):
            while (found := await listed()) is None:
                await asyncio.sleep(0.3)
        [row] = [i for i in found["items"] if i["project_id"] == project_id]
        assert row["unchecked_source_ids"] == ["src-hoist"]
        async with asyncio.timeout(45):  # the project's hazard listing (risk.hazards) caught up
            while (
                await risk.http.get(f"/v1/risk{base}/safety/hazards?status=closed", headers=risk.auth(REGULATOR))
            ).json()["total"] != 1:
                await asyncio.sleep(0.3)
        state = (await risk.http.get(f"/v1/risk{base}", headers=risk.auth(INSURER))).json()
        hazard = state["safety"]["hazards"]["hz-1"]
        assert hazard["status"] == "closed" and set(hazard["reported"]) == {"insurer", "authority"}
        stored = await risk.handlers.evidence.read(hazard["rounds"][0]["after"][0]["key"])
        assert stored == b"\xff\xd8 after"  # the photo is in MinIO, not just referenced
    growing = [x for x in scans if x.database == risk.settings.mongo_db and not x.collection.endswith("_outbox")]
    assert growing == []  # every read is an _id look-up

    records = await read_topic(
        risk.settings.kafka_bootstrap,
        topics.RISK.events,
        expect=100_000,
        timeout_s=30,
        until=lambda rec: (
            rec.key == project_id.encode()
            and json.loads(rec.value)["type"] == "risk.HazardStateChanged"
            and json.loads(rec.value)["data"]["status"] == "closed"
        ),
    )
    mine = [json.loads(rec.value) for rec in records if rec.key == project_id.encode()]
    [raised_event] = [m for m in mine if m["type"] == "risk.HazardRaised"]
    assert datetime.fromisoformat(raised_event["data"]["report_due_at"]) == end_of_day(found_at.date())  # same day


async def test_saf01_qingdao_laoshan_one_project_quality_and_safety_under_one_policy(
    qingdao: Running, unique: Callable[[str], str]
) -> None:
    risk, project_id = qingdao, unique("prj")
    await risk.insured(project_id, "quality_safety")
    base = f"/projects/{project_id}"
    today = datetime.now(SHANGHAI).date()
    await risk.ok(f"{base}/plan", plan(project_id), LEAD)  # RSK-01
    await risk.ok(f"{base}/safety/plan", safety_plan(project_id, grade=s.RiskGrade.HIGH), LEAD)  # SAF-01
    photo = await risk.upload(project_id, "渗漏.jpg", ENGINEER, b"\xff\xd8 leak")
    await risk.ok(
        f"{base}/issues",
        issue(project_id=project_id, evidence=(photo,), rectify_by=today + timedelta(days=7)),
        ENGINEER,
    )
    await risk.ok(f"{base}/safety/risk-sources", sources(project_id, identified_on=today), ENGINEER)
    edge = await risk.upload(project_id, "临边.jpg", ENGINEER, b"\xff\xd8 edge")
    level3 = s.RaiseHazard(
        project_id=project_id,
        hazard_id="hz-3",
        level=3,
        location="2号楼 5层 配电箱",
        responsible_unit_id="org-con",
        description="配电箱未设门锁，PE 线未连接",
        rectify_by=today + timedelta(days=3),
        found_at=datetime.now(SHANGHAI) - timedelta(minutes=1),
        evidence=(edge,),
    )
    await risk.ok(f"{base}/safety/hazards", level3, ENGINEER)
    after = await risk.upload(project_id, "闭合.jpg", SUPERVISOR, b"\xff\xd8 closed")
    closure = s.SubmitHazardRectification(project_id=project_id, hazard_id="hz-3", note="监理复查闭合", after=(after,))
    await risk.ok(f"{base}/safety/hazards/hz-3/rectifications", closure, SUPERVISOR)  # levels 3-4: the supervisor
    state = (await risk.http.get(f"/v1/risk{base}", headers=risk.auth(INSURER))).json()
    assert state["plan"] is not None and state["issues"]["iss-1"]["status"] == "open"
    assert state["issue_counts"] == {"open": 1} and state["serious_open"] == 1
    assert state["safety"]["plan"]["grade"] == "high" and state["safety"]["hazards"]["hz-3"]["status"] == "rectified"
