"""The agency's plan (RSK-01), the kick-off and the reports due after it (RSK-02): the plan is staffed
only from the registry's team and led by the team's lead, and names the critical processes the final
report waits on (RSK-07); the kick-off briefing opens the initial risk analysis and the plan's upload,
each due N working days after it. Pure; the risk file holds the plan, the processes and the reports.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from anju_contracts import FailedCondition
from anju_contracts import risk as r
from anju_contracts.common import EvidenceRef
from anju_risk.domain.errors import failed, invalid_state, refuse_if
from anju_risk.domain.facts import ProjectFacts
from anju_risk.domain.rules import RiskRules

if TYPE_CHECKING:
    from anju_risk.domain.risk_file import RiskFile

INITIAL_ANALYSIS = "initial_risk_analysis_upload"  # RSK-02
PLAN_UPLOAD = "risk_plan_upload"  # RSK-02


class Process(BaseModel):
    model_config = ConfigDict(extra="forbid")

    process_id: str
    name: str
    part: str
    closed_on: date | None = None


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    revision: int
    agency_id: str
    lead_id: str
    staff_ids: list[str]
    scope: str
    objects: list[str]
    schedule: list[r.ScheduleItem]
    key_nodes: list[str]
    document: EvidenceRef | None = None


class Kickoff(BaseModel):
    model_config = ConfigDict(extra="forbid")

    held_on: date
    minutes: EvidenceRef


class Report(BaseModel):
    model_config = ConfigDict(extra="forbid")

    report_id: str
    kind: r.RiskReportKind
    document: EvidenceRef
    uploaded_at: datetime


def submit_plan(
    risk_file: RiskFile, cmd: r.SubmitRiskPlan, facts: ProjectFacts, rules: RiskRules, *, at: datetime
) -> None:
    """The agency's plan: staff only from the registry's team, led by the team's lead (RSK-01)."""
    team = facts.team
    failures: list[FailedCondition] = []
    if cmd.lead_id != facts.lead_id:
        failures.append(failed("RSK-01", "LEAD_NOT_TEAM_LEAD", "the plan's lead is not the team's lead", "lead_id"))
    for staff_id in dict.fromkeys(cmd.staff_ids):
        if staff_id not in team:
            failures.append(failed("RSK-01", "STAFF_NOT_ON_TEAM", "staff must come from the project's team", staff_id))
    ids = [p.process_id for p in cmd.critical_processes]
    if len(set(ids)) != len(ids):
        failures.append(failed("RSK-01", "PROCESS_REPEATED", "each critical process is listed once"))
    for item in cmd.schedule:
        if item.ends_on < item.starts_on:
            failures.append(failed("RSK-01", "SCHEDULE_ENDS_BEFORE_START", "a phase ends before it starts"))
    dropped = [p for pid, p in risk_file.processes.items() if pid not in ids and p.closed_on is None]
    for process in dropped:
        if any(i.is_open and i.process_id == process.process_id for i in risk_file.issues.values()):
            failures.append(
                failed(
                    "RSK-07",
                    "PROCESS_HAS_OPEN_ISSUES",
                    "a process with open issues stays in the plan",
                    process.process_id,
                )
            )
    refuse_if(failures, field="staff_ids")
    if risk_file.final_report is not None:
        raise invalid_state("the final report is sealed: the plan is closed", rule_id="RSK-07")
    assert facts.agency_id is not None  # the team (and so its agency) is known: access checked it
    previous = risk_file.plan
    plan = Plan(
        revision=(previous.revision + 1) if previous else 1,
        agency_id=facts.agency_id,
        lead_id=cmd.lead_id,
        staff_ids=list(dict.fromkeys(cmd.staff_ids)),
        scope=cmd.scope,
        objects=list(cmd.objects),
        schedule=list(cmd.schedule),
        key_nodes=list(cmd.key_nodes),
        document=cmd.document or (previous.document if previous else None),
    )
    if (
        previous is not None
        and plan.model_dump(exclude={"revision"}) == previous.model_dump(exclude={"revision"})
        and [p.process_id for p in risk_file.processes.values()] == ids
    ):
        return  # the same plan again: nothing new
    risk_file.assign_agency(facts.agency_id)
    risk_file.plan = plan
    risk_file.processes = {
        p.process_id: Process(
            process_id=p.process_id,
            name=p.name,
            part=p.part,
            closed_on=risk_file.processes[p.process_id].closed_on if p.process_id in risk_file.processes else None,
        )
        for p in cmd.critical_processes
    }
    risk_file.record(
        r.RiskPlanSubmitted(
            project_id=risk_file.project_id,
            revision=plan.revision,
            agency_id=plan.agency_id,
            lead_id=plan.lead_id,
            staff_ids=tuple(plan.staff_ids),
            process_ids=tuple(ids),
            document=plan.document,
        )
    )
    if cmd.document is not None:
        risk_file.meet(PLAN_UPLOAD, at)


def record_kickoff(
    risk_file: RiskFile, cmd: r.RecordKickoffBriefing, facts: ProjectFacts, rules: RiskRules, *, at: datetime
) -> None:
    """The briefing with its minutes; the initial analysis and the plan are due N working days after (RSK-02)."""
    if risk_file.kickoff is not None:
        if risk_file.kickoff.held_on == cmd.held_on and risk_file.kickoff.minutes == cmd.minutes:
            return
        raise invalid_state("the kick-off briefing is recorded already", rule_id="RSK-02", field="held_on")
    if facts.agency_id is None or not facts.team_active:
        raise invalid_state("no agency team is assigned to the project yet", rule_id="RSK-02")
    risk_file.assign_agency(facts.agency_id)
    risk_file.kickoff = Kickoff(held_on=cmd.held_on, minutes=cmd.minutes)
    risk_file.record(
        r.KickoffBriefingRecorded(
            project_id=risk_file.project_id, insurer_id=risk_file.insurer_id, held_on=cmd.held_on, minutes=cmd.minutes
        )
    )
    clock = risk_file.project_clock(at, risk_file.agency_owes())
    if not any(rep.kind is r.RiskReportKind.INITIAL_RISK_ANALYSIS for rep in risk_file.reports):
        clock.open(rules.report_deadline(cmd.held_on, "RSK-02"), INITIAL_ANALYSIS)
    if risk_file.plan is None or risk_file.plan.document is None:
        clock.open(rules.report_deadline(cmd.held_on, "RSK-02"), PLAN_UPLOAD)


def upload_report(risk_file: RiskFile, cmd: r.UploadRiskReport, *, at: datetime) -> None:
    if any(rep.report_id == cmd.report_id for rep in risk_file.reports):
        return  # already filed under this id
    if cmd.kind is r.RiskReportKind.FINAL_RISK_ASSESSMENT:
        raise invalid_state(
            "the final report is sealed by the insurer (SealFinalReport)", rule_id="RSK-07", field="kind"
        )
    risk_file.reports.append(Report(report_id=cmd.report_id, kind=cmd.kind, document=cmd.document, uploaded_at=at))
    risk_file.record(
        r.RiskReportUploaded(
            project_id=risk_file.project_id, report_id=cmd.report_id, kind=cmd.kind, document=cmd.document
        )
    )
    if cmd.kind is r.RiskReportKind.INITIAL_RISK_ANALYSIS:
        risk_file.meet(INITIAL_ANALYSIS, at)
