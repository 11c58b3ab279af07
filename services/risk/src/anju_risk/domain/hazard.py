"""Hazards (隐患) by level (SAF-03). Pure; the safety part of the risk file holds them.

* level 1 — a stop-work (停工) or partial stop-work (局部停工) recommendation, and a report to the insurer
  and to the local authority (属地建设主管部门) the same day: due 24:00 Asia/Shanghai of the finding's day;
* level 2 — an immediate rectification order; reported like level 1 when it may cause an accident;
* levels 3-4 — a rectification order to the responsible unit; the supervisor (监理单位) follows it up and
  submits the closure back to the agency.

Every level: the responsible unit owes the rectification by the day the agency set (the obligation's
debtor), the agency reviews and closes (闭合) or sends it back. A refusal the agency reports, or the
deadline passing unmet (the sweeper), is escalated to the insurer and the authority.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from anju_contracts import FailedCondition, ReasonCode, Role
from anju_contracts import safety as s
from anju_contracts.common import EvidenceRef, PartyRef, SubjectRef
from anju_contracts.underwriting import ParticipantRole
from anju_kit.calendar import Deadline, end_of_day, shanghai_day
from anju_kit.deadlines import LegalClock, ObligationParties, TrackedDeadline, latest
from anju_risk.domain.errors import RiskError, failed, invalid_state, refuse_if
from anju_risk.domain.facts import ProjectFacts

if TYPE_CHECKING:
    from anju_risk.domain.risk_file import RiskFile

RECTIFICATION = "hazard_rectification"
REPORT_TO = {s.Recipient.INSURER: "hazard_report_insurer", s.Recipient.AUTHORITY: "hazard_report_authority"}


class HazardRound(BaseModel):
    model_config = ConfigDict(extra="forbid")

    round: int
    note: str
    before: list[EvidenceRef]
    after: list[EvidenceRef]
    submitted_at: datetime
    submitted_by: str
    decision: s.HazardDecision | None = None
    comment: str | None = None


class Hazard(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hazard_id: str
    level: int
    source_id: str | None
    location: str
    responsible_unit_id: str
    description: str
    rectify_by: date
    stop_work: s.StopWork | None
    may_cause_accident: bool
    found_at: datetime
    raised_by: str
    evidence: list[EvidenceRef]
    status: s.HazardStatus = s.HazardStatus.OPEN
    rounds: list[HazardRound] = Field(default_factory=list)
    reported: dict[str, datetime] = Field(default_factory=dict)  # recipient -> when
    escalations: list[s.EscalationReason] = Field(default_factory=list)
    deadlines: list[TrackedDeadline] = Field(default_factory=list)

    @property
    def report_owed(self) -> bool:
        """SAF-03: level 1 always; level 2 when it may cause an accident."""
        return self.level == 1 or (self.level == 2 and self.may_cause_accident)

    @property
    def report_due_at(self) -> datetime | None:
        return end_of_day(shanghai_day(self.found_at)) if self.report_owed else None

    def evidence_keys(self) -> set[str]:
        keys = {e.key for e in self.evidence}
        for rnd in self.rounds:
            keys |= {e.key for e in (*rnd.before, *rnd.after)}
        return keys


def report_deadline(found_at: datetime) -> Deadline:
    """SAF-03 当天上报: 24:00 Asia/Shanghai of the day the hazard was found (a finding at 23:00 is due
    within the hour)."""
    day = shanghai_day(found_at)
    return Deadline(rule_id="SAF-03", due_at=end_of_day(day), last_day=day, calendar_estimated=False)


def hazard_of(risk_file: RiskFile, hazard_id: str) -> Hazard:
    found = risk_file.safety.hazards.get(hazard_id)
    if found is None:
        raise RiskError(ReasonCode.NOT_FOUND, "no such hazard on this project", field="hazard_id")
    return found


def raise_hazard(risk_file: RiskFile, cmd: s.RaiseHazard, facts: ProjectFacts, *, at: datetime, by: str) -> None:
    work = risk_file.safety
    existing = work.hazards.get(cmd.hazard_id)
    if existing is not None:
        if existing.level == cmd.level and [e.key for e in existing.evidence] == [e.key for e in cmd.evidence]:
            return
        raise RiskError(ReasonCode.CONFLICT, "this hazard id is taken by another hazard", field="hazard_id")
    failures: list[FailedCondition] = []
    if facts.role_of(cmd.responsible_unit_id) is None:
        failures.append(
            failed("SAF-03", "NOT_A_PARTICIPANT", "the responsible unit is not a participant", "responsible_unit_id")
        )
    if cmd.level == 1 and cmd.stop_work is None:
        failures.append(
            failed(
                "SAF-03",
                "STOP_WORK_REQUIRED",
                "a level-1 hazard needs a (partial) stop-work recommendation",
                "stop_work",
            )
        )
    if cmd.source_id is not None and cmd.source_id not in work.sources:
        failures.append(failed("SAF-02", "UNKNOWN_SOURCE", "not an identified risk source", "source_id"))
    if cmd.found_at > at:
        failures.append(failed("SAF-03", "IN_THE_FUTURE", "the hazard is found after now", "found_at"))
    if cmd.rectify_by < shanghai_day(cmd.found_at):
        failures.append(
            failed("SAF-03", "DEADLINE_PASSED", "the rectification day is before the finding", "rectify_by")
        )
    refuse_if(failures, field="hazard_id")
    hazard = Hazard(
        hazard_id=cmd.hazard_id,
        level=cmd.level,
        source_id=cmd.source_id,
        location=cmd.location,
        responsible_unit_id=cmd.responsible_unit_id,
        description=cmd.description,
        rectify_by=cmd.rectify_by,
        stop_work=cmd.stop_work if cmd.level == 1 else None,
        may_cause_accident=cmd.may_cause_accident,
        found_at=cmd.found_at,
        raised_by=by,
        evidence=list(cmd.evidence),
    )
    work.hazards[hazard.hazard_id] = hazard
    risk_file.record(
        s.HazardRaised(
            project_id=risk_file.project_id,
            hazard_id=hazard.hazard_id,
            level=hazard.level,
            source_id=hazard.source_id,
            location=hazard.location,
            responsible_unit_id=hazard.responsible_unit_id,
            stop_work=hazard.stop_work,
            report_due_at=hazard.report_due_at,
            rectify_by=hazard.rectify_by,
            found_at=hazard.found_at,
            evidence=tuple(hazard.evidence),
        )
    )
    if hazard.report_owed:
        for recipient, obligation in REPORT_TO.items():
            report_clock(risk_file, hazard, at, recipient).open(report_deadline(cmd.found_at), obligation)
    rectification_clock(risk_file, hazard, at, facts).open(_rectification_deadline(cmd.rectify_by), RECTIFICATION)
    _state(risk_file, hazard)


def _rectification_deadline(day: date) -> Deadline:
    return Deadline(rule_id="SAF-03", due_at=end_of_day(day), last_day=day, calendar_estimated=False)


def report_hazard(risk_file: RiskFile, cmd: s.ReportHazard, *, at: datetime) -> None:
    hazard = hazard_of(risk_file, cmd.hazard_id)
    new = [r for r in dict.fromkeys(cmd.recipients) if r.value not in hazard.reported]
    if not new:
        return
    for recipient in new:
        hazard.reported[recipient.value] = at
        deadline = latest(hazard.deadlines, REPORT_TO[recipient], "open")
        if deadline is not None:
            report_clock(risk_file, hazard, at, recipient).meet(deadline, on=shanghai_day(at))
    due = hazard.report_due_at
    risk_file.record(
        s.HazardReported(
            project_id=risk_file.project_id,
            hazard_id=hazard.hazard_id,
            level=hazard.level,
            recipients=tuple(new),
            reported_at=at,
            on_time=due is None or at <= due,
        )
    )


def check_submitter(hazard: Hazard, facts: ProjectFacts, organisation_id: str | None) -> None:
    """Levels 1-2: the responsible unit rectifies; levels 3-4: the supervisor follows it up and submits the
    closure back (SAF-03)."""
    if hazard.level <= 2:
        if organisation_id != hazard.responsible_unit_id:
            raise RiskError(ReasonCode.FORBIDDEN, "only the responsible unit rectifies a level-1/2 hazard (SAF-03)")
    elif facts.role_of(organisation_id) is not ParticipantRole.SUPERVISOR:
        raise RiskError(ReasonCode.FORBIDDEN, "the supervisor submits a level-3/4 hazard's closure (SAF-03)")


def submit_rectification(
    risk_file: RiskFile, cmd: s.SubmitHazardRectification, facts: ProjectFacts, *, at: datetime, by: str
) -> None:
    hazard = hazard_of(risk_file, cmd.hazard_id)
    if hazard.rounds and [e.key for e in hazard.rounds[-1].after] == [e.key for e in cmd.after]:
        return  # the same submission again
    if hazard.status is not s.HazardStatus.OPEN:
        raise invalid_state(
            f"the hazard is {hazard.status.value}: nothing to rectify", rule_id="SAF-03", field="hazard_id"
        )
    hazard.rounds.append(
        HazardRound(
            round=len(hazard.rounds) + 1,
            note=cmd.note,
            before=list(cmd.before),
            after=list(cmd.after),
            submitted_at=at,
            submitted_by=by,
        )
    )
    hazard.status = s.HazardStatus.RECTIFIED
    deadline = latest(hazard.deadlines, RECTIFICATION, "open")
    if deadline is not None:
        rectification_clock(risk_file, hazard, at, facts).meet(deadline, on=shanghai_day(at))
    _state(risk_file, hazard)


def review_rectification(
    risk_file: RiskFile, cmd: s.ReviewHazardRectification, facts: ProjectFacts, *, at: datetime
) -> None:
    hazard = hazard_of(risk_file, cmd.hazard_id)
    if hazard.status is not s.HazardStatus.RECTIFIED:
        last = hazard.rounds[-1] if hazard.rounds else None
        if last is not None and last.decision is cmd.decision:
            return  # the same review again
        raise invalid_state("only a rectified hazard is reviewed", rule_id="SAF-03", field="hazard_id")
    last = hazard.rounds[-1]
    last.decision, last.comment = cmd.decision, cmd.comment
    if cmd.decision is s.HazardDecision.CLOSE:
        hazard.status = s.HazardStatus.CLOSED
    else:
        if cmd.rectify_by is None or cmd.rectify_by < shanghai_day(at):
            raise RiskError(
                ReasonCode.VALIDATION_FAILED,
                "a sent-back hazard needs a new deadline not in the past",
                rule_id="SAF-03",
                field="rectify_by",
            )
        hazard.status, hazard.rectify_by = s.HazardStatus.OPEN, cmd.rectify_by
        rectification_clock(risk_file, hazard, at, facts).open(_rectification_deadline(cmd.rectify_by), RECTIFICATION)
    _state(risk_file, hazard)


def escalate(risk_file: RiskFile, hazard: Hazard, reason: s.EscalationReason) -> None:
    """SAF-03: a refused or delayed rectification goes to the insurer and the local authority."""
    if reason in hazard.escalations:
        return
    hazard.escalations.append(reason)
    risk_file.record(
        s.RectificationEscalated(
            project_id=risk_file.project_id,
            hazard_id=hazard.hazard_id,
            level=hazard.level,
            reason=reason,
            insurer_id=risk_file.insurer_id,
            authority=risk_file.region,
        )
    )


def report_refused(risk_file: RiskFile, cmd: s.ReportRectificationRefused) -> None:
    hazard = hazard_of(risk_file, cmd.hazard_id)
    if hazard.status is s.HazardStatus.CLOSED:
        raise invalid_state("the hazard is closed", rule_id="SAF-03", field="hazard_id")
    escalate(risk_file, hazard, s.EscalationReason.REFUSED)


def _state(risk_file: RiskFile, hazard: Hazard) -> None:
    """Noted; its state is recorded once, with the file's version, at the end of the step."""
    risk_file.hazard_changed(hazard.hazard_id)


def hazard_state(risk_file: RiskFile, hazard_id: str, version: int) -> s.HazardStateChanged:
    hazard = risk_file.safety.hazards[hazard_id]
    return s.HazardStateChanged(
        project_id=risk_file.project_id,
        hazard_id=hazard.hazard_id,
        level=hazard.level,
        status=hazard.status,
        round=len(hazard.rounds),
        version=version,
        location=hazard.location,
        responsible_unit_id=hazard.responsible_unit_id,
        rectify_by=hazard.rectify_by,
        stop_work=hazard.stop_work,
        agency_id=risk_file.agency_id,
        insurer_id=risk_file.insurer_id,
        found_on=shanghai_day(hazard.found_at),
    )


def report_clock(risk_file: RiskFile, hazard: Hazard, at: datetime, recipient: s.Recipient) -> LegalClock:
    """The agency owes the report to the insurer, and to the region's authority (SAF-03)."""
    creditor = (
        PartyRef(role=Role.INSURER, id=risk_file.insurer_id)
        if recipient is s.Recipient.INSURER
        else PartyRef(role=Role.REGULATOR, id=risk_file.region)
    )
    parties = (
        ObligationParties(
            debtor=PartyRef(role=Role.AGENCY, id=risk_file.agency_id),
            creditor=creditor,
            subject=SubjectRef(kind="safety_hazard", id=f"{risk_file.project_id}.{hazard.hazard_id}"),
        )
        if risk_file.agency_id
        else None
    )
    return risk_file.clock_of(hazard.deadlines, at, parties)


def rectification_clock(risk_file: RiskFile, hazard: Hazard, at: datetime, facts: ProjectFacts) -> LegalClock:
    unit_role = facts.role_of(hazard.responsible_unit_id)
    debtor_role = Role.BUILDER if unit_role is ParticipantRole.BUILDER else Role.CONTRACTOR
    agency = risk_file.agency_id or facts.agency_id
    parties = (
        ObligationParties(
            debtor=PartyRef(role=debtor_role, id=hazard.responsible_unit_id),
            creditor=PartyRef(role=Role.AGENCY, id=agency),
            subject=SubjectRef(kind="safety_hazard", id=f"{risk_file.project_id}.{hazard.hazard_id}"),
        )
        if agency
        else None
    )
    return risk_file.clock_of(hazard.deadlines, at, parties)
