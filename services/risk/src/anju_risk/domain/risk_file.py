"""A project's risk file: the aggregate every risk rule of the project decides on — its identity, its
state, the events a step records and the legal clocks of its deadlines. Each concern is a module of
plain functions over the file: the plan and the kick-off (``planning``, RSK-01, RSK-02), the agency's
reports (``reports``, RSK-03), the risk issues and the part acceptance (``issue``, RSK-04, RSK-05),
design issues (``design``, RSK-06), the critical processes and the final report behind its gate
(``final_report``, RSK-07), special inspections (``special``, RSK-08), testing (``testing``, RSK-09),
oversight and emergencies (``oversight``, RSK-10, RSK-11) and the overdue sweep (``overdue``). Pure: the
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

from anju_contracts import ReasonCode, Role
from anju_contracts import risk as r
from anju_contracts.base import Event
from anju_contracts.common import PartyRef, SubjectRef
from anju_kit.deadlines import LegalClock, ObligationEvents, ObligationParties, TrackedDeadline, latest, next_due_at
from anju_risk.domain.design import DesignReview
from anju_risk.domain.errors import RiskError
from anju_risk.domain.facts import ProjectFacts
from anju_risk.domain.final_report import FINAL_FILING, FinalReport
from anju_risk.domain.hazard import hazard_state
from anju_risk.domain.issue import Acceptance, RiskIssue
from anju_risk.domain.oversight import Oversight
from anju_risk.domain.planning import Kickoff, Plan, Process, Report
from anju_risk.domain.reports import IssuedReport
from anju_risk.domain.safety_work import SafetyWork
from anju_risk.domain.special import SpecialInspection
from anju_risk.domain.testing import Testing

OBLIGATION_EVENTS = ObligationEvents(opened=r.ObligationOpened, fulfilled=r.ObligationFulfilled)


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
    safety: SafetyWork = Field(default_factory=SafetyWork)  # SAF-01..06, SAF-08 (安责险 / 质安保)

    _pending: list[Event] = PrivateAttr(default_factory=list)
    _changed_issues: list[str] = PrivateAttr(default_factory=list)
    _changed_hazards: list[str] = PrivateAttr(default_factory=list)
    _agency_before: str | None = PrivateAttr(default=None)  # this step changed the agency from it

    # -- bookkeeping ------------------------------------------------------------------------------

    @classmethod
    def open(cls, facts: ProjectFacts, region: str) -> RiskFile:
        assert facts.insurer_id is not None  # access refused a project without an insurer
        return cls(project_id=facts.project_id, region=region, insurer_id=facts.insurer_id, agency_id=facts.agency_id)

    def record(self, event: Event) -> None:
        """Record an event of this step (the concern modules record through it)."""
        self._pending.append(event)

    @property
    def changed(self) -> bool:
        """This step recorded something (a repeated business fact records nothing)."""
        return bool(self._pending)

    def pull_events(self) -> list[Event]:
        events, self._pending = self._pending, []
        return events

    def issue_changed(self, issue_id: str) -> None:
        """Note that this step changed the issue (its state is recorded once, at the end of the step)."""
        self._changed_issues.append(issue_id)

    def pull_changed_issues(self) -> list[str]:
        changed, self._changed_issues = list(dict.fromkeys(self._changed_issues)), []
        return changed

    def assign_agency(self, agency_id: str) -> None:
        """The project's agency, as the registry's team names it. When it changes, every issue is stated
        again at the end of the step: the new agency's listing takes them and the old one's drops them
        (the states name it as ``previous_agency_id``), since an issue's agency is its file's."""
        if agency_id == self.agency_id:
            return
        if self._agency_before is None:
            self._agency_before = self.agency_id
        self.agency_id = agency_id
        for issue_id in self.issues:
            self.issue_changed(issue_id)

    def hazard_changed(self, hazard_id: str) -> None:
        self._changed_hazards.append(hazard_id)

    def record_issue_states(self, version: int) -> None:
        """Record the state of every issue and hazard this step changed, as of the file's ``version`` to be
        stored (event-carried state: the listings never read the file)."""
        for issue_id in self.pull_changed_issues():
            self.record(self.issue_state(issue_id, version))
        self._agency_before = None
        changed, self._changed_hazards = list(dict.fromkeys(self._changed_hazards)), []
        for hazard_id in changed:
            self.record(hazard_state(self, hazard_id, version))

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
        return keys | self.safety.evidence_keys()

    # -- the legal clock (XC-01, XC-02) ------------------------------------------------------------

    def tracked(self) -> list[tuple[str | None, str | None, list[TrackedDeadline]]]:
        """Every deadline list of the file: (issue id, other subject id, deadlines)."""
        found: list[tuple[str | None, str | None, list[TrackedDeadline]]] = [(None, None, self.deadlines)]
        found += [(i.issue_id, None, i.deadlines) for i in self.issues.values()]
        found += [(None, s.inspection_id, s.deadlines) for s in self.special_inspections.values()]
        found += [(None, rep.report_id, rep.deadlines) for rep in self.issued_reports.values()]
        found += [(None, t.test_id, t.deadlines) for t in self.testing.tests.values()]
        found += [(None, e.emergency_id, e.deadlines) for e in self.oversight.emergencies.values()]
        found += [(None, "safety", self.safety.deadlines)]
        found += [(None, q.quarter, q.deadlines) for q in self.safety.quarters.values()]
        found += [(None, h.hazard_id, h.deadlines) for h in self.safety.hazards.values()]
        found += [(None, p.period_key, p.deadlines) for p in self.safety.reports.values()]
        return found

    @property
    def next_due_at(self) -> datetime | None:
        found = [d for d in (next_due_at(deadlines) for _, _, deadlines in self.tracked()) if d]
        return min(found) if found else None

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

    def agency_owes(self) -> ObligationParties | None:
        """An upload the agency owes the insurer on the project (RSK-02)."""
        if self.agency_id is None:
            return None
        return ObligationParties(
            debtor=PartyRef(role=Role.AGENCY, id=self.agency_id),
            creditor=PartyRef(role=Role.INSURER, id=self.insurer_id),
            subject=SubjectRef(kind="risk_project", id=self.project_id),
        )

    def insurer_owes(self) -> ObligationParties:
        """The final report's filing the insurer owes the regulator (RSK-07)."""
        return ObligationParties(
            debtor=PartyRef(role=Role.INSURER, id=self.insurer_id),
            creditor=PartyRef(role=Role.REGULATOR, id=self.region),
            subject=SubjectRef(kind="risk_project", id=self.project_id),
        )

    def project_clock(self, at: datetime, parties: ObligationParties | None) -> LegalClock:
        """The project's deadlines; each obligation is named with its own debtor and creditor."""
        return self.clock_of(self.deadlines, at, parties)

    def meet(self, obligation: str, at: datetime, *, on: date | None = None) -> None:
        """Meets the project's open ``obligation``, if any: the final report's filing is the insurer's,
        every other the agency's."""
        deadline = latest(self.deadlines, obligation, "open")
        if deadline is None:
            return
        parties = self.insurer_owes() if obligation == FINAL_FILING else self.agency_owes()
        self.project_clock(at, parties).meet(deadline, on=on or at.date())

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
            description=issue.description,
            insurer_id=self.insurer_id,
            agency_id=self.agency_id,
            previous_agency_id=self._agency_before if self._agency_before != self.agency_id else None,
        )
