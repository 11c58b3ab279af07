"""Training and emergency drills (SAF-06). Pure.

A training counts when it covers every manager and worker; the next one is then due within the region's
``training_interval_months`` (the lapse is an obligation on the legal clock before it happens). The
emergency plan (应急预案) and each drill (演练) are kept with the drill's evaluation (总结评估).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from anju_contracts import FailedCondition, ReasonCode
from anju_contracts import safety as s
from anju_kit.calendar import shanghai_day
from anju_kit.deadlines import latest
from anju_kit.regions import SafetyRules
from anju_risk.domain.errors import RiskError, failed, refuse_if
from anju_risk.domain.safety_work import TRAINING, Drill, Training, plan_required, project_clock, training_deadline

if TYPE_CHECKING:
    from anju_risk.domain.risk_file import RiskFile


def record_training(risk_file: RiskFile, cmd: s.RecordSafetyTraining, rules: SafetyRules, *, at: datetime) -> None:
    """SAF-06: a training counts when it covers every manager and worker; the next one is then due within
    the interval. One that misses people is kept but leaves the obligation open (the lapse stays visible)."""
    work = risk_file.safety
    plan_required(risk_file)
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
        following = training_deadline(rules, cmd.held_on)
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
    plan_required(risk_file)
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
