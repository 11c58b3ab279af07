"""The risk service on the real local servers (Kafka, FerretDB, MinIO): the project's facts folded from
policy's and registry's events, a photo uploaded through the presigned URL, a checksum mismatch refused,
the RSK-07 gate refused listing the open serious issue with its location, rectified with before/after
photos, closed, the final report sealed, rendered, read back (pypdf) and ``FinalReportSealed`` on the
events topic — with nothing but ``_id`` look-ups on the risk database."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest
from pypdf import PdfReader
from risk_factories import (
    BUILDER,
    CONTRACTOR,
    ENGINEER,
    INSURER,
    LEAD,
    OTHER_INSURER,
    OWNER,
    REGULATOR,
    completion,
    issue,
    notice,
    plan,
    review,
    seal,
)
from risk_memory import project_registered, team_assigned

from anju_contracts import Actor, Envelope, Role, topics
from anju_contracts import risk as r
from anju_contracts.base import Command, Event
from anju_contracts.common import EvidenceRef
from anju_kit.auth import issue_token, service_actor
from anju_kit.clock import SHANGHAI
from anju_kit.kafka import ensure_topics
from anju_kit.testing import group_at_end, produce, read_topic, scan_watch
from anju_risk.bootstrap import build, compose
from anju_risk.config import RiskSettings

pytestmark = pytest.mark.integration
T = TypeVar("T")
DUE = datetime.now(SHANGHAI).date() + timedelta(days=7)  # the real clock runs here


class Running:
    def __init__(self, settings: RiskSettings, views_topic: str) -> None:
        self.settings = settings
        self.service, self.handlers = build(settings, views_topic=views_topic)
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=compose(self.service, self.handlers)), base_url="http://risk"
        )

    def auth(self, actor: Actor) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(actor, self.settings.token_secret.get_secret_value())}"}

    async def post(self, path: str, body: Command, actor: Actor) -> httpx.Response:
        headers = {**self.auth(actor), "Content-Type": "application/json"}
        return await self.http.post(f"/v1/risk{path}", content=body.model_dump_json(), headers=headers)

    async def upload(self, project_id: str, name: str, actor: Actor, data: bytes) -> EvidenceRef:
        digest = hashlib.sha256(data).hexdigest()
        ask = r.RequestEvidenceUpload(
            project_id=project_id, file_name=name, content_type="image/jpeg", size=len(data), sha256=digest
        )
        answer = await self.post(f"/projects/{project_id}/evidence-uploads", ask, actor)
        assert answer.status_code == 200, answer.text
        ticket = answer.json()
        async with httpx.AsyncClient() as s3:
            put = await s3.put(ticket["url"], content=data, headers=ticket["headers"])
        assert put.status_code == 200, put.text
        return EvidenceRef(key=ticket["key"], sha256=digest, size=len(data), content_type="image/jpeg")


@pytest.fixture
async def risk(infra: Any, unique: Callable[[str], str]) -> AsyncIterator[Running]:
    async with serving(infra, unique("run").split("-")[-1], prefix="hrisk2") as running:
        yield running


@pytest.fixture
async def risk_listings(infra: Any, unique: Callable[[str], str]) -> AsyncIterator[Running]:
    """The service for the cross-project listings' test, under names of its own (``hrv_``)."""
    async with serving(infra, unique("run").split("-")[-1], prefix="hrv") as running:
        yield running


@contextlib.asynccontextmanager
async def serving(infra: Any, token: str, *, prefix: str) -> AsyncIterator[Running]:
    """The service on its own database, bucket, groups and views topic; its database dropped after."""
    settings = RiskSettings.load(
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_url=infra.mongo_url,
        s3_endpoint=infra.s3_endpoint,
        s3_access_key=infra.s3_access_key,
        s3_secret_key=infra.s3_secret_key,
        mongo_db=f"{prefix}_{token}",
        risk_bucket=f"{prefix}-{token}",
        kafka_group_suffix=f"-{prefix}-{token}",
    )
    scan_watch()  # registered before the service's client exists: pymongo's listeners are per client
    running = Running(settings, views_topic=f"anju.risk.views.v1.{token}")
    views = running.service.views
    sources = [topics.POLICY.events, topics.REGISTRY.events, topics.RISK.events]
    await ensure_topics(settings, [*topics.RISK.all(), *map(topics.dlq, topics.RISK.all()), *sources, views.topic])
    # This run's groups start where the shared topics end now (earlier runs are not its business).
    await group_at_end(
        settings.kafka_bootstrap, settings.consumer_group(settings.risk_consumer_group), [topics.RISK.commands]
    )
    await group_at_end(settings.kafka_bootstrap, views.router_group(), sources)
    await group_at_end(settings.kafka_bootstrap, views.writer_group, [views.topic])
    await running.service.start()
    try:
        yield running
    finally:
        await running.http.aclose()
        await running.service.mongo.drop_database(settings.mongo_db)  # <prefix>_<token> only: this run's own
        await running.service.stop()


async def wait_for(probe: Callable[[], Awaitable[T | None]], timeout_s: float = 45.0) -> T:
    async with asyncio.timeout(timeout_s):
        while True:
            found = await probe()
            if found is not None:
                return found
            await asyncio.sleep(0.3)


async def publish_as(risk: Running, event: Event, service: str, key: str) -> None:
    envelope = Envelope.wrap(
        event, region="shanghai", producer=service, actor=service_actor(service, "shanghai"), key=key
    )
    await produce(
        risk.settings.kafka_bootstrap,
        topics.BY_SERVICE[service].events,
        [envelope.model_dump_json().encode()],
        key=key.encode(),
    )


async def test_rsk04_rsk07_issue_with_a_presigned_photo_rectified_closed_then_the_final_report_sealed(
    risk: Running, unique: Callable[[str], str]
) -> None:
    project_id = unique("prj")
    await publish_as(risk, project_registered(project_id), "policy", project_id)
    await publish_as(risk, team_assigned(project_id), "registry", project_id)

    async def staffed() -> bool | None:
        answer = await risk.http.get(f"/v1/risk/projects/{project_id}/issues", headers=risk.auth(LEAD))
        return True if answer.status_code == 200 else None

    await wait_for(staffed)  # the real routers and writer folded policy's and registry's events
    base = f"/projects/{project_id}"
    with scan_watch().watching() as scans:
        assert (await risk.post(f"{base}/plan", plan(project_id), LEAD)).status_code == 200
        photo = await risk.upload(project_id, "渗漏.jpg", ENGINEER, b"\xff\xd8 photo of the leak")
        wrong = photo.model_copy(update={"sha256": hashlib.sha256(b"other bytes").hexdigest()})
        refused = await risk.post(
            f"{base}/issues", issue(project_id=project_id, evidence=(wrong,), rectify_by=DUE), ENGINEER
        )
        assert refused.status_code == 422 and refused.json()["reason_code"] == "CHECKSUM_MISMATCH"
        raised = await risk.post(
            f"{base}/issues", issue(project_id=project_id, evidence=(photo,), rectify_by=DUE), ENGINEER
        )
        assert raised.status_code == 200, raised.text

        gate = await risk.post(f"{base}/final-report", seal(project_id), INSURER)
        assert gate.status_code == 422 and gate.json()["rule_id"] == "RSK-07"
        serious = [f for f in gate.json()["failures"] if f["code"] == "SERIOUS_ISSUE_OPEN"]
        assert [f["subject_id"] for f in serious] == ["iss-1"] and "1号楼 地下室 B2 北侧外墙" in serious[0]["message"]

        before = await risk.upload(project_id, "整改前.jpg", CONTRACTOR, b"\xff\xd8 before")
        after = await risk.upload(project_id, "整改后.jpg", CONTRACTOR, b"\xff\xd8 after")
        rect = r.SubmitRectification(
            project_id=project_id, issue_id="iss-1", note="已整改", before=(before,), after=(after,)
        )
        assert (await risk.post(f"{base}/issues/iss-1/rectifications", rect, CONTRACTOR)).status_code == 200
        closed = await risk.post(f"{base}/issues/iss-1/review", review(project_id=project_id), ENGINEER)
        assert closed.status_code == 200, closed.text
        for process_id in ("proc-wp", "proc-st"):
            close = r.CloseProcess(project_id=project_id, process_id=process_id, closed_on=date(2026, 10, 20))
            assert (await risk.post(f"{base}/processes/{process_id}/close", close, ENGINEER)).status_code == 200
        sealed = await risk.post(f"{base}/final-report", seal(project_id), INSURER)
        assert sealed.status_code == 200, sealed.text
        assert "risk.FinalReportSealed" in sealed.json()["events"]
        link = (await risk.http.get(f"/v1/risk{base}/final-report/download", headers=risk.auth(INSURER))).json()
        async with httpx.AsyncClient() as s3:
            pdf = (await s3.get(link["url"])).content
        assert hashlib.sha256(pdf).hexdigest() == link["sha256"]
        text = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\x00", "").split())
        assert "竣工最终风险评估报告" in text and "已销项" in text

        async def listed_closed() -> dict[str, Any] | None:
            answer = await risk.http.get(f"/v1/risk{base}/issues?status=closed", headers=risk.auth(INSURER))
            body: dict[str, Any] = answer.json()
            return body if body["total"] == 1 else None

        assert (await wait_for(listed_closed))["items"][0]["issue_id"] == "iss-1"
    growing = [s for s in scans if s.database == risk.settings.mongo_db and not s.collection.endswith("_outbox")]
    assert growing == []  # every read is an _id look-up
    records = await read_topic(
        risk.settings.kafka_bootstrap,
        topics.RISK.events,
        expect=100_000,
        timeout_s=30,
        until=lambda rec: rec.key == project_id.encode() and json.loads(rec.value)["type"] == "risk.FinalReportSealed",
    )
    mine = [json.loads(rec.value) for rec in records if rec.key == project_id.encode()]
    [final] = [m for m in mine if m["type"] == "risk.FinalReportSealed"]
    assert final["data"]["report_sha256"] == link["sha256"]


async def test_rsk08_rsk03_xc03_special_inspection_units_results_and_its_report_on_the_real_servers(
    risk: Running, unique: Callable[[str], str]
) -> None:
    """A same-day notice recorded late, the units' results readable by unit (XC-03) by the project's
    insurer and the unit's owner, not another insurer; the special report rendered, stored and filed."""
    project_id = unique("prj")
    unit_a, unit_b = f"{unique('u')}-a", f"{unique('u')}-b"
    await publish_as(risk, project_registered(project_id), "policy", project_id)
    await publish_as(risk, team_assigned(project_id), "registry", project_id)

    async def staffed() -> bool | None:
        answer = await risk.http.get(f"/v1/risk/projects/{project_id}/issues", headers=risk.auth(LEAD))
        return True if answer.status_code == 200 else None

    await wait_for(staffed)
    base = f"/projects/{project_id}"
    today = datetime.now(SHANGHAI).date()
    with scan_watch().watching() as scans:
        assert (await risk.post(f"{base}/plan", plan(project_id), LEAD)).status_code == 200
        notified = await risk.post(
            f"{base}/special-inspections", notice(scheduled_on=today, project_id=project_id), BUILDER
        )
        assert notified.status_code == 200, notified.text
        assert "risk.SpecialNoticeLate" in notified.json()["events"]
        done = completion(completed_on=today, project_id=project_id)
        done = done.model_copy(
            update={
                "findings": (
                    r.UnitFinding(unit_id=unit_a, building="1号楼", result=r.UnitResult.PASSED),
                    r.UnitFinding(unit_id=unit_b, building="1号楼", result=r.UnitResult.FAILED, note="卫生间积水"),
                )
            }
        )
        completed = await risk.post(f"{base}/special-inspections/spi-1/completion", done, ENGINEER)
        assert completed.status_code == 200, completed.text

        async def unit_file() -> dict[str, Any] | None:
            answer = await risk.http.get(f"/v1/risk/units/{unit_b}/inspections", headers=risk.auth(INSURER))
            return answer.json() if answer.status_code == 200 else None

        shown = await wait_for(unit_file)
        assert [(i["project_id"], i["result"]) for i in shown["inspections"]] == [(project_id, "failed")]
        owner = OWNER.model_copy(update={"unit_ids": (unit_b,)})
        own = await risk.http.get(f"/v1/risk/units/{unit_b}/inspections", headers=risk.auth(owner))
        assert own.status_code == 200
        for outsider, unit in ((OTHER_INSURER, unit_b), (owner, unit_a)):
            hidden = await risk.http.get(f"/v1/risk/units/{unit}/inspections", headers=risk.auth(outsider))
            missing = await risk.http.get(f"/v1/risk/units/{unique('u')}-none/inspections", headers=risk.auth(outsider))
            assert hidden.status_code == missing.status_code == 404 and hidden.json() == missing.json()

        generate = r.GenerateRiskReport(
            project_id=project_id,
            report_id="rpt-spi-1",
            kind=r.RiskReportKind.SPECIAL_INSPECTION,
            summary="抽查 2 户，1 户卫生间积水，已要求整改。",
            inspection_id="spi-1",
        )
        issued = await risk.post(f"{base}/generated-reports", generate, ENGINEER)
        assert issued.status_code == 200 and "risk.RiskReportIssued" in issued.json()["events"], issued.text
        state = (await risk.http.get(f"/v1/risk{base}", headers=risk.auth(INSURER))).json()
        document = state["issued_reports"]["rpt-spi-1"]["document"]
        stored = await risk.handlers.evidence.read(document["key"])
        assert hashlib.sha256(stored).hexdigest() == document["sha256"]
        text = "".join(
            "".join(p.extract_text() for p in PdfReader(io.BytesIO(stored)).pages).replace("\x00", "").split()
        )
        assert "分户验收专项检查报告" in text and unit_b in text
        filing = r.RecordRiskReportFiled(project_id=project_id, report_id="rpt-spi-1", filed_on=today)
        filed = await risk.post(f"{base}/generated-reports/rpt-spi-1/filing", filing, ENGINEER)
        assert filed.status_code == 200 and "risk.ObligationFulfilled" in filed.json()["events"], filed.text
    growing = [s for s in scans if s.database == risk.settings.mongo_db and not s.collection.endswith("_outbox")]
    assert growing == []  # every read is an _id look-up, the unit's file included


async def test_rsk05_rsk07_xc05_an_agencys_open_issues_and_the_regulators_serious_ones_read_by_id_only(
    risk_listings: Running, unique: Callable[[str], str]
) -> None:
    """Issue #10: an agency's open issues across its projects and the region's open serious issues come
    from their read models — folded by the real routers and writer, read by ``_id`` only — and closing
    an issue takes it off both open pages, while its whole history (the round's before/after, the review)
    is read from ``risk.issue_history`` by one ``_id`` (RSK-04, RSK-05). The agency and the insurer are this run's own (the topics are
    shared); the region's page is the shared region's, so it is searched for this run's issue."""
    risk = risk_listings
    agency_id, insurer_id = unique("agy"), unique("ins")
    lead = LEAD.model_copy(update={"agency_id": agency_id})
    engineer = ENGINEER.model_copy(update={"agency_id": agency_id})
    insurer = INSURER.model_copy(update={"insurer_id": insurer_id})
    agency = Actor(id=f"{agency_id}-admin", role=Role.AGENCY, region="shanghai", agency_id=agency_id)
    projects = [unique("prj-a"), unique("prj-b")]
    for project_id in projects:
        await publish_as(risk, project_registered(project_id, insurer_id), "policy", project_id)
        team = team_assigned(project_id, insurer_id).model_copy(update={"agency_id": agency_id})
        await publish_as(risk, team, "registry", project_id)

    async def staffed(project_id: str) -> bool | None:
        answer = await risk.http.get(f"/v1/risk/projects/{project_id}/issues", headers=risk.auth(lead))
        return True if answer.status_code == 200 else None

    for project_id in projects:
        await wait_for(functools.partial(staffed, project_id))
    with scan_watch().watching() as scans:
        raised = [
            (projects[0], "iss-1", r.IssueSeverity.SERIOUS),
            (projects[0], "iss-2", r.IssueSeverity.GENERAL),
            (projects[1], "iss-1", r.IssueSeverity.SERIOUS),
        ]
        for project_id in projects:
            assert (await risk.post(f"/projects/{project_id}/plan", plan(project_id), lead)).status_code == 200
        for project_id, issue_id, severity in raised:
            photo = await risk.upload(project_id, f"{issue_id}.jpg", engineer, f"photo {issue_id}".encode())
            cmd = issue(issue_id, project_id=project_id, severity=severity, evidence=(photo,), rectify_by=DUE)
            answer = await risk.post(f"/projects/{project_id}/issues", cmd, engineer)
            assert answer.status_code == 200, answer.text

        async def listed(path: str, actor: Actor, total: int) -> dict[str, Any] | None:
            answer = await risk.http.get(f"/v1/risk{path}", headers=risk.auth(actor))
            assert answer.status_code == 200, answer.text
            body: dict[str, Any] = answer.json()
            return body if body["total"] == total else None

        mine = await wait_for(lambda: listed(f"/agencies/{agency_id}/issues", agency, 3))
        assert sorted((i["project_id"], i["issue_id"]) for i in mine["items"]) == sorted((p, i) for p, i, _ in raised)
        own = await wait_for(lambda: listed("/serious-issues", insurer, 2))
        assert {(i["project_id"], i["severity"]) for i in own["items"]} == {(p, "serious") for p in projects}
        hidden = await risk.http.get(f"/v1/risk/agencies/{agency_id}/issues", headers=risk.auth(OTHER_INSURER))
        assert hidden.status_code == 404  # XC-05: an agency's listing holds other insurers' projects

        async def in_region(project_id: str, issue_id: str) -> bool | None:
            """The regulator's page: every open serious issue of the region, page by page."""
            for offset in range(0, 1000, 100):
                answer = await risk.http.get(
                    f"/v1/risk/serious-issues?offset={offset}&limit=100", headers=risk.auth(REGULATOR)
                )
                items = answer.json()["items"]
                if any((i["project_id"], i["issue_id"]) == (project_id, issue_id) for i in items):
                    return True
                if len(items) < 100:
                    return None
            return None

        assert await wait_for(lambda: in_region(projects[0], "iss-1"))

        before = await risk.upload(projects[0], "before.jpg", CONTRACTOR, b"\xff\xd8 before")
        after = await risk.upload(projects[0], "after.jpg", CONTRACTOR, b"\xff\xd8 after")
        rect = r.SubmitRectification(
            project_id=projects[0], issue_id="iss-1", note="已整改", before=(before,), after=(after,)
        )
        base = f"/projects/{projects[0]}"
        assert (await risk.post(f"{base}/issues/iss-1/rectifications", rect, CONTRACTOR)).status_code == 200
        closed = await risk.post(f"{base}/issues/iss-1/review", review(project_id=projects[0]), engineer)
        assert closed.status_code == 200, closed.text
        await wait_for(lambda: listed(f"/agencies/{agency_id}/issues", agency, 2))
        own = await wait_for(lambda: listed("/serious-issues", insurer, 1))
        assert [(i["project_id"], i["issue_id"]) for i in own["items"]] == [(projects[1], "iss-1")]
        assert own["counts"] == {"open": 1, "closed": 1}

        async def history_closed() -> dict[str, Any] | None:
            """RSK-04, RSK-05: the closed issue's whole history, one _id read of risk.issue_history."""
            answer = await risk.http.get(f"/v1/risk{base}/issues/iss-1", headers=risk.auth(insurer))
            if answer.status_code == 404:
                return None  # not folded yet
            assert answer.status_code == 200, answer.text
            body: dict[str, Any] = answer.json()
            return body if body.get("status") == "closed" and body["rounds"][-1].get("review") else None

        history = await wait_for(history_closed)
        [only] = history["rounds"]
        assert (only["note"], only["review"]["decision"]) == ("已整改", "close")
        assert only["before"] == [before.model_dump(mode="json")] and only["after"] == [after.model_dump(mode="json")]
        assert history["as_of"] is not None
    growing = [s for s in scans if s.database == risk.settings.mongo_db and not s.collection.endswith("_outbox")]
    assert growing == []  # every read and every fold is an _id look-up
