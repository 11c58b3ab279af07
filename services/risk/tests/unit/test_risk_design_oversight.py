"""RSK-06 (design issues answered with revised drawings; the drawing-review certificate refused while a
serious one is open, listing each), RSK-10 (the insurer's score for REG-07, flying inspections), RSK-11
(an emergency's three obligations in hours) and the facts reported for the registry (REG-08), on the
pure domain."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from risk_factories import at, certificate, design_issue, emergency, facts, issue, pdf, plan, rules

from anju_contracts import Refusal
from anju_contracts import risk as r
from anju_risk.domain import design, overdue, oversight, planning, reports
from anju_risk.domain import issue as risk_issue
from anju_risk.domain.risk_file import RiskFile

NOW = at(2026, 10, 9)


def planned() -> RiskFile:
    risk_file = RiskFile.open(facts(), "shanghai")
    planning.submit_plan(risk_file, plan(), facts(), rules(), at=NOW)
    risk_file.pull_events()
    return risk_file


def test_rsk06_the_certificate_is_refused_listing_every_open_serious_design_issue() -> None:
    risk_file = planned()
    design.raise_issue(risk_file, design_issue("dsg-1"), facts(), at=NOW)
    design.raise_issue(risk_file, design_issue("dsg-2", drawing="建施-12 屋面防水节点"), facts(), at=NOW)
    design.raise_issue(risk_file, design_issue("dsg-3", severity=r.IssueSeverity.GENERAL), facts(), at=NOW)
    with pytest.raises(Refusal) as refused:
        design.record_certificate(risk_file, certificate())
    assert [(f.subject_id, f.rule_id) for f in refused.value.failures] == [("dsg-1", "RSK-06"), ("dsg-2", "RSK-06")]
    assert "建施-12 屋面防水节点" in refused.value.failures[1].message
    for design_issue_id in ("dsg-1", "dsg-2"):
        answer = r.AnswerDesignIssue(
            project_id="prj-1", design_issue_id=design_issue_id, note="已修改", revised_drawings=(pdf("rev.pdf"),)
        )
        design.answer(risk_file, answer, at=NOW)
        close = r.ReviewDesignAnswer(
            project_id="prj-1", design_issue_id=design_issue_id, decision=r.ReviewDecision.CLOSE, comment="销项"
        )
        design.review_answer(risk_file, close)
    risk_file.pull_events()
    design.record_certificate(risk_file, certificate())  # the general one does not hold it
    assert [type(e) for e in risk_file.pull_events()] == [r.DrawingReviewCertified]


def test_rsk06_only_a_designer_of_the_project_is_addressed_and_review_needs_an_answer() -> None:
    risk_file = planned()
    with pytest.raises(Refusal) as refused:
        design.raise_issue(risk_file, design_issue().model_copy(update={"designer_id": "org-con"}), facts(), at=NOW)
    assert refused.value.failures[0].code == "NOT_THE_DESIGNER"
    design.raise_issue(risk_file, design_issue(), facts(), at=NOW)
    close = r.ReviewDesignAnswer(
        project_id="prj-1", design_issue_id="dsg-1", decision=r.ReviewDecision.CLOSE, comment="x"
    )
    with pytest.raises(Refusal, match="revised drawings first"):
        design.review_answer(risk_file, close)


def test_rsk10_the_insurers_score_is_published_for_the_registrys_evaluation() -> None:
    risk_file = planned()
    score = r.ScoreAgencyWork(project_id="prj-1", period="2026-Q3", score=86.5, comment="巡检及时")
    oversight.score(risk_file, score, at=NOW)
    oversight.score(risk_file, score, at=NOW)  # the same score again: nothing new
    [scored] = risk_file.pull_events()
    assert isinstance(scored, r.AgencyWorkScored)
    assert (scored.agency_id, scored.insurer_id, scored.period, scored.score) == ("agy-1", "ins-a", "2026-Q3", 86.5)
    flying = r.RecordUnannouncedInspection(
        project_id="prj-1",
        inspection_id="fly-1",
        inspected_on=date(2026, 10, 8),
        findings="记录与现场一致",
        evidence=(pdf("飞检.pdf"),),
    )
    oversight.record_flying_inspection(risk_file, flying, at=NOW)
    assert [type(e) for e in risk_file.pull_events()] == [r.UnannouncedInspectionRecorded]


def test_rsk11_an_emergency_opens_the_plan_the_site_visit_and_the_regulator_report() -> None:
    risk_file = planned()
    oversight.declare(risk_file, emergency(occurred_at=at(2026, 10, 9, 6)), rules(), at=NOW)
    declared, *opened = risk_file.pull_events()
    assert isinstance(declared, r.EmergencyDeclared)
    assert {(o.obligation, o.due_at - at(2026, 10, 9, 6)) for o in opened} == {  # type: ignore[attr-defined]
        ("emergency_plan", timedelta(hours=2)),
        ("emergency_site_visit", timedelta(hours=24)),
        ("emergency_regulator_report", timedelta(hours=24)),
    }
    assert {o.creditor.role.value for o in opened} == {"regulator"}  # type: ignore[attr-defined]
    visit = r.RecordEmergencyAction(
        project_id="prj-1", emergency_id="emg-1", action=r.EmergencyAction.SITE_VISITED, evidence=(pdf("现场.pdf"),)
    )
    oversight.record_action(risk_file, visit, at=NOW)
    assert [type(e) for e in risk_file.pull_events()] == [r.EmergencyActionRecorded, r.ObligationFulfilled]
    fired = overdue.fire_overdue(risk_file, at(2026, 10, 11))
    assert sorted(e.deadline.obligation for e in fired) == ["emergency_plan", "emergency_regulator_report"]
    assert {e.subject_id for e in fired} == {"emg-1"}


def test_rsk04_reg08_a_serious_issue_in_an_accepted_part_is_reported_as_one_an_inspection_should_have_found() -> None:
    risk_file = planned()
    risk_issue.record_part_acceptance(
        risk_file,
        r.RecordPartAcceptance(project_id="prj-1", part="地下室防水", accepted_on=date(2026, 10, 8)),
        "org-sup",
    )
    risk_file.pull_events()
    risk_issue.raise_issue(risk_file, issue("iss-late"), facts(), at=NOW, by="prc-eng")
    [finding] = [e for e in risk_file.pull_events() if isinstance(e, r.AgencyFindingReported)]
    assert (finding.kind, finding.subject_id, finding.agency_id) == (
        r.FindingKind.RISK_SHOULD_HAVE_BEEN_FOUND,
        "iss-late",
        "agy-1",
    )


def test_rsk03_reg08_a_report_not_filed_in_time_is_overdue_and_reported_for_the_registry() -> None:
    risk_file = planned()
    cmd = r.GenerateRiskReport(
        project_id="prj-1", report_id="rpt-1", kind=r.RiskReportKind.PROCESS_INSPECTION, summary="本期检查结论"
    )
    reports.issue(risk_file, cmd, pdf("rpt-1.pdf"), rules(), at=NOW)
    issued, opened = risk_file.pull_events()
    assert isinstance(issued, r.RiskReportIssued) and isinstance(opened, r.ObligationOpened)
    assert opened.last_day == date(2026, 10, 13)  # Fri 9th → Sat 10th (调休 workday), Mon 12th, Tue 13th
    fired = overdue.fire_overdue(risk_file, opened.due_at + timedelta(minutes=1))
    assert [e.subject_id for e in fired] == ["rpt-1"]
    [finding] = [e for e in risk_file.pull_events() if isinstance(e, r.AgencyFindingReported)]
    assert (finding.kind, finding.rule_id, finding.subject_id) == (
        r.FindingKind.EVIDENCE_NOT_UPLOADED,
        "RSK-03",
        "rpt-1",
    )
    with pytest.raises(Refusal) as refused:
        reports.check_can_generate(
            risk_file, cmd.model_copy(update={"report_id": "x", "kind": r.RiskReportKind.FINAL_RISK_ASSESSMENT})
        )
    assert refused.value.failures[0].code == "FINAL_IS_THE_INSURERS"
