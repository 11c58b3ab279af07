"""RSK-07: no final risk assessment report while any serious issue is open or any critical process is
not closed — the refusal lists every one with its place; the sealed report is filed on the legal clock."""

from __future__ import annotations

from datetime import date

import pytest
from risk_factories import CONTRACTOR, at, facts, issue, plan, rectification, ref, review, rules, seal

from anju_contracts import Refusal, Role
from anju_contracts import risk as r
from anju_risk.domain import final_report, planning
from anju_risk.domain import issue as risk_issue
from anju_risk.domain.final_report import FINAL_FILING
from anju_risk.domain.risk_file import RiskFile

NOW = at(2026, 10, 9)
REPORT = ref("final.pdf", content_type="application/pdf")


def planned() -> RiskFile:
    risk_file = RiskFile.open(facts(), "shanghai")
    planning.submit_plan(risk_file, plan(), facts(), rules(), at=NOW)
    return risk_file


def close_all(risk_file: RiskFile) -> None:
    for issue_id, found in risk_file.issues.items():
        if found.is_open:
            risk_issue.submit_rectification(risk_file, rectification(issue_id), facts(), at=NOW, by=CONTRACTOR.id)
            risk_issue.review_rectification(risk_file, review(issue_id), facts(), at=NOW)
    for process_id in risk_file.processes:
        final_report.close_process(
            risk_file, r.CloseProcess(project_id="prj-1", process_id=process_id, closed_on=date(2026, 10, 20))
        )
    risk_file.pull_events()


def test_rsk07_gate_lists_every_open_serious_issue_with_its_location() -> None:
    risk_file = planned()
    for cmd in (
        issue("iss-1", location="1号楼 地下室 B2 北侧外墙"),
        issue("iss-2", location="2号楼 18层 卫生间", part="卫生间防水", process_id=None),
        issue("iss-3", severity=r.IssueSeverity.GENERAL, location="3号楼 楼梯间"),
    ):
        risk_issue.raise_issue(risk_file, cmd, facts(), at=NOW, by="prc-eng")
    with pytest.raises(Refusal) as refused:
        final_report.seal(risk_file, seal(), REPORT, rules(), at=NOW)
    failures = refused.value.failures
    assert refused.value.reason_code == "RULE_VIOLATION" and refused.value.rule_id == "RSK-07"
    serious = [f for f in failures if f.code == "SERIOUS_ISSUE_OPEN"]
    assert [f.subject_id for f in serious] == ["iss-1", "iss-2"]  # the general issue does not hold the report
    assert "1号楼 地下室 B2 北侧外墙" in serious[0].message and "2号楼 18层 卫生间" in serious[1].message
    assert [f.subject_id for f in failures if f.code == "PROCESS_NOT_CLOSED"] == ["proc-wp", "proc-st"]
    assert risk_file.final_report is None


def test_rsk07_no_final_report_without_a_plan() -> None:
    with pytest.raises(Refusal) as refused:
        final_report.check_gate(RiskFile.open(facts(), "shanghai"))
    assert [f.code for f in refused.value.failures] == ["NO_PLAN"]


def test_rsk07_a_process_is_not_closed_while_an_issue_of_it_is_open() -> None:
    risk_file = planned()
    risk_issue.raise_issue(risk_file, issue(severity=r.IssueSeverity.GENERAL), facts(), at=NOW, by="prc-eng")
    with pytest.raises(Refusal) as refused:
        final_report.close_process(
            risk_file, r.CloseProcess(project_id="prj-1", process_id="proc-wp", closed_on=date(2026, 10, 20))
        )
    assert [f.subject_id for f in refused.value.failures] == ["iss-1"]


def test_rsk07_sealed_once_everything_is_closed_and_owed_to_the_regulator_in_three_working_days() -> None:
    risk_file = planned()
    risk_issue.raise_issue(risk_file, issue(), facts(), at=NOW, by="prc-eng")
    close_all(risk_file)
    final_report.seal(risk_file, seal(), REPORT, rules(), at=at(2026, 9, 30, 15))
    sealed, opened = risk_file.pull_events()
    assert isinstance(sealed, r.FinalReportSealed)
    assert (sealed.report_key, sealed.report_sha256) == (REPORT.key, REPORT.sha256)
    assert isinstance(opened, r.ObligationOpened) and opened.obligation == FINAL_FILING
    assert (opened.rule_id, opened.last_day) == ("RSK-07", date(2026, 10, 10))
    assert (opened.debtor.role, opened.creditor.role, opened.creditor.id) == (Role.INSURER, Role.REGULATOR, "shanghai")
    final_report.seal(risk_file, seal(), REPORT, rules(), at=at(2026, 10, 2))  # sealed already: the first stands
    assert risk_file.pull_events() == []
    final_report.record_filed(
        risk_file, r.RecordReportFiled(project_id="prj-1", filed_on=date(2026, 10, 9)), at=at(2026, 10, 9)
    )
    filed, met = risk_file.pull_events()
    assert isinstance(filed, r.FinalReportFiled) and isinstance(met, r.ObligationFulfilled)


def test_rsk07_a_general_issue_still_open_does_not_hold_the_final_report() -> None:
    risk_file = planned()
    close_all(risk_file)
    risk_issue.raise_issue(
        risk_file, issue(severity=r.IssueSeverity.GENERAL, process_id=None), facts(), at=NOW, by="prc-eng"
    )
    final_report.seal(risk_file, seal(), REPORT, rules(), at=NOW)
    assert risk_file.final_report is not None
