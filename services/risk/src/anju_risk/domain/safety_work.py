"""The safety part of a project's risk file (安责险风控, the safety half of 质安保): what it holds and
the helpers its concern modules share. Pure.

The concerns: the plan, the risk sources and the quarters' coverage (``safety_plan``, SAF-01, SAF-02,
SAF-08), hazards (``hazard``, SAF-03), the periodic reports (``safety_reports``, SAF-04), training and
drills (``training``, SAF-06), the records' retention and destruction mark (``records``, SAF-05). The
safety part lives in the project's one risk file so that a 质安保 project carries quality and safety work
in one aggregate (one compare-and-set, one history).
"""

from __future__ import annotations

import calendar as cal
from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from anju_contracts import Role
from anju_contracts import safety as s
from anju_contracts.common import EvidenceRef, PartyRef, SubjectRef
from anju_kit.calendar import Deadline, end_of_day
from anju_kit.deadlines import LegalClock, ObligationParties, TrackedDeadline
from anju_kit.regions import SafetyRules
from anju_risk.domain.coverage import Quarter
from anju_risk.domain.errors import RiskError, invalid_state
from anju_risk.domain.hazard import Hazard
from anju_risk.domain.rules import RiskRules
from anju_risk.domain.safety_reports import PeriodReport

if TYPE_CHECKING:
    from anju_risk.domain.risk_file import RiskFile

FIRST_IDENTIFICATION = "first_identification"  # SAF-02
TRAINING = "safety_training"  # SAF-06

if TYPE_CHECKING:
    from anju_risk.domain.risk_file import RiskFile


class SafetyPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan_id: str
    lead_id: str
    grade: s.RiskGrade
    grade_reason: str
    scope: str
    submitted_on: date
    document: EvidenceRef | None = None


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source_id: str
    type_code: str
    name_zh: str
    level: int
    high_risk_work: bool
    location: str
    identified_on: date


class Training(BaseModel):
    model_config = ConfigDict(extra="forbid")

    training_id: str
    held_on: date
    topics: str
    covers_everyone: bool
    evidence: list[EvidenceRef]


class Drill(BaseModel):
    model_config = ConfigDict(extra="forbid")

    drill_id: str
    held_on: date
    plan: EvidenceRef
    evaluation: str
    evidence: list[EvidenceRef]


class SafetyWork(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: SafetyPlan | None = None
    sources: dict[str, Source] = Field(default_factory=dict)
    identifications: list[str] = Field(default_factory=list)
    quarters: dict[str, Quarter] = Field(default_factory=dict)
    hazards: dict[str, Hazard] = Field(default_factory=dict)
    trainings: list[Training] = Field(default_factory=list)
    drills: list[Drill] = Field(default_factory=list)
    deadlines: list[TrackedDeadline] = Field(default_factory=list)  # first identification, training
    reports: dict[str, PeriodReport] = Field(default_factory=dict)  # SAF-04, by period key
    destroyed_at: datetime | None = None  # SAF-05: a mark; nothing is deleted (XC-08)

    def evidence_keys(self) -> set[str]:
        keys = {k for q in self.quarters.values() for i in q.inspections for k in i.evidence_keys}
        keys |= {k for h in self.hazards.values() for k in h.evidence_keys()}
        keys |= {e.key for t in self.trainings for e in t.evidence}
        keys |= {e.key for d in self.drills for e in (d.plan, *d.evidence)}
        keys |= {r.document.key for r in self.reports.values() if r.document}
        if self.plan and self.plan.document:
            keys.add(self.plan.document.key)
        return keys

    def source_levels(self) -> dict[str, tuple[int, bool]]:
        return {sid: (src.level, src.high_risk_work) for sid, src in self.sources.items()}


def safety_rules(rules: RiskRules) -> SafetyRules:
    """The region's safety rules; a region without a safety product refuses every safety command."""
    if rules.safety is None:
        raise RiskError(
            "PRODUCT_NOT_OFFERED", f"region {rules.region} offers no construction-safety product", rule_id="XC-06"
        )
    return rules.safety


def required_inspections(rules: SafetyRules, grade: s.RiskGrade) -> int:
    """SAF-08: the region's frequency for the grade."""
    return int(getattr(rules.inspections_per_quarter_by_grade, grade.value))


def agency_to_insurer(risk_file: RiskFile, kind: str, subject_id: str) -> ObligationParties | None:
    if risk_file.agency_id is None:
        return None
    return ObligationParties(
        debtor=PartyRef(role=Role.AGENCY, id=risk_file.agency_id),
        creditor=PartyRef(role=Role.INSURER, id=risk_file.insurer_id),
        subject=SubjectRef(kind=kind, id=f"{risk_file.project_id}.{subject_id}"),
    )


def not_destroyed(risk_file: RiskFile) -> None:
    if risk_file.safety.destroyed_at is not None:
        raise invalid_state("the project's safety records are marked destroyed", rule_id="SAF-05")


def check_open(risk_file: RiskFile) -> None:
    """Hazards need the plan (SAF-01) and records not marked destroyed (SAF-05)."""
    plan_required(risk_file)


def plan_required(risk_file: RiskFile) -> SafetyPlan:
    not_destroyed(risk_file)
    if risk_file.safety.plan is None:
        raise invalid_state("no safety service plan yet (SAF-01)", rule_id="SAF-01", field="project_id")
    return risk_file.safety.plan


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, cal.monthrange(year, month)[1]))


def training_deadline(rules: SafetyRules, after: date) -> Deadline:
    """SAF-06: the next training within ``training_interval_months`` (natural months; 24:00 of the day)."""
    last = add_months(after, rules.training_interval_months)
    return Deadline(rule_id="SAF-06", due_at=end_of_day(last), last_day=last, calendar_estimated=False)


def project_clock(risk_file: RiskFile, at: datetime, kind: str, subject: str) -> LegalClock:
    return risk_file.clock_of(risk_file.safety.deadlines, at, agency_to_insurer(risk_file, kind, subject))
