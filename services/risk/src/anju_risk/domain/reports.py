"""The agency's reports (RSK-03): each kind but the final one is rendered as a Chinese PDF from the
file's recorded findings, stored with its checksum, and owed to the regulator's platform within N
working days (an obligation per report; a special inspection's report meets the inspection's own
obligation, counted from its completion, RSK-08). The final risk assessment is the insurer's (RSK-07).
Pure; the handler renders and stores the PDF before the one write that issues it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from anju_contracts import ReasonCode
from anju_contracts import risk as r
from anju_contracts.common import EvidenceRef
from anju_kit.deadlines import TrackedDeadline, latest
from anju_risk.domain import special
from anju_risk.domain.errors import RiskError, failed, invalid_state, refuse_if
from anju_risk.domain.planning import INITIAL_ANALYSIS
from anju_risk.domain.rules import RiskRules

if TYPE_CHECKING:
    from anju_risk.domain.risk_file import RiskFile

REPORT_FILING = "report_filing"  # RSK-03


class IssuedReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    report_id: str
    kind: r.RiskReportKind
    summary: str
    document: EvidenceRef
    issued_at: datetime
    inspection_id: str | None = None
    filed_on: date | None = None
    deadlines: list[TrackedDeadline] = Field(default_factory=list)


def check_can_generate(risk_file: RiskFile, cmd: r.GenerateRiskReport) -> bool:
    """False when this report is issued already (nothing to render); refusals before any rendering."""
    existing = risk_file.issued_reports.get(cmd.report_id)
    if existing is not None:
        if (existing.kind, existing.inspection_id) == (cmd.kind, cmd.inspection_id):
            return False
        raise RiskError(ReasonCode.CONFLICT, "this report id names another report", field="report_id")
    failures = []
    if cmd.kind is r.RiskReportKind.FINAL_RISK_ASSESSMENT:
        failures.append(failed("RSK-07", "FINAL_IS_THE_INSURERS", "the insurer seals the final report", "kind"))
    special_kind = cmd.kind is r.RiskReportKind.SPECIAL_INSPECTION
    if special_kind != (cmd.inspection_id is not None):
        failures.append(
            failed("RSK-08", "INSPECTION_MISMATCH", "a special inspection report (only) names its inspection", "kind")
        )
    refuse_if(failures, field="kind")
    if cmd.inspection_id is not None:
        found = special.inspection(risk_file, cmd.inspection_id)
        if found.completed_on is None:
            raise invalid_state("the special inspection is not completed", rule_id="RSK-08", field="inspection_id")
        if found.report_id is not None:
            raise invalid_state("the inspection's report is issued already", rule_id="RSK-08", field="inspection_id")
    if risk_file.final_report is not None and cmd.kind is not r.RiskReportKind.REVISIT_RISK_ASSESSMENT:
        raise invalid_state("the final report is sealed: only revisit reports follow", rule_id="RSK-07")
    return True


def issue(
    risk_file: RiskFile, cmd: r.GenerateRiskReport, document: EvidenceRef, rules: RiskRules, *, at: datetime
) -> None:
    if not check_can_generate(risk_file, cmd):
        return
    report = IssuedReport(
        report_id=cmd.report_id,
        kind=cmd.kind,
        summary=cmd.summary,
        document=document,
        issued_at=at,
        inspection_id=cmd.inspection_id,
    )
    risk_file.issued_reports[cmd.report_id] = report
    risk_file.record(
        r.RiskReportIssued(
            project_id=risk_file.project_id,
            report_id=cmd.report_id,
            kind=cmd.kind,
            document=document,
            inspection_id=cmd.inspection_id,
        )
    )
    if cmd.inspection_id is not None:
        special.inspection(risk_file, cmd.inspection_id).report_id = cmd.report_id
    else:
        parties = risk_file.agency_to_regulator("risk_report", cmd.report_id)
        risk_file.clock_of(report.deadlines, at, parties).open(rules.report_deadline(at, "RSK-03"), REPORT_FILING)
    if cmd.kind is r.RiskReportKind.INITIAL_RISK_ANALYSIS:
        risk_file.meet(INITIAL_ANALYSIS, at)


def record_filed(risk_file: RiskFile, cmd: r.RecordRiskReportFiled, *, at: datetime) -> None:
    report = risk_file.issued_reports.get(cmd.report_id)
    if report is None:
        raise RiskError(ReasonCode.NOT_FOUND, "no such report on this project", field="report_id")
    if report.filed_on is not None:
        return
    refuse_if(
        [failed("RSK-03", "BEFORE_ISSUED", "filed before it was issued", "filed_on")]
        if cmd.filed_on < report.issued_at.date()
        else [],
        field="filed_on",
    )
    report.filed_on = cmd.filed_on
    risk_file.record(
        r.RiskReportFiled(
            project_id=risk_file.project_id, report_id=report.report_id, kind=report.kind, filed_on=cmd.filed_on
        )
    )
    if report.inspection_id is not None:
        found = special.inspection(risk_file, report.inspection_id)
        owner, deadlines, obligation = ("risk_inspection", found.inspection_id), found.deadlines, special.SPECIAL_REPORT
    else:
        owner, deadlines, obligation = ("risk_report", report.report_id), report.deadlines, REPORT_FILING
    deadline = latest(deadlines, obligation, "open")
    if deadline is not None:
        risk_file.clock_of(deadlines, at, risk_file.agency_to_regulator(*owner)).meet(deadline, on=cmd.filed_on)
