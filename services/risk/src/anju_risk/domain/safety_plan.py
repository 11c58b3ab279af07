"""Construction safety on the project's risk file (安责险风控, the safety half of 质安保). Pure.

* one service plan per project (一项目一方案, SAF-01) with its risk grade; the quarter's inspections follow
  the grade (SAF-08, the region's ``inspections_per_quarter_by_grade``);
* the risk sources, their level and 危大工程 from the region's risk-source list, the first identification
  owed right after the plan, and the quarters' coverage on the legal clock (SAF-02, ``coverage``);
* training every ``training_interval_months`` covering every manager and worker, the emergency plan and
  drills with their evaluation (SAF-06);
* the records' destruction: only the insurer approves it, never before the retention date after
  completion, and it is a mark, never a deletion (SAF-05, XC-08).

Hazards are in ``hazard``. The safety part lives in the project's one risk file so that a 质安保 project
carries quality and safety work in one aggregate (one compare-and-set, one history).
"""

from __future__ import annotations

import calendar as cal
from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from anju_contracts import FailedCondition, ReasonCode, Role
from anju_contracts import safety as s
from anju_contracts.common import EvidenceRef, PartyRef, SubjectRef
from anju_kit.calendar import Deadline, end_of_day, shanghai_day
from anju_kit.deadlines import LegalClock, ObligationParties, TrackedDeadline, latest
from anju_kit.regions import SafetyRules
from anju_risk.domain.coverage import (
    COVERAGE_CHECKPOINT,
    QUARTER_COVERAGE,
    Coverage,
    Inspection,
    Quarter,
    coverage_of,
    current_quarter,
    next_quarter,
    quarter_deadlines,
    quarter_of,
)
from anju_risk.domain.errors import RiskError, failed, invalid_state, refuse_if
from anju_risk.domain.facts import ProjectFacts
from anju_risk.domain.hazard import Hazard
from anju_risk.domain.rules import RiskRules
from anju_risk.domain.safety_reports import PeriodReport

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


def _not_destroyed(risk_file: RiskFile) -> None:
    if risk_file.safety.destroyed_at is not None:
        raise invalid_state("the project's safety records are marked destroyed", rule_id="SAF-05")


def check_open(risk_file: RiskFile) -> None:
    """Hazards need the plan (SAF-01) and records not marked destroyed (SAF-05)."""
    _plan_required(risk_file)


def _plan_required(risk_file: RiskFile) -> SafetyPlan:
    _not_destroyed(risk_file)
    if risk_file.safety.plan is None:
        raise invalid_state("no safety service plan yet (SAF-01)", rule_id="SAF-01", field="project_id")
    return risk_file.safety.plan


def submit_plan(
    risk_file: RiskFile, cmd: s.SubmitSafetyPlan, facts: ProjectFacts, risk_rules: RiskRules, *, at: datetime
) -> None:
    """SAF-01: one plan per project; the same plan again is a duplicate, another one is refused."""
    rules = safety_rules(risk_rules)
    work = risk_file.safety
    _not_destroyed(risk_file)
    if work.plan is not None:
        if work.plan.plan_id == cmd.plan_id and work.plan.grade is cmd.grade:
            return
        raise RiskError(ReasonCode.CONFLICT, "the project has its one service plan", rule_id="SAF-01", field="plan_id")
    failures: list[FailedCondition] = []
    if cmd.lead_id != facts.lead_id:
        failures.append(failed("SAF-01", "NOT_THE_LEAD", "the plan's lead is not the team's lead", "lead_id"))
    refuse_if(failures, field="plan_id")
    day = shanghai_day(at)
    work.plan = SafetyPlan(
        plan_id=cmd.plan_id,
        lead_id=cmd.lead_id,
        grade=cmd.grade,
        grade_reason=cmd.grade_reason,
        scope=cmd.scope,
        submitted_on=day,
        document=cmd.document,
    )
    risk_file.agency_id = risk_file.agency_id or facts.agency_id
    risk_file.record(
        s.SafetyPlanSubmitted(
            project_id=risk_file.project_id,
            plan_id=cmd.plan_id,
            agency_id=risk_file.agency_id,
            grade=cmd.grade,
            inspections_per_quarter=required_inspections(rules, cmd.grade),
        )
    )
    clock = project_clock(risk_file, at, "safety_project", "plan")
    if not work.identifications:
        first = risk_rules.calendar.add_working_days(day, rules.first_identification_working_days, rule_id="SAF-02")
        clock.open(first, FIRST_IDENTIFICATION)
    clock.open(_training_deadline(rules, day), TRAINING)
    ensure_quarter(risk_file, rules, at)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, cal.monthrange(year, month)[1]))


def _training_deadline(rules: SafetyRules, after: date) -> Deadline:
    """SAF-06: the next training within ``training_interval_months`` (natural months; 24:00 of the day)."""
    last = add_months(after, rules.training_interval_months)
    return Deadline(rule_id="SAF-06", due_at=end_of_day(last), last_day=last, calendar_estimated=False)


def project_clock(risk_file: RiskFile, at: datetime, kind: str, subject: str) -> LegalClock:
    return risk_file.clock_of(risk_file.safety.deadlines, at, agency_to_insurer(risk_file, kind, subject))


def ensure_quarter(risk_file: RiskFile, rules: SafetyRules, at: datetime) -> None:
    """The current quarter is on the legal clock once the project has its plan (SAF-02, SAF-08)."""
    if risk_file.safety.plan is None or risk_file.safety.destroyed_at is not None:
        return
    key = current_quarter(at)
    quarter = risk_file.safety.quarters.setdefault(key, Quarter(quarter=key))
    if latest(quarter.deadlines, QUARTER_COVERAGE) is not None:
        return
    due, checkpoint = quarter_deadlines(key, rules)
    clock = quarter_clock(risk_file, quarter, at)
    clock.open(due, QUARTER_COVERAGE)
    if checkpoint.due_at > at:
        clock.open(checkpoint, COVERAGE_CHECKPOINT)


def quarter_clock(risk_file: RiskFile, quarter: Quarter, at: datetime) -> LegalClock:
    parties = agency_to_insurer(risk_file, "safety_quarter", quarter.quarter)
    return risk_file.clock_of(quarter.deadlines, at, parties)


def coverage(risk_file: RiskFile, rules: SafetyRules, quarter_key: str) -> Coverage:
    plan = risk_file.safety.plan
    quarter = risk_file.safety.quarters.get(quarter_key) or Quarter(quarter=quarter_key)
    required = required_inspections(rules, plan.grade) if plan else rules.inspections_per_quarter_by_grade.low
    return coverage_of(quarter, required_inspections=required, rules=rules, sources=risk_file.safety.source_levels())


def settle_quarter(risk_file: RiskFile, rules: SafetyRules, quarter: Quarter, at: datetime) -> None:
    """A quarter just covered meets its obligation and checkpoint, and the next quarter is opened."""
    if not coverage(risk_file, rules, quarter.quarter).covered:
        return
    clock = quarter_clock(risk_file, quarter, at)
    for name in (QUARTER_COVERAGE, COVERAGE_CHECKPOINT):
        deadline = latest(quarter.deadlines, name, "open")
        if deadline is not None:
            clock.meet(deadline, on=shanghai_day(at))
    following = next_quarter(quarter.quarter)
    if following not in risk_file.safety.quarters:
        nxt = risk_file.safety.quarters.setdefault(following, Quarter(quarter=following))
        due, checkpoint = quarter_deadlines(following, rules)
        nclock = quarter_clock(risk_file, nxt, at)
        nclock.open(due, QUARTER_COVERAGE)
        nclock.open(checkpoint, COVERAGE_CHECKPOINT)


def identify_sources(risk_file: RiskFile, cmd: s.IdentifyRiskSources, rules: SafetyRules, *, at: datetime) -> None:
    """SAF-02: each source's level and 危大工程 come from the region's list; an unknown type is refused."""
    work = risk_file.safety
    _plan_required(risk_file)
    if cmd.identification_id in work.identifications:
        return
    known = {t.code: t for t in rules.risk_sources}
    failures = [
        failed("SAF-02", "UNKNOWN_RISK_SOURCE", "not on the region's risk-source list", f"sources.{n}.type_code")
        for n, src in enumerate(cmd.sources)
        if src.type_code not in known
    ]
    if cmd.identified_on > shanghai_day(at):
        failures.append(failed("SAF-02", "IN_THE_FUTURE", "the identification day is after today", "identified_on"))
    refuse_if(failures, field="sources")
    levels: list[s.SourceLevel] = []
    for src in cmd.sources:
        kind = known[src.type_code]
        work.sources[src.source_id] = Source(
            source_id=src.source_id,
            type_code=src.type_code,
            name_zh=kind.name_zh,
            level=kind.level,
            high_risk_work=kind.high_risk_work,
            location=src.location,
            identified_on=cmd.identified_on,
        )
        levels.append(
            s.SourceLevel(
                source_id=src.source_id,
                type_code=src.type_code,
                level=kind.level,
                high_risk_work=kind.high_risk_work,
                location=src.location,
            )
        )
    work.identifications.append(cmd.identification_id)
    risk_file.record(
        s.RiskSourcesIdentified(
            project_id=risk_file.project_id,
            identification_id=cmd.identification_id,
            identified_on=cmd.identified_on,
            sources=tuple(levels),
        )
    )
    first = latest(work.deadlines, FIRST_IDENTIFICATION, "open")
    if first is not None:
        project_clock(risk_file, at, "safety_project", "plan").meet(first, on=cmd.identified_on)


def record_inspection(risk_file: RiskFile, cmd: s.RecordSafetyInspection, rules: SafetyRules, *, at: datetime) -> None:
    _plan_required(risk_file)
    key = quarter_of(cmd.inspected_on)
    quarter = risk_file.safety.quarters.setdefault(key, Quarter(quarter=key))
    if any(i.inspection_id == cmd.inspection_id for q in risk_file.safety.quarters.values() for i in q.inspections):
        return
    failures: list[FailedCondition] = [
        failed("SAF-02", "UNKNOWN_SOURCE", "not an identified risk source of the project", f"checked_source_ids.{n}")
        for n, sid in enumerate(cmd.checked_source_ids)
        if sid not in risk_file.safety.sources
    ]
    if cmd.inspected_on > shanghai_day(at):
        failures.append(failed("SAF-02", "IN_THE_FUTURE", "the inspection day is after today", "inspected_on"))
    refuse_if(failures, field="inspection_id")
    quarter.inspections.append(
        Inspection(
            inspection_id=cmd.inspection_id,
            inspected_on=cmd.inspected_on,
            full_coverage=cmd.full_coverage,
            checked_source_ids=list(dict.fromkeys(cmd.checked_source_ids)),
            evidence_keys=[e.key for e in cmd.evidence],
        )
    )
    risk_file.record(
        s.SafetyInspectionRecorded(
            project_id=risk_file.project_id,
            inspection_id=cmd.inspection_id,
            inspected_on=cmd.inspected_on,
            quarter=key,
            full_coverage=cmd.full_coverage,
            checked_source_ids=tuple(dict.fromkeys(cmd.checked_source_ids)),
        )
    )
    settle_quarter(risk_file, rules, quarter, at)


def record_training(risk_file: RiskFile, cmd: s.RecordSafetyTraining, rules: SafetyRules, *, at: datetime) -> None:
    """SAF-06: a training counts when it covers every manager and worker; the next one is then due within
    the interval. One that misses people is kept but leaves the obligation open (the lapse stays visible)."""
    work = risk_file.safety
    _plan_required(risk_file)
    if any(t.training_id == cmd.training_id for t in work.trainings):
        return
    failures: list[FailedCondition] = []
    if cmd.managers_trained > cmd.managers_total:
        failures.append(failed("SAF-06", "MORE_THAN_TOTAL", "more managers trained than there are", "managers_trained"))
    if cmd.workers_trained > cmd.workers_total:
        failures.append(failed("SAF-06", "MORE_THAN_TOTAL", "more workers trained than there are", "workers_trained"))
    if cmd.held_on > shanghai_day(at):
        failures.append(failed("SAF-06", "IN_THE_FUTURE", "the training day is after today", "held_on"))
    refuse_if(failures, field="training_id")
    everyone = (
        cmd.managers_total > 0
        and cmd.workers_total > 0
        and cmd.managers_trained == cmd.managers_total
        and cmd.workers_trained == cmd.workers_total
    )
    work.trainings.append(
        Training(
            training_id=cmd.training_id,
            held_on=cmd.held_on,
            topics=cmd.topics,
            covers_everyone=everyone,
            evidence=list(cmd.evidence),
        )
    )
    next_due: date | None = None
    if everyone:
        clock = project_clock(risk_file, at, "safety_project", "plan")
        open_one = latest(work.deadlines, TRAINING, "open")
        if open_one is not None:
            clock.meet(open_one, on=cmd.held_on)
        following = _training_deadline(rules, cmd.held_on)
        clock.open(following, TRAINING)
        next_due = following.last_day
    risk_file.record(
        s.SafetyTrainingRecorded(
            project_id=risk_file.project_id,
            training_id=cmd.training_id,
            held_on=cmd.held_on,
            covers_everyone=everyone,
            next_due_on=next_due,
        )
    )


def record_drill(risk_file: RiskFile, cmd: s.RecordEmergencyDrill, *, at: datetime) -> None:
    """SAF-06: the emergency plan and a drill with its evaluation (总结评估)."""
    work = risk_file.safety
    _plan_required(risk_file)
    if any(d.drill_id == cmd.drill_id for d in work.drills):
        return
    if cmd.held_on > shanghai_day(at):
        raise RiskError(ReasonCode.VALIDATION_FAILED, "the drill day is after today", rule_id="SAF-06", field="held_on")
    work.drills.append(
        Drill(
            drill_id=cmd.drill_id,
            held_on=cmd.held_on,
            plan=cmd.plan,
            evaluation=cmd.evaluation,
            evidence=list(cmd.evidence),
        )
    )
    risk_file.record(
        s.EmergencyDrillRecorded(
            project_id=risk_file.project_id, drill_id=cmd.drill_id, held_on=cmd.held_on, plan=cmd.plan
        )
    )


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
    lists = [risk_file.safety.deadlines, *(q.deadlines for q in risk_file.safety.quarters.values())]
    for clock_list in lists + [r.deadlines for r in risk_file.safety.reports.values()]:
        risk_file.clock_of(clock_list, at, None).cancel()
    risk_file.record(
        s.SafetyRecordsDestroyed(project_id=risk_file.project_id, approved_by=by, retained_until=until, marked_at=at)
    )
