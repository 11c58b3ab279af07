"""Slice 2 of the risk file end to end on in-memory ports: a special inspection notified late across
National Day, completed with unit results (XC-03: the unit's file shows it), its report rendered as a
Chinese PDF from the findings, stored with its checksum and filed (RSK-03, RSK-08); the lab's 12-hour
notice swept overdue once (RSK-09); the designer's revised drawings and the certificate gate (RSK-06);
the new commands refused to outsiders without leaks (XC-05)."""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader
from risk_factories import (
    BUILDER,
    CONTRACTOR,
    DESIGNER,
    ENGINEER,
    INSURER,
    LAB,
    LEAD,
    NOT_ON_TEAM,
    OTHER_AGENCY,
    OTHER_INSURER,
    OWNER,
    PROJECT,
    at,
    certificate,
    commission,
    completion,
    design_issue,
    emergency,
    lab_plan,
    notice,
    plan,
)
from risk_memory import InMemoryRisk

from anju_contracts import Actor, Refusal
from anju_contracts import risk as r
from anju_contracts.base import Command
from anju_kit.clock import SHANGHAI, FrozenClock
from anju_risk.read_models import UNITS


async def live() -> tuple[InMemoryRisk, FrozenClock]:
    """The due index files an obligation by the later of its due hour and its event's wall-clock time:
    legal-clock tests run on a clock frozen at the real now."""
    clock = FrozenClock(datetime.now(SHANGHAI))
    risk = InMemoryRisk(clock)
    await risk.evidence.ensure_bucket()
    await risk.insured()
    return risk, clock


def pdf_text(data: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return "".join(text.replace("\x00", "").split())


async def test_rsk08_rsk03_xc03_late_notice_then_units_results_and_the_special_report_filed(clock: FrozenClock) -> None:
    clock.set(at(2026, 9, 29))  # one working day after the latest notice day for 16 Oct (National Day between)
    risk = InMemoryRisk(clock)
    await risk.evidence.ensure_bucket()
    await risk.insured()
    await risk.send(plan(), LEAD)
    done = await risk.send(notice(), BUILDER)
    assert [e.TYPE for e in done.events] == ["risk.SpecialInspectionNotified", "risk.SpecialNoticeLate"]
    clock.set(at(2026, 10, 16, 17))
    done = await risk.send(completion(), ENGINEER)
    assert "risk.ObligationOpened" in [e.TYPE for e in done.events]
    unit = await risk.views.store(UNITS.name).get("u-102")
    assert unit is not None and unit["inspections"][0]["result"] == "failed"
    assert unit["inspections"][0]["kind"] == "household_acceptance"
    generate = r.GenerateRiskReport(
        project_id=PROJECT,
        report_id="rpt-spi-1",
        kind=r.RiskReportKind.SPECIAL_INSPECTION,
        summary="抽查 2 户，1 户卫生间地面积水，已要求整改。",
        inspection_id="spi-1",
    )
    done = await risk.send(generate, ENGINEER)
    [issued] = [e for e in done.events if isinstance(e, r.RiskReportIssued)]
    stored = await risk.evidence.read(issued.document.key)
    assert hashlib.sha256(stored).hexdigest() == issued.document.sha256
    text = pdf_text(stored)
    assert "分户验收专项检查报告" in text and "u-102" in text and "逾期通知" in text
    again = await risk.send(generate, ENGINEER)
    assert again.events == () or again.duplicate or not [e for e in again.events if isinstance(e, r.RiskReportIssued)]
    clock.set(at(2026, 10, 19))
    done = await risk.send(
        r.RecordRiskReportFiled(project_id=PROJECT, report_id="rpt-spi-1", filed_on=date(2026, 10, 19)), ENGINEER
    )
    fulfilled = [e for e in done.events if isinstance(e, r.ObligationFulfilled)]
    assert [(f.obligation, f.rule_id) for f in fulfilled] == [("special_report_filing", "RSK-08")]


async def test_rsk09_the_labs_12_hour_notice_after_a_fail_is_swept_overdue_once() -> None:
    risk, clock = await live()
    await risk.send(plan(), LEAD)
    with pytest.raises(Refusal, match="no testing plan"):
        await risk.send(commission(), ENGINEER)
    document = await risk.upload("检测计划.pdf", ENGINEER, content_type="application/pdf")
    await risk.send(lab_plan().model_copy(update={"document": document}), ENGINEER)
    await risk.send(r.RecordBuilderAcceptanceTests(project_id=PROJECT, total=40), BUILDER)
    await risk.send(commission(), ENGINEER)
    loaded = await risk.repo.get(PROJECT)
    assert loaded is not None
    coverage = loaded.aggregate.testing.coverage(risk.handlers.rules, PROJECT)
    assert (coverage.required, coverage.shortfall) == (2, 1)  # shown until met
    result = r.RecordTestResult(project_id=PROJECT, test_id="tst-1", passed=False, concluded_at=clock.now())
    await risk.send(result, LAB)
    clock.advance(timedelta(hours=11, minutes=50))
    assert await risk.handlers.sweep_overdue(grace=timedelta(minutes=5)) == 0
    clock.advance(timedelta(minutes=20))  # 12 h 10 min after the result: past due
    assert await risk.handlers.sweep_overdue(grace=timedelta(minutes=5)) == 1
    assert await risk.handlers.sweep_overdue(grace=timedelta(minutes=5)) == 0
    [overdue] = [e for e in risk.published if e.type == "risk.DeadlineOverdue"]
    assert (overdue.data["subject_id"], overdue.data["deadline"]["rule_id"]) == ("tst-1", "RSK-09")
    report = await risk.upload("检测报告.pdf", LAB, content_type="application/pdf")
    done = await risk.send(r.RecordLabNotice(project_id=PROJECT, test_id="tst-1", report=report), LAB)
    [noticed] = [e for e in done.events if isinstance(e, r.LabNoticeRecorded)]
    assert noticed.late


async def test_rsk06_the_designer_answers_and_the_certificate_waits_for_the_serious_design_issue(
    risk: InMemoryRisk,
) -> None:
    await risk.send(plan(), LEAD)
    marked = await risk.upload("结施-05批注.pdf", ENGINEER, content_type="application/pdf")
    await risk.send(design_issue().model_copy(update={"evidence": (marked,)}), ENGINEER)
    cert = await risk.upload("审查合格书.pdf", BUILDER, content_type="application/pdf")
    with pytest.raises(Refusal) as refused:
        await risk.send(certificate().model_copy(update={"certificate": cert}), BUILDER)
    assert [f.code for f in refused.value.failures] == ["SERIOUS_DESIGN_ISSUE_OPEN"]
    revised = await risk.upload("结施-05修改版.pdf", DESIGNER, content_type="application/pdf")
    answer = r.AnswerDesignIssue(
        project_id=PROJECT, design_issue_id="dsg-1", note="已修改", revised_drawings=(revised,)
    )
    with pytest.raises(Refusal) as refused:
        await risk.send(answer, CONTRACTOR)  # not the addressed designer
    assert refused.value.reason_code == "FORBIDDEN"
    await risk.send(answer, DESIGNER)
    close = r.ReviewDesignAnswer(
        project_id=PROJECT, design_issue_id="dsg-1", decision=r.ReviewDecision.CLOSE, comment="销项"
    )
    await risk.send(close, ENGINEER)
    done = await risk.send(certificate().model_copy(update={"certificate": cert}), BUILDER)
    assert [e.TYPE for e in done.events] == ["risk.DrawingReviewCertified"]


NEW_COMMANDS: list[Command] = [
    notice(),
    completion(),
    commission(),
    design_issue(),
    certificate(),
    r.RecordBuilderAcceptanceTests(project_id=PROJECT, total=10),
    r.RecordTestResult(project_id=PROJECT, test_id="tst-1", passed=True, concluded_at=at(2026, 10, 9)),
    r.ScoreAgencyWork(project_id=PROJECT, period="2026-Q3", score=80, comment="x"),
    emergency(),
    r.GenerateRiskReport(
        project_id=PROJECT, report_id="rpt-1", kind=r.RiskReportKind.STAGE_RISK_ASSESSMENT, summary="x"
    ),
]


@pytest.mark.parametrize("outsider", [OTHER_AGENCY, NOT_ON_TEAM, OTHER_INSURER, OWNER], ids=lambda a: a.id)
async def test_xc05_the_new_commands_answer_outsiders_like_a_missing_project(
    risk: InMemoryRisk, outsider: Actor
) -> None:
    await risk.send(plan(), LEAD)
    for command in NEW_COMMANDS:
        answers = []
        for project_id in (PROJECT, "prj-missing"):
            with pytest.raises(Refusal) as refused:
                await risk.send(command.model_copy(update={"project_id": project_id}), outsider)
            answers.append((refused.value.reason_code, refused.value.detail.replace(project_id, "<p>")))
        assert answers[0] == answers[1] and answers[0][0] == "NOT_FOUND", (command.TYPE, answers)
    loaded = await risk.repo.get(PROJECT)
    assert loaded is not None and loaded.version == 1  # nothing but the plan was stored


async def test_xc05_participants_act_only_in_their_own_role(risk: InMemoryRisk) -> None:
    await risk.send(plan(), LEAD)
    for command, actor in [(notice(), CONTRACTOR), (emergency(), ENGINEER), (commission(), BUILDER)]:
        with pytest.raises(Refusal) as refused:
            await risk.send(command, actor)
        assert refused.value.reason_code == "FORBIDDEN", command.TYPE
    await risk.send(emergency(), INSURER)
