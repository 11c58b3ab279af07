"""Insurer oversight and emergencies (RSK-10, RSK-11): the insurer scores the agency's work on the
project for a period (published for the registry's REG-07 evaluations) and records its unannounced
(flying) inspections; an emergency — systemic risk, major or sudden quality event, extreme weather —
obliges the insurer to activate the emergency plan, visit the site and report to the regulator, each
an hour deadline (region settings) met when the action is recorded with its evidence. Pure.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from anju_contracts import ReasonCode
from anju_contracts import risk as r
from anju_contracts.common import EvidenceRef
from anju_kit.deadlines import TrackedDeadline, latest
from anju_risk.domain.errors import RiskError, failed, invalid_state, refuse_if
from anju_risk.domain.rules import RiskRules

if TYPE_CHECKING:
    from anju_risk.domain.risk_file import RiskFile

OBLIGATION_OF = {
    r.EmergencyAction.PLAN_ACTIVATED: "emergency_plan",
    r.EmergencyAction.SITE_VISITED: "emergency_site_visit",
    r.EmergencyAction.REGULATOR_REPORTED: "emergency_regulator_report",
}


class Score(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str
    score: float
    comment: str
    scored_at: datetime


class FlyingInspection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inspection_id: str
    inspected_on: date
    findings: str
    evidence: list[EvidenceRef]


class Emergency(BaseModel):
    model_config = ConfigDict(extra="forbid")

    emergency_id: str
    kind: r.EmergencyKind
    occurred_at: datetime
    description: str
    done: dict[r.EmergencyAction, list[EvidenceRef]] = Field(default_factory=dict)
    deadlines: list[TrackedDeadline] = Field(default_factory=list)


class Oversight(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scores: dict[str, Score] = Field(default_factory=dict)  # by period
    inspections: dict[str, FlyingInspection] = Field(default_factory=dict)
    emergencies: dict[str, Emergency] = Field(default_factory=dict)

    def evidence_keys(self) -> set[str]:
        keys = {e.key for i in self.inspections.values() for e in i.evidence}
        return keys | {e.key for em in self.emergencies.values() for refs in em.done.values() for e in refs}


def score(risk_file: RiskFile, cmd: r.ScoreAgencyWork, *, at: datetime) -> None:
    """One score per period (a later one for the same period corrects it); feeds REG-07."""
    if risk_file.agency_id is None:
        raise invalid_state("no agency works on this project yet", rule_id="RSK-10")
    existing = risk_file.oversight.scores.get(cmd.period)
    if existing is not None and (existing.score, existing.comment) == (cmd.score, cmd.comment):
        return
    risk_file.oversight.scores[cmd.period] = Score(
        period=cmd.period, score=cmd.score, comment=cmd.comment, scored_at=at
    )
    risk_file.record(
        r.AgencyWorkScored(
            project_id=risk_file.project_id,
            agency_id=risk_file.agency_id,
            insurer_id=risk_file.insurer_id,
            period=cmd.period,
            score=cmd.score,
        )
    )


def record_flying_inspection(risk_file: RiskFile, cmd: r.RecordUnannouncedInspection, *, at: datetime) -> None:
    inspections = risk_file.oversight.inspections
    if cmd.inspection_id in inspections:
        return
    refuse_if(
        [failed("RSK-10", "IN_THE_FUTURE", "an inspection cannot be recorded ahead", "inspected_on")]
        if cmd.inspected_on > at.date()
        else [],
        field="inspected_on",
    )
    inspections[cmd.inspection_id] = FlyingInspection(
        inspection_id=cmd.inspection_id,
        inspected_on=cmd.inspected_on,
        findings=cmd.findings,
        evidence=list(cmd.evidence),
    )
    risk_file.record(
        r.UnannouncedInspectionRecorded(
            project_id=risk_file.project_id,
            inspection_id=cmd.inspection_id,
            insurer_id=risk_file.insurer_id,
            agency_id=risk_file.agency_id,
            inspected_on=cmd.inspected_on,
            evidence=cmd.evidence,
        )
    )


def declare(risk_file: RiskFile, cmd: r.DeclareEmergency, rules: RiskRules, *, at: datetime) -> None:
    """Opens the three obligations of RSK-11, counted in hours from the emergency's instant."""
    emergencies = risk_file.oversight.emergencies
    existing = emergencies.get(cmd.emergency_id)
    if existing is not None:
        if (existing.kind, existing.occurred_at) == (cmd.kind, cmd.occurred_at):
            return
        raise RiskError(ReasonCode.CONFLICT, "this emergency id names another emergency", field="emergency_id")
    refuse_if(
        [failed("RSK-11", "IN_THE_FUTURE", "an emergency cannot be declared ahead", "occurred_at")]
        if cmd.occurred_at > at
        else [],
        field="occurred_at",
    )
    emergency = Emergency(
        emergency_id=cmd.emergency_id, kind=cmd.kind, occurred_at=cmd.occurred_at, description=cmd.description
    )
    emergencies[cmd.emergency_id] = emergency
    risk_file.record(
        r.EmergencyDeclared(
            project_id=risk_file.project_id,
            emergency_id=cmd.emergency_id,
            kind=cmd.kind,
            occurred_at=cmd.occurred_at,
            insurer_id=risk_file.insurer_id,
        )
    )
    clock = risk_file.clock_of(
        emergency.deadlines, at, risk_file.insurer_to_regulator("risk_emergency", cmd.emergency_id)
    )
    hours = {
        r.EmergencyAction.PLAN_ACTIVATED: rules.emergency_plan_hours,
        r.EmergencyAction.SITE_VISITED: rules.emergency_site_visit_hours,
        r.EmergencyAction.REGULATOR_REPORTED: rules.emergency_report_hours,
    }
    for action, obligation in OBLIGATION_OF.items():
        clock.open(rules.emergency_deadline(cmd.occurred_at, hours[action]), obligation)


def record_action(risk_file: RiskFile, cmd: r.RecordEmergencyAction, *, at: datetime) -> None:
    emergency = risk_file.oversight.emergencies.get(cmd.emergency_id)
    if emergency is None:
        raise RiskError(ReasonCode.NOT_FOUND, "no such emergency on this project", field="emergency_id")
    if cmd.action in emergency.done:
        return
    emergency.done[cmd.action] = list(cmd.evidence)
    risk_file.record(
        r.EmergencyActionRecorded(
            project_id=risk_file.project_id,
            emergency_id=cmd.emergency_id,
            action=cmd.action,
            evidence=cmd.evidence,
        )
    )
    deadline = latest(emergency.deadlines, OBLIGATION_OF[cmd.action], "open")
    if deadline is not None:
        parties = risk_file.insurer_to_regulator("risk_emergency", cmd.emergency_id)
        risk_file.clock_of(emergency.deadlines, at, parties).meet(deadline, on=at.date())
