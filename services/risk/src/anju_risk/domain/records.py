"""Safety records (SAF-05, XC-08): kept at least ``records_retention_years_after_completion`` years after
completion; destroyed only with the insurer's approval, never before that date, and then only marked —
nothing is hard-deleted. Pure.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from anju_contracts import safety as s
from anju_kit.calendar import shanghai_day
from anju_kit.regions import SafetyRules
from anju_risk.domain.errors import RiskError, invalid_state
from anju_risk.domain.facts import ProjectFacts
from anju_risk.domain.safety_plan import quarter_clock
from anju_risk.domain.safety_reports import delivery_clock
from anju_risk.domain.safety_work import add_months, project_clock

if TYPE_CHECKING:
    from anju_risk.domain.risk_file import RiskFile


def retained_until(completed_on: date | None, rules: SafetyRules) -> date | None:
    """SAF-05: the records are kept at least N years after completion (None while not completed)."""
    if completed_on is None:
        return None
    return add_months(completed_on, 12 * rules.records_retention_years_after_completion)


def approve_destruction(
    risk_file: RiskFile,
    cmd: s.ApproveRecordsDestruction,
    facts: ProjectFacts,
    rules: SafetyRules,
    *,
    at: datetime,
    by: str,
) -> None:
    """SAF-05, XC-08: never before the retention date; the records are marked, never deleted."""
    if risk_file.safety.destroyed_at is not None:
        return
    until = retained_until(facts.completed_on, rules)
    if until is None:
        raise invalid_state("the project is not completed: its records are kept", rule_id="SAF-05")
    if shanghai_day(at) <= until:
        raise RiskError(
            "RETENTION_PERIOD",
            f"safety records are kept until {until.isoformat()} ({rules.records_retention_years_after_completion} "
            "years after completion)",
            rule_id="SAF-05",
            field="project_id",
        )
    risk_file.safety.destroyed_at = at
    # Every deadline still open is cancelled on the clock that opened it, so its ObligationFulfilled
    # (cancelled) carries the same obligation id and notify's ledger closes it too.
    project_clock(risk_file, at, "safety_project", "plan").cancel()
    for quarter in risk_file.safety.quarters.values():
        quarter_clock(risk_file, quarter, at).cancel()
    for report in risk_file.safety.reports.values():
        # Both deliveries share the report's subject and debtor: either recipient's clock names them alike.
        delivery_clock(risk_file, report, at, s.Recipient.INSURER).cancel()
    risk_file.record(
        s.SafetyRecordsDestroyed(project_id=risk_file.project_id, approved_by=by, retained_until=until, marked_at=at)
    )
