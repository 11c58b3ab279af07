"""The critical processes closed and the final risk assessment report behind its gate (RSK-07): no
final report while the plan is missing, a serious issue is open or a critical process is not closed —
the refusal lists every one with its place. The insurer seals the report (rendered from the recorded
findings, stored with its checksum) and owes its filing to the region's regulator within N working
days. Pure; the handler renders and stores the PDF before the one write that seals it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from anju_contracts import FailedCondition, ReasonCode
from anju_contracts import risk as r
from anju_contracts.common import EvidenceRef
from anju_risk.domain.errors import RiskError, failed, invalid_state, refuse_if
from anju_risk.domain.rules import RiskRules

if TYPE_CHECKING:
    from anju_risk.domain.risk_file import RiskFile

FINAL_FILING = "final_report_filing"  # RSK-07


class FinalReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document: EvidenceRef
    conclusion: str
    sealed_at: datetime
    filed_on: date | None = None


def close_process(risk_file: RiskFile, cmd: r.CloseProcess) -> None:
    """Refused while any issue of the process is open, listing every one (RSK-07)."""
    process = risk_file.processes.get(cmd.process_id)
    if process is None:
        raise RiskError(ReasonCode.NOT_FOUND, "no such process in the plan", field="process_id")
    if process.closed_on is not None:
        return
    open_issues = [i for i in risk_file.issues.values() if i.is_open and i.process_id == cmd.process_id]
    refuse_if(
        [
            failed("RSK-07", "ISSUE_OPEN", f"{i.severity.value} issue {i.issue_id} at {i.location} is open", i.issue_id)
            for i in open_issues
        ],
        field="process_id",
    )
    process.closed_on = cmd.closed_on
    risk_file.record(
        r.ProcessClosed(project_id=risk_file.project_id, process_id=cmd.process_id, closed_on=cmd.closed_on)
    )


def gate_failures(risk_file: RiskFile) -> list[FailedCondition]:
    """Everything that stands between the project and its final risk assessment report."""
    failures: list[FailedCondition] = []
    if risk_file.plan is None:
        failures.append(failed("RSK-07", "NO_PLAN", "no risk-management plan is recorded (RSK-01)"))
    for issue in risk_file.issues.values():
        if issue.is_open and issue.is_serious:
            failures.append(
                failed(
                    "RSK-07",
                    "SERIOUS_ISSUE_OPEN",
                    f"serious issue {issue.issue_id} at {issue.location} is {issue.status.value}",
                    issue.issue_id,
                )
            )
    for process in risk_file.processes.values():
        if process.closed_on is None:
            failures.append(
                failed(
                    "RSK-07",
                    "PROCESS_NOT_CLOSED",
                    f"critical process {process.name} ({process.part}) is not closed",
                    process.process_id,
                )
            )
    return failures


def check_gate(risk_file: RiskFile) -> None:
    """Refuses the final report listing every open serious issue and unclosed process with its place."""
    if risk_file.final_report is not None:
        return
    refuse_if(gate_failures(risk_file), field="project_id")


def seal(risk_file: RiskFile, cmd: r.SealFinalReport, document: EvidenceRef, rules: RiskRules, *, at: datetime) -> None:
    """The insurer seals the report (rendered from the recorded findings, stored with its checksum);
    it is filed with the regulator within N working days (RSK-07)."""
    if risk_file.final_report is not None:
        return  # sealed already: the first seal stands
    check_gate(risk_file)
    risk_file.final_report = FinalReport(document=document, conclusion=cmd.conclusion, sealed_at=at)
    risk_file.record(
        r.FinalReportSealed(
            project_id=risk_file.project_id, report_key=document.key, report_sha256=document.sha256, sealed_at=at
        )
    )
    risk_file.project_clock(at, risk_file.insurer_owes()).open(rules.report_deadline(at, "RSK-07"), FINAL_FILING)


def record_filed(risk_file: RiskFile, cmd: r.RecordReportFiled, *, at: datetime) -> None:
    report = risk_file.final_report
    if report is None:
        raise invalid_state("no final report is sealed yet", rule_id="RSK-07")
    if report.filed_on is not None:
        return
    report.filed_on = cmd.filed_on
    risk_file.record(
        r.FinalReportFiled(project_id=risk_file.project_id, report_key=report.document.key, filed_on=cmd.filed_on)
    )
    risk_file.meet(FINAL_FILING, at, on=cmd.filed_on)
