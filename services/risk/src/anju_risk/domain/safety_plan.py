"""The safety service plan, the risk sources and the quarters' coverage on the legal clock. Pure.

* one service plan per project (一项目一方案, SAF-01) with its risk grade; the quarter's inspections follow
  the grade (SAF-08, the region's ``inspections_per_quarter_by_grade``);
* the risk sources, their level and 危大工程 from the region's risk-source list, the first identification
  owed right after the plan, and each quarter's coverage (SAF-02, ``coverage``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from anju_contracts import FailedCondition, ReasonCode
from anju_contracts import safety as s
from anju_kit.calendar import shanghai_day
from anju_kit.deadlines import LegalClock, latest
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
from anju_risk.domain.errors import RiskError, failed, refuse_if
from anju_risk.domain.facts import ProjectFacts
from anju_risk.domain.rules import RiskRules
from anju_risk.domain.safety_work import (
    FIRST_IDENTIFICATION,
    TRAINING,
    SafetyPlan,
    Source,
    agency_to_insurer,
    not_destroyed,
    plan_required,
    project_clock,
    required_inspections,
    safety_rules,
    training_deadline,
)

if TYPE_CHECKING:
    from anju_risk.domain.risk_file import RiskFile


def submit_plan(
    risk_file: RiskFile, cmd: s.SubmitSafetyPlan, facts: ProjectFacts, risk_rules: RiskRules, *, at: datetime
) -> None:
    """SAF-01: one plan per project; the same plan again is a duplicate, another one is refused."""
    rules = safety_rules(risk_rules)
    work = risk_file.safety
    not_destroyed(risk_file)
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
    if risk_file.agency_id is None and facts.agency_id is not None:
        risk_file.assign_agency(facts.agency_id)
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
    clock.open(training_deadline(rules, day), TRAINING)
    ensure_quarter(risk_file, rules, at)


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
    plan_required(risk_file)
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
    plan_required(risk_file)
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
