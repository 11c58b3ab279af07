"""The risk service on the real local servers (Kafka, FerretDB, MinIO): the project's facts folded from
policy's and registry's events, a photo uploaded through the presigned URL, a checksum mismatch refused,
the RSK-07 gate refused listing the open serious issue with its location, rectified with before/after
photos, closed, the final report sealed, rendered, read back (pypdf) and ``FinalReportSealed`` on the
events topic — with nothing but ``_id`` look-ups on the risk database."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest
from pypdf import PdfReader
from risk_factories import CONTRACTOR, ENGINEER, INSURER, LEAD, issue, plan, review, seal
from risk_memory import project_registered, team_assigned

from anju_contracts import Actor, Envelope, topics
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
    token = unique("hrisk").replace("-", "")
    settings = RiskSettings.load(
        kafka_bootstrap=infra.kafka_bootstrap,
        mongo_url=infra.mongo_url,
        s3_endpoint=infra.s3_endpoint,
        s3_access_key=infra.s3_access_key,
        s3_secret_key=infra.s3_secret_key,
        mongo_db=f"hrisk_{token}",
        risk_bucket=f"hrisk-{token}",
        kafka_group_suffix=f"-{token}",
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
    yield running
    await running.http.aclose()
    await running.service.mongo.drop_database(settings.mongo_db)  # hrisk_* only: this run's own
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
