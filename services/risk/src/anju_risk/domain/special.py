"""Special inspections (RSK-08): the builder notifies household acceptance (分户验收) or owners'
pre-viewing (预看房) at least N working days ahead — the latest notice day is counted back on the PRC
calendar (kit ``latest_notice_day``); a late notice is recorded as late and reported, never refused (the
inspection happens anyway). The agency's spot-check ends with each unit's result (XC-03: filed under the
unit), and the special inspection report is owed to the regulator within N working days of completion.
Pure; the risk file holds the inspections and records their events.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from anju_contracts import ReasonCode
from anju_contracts import risk as r
from anju_kit.calendar import shanghai_day
from anju_kit.deadlines import TrackedDeadline
from anju_risk.domain.errors import RiskError, failed, invalid_state, refuse_if
from anju_risk.domain.rules import RiskRules

if TYPE_CHECKING:
    from anju_risk.domain.risk_file import RiskFile

SPECIAL_REPORT = "special_report_filing"  # RSK-08: the report within N working days of completion


class SpecialInspection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inspection_id: str
    kind: r.SpecialInspectionKind
    scope: str
    scheduled_on: date
    notified_on: date
    latest_notice_day: date
    late: bool
    builder_id: str
    completed_on: date | None = None
    findings: list[r.UnitFinding] = Field(default_factory=list)
    report_id: str | None = None
    deadlines: list[TrackedDeadline] = Field(default_factory=list)


def inspection(risk_file: RiskFile, inspection_id: str) -> SpecialInspection:
    found = risk_file.special_inspections.get(inspection_id)
    if found is None:
        raise RiskError(ReasonCode.NOT_FOUND, "no such special inspection on this project", field="inspection_id")
    return found


def notify(
    risk_file: RiskFile, cmd: r.NotifySpecialInspection, rules: RiskRules, *, at: datetime, builder_id: str
) -> None:
    """Recorded in time or late (RSK-08); a late notice is also reported (``SpecialNoticeLate``)."""
    existing = risk_file.special_inspections.get(cmd.inspection_id)
    if existing is not None:
        if (existing.kind, existing.scheduled_on) == (cmd.kind, cmd.scheduled_on):
            return
        raise RiskError(ReasonCode.CONFLICT, "this inspection id names another notice", field="inspection_id")
    notified_on = shanghai_day(at)
    refuse_if(
        [failed("RSK-08", "SCHEDULED_IN_PAST", "the inspection's day has passed", "scheduled_on")]
        if cmd.scheduled_on < notified_on
        else [],
        field="scheduled_on",
    )
    if risk_file.final_report is not None:
        raise invalid_state("the final report is sealed", rule_id="RSK-07")
    latest = rules.latest_notice_day(cmd.scheduled_on)
    late = notified_on > latest
    risk_file.special_inspections[cmd.inspection_id] = SpecialInspection(
        inspection_id=cmd.inspection_id,
        kind=cmd.kind,
        scope=cmd.scope,
        scheduled_on=cmd.scheduled_on,
        notified_on=notified_on,
        latest_notice_day=latest,
        late=late,
        builder_id=builder_id,
    )
    common = {
        "project_id": risk_file.project_id,
        "inspection_id": cmd.inspection_id,
        "kind": cmd.kind,
        "scheduled_on": cmd.scheduled_on,
        "notified_on": notified_on,
        "latest_notice_day": latest,
        "builder_id": builder_id,
    }
    risk_file.record(r.SpecialInspectionNotified(**common, late=late))
    if late:
        risk_file.record(r.SpecialNoticeLate(**common, insurer_id=risk_file.insurer_id))


def complete(risk_file: RiskFile, cmd: r.CompleteSpecialInspection, rules: RiskRules, *, at: datetime) -> None:
    """Each unit's result; the special report is owed within N working days of completion (RSK-08)."""
    found = inspection(risk_file, cmd.inspection_id)
    if found.completed_on is not None:
        if found.completed_on == cmd.completed_on and found.findings == list(cmd.findings):
            return
        raise invalid_state("the special inspection is completed already", rule_id="RSK-08", field="inspection_id")
    failures = []
    if cmd.completed_on < found.scheduled_on:
        failures.append(failed("RSK-08", "BEFORE_SCHEDULED_DAY", "completed before its day", "completed_on"))
    if cmd.completed_on > shanghai_day(at):
        failures.append(failed("RSK-08", "IN_THE_FUTURE", "completed in the future", "completed_on"))
    units = [f.unit_id for f in cmd.findings]
    if len(set(units)) != len(units):
        failures.append(failed("XC-03", "UNIT_REPEATED", "each unit is reported once", "findings"))
    refuse_if(failures, field="completed_on")
    found.completed_on, found.findings = cmd.completed_on, list(cmd.findings)
    due = rules.report_deadline(cmd.completed_on, "RSK-08")
    risk_file.record(
        r.SpecialInspectionCompleted(
            project_id=risk_file.project_id,
            inspection_id=found.inspection_id,
            kind=found.kind,
            completed_on=cmd.completed_on,
            findings=cmd.findings,
            report_due_on=due.last_day,
        )
    )
    parties = risk_file.agency_to_regulator("risk_inspection", found.inspection_id)
    risk_file.clock_of(found.deadlines, at, parties).open(due, SPECIAL_REPORT)
