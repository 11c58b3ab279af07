"""A project's risk file: the agency's plan (RSK-01), the kick-off and the reports due after it (RSK-02),
the risk issues and their rectification (RSK-04, RSK-05), the supervisor's part acceptances, the
critical processes closed, and the final risk assessment report behind its gate (RSK-07). Pure: the
project's facts (insurer, participants, the registry's team), verified evidence and the instant are
passed in.

Why one aggregate per project: the gate (no final report while a serious issue or a process is open)
and the part acceptance (refused while an issue of the part is open) must decide on every issue of the
project at once, and the store's only compare-and-set is the insert of the file's next version — an
issue raised concurrently with the sealing makes one of the two re-decide on the fresh state.

A change records its events; the handler stores them with the state in one write (kit's unit of work).
A command that repeats a business fact already recorded records nothing (a duplicate).
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from anju_contracts import FailedCondition, ReasonCode, Role
from anju_contracts import risk as r
from anju_contracts.base import Event
from anju_contracts.common import EvidenceRef, PartyRef, SubjectRef
from anju_contracts.underwriting import ParticipantRole
from anju_kit.deadlines import (
    LegalClock,
    ObligationEvents,
    ObligationParties,
    TrackedDeadline,
    latest,
    next_due_at,
    take_overdue,
)
from anju_risk.domain.design import DesignReview
from anju_risk.domain.errors import RiskError, failed, invalid_state, refuse_if
from anju_risk.domain.facts import ProjectFacts
from anju_risk.domain.issue import RECTIFICATION, Rectification, RiskIssue
from anju_risk.domain.oversight import Oversight
from anju_risk.domain.reports import REPORT_FILING, IssuedReport
from anju_risk.domain.rules import RiskRules
from anju_risk.domain.special import SPECIAL_REPORT, SpecialInspection
from anju_risk.domain.testing import Testing

OBLIGATION_EVENTS = ObligationEvents(opened=r.ObligationOpened, fulfilled=r.ObligationFulfilled)
INITIAL_ANALYSIS = "initial_risk_analysis_upload"  # RSK-02
PLAN_UPLOAD = "risk_plan_upload"  # RSK-02
FINAL_FILING = "final_report_filing"  # RSK-07
# Uploads the agency owes: one passed unmet is a fact the registry may weigh (REG-08 "photos not uploaded").
AGENCY_UPLOADS = frozenset({INITIAL_ANALYSIS, PLAN_UPLOAD, REPORT_FILING, SPECIAL_REPORT})


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


class Acceptance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    part: str
    accepted_on: date
    supervisor_id: str


class FinalReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document: EvidenceRef
    conclusion: str
    sealed_at: datetime
    filed_on: date | None = None


class RiskFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: str
    region: str  # the region's regulator is owed the final report's filing
    insurer_id: str
    agency_id: str | None = None
    plan: Plan | None = None
    processes: dict[str, Process] = Field(default_factory=dict)
    kickoff: Kickoff | None = None
    reports: list[Report] = Field(default_factory=list)
    issues: dict[str, RiskIssue] = Field(default_factory=dict)
    acceptances: list[Acceptance] = Field(default_factory=list)
    final_report: FinalReport | None = None
    deadlines: list[TrackedDeadline] = Field(default_factory=list)
    # slice 2: each concern in its own module (reports, design, special, testing, oversight)
    issued_reports: dict[str, IssuedReport] = Field(default_factory=dict)  # RSK-03
    design: DesignReview = Field(default_factory=DesignReview)  # RSK-06
    special_inspections: dict[str, SpecialInspection] = Field(default_factory=dict)  # RSK-08
    testing: Testing = Field(default_factory=Testing)  # RSK-09
    oversight: Oversight = Field(default_factory=Oversight)  # RSK-10, RSK-11

    _pending: list[Event] = PrivateAttr(default_factory=list)
    _changed_issues: list[str] = PrivateAttr(default_factory=list)

    # -- bookkeeping ------------------------------------------------------------------------------

    @classmethod
    def open(cls, facts: ProjectFacts, region: str) -> RiskFile:
        assert facts.insurer_id is not None  # access refused a project without an insurer
        return cls(project_id=facts.project_id, region=region, insurer_id=facts.insurer_id, agency_id=facts.agency_id)

    def record(self, event: Event) -> None:
        """Record an event of this step (the concern modules record through it)."""
        self._pending.append(event)

    def pull_events(self) -> list[Event]:
        events, self._pending = self._pending, []
        return events

    def pull_changed_issues(self) -> list[str]:
        changed, self._changed_issues = list(dict.fromkeys(self._changed_issues)), []
        return changed

    def record_issue_states(self, version: int) -> None:
        """Record the state of every issue this step changed, as of the file's ``version`` to be stored
        (event-carried state: the listings never read the file)."""
        for issue_id in self.pull_changed_issues():
            self.record(self.issue_state(issue_id, version))

    def state(self) -> dict[str, object]:
        return self.model_dump(mode="json")

    def issue(self, issue_id: str) -> RiskIssue:
        found = self.issues.get(issue_id)
        if found is None:
            raise RiskError(ReasonCode.NOT_FOUND, "no such issue on this project", field="issue_id")
        return found

    def evidence_keys(self) -> set[str]:
        """Every object the file cites already (a replayed command is not re-verified)."""
        keys = {k for issue in self.issues.values() for k in issue.evidence_keys()}
        keys |= {rep.document.key for rep in self.reports}
        if self.plan and self.plan.document:
            keys.add(self.plan.document.key)
        if self.kickoff:
            keys.add(self.kickoff.minutes.key)
        keys |= self.design.evidence_keys() | self.oversight.evidence_keys()
        keys |= {rep.document.key for rep in self.issued_reports.values()}
        if self.testing.plan:
            keys.add(self.testing.plan.document.key)
        keys |= {t.report.key for t in self.testing.tests.values() if t.report}
        return keys

    # -- RSK-01 the plan --------------------------------------------------------------------------

    def submit_plan(self, cmd: r.SubmitRiskPlan, facts: ProjectFacts, rules: RiskRules, *, at: datetime) -> None:
        """The agency's plan: staff only from the registry's team, led by the team's lead (RSK-01)."""
        team = facts.team
        failures: list[FailedCondition] = []
        if cmd.lead_id != facts.lead_id:
            failures.append(failed("RSK-01", "LEAD_NOT_TEAM_LEAD", "the plan's lead is not the team's lead", "lead_id"))
        for staff_id in dict.fromkeys(cmd.staff_ids):
            if staff_id not in team:
                failures.append(
                    failed("RSK-01", "STAFF_NOT_ON_TEAM", "staff must come from the project's team", staff_id)
                )
        ids = [p.process_id for p in cmd.critical_processes]
        if len(set(ids)) != len(ids):
            failures.append(failed("RSK-01", "PROCESS_REPEATED", "each critical process is listed once"))
        for item in cmd.schedule:
            if item.ends_on < item.starts_on:
                failures.append(failed("RSK-01", "SCHEDULE_ENDS_BEFORE_START", "a phase ends before it starts"))
        dropped = [p for pid, p in self.processes.items() if pid not in ids and p.closed_on is None]
        for process in dropped:
            if any(i.is_open and i.process_id == process.process_id for i in self.issues.values()):
                failures.append(
                    failed(
                        "RSK-07",
                        "PROCESS_HAS_OPEN_ISSUES",
                        "a process with open issues stays in the plan",
                        process.process_id,
                    )
                )
        refuse_if(failures, field="staff_ids")
        if self.final_report is not None:
            raise invalid_state("the final report is sealed: the plan is closed", rule_id="RSK-07")
        assert facts.agency_id is not None  # the team (and so its agency) is known: access checked it
        plan = Plan(
            revision=(self.plan.revision + 1) if self.plan else 1,
            agency_id=facts.agency_id,
            lead_id=cmd.lead_id,
            staff_ids=list(dict.fromkeys(cmd.staff_ids)),
            scope=cmd.scope,
            objects=list(cmd.objects),
            schedule=list(cmd.schedule),
            key_nodes=list(cmd.key_nodes),
            document=cmd.document or (self.plan.document if self.plan else None),
        )
        if (
            self.plan is not None
            and plan.model_dump(exclude={"revision"}) == self.plan.model_dump(exclude={"revision"})
            and [p.process_id for p in self.processes.values()] == ids
        ):
            return  # the same plan again: nothing new
        self.agency_id = facts.agency_id
        self.plan = plan
        self.processes = {
            p.process_id: Process(
                process_id=p.process_id,
                name=p.name,
                part=p.part,
                closed_on=self.processes[p.process_id].closed_on if p.process_id in self.processes else None,
            )
            for p in cmd.critical_processes
        }
        self.record(
            r.RiskPlanSubmitted(
                project_id=self.project_id,
                revision=plan.revision,
                agency_id=plan.agency_id,
                lead_id=plan.lead_id,
                staff_ids=tuple(plan.staff_ids),
                process_ids=tuple(ids),
                document=plan.document,
            )
        )
        if cmd.document is not None:
            self._meet(PLAN_UPLOAD, at)

    # -- RSK-02 kick-off and the reports due after it ----------------------------------------------

    def record_kickoff(
        self, cmd: r.RecordKickoffBriefing, facts: ProjectFacts, rules: RiskRules, *, at: datetime
    ) -> None:
        """The briefing with its minutes; the initial analysis and the plan are due N working days after."""
        if self.kickoff is not None:
            if self.kickoff.held_on == cmd.held_on and self.kickoff.minutes == cmd.minutes:
                return
            raise invalid_state("the kick-off briefing is recorded already", rule_id="RSK-02", field="held_on")
        if facts.agency_id is None or not facts.team_active:
            raise invalid_state("no agency team is assigned to the project yet", rule_id="RSK-02")
        self.agency_id = facts.agency_id
        self.kickoff = Kickoff(held_on=cmd.held_on, minutes=cmd.minutes)
        self.record(
            r.KickoffBriefingRecorded(
                project_id=self.project_id, insurer_id=self.insurer_id, held_on=cmd.held_on, minutes=cmd.minutes
            )
        )
        clock = self._clock(at, self._agency_owes())
        if not any(rep.kind is r.RiskReportKind.INITIAL_RISK_ANALYSIS for rep in self.reports):
            clock.open(rules.report_deadline(cmd.held_on, "RSK-02"), INITIAL_ANALYSIS)
        if self.plan is None or self.plan.document is None:
            clock.open(rules.report_deadline(cmd.held_on, "RSK-02"), PLAN_UPLOAD)

    def upload_report(self, cmd: r.UploadRiskReport, *, at: datetime) -> None:
        if any(rep.report_id == cmd.report_id for rep in self.reports):
            return  # already filed under this id
        if cmd.kind is r.RiskReportKind.FINAL_RISK_ASSESSMENT:
            raise invalid_state(
                "the final report is sealed by the insurer (SealFinalReport)", rule_id="RSK-07", field="kind"
            )
        self.reports.append(Report(report_id=cmd.report_id, kind=cmd.kind, document=cmd.document, uploaded_at=at))
        self.record(
            r.RiskReportUploaded(
                project_id=self.project_id, report_id=cmd.report_id, kind=cmd.kind, document=cmd.document
            )
        )
        if cmd.kind is r.RiskReportKind.INITIAL_RISK_ANALYSIS:
            self._meet(INITIAL_ANALYSIS, at)

    # -- RSK-04, RSK-05 risk issues ----------------------------------------------------------------

    def raise_issue(self, cmd: r.RaiseRiskIssue, facts: ProjectFacts, *, at: datetime, by: str) -> None:
        existing = self.issues.get(cmd.issue_id)
        if existing is not None:
            if existing.same_as(cmd):
                return
            raise RiskError(ReasonCode.CONFLICT, "this issue id is taken by another issue", field="issue_id")
        failures: list[FailedCondition] = []
        if facts.role_of(cmd.responsible_unit_id) is None:
            failures.append(
                failed(
                    "RSK-04",
                    "NOT_A_PARTICIPANT",
                    "the responsible unit is not a participant of the project",
                    "responsible_unit_id",
                )
            )
        if cmd.process_id is not None and cmd.process_id not in self.processes:
            failures.append(failed("RSK-04", "UNKNOWN_PROCESS", "the process is not in the plan", "process_id"))
        if cmd.rectify_by < at.date():
            failures.append(failed("RSK-05", "DEADLINE_PASSED", "the rectification deadline has passed", "rectify_by"))
        refuse_if(failures, field="issue_id")
        if self.final_report is not None:
            raise invalid_state("the final report is sealed", rule_id="RSK-07")
        issue = RiskIssue.raise_from(cmd, at=at, by=by)
        self.issues[issue.issue_id] = issue
        self.record(
            r.RiskIssueRaised(
                project_id=self.project_id,
                issue_id=issue.issue_id,
                severity=issue.severity,
                location=issue.location,
                part=issue.part,
                process_id=issue.process_id,
                responsible_unit_id=issue.responsible_unit_id,
                rectify_by=issue.rectify_by,
                evidence=tuple(issue.evidence),
            )
        )
        self._issue_clock(issue, at, facts).open(RiskRules.rectification_deadline(cmd.rectify_by), RECTIFICATION)
        self._changed_issues.append(issue.issue_id)
        self._report_if_missed(issue, at)

    def _report_if_missed(self, issue: RiskIssue, at: datetime) -> None:
        """A serious issue in a part already accepted or a process already closed is one an inspection
        should have found: reported for the registry (REG-08), which decides."""
        accepted = any(a.part == issue.part for a in self.acceptances)
        process = self.processes.get(issue.process_id) if issue.process_id else None
        if not issue.is_serious or self.agency_id is None or not (accepted or (process and process.closed_on)):
            return
        where = "an accepted part" if accepted else "a closed critical process"
        self.record(
            r.AgencyFindingReported(
                project_id=self.project_id,
                agency_id=self.agency_id,
                kind=r.FindingKind.RISK_SHOULD_HAVE_BEEN_FOUND,
                rule_id="RSK-04",
                subject_id=issue.issue_id,
                detail=f"serious issue found later in {where}: {issue.part}",
                observed_at=at,
            )
        )

    def submit_rectification(self, cmd: r.SubmitRectification, facts: ProjectFacts, *, at: datetime, by: str) -> None:
        issue = self.issue(cmd.issue_id)
        if issue.status is r.IssueStatus.RECTIFIED and issue.rectifications[-1].after == list(cmd.after):
            return  # the same rectification again
        if issue.status is not r.IssueStatus.OPEN:
            raise invalid_state(
                f"the issue is {issue.status.value}: nothing to rectify", rule_id="RSK-05", field="issue_id"
            )
        issue.rectifications.append(
            Rectification(
                round=len(issue.rectifications) + 1,
                note=cmd.note,
                before=list(cmd.before),
                after=list(cmd.after),
                submitted_at=at,
                submitted_by=by,
            )
        )
        issue.status = r.IssueStatus.RECTIFIED
        self.record(
            r.RectificationSubmitted(
                project_id=self.project_id,
                issue_id=issue.issue_id,
                round=len(issue.rectifications),
                before=cmd.before,
                after=cmd.after,
            )
        )
        deadline = latest(issue.deadlines, RECTIFICATION, "open")
        if deadline is not None:
            self._issue_clock(issue, at, facts).meet(deadline, on=at.date())
        self._changed_issues.append(issue.issue_id)

    def review_rectification(self, cmd: r.ReviewRectification, facts: ProjectFacts, *, at: datetime) -> None:
        """销项 or sent back with a new deadline (RSK-05): only the agency closes an issue, and only online."""
        issue = self.issue(cmd.issue_id)
        if cmd.decision is r.ReviewDecision.CLOSE and issue.status is r.IssueStatus.CLOSED:
            return
        if issue.status is not r.IssueStatus.RECTIFIED:
            raise invalid_state(
                "only a rectified issue is reviewed: the unit uploads before/after evidence first",
                rule_id="RSK-05",
                field="issue_id",
            )
        last = issue.rectifications[-1]
        last.review, last.comment = cmd.decision, cmd.comment
        if cmd.decision is r.ReviewDecision.CLOSE:
            issue.status, issue.closed_at = r.IssueStatus.CLOSED, at
            self.record(r.RiskIssueClosed(project_id=self.project_id, issue_id=issue.issue_id, closed_at=at))
        else:
            if cmd.rectify_by is None or cmd.rectify_by < at.date():
                raise RiskError(
                    ReasonCode.VALIDATION_FAILED,
                    "a sent-back issue needs a new deadline not in the past",
                    rule_id="RSK-05",
                    field="rectify_by",
                )
            issue.status, issue.rectify_by = r.IssueStatus.OPEN, cmd.rectify_by
            self.record(
                r.RectificationSentBack(
                    project_id=self.project_id, issue_id=issue.issue_id, round=last.round, rectify_by=cmd.rectify_by
                )
            )
            self._issue_clock(issue, at, facts).open(RiskRules.rectification_deadline(cmd.rectify_by), RECTIFICATION)
        self._changed_issues.append(issue.issue_id)

    def record_part_acceptance(self, cmd: r.RecordPartAcceptance, supervisor_id: str) -> None:
        """RSK-05: the supervisor does not pass a part while any issue of it is open; every one is listed."""
        if any(a.part == cmd.part and a.accepted_on == cmd.accepted_on for a in self.acceptances):
            return
        blocking = [i for i in self.issues.values() if i.is_open and i.part == cmd.part]
        refuse_if(
            [
                failed(
                    "RSK-05",
                    "ISSUE_OPEN",
                    f"{i.severity.value} issue {i.issue_id} at {i.location} is {i.status.value}",
                    i.issue_id,
                )
                for i in blocking
            ],
            field="part",
        )
        self.acceptances.append(Acceptance(part=cmd.part, accepted_on=cmd.accepted_on, supervisor_id=supervisor_id))
        self.record(
            r.PartAccepted(
                project_id=self.project_id, part=cmd.part, accepted_on=cmd.accepted_on, supervisor_id=supervisor_id
            )
        )

    def close_process(self, cmd: r.CloseProcess) -> None:
        process = self.processes.get(cmd.process_id)
        if process is None:
            raise RiskError(ReasonCode.NOT_FOUND, "no such process in the plan", field="process_id")
        if process.closed_on is not None:
            return
        open_issues = [i for i in self.issues.values() if i.is_open and i.process_id == cmd.process_id]
        refuse_if(
            [
                failed(
                    "RSK-07", "ISSUE_OPEN", f"{i.severity.value} issue {i.issue_id} at {i.location} is open", i.issue_id
                )
                for i in open_issues
            ],
            field="process_id",
        )
        process.closed_on = cmd.closed_on
        self.record(r.ProcessClosed(project_id=self.project_id, process_id=cmd.process_id, closed_on=cmd.closed_on))

    # -- RSK-07 the gate and the final report ------------------------------------------------------

    def gate_failures(self) -> list[FailedCondition]:
        """Everything that stands between the project and its final risk assessment report."""
        failures: list[FailedCondition] = []
        if self.plan is None:
            failures.append(failed("RSK-07", "NO_PLAN", "no risk-management plan is recorded (RSK-01)"))
        for issue in self.issues.values():
            if issue.is_open and issue.is_serious:
                failures.append(
                    failed(
                        "RSK-07",
                        "SERIOUS_ISSUE_OPEN",
                        f"serious issue {issue.issue_id} at {issue.location} is {issue.status.value}",
                        issue.issue_id,
                    )
                )
        for process in self.processes.values():
            if process.closed_on is None:
                failures.append(
                    failed(
                        "RSK-07",
                        "PROCESS_NOT_CLOSED",
                        f"critical process {process.name} ({process.part}) is not closed",
                        process.process_id,
                    )
                )
        return failures

    def check_gate(self) -> None:
        """Refuses the final report listing every open serious issue and unclosed process with its place."""
        if self.final_report is not None:
            return
        refuse_if(self.gate_failures(), field="project_id")

    def seal_final_report(
        self, cmd: r.SealFinalReport, document: EvidenceRef, rules: RiskRules, *, at: datetime
    ) -> None:
        """The insurer seals the report (rendered from the recorded findings, stored with its checksum);
        it is filed with the regulator within N working days (RSK-07)."""
        if self.final_report is not None:
            return  # sealed already: the first seal stands
        self.check_gate()
        self.final_report = FinalReport(document=document, conclusion=cmd.conclusion, sealed_at=at)
        self.record(
            r.FinalReportSealed(
                project_id=self.project_id, report_key=document.key, report_sha256=document.sha256, sealed_at=at
            )
        )
        self._clock(at, self._insurer_owes()).open(rules.report_deadline(at, "RSK-07"), FINAL_FILING)

    def record_filed(self, cmd: r.RecordReportFiled, *, at: datetime) -> None:
        report = self.final_report
        if report is None:
            raise invalid_state("no final report is sealed yet", rule_id="RSK-07")
        if report.filed_on is not None:
            return
        report.filed_on = cmd.filed_on
        self.record(
            r.FinalReportFiled(project_id=self.project_id, report_key=report.document.key, filed_on=cmd.filed_on)
        )
        self._meet(FINAL_FILING, at, on=cmd.filed_on)

    # -- the legal clock (XC-01, XC-02) ------------------------------------------------------------

    def tracked(self) -> list[tuple[str | None, str | None, list[TrackedDeadline]]]:
        """Every deadline list of the file: (issue id, other subject id, deadlines)."""
        found: list[tuple[str | None, str | None, list[TrackedDeadline]]] = [(None, None, self.deadlines)]
        found += [(i.issue_id, None, i.deadlines) for i in self.issues.values()]
        found += [(None, s.inspection_id, s.deadlines) for s in self.special_inspections.values()]
        found += [(None, rep.report_id, rep.deadlines) for rep in self.issued_reports.values()]
        found += [(None, t.test_id, t.deadlines) for t in self.testing.tests.values()]
        found += [(None, e.emergency_id, e.deadlines) for e in self.oversight.emergencies.values()]
        return found

    @property
    def next_due_at(self) -> datetime | None:
        found = [d for d in (next_due_at(deadlines) for _, _, deadlines in self.tracked()) if d]
        return min(found) if found else None

    def fire_overdue(self, now: datetime) -> list[r.DeadlineOverdue]:
        """One DeadlineOverdue per obligation that passed unmet; never twice for one deadline. An upload
        the agency owed is also reported as a finding for the registry (REG-08: it decides)."""
        fired: list[r.DeadlineOverdue] = []
        for issue_id, subject_id, deadlines in self.tracked():
            for d in take_overdue(deadlines, now):
                fired.append(
                    r.DeadlineOverdue(
                        project_id=self.project_id,
                        issue_id=issue_id,
                        subject_id=subject_id,
                        deadline=d.info(),
                        detected_at=now,
                    )
                )
        for event in fired:
            self.record(event)
            if event.deadline.obligation in AGENCY_UPLOADS and self.agency_id is not None:
                self.record(
                    r.AgencyFindingReported(
                        project_id=self.project_id,
                        agency_id=self.agency_id,
                        kind=r.FindingKind.EVIDENCE_NOT_UPLOADED,
                        rule_id=event.deadline.rule_id,
                        subject_id=event.subject_id or self.project_id,
                        detail=f"{event.deadline.obligation} not uploaded by {event.deadline.last_day.isoformat()}",
                        observed_at=now,
                    )
                )
        return fired

    def clock_of(self, deadlines: list[TrackedDeadline], at: datetime, parties: ObligationParties | None) -> LegalClock:
        """A legal clock over one of the file's deadline lists (each subject keeps its own)."""
        return LegalClock(deadlines, at=at, parties=lambda: parties, events=OBLIGATION_EVENTS, record=self.record)

    def agency_to_regulator(self, kind: str, subject_id: str) -> ObligationParties | None:
        """An upload the agency owes the regulator's platform (RSK-03, RSK-08)."""
        if self.agency_id is None:
            return None
        return ObligationParties(
            debtor=PartyRef(role=Role.AGENCY, id=self.agency_id),
            creditor=PartyRef(role=Role.REGULATOR, id=self.region),
            subject=SubjectRef(kind=kind, id=f"{self.project_id}.{subject_id}"),
        )

    def insurer_to_regulator(self, kind: str, subject_id: str) -> ObligationParties:
        """What the insurer owes in an emergency (RSK-11)."""
        return ObligationParties(
            debtor=PartyRef(role=Role.INSURER, id=self.insurer_id),
            creditor=PartyRef(role=Role.REGULATOR, id=self.region),
            subject=SubjectRef(kind=kind, id=f"{self.project_id}.{subject_id}"),
        )

    def meet_initial_analysis(self, at: datetime) -> None:
        self._meet(INITIAL_ANALYSIS, at)

    def _agency_owes(self) -> ObligationParties | None:
        if self.agency_id is None:
            return None
        return ObligationParties(
            debtor=PartyRef(role=Role.AGENCY, id=self.agency_id),
            creditor=PartyRef(role=Role.INSURER, id=self.insurer_id),
            subject=SubjectRef(kind="risk_project", id=self.project_id),
        )

    def _insurer_owes(self) -> ObligationParties | None:
        return ObligationParties(
            debtor=PartyRef(role=Role.INSURER, id=self.insurer_id),
            creditor=PartyRef(role=Role.REGULATOR, id=self.region),
            subject=SubjectRef(kind="risk_project", id=self.project_id),
        )

    def _clock(self, at: datetime, parties: ObligationParties | None) -> LegalClock:
        """The project's deadlines; each obligation is named with its own debtor and creditor."""
        return LegalClock(self.deadlines, at=at, parties=lambda: parties, events=OBLIGATION_EVENTS, record=self.record)

    def _meet(self, obligation: str, at: datetime, *, on: date | None = None) -> None:
        deadline = latest(self.deadlines, obligation, "open")
        if deadline is None:
            return
        parties = self._insurer_owes() if obligation == FINAL_FILING else self._agency_owes()
        self._clock(at, parties).meet(deadline, on=on or at.date())

    def _issue_clock(self, issue: RiskIssue, at: datetime, facts: ProjectFacts) -> LegalClock:
        """The issue's own deadlines: the responsible unit owes the agency its rectification (RSK-05)."""
        unit_role = facts.role_of(issue.responsible_unit_id)
        debtor_role = Role.BUILDER if unit_role is ParticipantRole.BUILDER else Role.CONTRACTOR
        agency = self.agency_id or facts.agency_id
        parties = (
            ObligationParties(
                debtor=PartyRef(role=debtor_role, id=issue.responsible_unit_id),
                creditor=PartyRef(role=Role.AGENCY, id=agency),
                subject=SubjectRef(kind="risk_issue", id=f"{self.project_id}.{issue.issue_id}"),
            )
            if agency
            else None
        )
        return LegalClock(
            issue.deadlines, at=at, parties=lambda: parties, events=OBLIGATION_EVENTS, record=self.record
        )

    def issue_state(self, issue_id: str, version: int) -> r.RiskIssueStateChanged:
        """An issue as it stands at the file's ``version`` (what the open-issues listing folds)."""
        issue = self.issues[issue_id]
        return r.RiskIssueStateChanged(
            project_id=self.project_id,
            issue_id=issue.issue_id,
            version=version,
            status=issue.status,
            severity=issue.severity,
            location=issue.location,
            part=issue.part,
            process_id=issue.process_id,
            responsible_unit_id=issue.responsible_unit_id,
            rectify_by=issue.rectify_by,
            insurer_id=self.insurer_id,
            agency_id=self.agency_id,
        )
