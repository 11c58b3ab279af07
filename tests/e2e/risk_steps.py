"""The risk part of the end-to-end walk (RSK-01 … RSK-07), over the HTTP API of a real risk process.

Risk learns the project only from the other services' events (policy ``ProjectRegistered`` for the
insurer and participants, registry ``TeamAssigned`` for the agency's team: ``risk.project_facts``);
then the team lead submits the plan, the insurer records the kick-off, the lead raises a serious issue
with a photo PUT through its presigned URL, the gate refuses the final report naming the issue's
location, the contractor rectifies (before/after photos), the lead closes the issue (销项) and the
critical process, and the insurer seals the final report. The sealed PDF is fetched through risk's
download link and read back with pypdf.

A practitioner acts for the agency on a project only when the registry put them on its team: the lead
is ``Actor(role=PRACTITIONER, id=<practitioner id>, agency_id=<agency>)`` (anju_risk.access.on_team).
Risk's legal clock runs on the real clock, so its dates are today's (deadlines not yet passed).
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest
from pypdf import PdfReader

from anju_contracts import Actor
from anju_contracts import risk as r
from anju_contracts.base import ContractModel
from anju_contracts.common import EvidenceRef
from anju_kit.auth import issue_token
from anju_kit.clock import SHANGHAI
from anju_kit.settings import ServiceSettings

T = TypeVar("T")
LOCATION = "1号楼 3层 301室 卫生间地面"
PROCESS_ID = "proc-wp"
ISSUE_ID = "iss-1"


@dataclass(frozen=True)
class SealedReport:
    key: str
    sha256: str
    text: str  # the PDF's text, whitespace removed


@dataclass(frozen=True)
class RiskDesk:
    """One project on risk's ``/v1/risk`` API, each call with the acting person's signed token."""

    url: str
    project_id: str

    @property
    def base(self) -> str:
        return f"{self.url}/v1/risk/projects/{self.project_id}"

    def post(self, path: str, body: ContractModel, actor: Actor) -> httpx.Response:
        headers = {**_auth(actor), "Content-Type": "application/json"}
        return httpx.post(f"{self.base}{path}", content=body.model_dump_json(), headers=headers, timeout=60)

    def get(self, path: str, actor: Actor) -> httpx.Response:
        return httpx.get(f"{self.base}{path}", headers=_auth(actor), timeout=30)

    def upload(self, name: str, data: bytes, actor: Actor, content_type: str = "image/jpeg") -> EvidenceRef:
        """A file PUT straight to MinIO through risk's presigned URL (pinning type, size and SHA-256)."""
        digest = hashlib.sha256(data).hexdigest()
        ask = r.RequestEvidenceUpload(
            project_id=self.project_id, file_name=name, content_type=content_type, size=len(data), sha256=digest
        )
        ticket = _ok(self.post("/evidence-uploads", ask, actor))
        put = httpx.put(ticket["url"], content=data, headers=ticket["headers"], timeout=30)
        assert put.status_code == 200, put.text
        return EvidenceRef(key=ticket["key"], sha256=digest, size=len(data), content_type=content_type)


def sealed_through_risk(desk: RiskDesk, *, insurer: Actor, lead: Actor, contractor: Actor) -> SealedReport:
    """The project from risk's first sight of it to its sealed final report; returns the PDF as read back."""
    project_id, today = desk.project_id, datetime.now(SHANGHAI).date()
    _until(lambda: _knows(desk, lead) and _knows(desk, contractor), "risk to know the project, its team and units")

    # RSK-01: the plan, staffed from the registry's team and led by its lead; RSK-02: the kick-off
    plan = r.SubmitRiskPlan(
        project_id=project_id,
        lead_id=lead.id,
        staff_ids=(lead.id,),
        scope="主体结构、防水工程的质量风险管理",
        objects=("1号楼",),
        schedule=(r.ScheduleItem(name="主体施工阶段", starts_on=date(2021, 4, 1), ends_on=date(2022, 5, 31)),),
        key_nodes=("主体封顶", "竣工验收"),
        critical_processes=(r.CriticalProcess(process_id=PROCESS_ID, name="卫生间防水施工", part="防水工程"),),
    )
    assert "risk.RiskPlanSubmitted" in _ok(desk.post("/plan", plan, lead))["events"]
    minutes = desk.upload("交底会纪要.pdf", "%PDF-1.7 交底会纪要".encode(), insurer, "application/pdf")
    kickoff = r.RecordKickoffBriefing(project_id=project_id, held_on=today, minutes=minutes)
    assert "risk.KickoffBriefingRecorded" in _ok(desk.post("/kickoff", kickoff, insurer))["events"]

    # RSK-04: a serious issue with its photo; RSK-07: the gate refuses the report, naming where it is
    photo = desk.upload("渗漏.jpg", b"\xff\xd8 photo of the leak", lead)
    issue = r.RaiseRiskIssue(
        project_id=project_id,
        issue_id=ISSUE_ID,
        severity=r.IssueSeverity.SERIOUS,
        location=LOCATION,
        part="防水工程",
        process_id=PROCESS_ID,
        responsible_unit_id=str(contractor.organisation_id),
        description="卫生间地面防水层破损，楼下顶板渗水",
        rectify_by=today + timedelta(days=7),
        evidence=(photo,),
    )
    assert "risk.RiskIssueRaised" in _ok(desk.post("/issues", issue, lead))["events"]
    seal = r.SealFinalReport(project_id=project_id, conclusion="风险问题均已整改销项，关键工序均已闭合。")
    gate = desk.post("/final-report", seal, insurer)
    assert gate.status_code == 422 and gate.json()["rule_id"] == "RSK-07", gate.text
    serious = [f for f in gate.json()["failures"] if f["code"] == "SERIOUS_ISSUE_OPEN"]
    assert [f["subject_id"] for f in serious] == [ISSUE_ID] and LOCATION in serious[0]["message"], gate.text

    # RSK-05: the responsible unit rectifies with before/after photos; the lead closes it (销项), then the process
    before = desk.upload("整改前.jpg", b"\xff\xd8 before", contractor)
    after = desk.upload("整改后.jpg", b"\xff\xd8 after", contractor)
    rectified = r.SubmitRectification(
        project_id=project_id,
        issue_id=ISSUE_ID,
        note="凿除破损防水层后重做并闭水试验",
        before=(before,),
        after=(after,),
    )
    _ok(desk.post(f"/issues/{ISSUE_ID}/rectifications", rectified, contractor))
    review = r.ReviewRectification(
        project_id=project_id, issue_id=ISSUE_ID, decision=r.ReviewDecision.CLOSE, comment="复查合格，销项"
    )
    assert "risk.RiskIssueClosed" in _ok(desk.post(f"/issues/{ISSUE_ID}/review", review, lead))["events"]
    close = r.CloseProcess(project_id=project_id, process_id=PROCESS_ID, closed_on=today)
    _ok(desk.post(f"/processes/{PROCESS_ID}/close", close, lead))

    # RSK-07: the insurer seals; the PDF comes back through risk's short-lived link
    assert "risk.FinalReportSealed" in _ok(desk.post("/final-report", seal, insurer))["events"]
    link = _ok(desk.get("/final-report/download", insurer))
    pdf = httpx.get(link["url"], timeout=30).content
    assert hashlib.sha256(pdf).hexdigest() == link["sha256"]
    recorded = _ok(desk.get("", insurer))["final_report"]["document"]
    assert (recorded["key"], recorded["sha256"]) == (link["key"], link["sha256"])
    pages = PdfReader(io.BytesIO(pdf)).pages
    text = "".join("".join(p.extract_text() for p in pages).replace("\x00", "").split())
    return SealedReport(key=link["key"], sha256=link["sha256"], text=text)


def _knows(desk: RiskDesk, actor: Actor) -> bool:
    """Risk lets ``actor`` read the project: its facts name them (team member or participating unit)."""
    return desk.get("/issues", actor).status_code == 200


def _auth(actor: Actor) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(actor, ServiceSettings().token_secret.get_secret_value())}"}


def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def _until(probe: Callable[[], T], what: str, timeout_s: float = 90) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if found := probe():
            return found
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")
