"""The risk use cases end to end on in-memory ports: evidence through presigned uploads and verified
(RSK-04), rectification and 销项 with the open-issues listing (RSK-05), part acceptance refused while
open, the RSK-07 gate over the handlers and the sealed Chinese PDF read back, the legal clock swept
once (XC-02), cross-tenant refusals without leaks (XC-05) and the history with actors (XC-04)."""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from risk_factories import (
    AGENCY,
    AGENCY_ID,
    CONTRACTOR,
    ENGINEER,
    INSURER,
    LEAD,
    NOT_ON_TEAM,
    OTHER_AGENCY,
    OTHER_INSURER,
    OWNER,
    PROJECT,
    REGULATOR,
    SUPERVISOR,
    issue,
    kickoff,
    plan,
    review,
    seal,
)
from risk_memory import BUCKET, InMemoryRisk

from anju_contracts import Actor, Refusal
from anju_contracts import risk as r
from anju_contracts.common import EvidenceRef
from anju_kit.clock import SHANGHAI, FrozenClock
from anju_risk import access
from anju_risk.read_models import read_agency_projects, read_issues


def types(risk: InMemoryRisk) -> list[str]:
    return [e.type for e in risk.published]


async def raise_with_photo(risk: InMemoryRisk, issue_id: str, **over: Any) -> r.RaiseRiskIssue:
    photo = await risk.upload(f"{issue_id}.jpg", ENGINEER)
    cmd: r.RaiseRiskIssue = issue(issue_id, evidence=(photo,), **over)
    await risk.send(cmd, ENGINEER)
    return cmd


async def rectify_and_close(risk: InMemoryRisk, issue_id: str) -> None:
    before = await risk.upload(f"{issue_id}-before.jpg", CONTRACTOR)
    after = await risk.upload(f"{issue_id}-after.jpg", CONTRACTOR)
    rect = r.SubmitRectification(project_id=PROJECT, issue_id=issue_id, note="已整改", before=(before,), after=(after,))
    await risk.send(rect, CONTRACTOR)
    await risk.send(review(issue_id), ENGINEER)


async def test_rsk04_evidence_is_uploaded_and_verified_before_it_is_attached(risk: InMemoryRisk) -> None:
    await risk.send(plan(), LEAD)
    photo = await risk.upload("裂缝.jpg", ENGINEER)
    wrong_sum = photo.model_copy(update={"sha256": "0" * 64})
    with pytest.raises(Refusal) as refused:
        await risk.send(issue(evidence=(wrong_sum,)), ENGINEER)
    assert (refused.value.reason_code, refused.value.field) == ("CHECKSUM_MISMATCH", "evidence.0.sha256")
    link_only = EvidenceRef(
        key=f"shanghai/risk/project/{PROJECT}/evidence/x-link.jpg", sha256="1" * 64, size=9, content_type="image/jpeg"
    )
    with pytest.raises(Refusal) as refused:
        await risk.send(issue(evidence=(link_only,)), ENGINEER)
    assert refused.value.reason_code == "EVIDENCE_MISSING"  # never only a link
    outside = photo.model_copy(update={"key": "shanghai/risk/project/prj-9/evidence/0000-裂缝.jpg"})
    with pytest.raises(Refusal) as refused:
        await risk.send(issue(evidence=(outside,)), ENGINEER)
    assert refused.value.reason_code == "FORBIDDEN"  # another project's prefix
    done = await risk.send(issue(evidence=(photo,)), ENGINEER)
    assert "risk.RiskIssueRaised" in [e.TYPE for e in done.events]
    with pytest.raises(Refusal) as refused:
        await risk.upload("virus.exe", ENGINEER, content_type="application/x-msdownload")
    assert refused.value.reason_code == "CONTENT_TYPE_NOT_ALLOWED"


async def test_rsk05_rectified_closed_and_the_open_issues_listing_follows(risk: InMemoryRisk) -> None:
    await risk.send(plan(), LEAD)
    await raise_with_photo(risk, "iss-1")
    await raise_with_photo(risk, "iss-2", severity=r.IssueSeverity.GENERAL, location="2号楼 地下室", process_id=None)
    page = await read_issues(risk.issues, PROJECT)
    assert page.total == 2 and {i["issue_id"] for i in page.items} == {"iss-1", "iss-2"}
    accept = r.RecordPartAcceptance(project_id=PROJECT, part="地下室防水", accepted_on=date(2026, 10, 20))
    with pytest.raises(Refusal) as refused:
        await risk.send(accept, SUPERVISOR)
    assert [f.subject_id for f in refused.value.failures] == ["iss-1", "iss-2"]
    await rectify_and_close(risk, "iss-1")
    await rectify_and_close(risk, "iss-2")
    page = await read_issues(risk.issues, PROJECT)
    assert page.total == 0 and page.counts == {"closed": 2}
    done = await risk.send(accept, SUPERVISOR)
    assert [e.TYPE for e in done.events] == ["risk.PartAccepted"]


async def test_rsk07_gate_refuses_listing_two_open_serious_issues_then_seals_a_chinese_pdf(risk: InMemoryRisk) -> None:
    await risk.send(plan(), LEAD)
    await raise_with_photo(risk, "iss-1", location="1号楼 地下室 B2 北侧外墙")
    await raise_with_photo(risk, "iss-2", location="2号楼 18层 卫生间", part="卫生间防水", process_id="proc-st")
    with pytest.raises(Refusal) as refused:
        await risk.send(seal(), INSURER)
    serious = [f for f in refused.value.failures if f.code == "SERIOUS_ISSUE_OPEN"]
    assert [(f.subject_id, f.rule_id) for f in serious] == [("iss-1", "RSK-07"), ("iss-2", "RSK-07")]
    assert "1号楼 地下室 B2 北侧外墙" in serious[0].message and "2号楼 18层 卫生间" in serious[1].message
    assert not [k for k in risk.objects._bucket(BUCKET) if "documents" in k]  # nothing rendered when refused
    for issue_id in ("iss-1", "iss-2"):
        await rectify_and_close(risk, issue_id)
    for process_id in ("proc-wp", "proc-st"):
        await risk.send(
            r.CloseProcess(project_id=PROJECT, process_id=process_id, closed_on=date(2026, 10, 20)), ENGINEER
        )
    done = await risk.send(seal(), INSURER)
    sealed = next(e for e in done.events if isinstance(e, r.FinalReportSealed))
    stored = await risk.evidence.read(sealed.report_key)
    assert hashlib.sha256(stored).hexdigest() == sealed.report_sha256  # stored with its checksum
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(stored)).pages)
    text = "".join(text.replace("\x00", "").split())  # the CID font's extraction pads; lines break anywhere
    assert "竣工最终风险评估报告" in text and "1号楼地下室B2北侧外墙" in text and "已销项" in text
    assert "risk.ObligationOpened" in types(risk)


async def live() -> tuple[InMemoryRisk, FrozenClock]:
    """The due index files an obligation by the later of its due hour and its event's wall-clock time, so
    the legal-clock tests run on a clock frozen at the real now (as claims' live tests do)."""
    clock = FrozenClock(datetime.now(SHANGHAI))
    risk = InMemoryRisk(clock)
    await risk.evidence.ensure_bucket()
    await risk.insured()
    return risk, clock


async def test_xc02_rsk02_the_kickoff_reports_overdue_are_reported_once_by_the_sweeper() -> None:
    risk, clock = await live()
    minutes = await risk.upload("纪要.pdf", INSURER, content_type="application/pdf")
    done = await risk.send(kickoff(held_on=clock.now().date()).model_copy(update={"minutes": minutes}), INSURER)
    assert await risk.handlers.sweep_overdue(grace=timedelta(minutes=5)) == 0
    assert done.risk_file is not None
    due = max(d.due_at for d in done.risk_file.deadlines)
    clock.advance(due - clock.now() + timedelta(hours=1))  # the sweeper looks back 48 hours
    assert await risk.handlers.sweep_overdue(grace=timedelta(minutes=5)) == 2
    assert await risk.handlers.sweep_overdue(grace=timedelta(minutes=5)) == 0
    overdue = [e for e in risk.published if e.type == "risk.DeadlineOverdue"]
    assert sorted(e.data["deadline"]["obligation"] for e in overdue) == [
        "initial_risk_analysis_upload",
        "risk_plan_upload",
    ]


async def test_rsk05_an_overdue_rectification_escalates_on_the_legal_clock() -> None:
    risk, clock = await live()
    await risk.send(plan(), LEAD)
    await raise_with_photo(risk, "iss-1", rectify_by=clock.now().date())
    assert await risk.handlers.sweep_overdue(grace=timedelta(minutes=5)) == 0
    clock.advance(timedelta(days=1, hours=1))
    assert await risk.handlers.sweep_overdue(grace=timedelta(minutes=5)) == 1
    [overdue] = [e for e in risk.published if e.type == "risk.DeadlineOverdue"]
    assert overdue.data["issue_id"] == "iss-1" and overdue.data["deadline"]["rule_id"] == "RSK-05"
    assert overdue.actor.id == "anju-risk"


@pytest.mark.parametrize("outsider", [OTHER_INSURER, NOT_ON_TEAM, OTHER_AGENCY, OWNER])
async def test_xc05_outsiders_are_answered_like_a_missing_project(risk: InMemoryRisk, outsider: Actor) -> None:
    await risk.send(plan(), LEAD)
    answers = []
    for project_id in (PROJECT, "prj-missing"):
        with pytest.raises(Refusal) as refused:
            access.check_read(outsider, await risk.handlers.project_facts(project_id))
        answers.append((refused.value.reason_code, refused.value.detail.replace(project_id, "<p>")))
        command = r.SealFinalReport(project_id=project_id, conclusion="x")
        with pytest.raises(Refusal) as refused:
            await risk.send(command, outsider)
        answers.append((refused.value.reason_code, refused.value.detail.replace(project_id, "<p>")))
    assert answers[:2] == answers[2:] and {a[0] for a in answers} == {"NOT_FOUND"}
    with pytest.raises(Refusal):
        await risk.upload("x.jpg", outsider)  # no ticket either


async def test_rsk01_an_agencys_projects_and_who_reads_them(risk: InMemoryRisk) -> None:
    await risk.insured("prj-2")
    page = await read_agency_projects(risk.agencies, AGENCY_ID)
    assert sorted(i["project_id"] for i in page.items) == [PROJECT, "prj-2"]
    access.check_read(AGENCY, await risk.handlers.project_facts(PROJECT))
    access.check_read(REGULATOR, await risk.handlers.project_facts(PROJECT))


async def test_xc04_every_change_is_kept_with_its_actor(risk: InMemoryRisk) -> None:
    await risk.send(plan(), LEAD)
    await raise_with_photo(risk, "iss-1")
    history = await risk.repo.history(PROJECT)
    assert [(h["action"], h["actor"]["id"]) for h in history] == [
        ("risk.SubmitRiskPlan", LEAD.id),
        ("risk.RaiseRiskIssue", ENGINEER.id),
    ]


async def test_rsk02_kickoff_before_the_team_is_assigned_is_refused(clock: FrozenClock) -> None:
    risk = InMemoryRisk(clock)
    await risk.evidence.ensure_bucket()
    await risk.insured("prj-3", team=False)
    minutes = await risk.upload("纪要.pdf", INSURER, "prj-3", content_type="application/pdf")
    with pytest.raises(Refusal, match="no agency team"):
        await risk.send(kickoff("prj-3").model_copy(update={"minutes": minutes}), INSURER)
