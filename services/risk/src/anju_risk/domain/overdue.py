"""The overdue sweep over a risk file's legal clocks (XC-01, XC-02): every obligation that passed unmet
is reported overdue once, whichever subject keeps it (the project, an issue, a report, an inspection, a
test, an emergency). Pure; the handler sweeps the files the due index names.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from anju_contracts import risk as r
from anju_contracts import safety as s
from anju_kit.deadlines import take_overdue
from anju_kit.regions import SafetyRules
from anju_risk.domain import hazard as hz
from anju_risk.domain import safety_plan, safety_reports
from anju_risk.domain.coverage import COVERAGE_CHECKPOINT, QUARTER_COVERAGE
from anju_risk.domain.planning import INITIAL_ANALYSIS, PLAN_UPLOAD
from anju_risk.domain.reports import REPORT_FILING
from anju_risk.domain.special import SPECIAL_REPORT

if TYPE_CHECKING:
    from anju_risk.domain.risk_file import RiskFile
    from anju_risk.domain.rules import RiskRules

# Uploads the agency owes: one passed unmet is a fact the registry may weigh (REG-08 "photos not uploaded").
AGENCY_UPLOADS = frozenset({INITIAL_ANALYSIS, PLAN_UPLOAD, REPORT_FILING, SPECIAL_REPORT})


def fire_overdue(risk_file: RiskFile, now: datetime, rules: RiskRules | None = None) -> list[r.DeadlineOverdue]:
    """One DeadlineOverdue per obligation that passed unmet; never twice for one deadline. An upload
    the agency owed is also reported as a finding for the registry (REG-08: it decides)."""
    fired: list[r.DeadlineOverdue] = []
    for issue_id, subject_id, deadlines in risk_file.tracked():
        for d in take_overdue(deadlines, now):
            fired.append(
                r.DeadlineOverdue(
                    project_id=risk_file.project_id,
                    issue_id=issue_id,
                    subject_id=subject_id,
                    deadline=d.info(),
                    detected_at=now,
                )
            )
    for event in fired:
        risk_file.record(event)
        if event.deadline.obligation in AGENCY_UPLOADS and risk_file.agency_id is not None:
            risk_file.record(
                r.AgencyFindingReported(
                    project_id=risk_file.project_id,
                    agency_id=risk_file.agency_id,
                    kind=r.FindingKind.EVIDENCE_NOT_UPLOADED,
                    rule_id=event.deadline.rule_id,
                    subject_id=event.subject_id or risk_file.project_id,
                    detail=f"{event.deadline.obligation} not uploaded by {event.deadline.last_day.isoformat()}",
                    observed_at=now,
                )
            )
    if rules is not None and rules.safety is not None:
        _safety_overdue(risk_file, fired, rules.safety, now)
        if any(e.deadline.obligation in safety_reports.DELIVERY.values() for e in fired):
            safety_reports.ensure_periods(risk_file, rules.safety, rules.calendar, now)  # the next period
    return fired


def _safety_overdue(risk_file: RiskFile, fired: list[r.DeadlineOverdue], rules: SafetyRules, now: datetime) -> None:
    """SAF-02: a quarter still uncovered at its checkpoint is raised before it ends, and the next quarter
    goes on the clock when one ends; SAF-03: a rectification passed unmet is escalated as delayed."""
    for event in fired:
        obligation, subject = event.deadline.obligation, event.subject_id or ""
        if obligation == COVERAGE_CHECKPOINT and subject in risk_file.safety.quarters:
            quarter = risk_file.safety.quarters[subject]
            cov = safety_plan.coverage(risk_file, rules, subject)
            quarter.flagged = True
            risk_file.record(
                s.SafetyCoverageFlagged(
                    project_id=risk_file.project_id,
                    agency_id=risk_file.agency_id,
                    quarter=subject,
                    unchecked_source_ids=tuple(cov.unchecked_source_ids),
                    inspections_missing=cov.inspections_missing,
                    full_coverage_missing=cov.full_coverage_missing,
                    quarter_ends_at=cov.ends_at,
                )
            )
        elif obligation == hz.RECTIFICATION and subject in risk_file.safety.hazards:
            hz.escalate(risk_file, risk_file.safety.hazards[subject], s.EscalationReason.DELAYED)
    if any(e.deadline.obligation == QUARTER_COVERAGE for e in fired):
        safety_plan.ensure_quarter(risk_file, rules, now)
