"""A risk issue (RSK-04), its rectification (RSK-05) and the supervisor's part acceptance it holds
back (RSK-05). Pure; the risk file holds the issues and the acceptances and records their events.

Open → (the responsible unit rectifies with before/after evidence) → rectified → (the agency reviews)
closed (销项) or sent back (open again, with a new deadline). Each issue keeps its own deadlines on its
own legal clock: the rectification is owed by the responsible unit to the agency by the day the agency
set, and escalates when it passes unmet (the risk file reports it overdue once).

A closed issue is settled: no rule decides on its rounds or its met deadlines again, so the file keeps
only what the gates, the listings and the final report read of it (``RiskIssue.settle``), and its whole
history — every round's before/after evidence and review — is the ``risk.issue_history`` read model's,
folded from the events that recorded it. A city's files hold ~250 issues each, mostly closed: kept whole,
a file was ~1.4 KB an issue, read, validated and written again on every command of the project (issue #10).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from anju_contracts import FailedCondition, ReasonCode, Role
from anju_contracts import risk as r
from anju_contracts.common import EvidenceRef, PartyRef, SubjectRef
from anju_contracts.underwriting import ParticipantRole
from anju_kit.deadlines import LegalClock, ObligationParties, TrackedDeadline, latest
from anju_risk.domain.errors import RiskError, failed, invalid_state, refuse_if
from anju_risk.domain.facts import ProjectFacts
from anju_risk.domain.review import answer_due, review_last
from anju_risk.domain.rules import RiskRules

if TYPE_CHECKING:
    from anju_risk.domain.risk_file import RiskFile

RECTIFICATION = "rectification"  # the obligation's name on the issue's clock (RSK-05)
DUPLICATE_ISSUE = "DUPLICATE_ISSUE"  # an issue named twice in one batch
IssueEntry = r.IssueFound | r.RectificationDone | r.RectificationReview


class Rectification(BaseModel):
    model_config = ConfigDict(extra="forbid")

    round: int
    note: str
    before: list[EvidenceRef]
    after: list[EvidenceRef]
    submitted_at: datetime
    submitted_by: str  # the unit's user (XC-04: the history has the full actor)
    review: r.ReviewDecision | None = None
    comment: str | None = None


class Acceptance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    part: str
    accepted_on: date
    supervisor_id: str


class RiskIssue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issue_id: str
    severity: r.IssueSeverity
    location: str
    part: str
    process_id: str | None
    responsible_unit_id: str
    description: str
    rectify_by: date
    evidence: list[EvidenceRef]
    raised_at: datetime
    raised_by: str
    status: r.IssueStatus = r.IssueStatus.OPEN
    rectifications: list[Rectification] = Field(default_factory=list)  # the rounds while open (see ``settle``)
    rounds: int = 0  # rectification rounds submitted, the settled ones included
    closed_at: datetime | None = None
    deadlines: list[TrackedDeadline] = Field(default_factory=list)

    @property
    def is_open(self) -> bool:
        """Not closed (销项): open or awaiting review both hold the part's acceptance and the final report."""
        return self.status is not r.IssueStatus.CLOSED

    @property
    def is_serious(self) -> bool:
        return self.severity is r.IssueSeverity.SERIOUS

    def settle(self) -> None:
        """Closed (销项): the rounds and the met deadlines leave the file (their events keep them, and
        ``risk.issue_history`` answers them); a deadline still open — none should be, as the round under
        review met it — stays, so nothing owed is dropped unseen."""
        assert self.status is r.IssueStatus.CLOSED
        self.rectifications = []
        self.deadlines = [d for d in self.deadlines if d.state == "open"]

    def evidence_keys(self) -> set[str]:
        keys = {e.key for e in self.evidence}
        for rect in self.rectifications:
            keys |= {e.key for e in (*rect.before, *rect.after)}
        return keys

    @classmethod
    def raise_from(cls, cmd: r.IssueFound, *, at: datetime, by: str) -> RiskIssue:
        return cls(
            issue_id=cmd.issue_id,
            severity=cmd.severity,
            location=cmd.location,
            part=cmd.part,
            process_id=cmd.process_id,
            responsible_unit_id=cmd.responsible_unit_id,
            description=cmd.description,
            rectify_by=cmd.rectify_by,
            evidence=list(cmd.evidence),
            raised_at=at,
            raised_by=by,
        )

    def same_as(self, cmd: r.IssueFound) -> bool:
        """The same issue raised again (a retry under a new command id): nothing new to record."""
        return (
            self.severity is cmd.severity
            and self.location == cmd.location
            and self.part == cmd.part
            and self.responsible_unit_id == cmd.responsible_unit_id
            and self.rectify_by == cmd.rectify_by
            and [e.key for e in self.evidence] == [e.key for e in cmd.evidence]
        )


def raise_issue(risk_file: RiskFile, cmd: r.RaiseRiskIssue, facts: ProjectFacts, *, at: datetime, by: str) -> None:
    if _raise_due(risk_file, cmd, facts, at=at):
        _raise(risk_file, cmd, facts, at=at, by=by)


def raise_issues(risk_file: RiskFile, cmd: r.RaiseRiskIssues, facts: ProjectFacts, *, at: datetime, by: str) -> None:
    """An inspection's issues (RSK-04), all or nothing: each entry is checked as ``RaiseRiskIssue`` is
    before any is recorded; an issue raised already (the same again) records nothing."""
    due = _batch(
        "issues", "RSK-04", cmd.issues, lambda entry: _raise_due(risk_file, entry, facts, at=at), verb="raised"
    )
    for entry in due:
        _raise(risk_file, entry, facts, at=at, by=by)


def _raise_due(risk_file: RiskFile, cmd: r.IssueFound, facts: ProjectFacts, *, at: datetime) -> bool:
    """True when the issue is to be raised, False when it is raised already; the refusal otherwise."""
    existing = risk_file.issues.get(cmd.issue_id)
    if existing is not None:
        if existing.same_as(cmd):
            return False
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
    if cmd.process_id is not None and cmd.process_id not in risk_file.processes:
        failures.append(failed("RSK-04", "UNKNOWN_PROCESS", "the process is not in the plan", "process_id"))
    if cmd.rectify_by < at.date():
        failures.append(failed("RSK-05", "DEADLINE_PASSED", "the rectification deadline has passed", "rectify_by"))
    refuse_if(failures, field="issue_id")
    if risk_file.final_report is not None:
        raise invalid_state("the final report is sealed", rule_id="RSK-07")
    return True


def _raise(risk_file: RiskFile, cmd: r.IssueFound, facts: ProjectFacts, *, at: datetime, by: str) -> None:
    issue = RiskIssue.raise_from(cmd, at=at, by=by)
    risk_file.issues[issue.issue_id] = issue
    risk_file.record(
        r.RiskIssueRaised(
            project_id=risk_file.project_id,
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
    issue_clock(risk_file, issue, at, facts).open(RiskRules.rectification_deadline(cmd.rectify_by), RECTIFICATION)
    risk_file.issue_changed(issue.issue_id)
    _report_if_missed(risk_file, issue, at)


E = TypeVar("E", bound=IssueEntry)


def _batch(field: str, rule_id: str, entries: Sequence[E], due: Callable[[E], bool], *, verb: str) -> list[E]:
    """The entries of a batch to apply (a repeat of what is recorded is left out), or the refusal of the
    whole batch naming every refused entry by its place (``issues.3.rectify_by``), never by what it holds
    (XC-09); each entry's rule and condition are kept. When every refused entry is refused the same way,
    the batch is answered as one entry would be (404 for unknown issues, 409 on a sealed file); an issue
    named twice, or a mix, is a RULE_VIOLATION listing them all."""
    failures: list[FailedCondition] = []
    codes: set[str] = set()
    first: dict[str, int] = {}
    todo: list[E] = []
    for i, entry in enumerate(entries):
        place = f"{field}.{i}"
        if entry.issue_id in first:  # which of the two is meant is the sender's to say, not ours to guess
            failures.append(
                failed(
                    rule_id, DUPLICATE_ISSUE, f"the same issue as {field}.{first[entry.issue_id]}", f"{place}.issue_id"
                )
            )
            codes.add(DUPLICATE_ISSUE)
            continue
        first[entry.issue_id] = i
        try:
            if due(entry):
                todo.append(entry)
        except RiskError as refused:
            codes.add(refused.reason_code)
            failures += [
                failed(f.rule_id, f.code, f.message, f"{place}.{f.subject_id}" if f.subject_id else place)
                for f in refused.failures
            ] or [
                failed(
                    refused.rule_id or rule_id,
                    refused.reason_code,
                    refused.detail,
                    f"{place}.{refused.field or 'issue_id'}",
                )
            ]
    if failures:
        code = codes.pop() if len(codes) == 1 and DUPLICATE_ISSUE not in codes else ReasonCode.RULE_VIOLATION
        refused_entries = len({f.subject_id.split(".")[1] for f in failures if f.subject_id})
        detail = f"{refused_entries} of {len(entries)} entries refused; nothing was {verb}"
        raise RiskError(code, detail, field=field, failures=failures)
    return todo


def _report_if_missed(risk_file: RiskFile, issue: RiskIssue, at: datetime) -> None:
    """A serious issue in a part already accepted or a process already closed is one an inspection
    should have found: reported for the registry (REG-08), which decides."""
    accepted = any(a.part == issue.part for a in risk_file.acceptances)
    process = risk_file.processes.get(issue.process_id) if issue.process_id else None
    if not issue.is_serious or risk_file.agency_id is None or not (accepted or (process and process.closed_on)):
        return
    where = "an accepted part" if accepted else "a closed critical process"
    risk_file.record(
        r.AgencyFindingReported(
            project_id=risk_file.project_id,
            agency_id=risk_file.agency_id,
            kind=r.FindingKind.RISK_SHOULD_HAVE_BEEN_FOUND,
            rule_id="RSK-04",
            subject_id=issue.issue_id,
            detail=f"serious issue found later in {where}: {issue.part}",
            observed_at=at,
        )
    )


def submit_rectification(
    risk_file: RiskFile, cmd: r.SubmitRectification, facts: ProjectFacts, *, at: datetime, by: str
) -> None:
    issue = risk_file.issue(cmd.issue_id)
    if _rectification_due(issue, cmd):
        _rectify(risk_file, issue, cmd, facts, at=at, by=by)


def submit_rectifications(
    risk_file: RiskFile, cmd: r.SubmitRectifications, facts: ProjectFacts, *, at: datetime, by: str
) -> None:
    """A unit's rectifications of several issues (RSK-05), all or nothing, each as ``SubmitRectification``."""
    due = _batch(
        "rectifications",
        "RSK-05",
        cmd.rectifications,
        lambda entry: _rectification_due(risk_file.issue(entry.issue_id), entry),
        verb="submitted",
    )
    for entry in due:
        _rectify(risk_file, risk_file.issue(entry.issue_id), entry, facts, at=at, by=by)


def _rectification_due(issue: RiskIssue, cmd: r.RectificationDone) -> bool:
    """True when the issue awaits this rectification, False for the same one again; the refusal otherwise."""
    return answer_due(
        issue.status,
        issue.rectifications,
        lambda last: last.after == list(cmd.after),  # the same rectification again
        invalid_state(f"the issue is {issue.status.value}: nothing to rectify", rule_id="RSK-05", field="issue_id"),
    )


def _rectify(
    risk_file: RiskFile, issue: RiskIssue, cmd: r.RectificationDone, facts: ProjectFacts, *, at: datetime, by: str
) -> None:
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
    issue.rounds = len(issue.rectifications)
    issue.status = r.IssueStatus.RECTIFIED
    risk_file.record(
        r.RectificationSubmitted(
            project_id=risk_file.project_id,
            issue_id=issue.issue_id,
            round=len(issue.rectifications),
            before=cmd.before,
            after=cmd.after,
            note=cmd.note,
        )
    )
    deadline = latest(issue.deadlines, RECTIFICATION, "open")
    if deadline is not None:
        issue_clock(risk_file, issue, at, facts).meet(deadline, on=at.date())
    risk_file.issue_changed(issue.issue_id)


def review_rectification(risk_file: RiskFile, cmd: r.ReviewRectification, facts: ProjectFacts, *, at: datetime) -> None:
    """销项 or sent back with a new deadline (RSK-05): only the agency closes an issue, and only online."""
    issue = risk_file.issue(cmd.issue_id)
    if _review_due(issue, cmd, at=at):
        _review(risk_file, issue, cmd, facts, at=at)


def review_rectifications(
    risk_file: RiskFile, cmd: r.ReviewRectifications, facts: ProjectFacts, *, at: datetime
) -> None:
    """A pass of reviews (销项 / sent back, RSK-05), all or nothing, each as ``ReviewRectification``."""
    due = _batch(
        "reviews",
        "RSK-05",
        cmd.reviews,
        lambda entry: _review_due(risk_file.issue(entry.issue_id), entry, at=at),
        verb="reviewed",
    )
    for entry in due:
        _review(risk_file, risk_file.issue(entry.issue_id), entry, facts, at=at)


def _not_rectified() -> RiskError:
    return invalid_state(
        "only a rectified issue is reviewed: the unit uploads before/after evidence first",
        rule_id="RSK-05",
        field="issue_id",
    )


def _review_due(issue: RiskIssue, cmd: r.RectificationReview, *, at: datetime) -> bool:
    """True when the decision is to be recorded, False for a close of a closed issue; the refusal otherwise
    (nothing is changed here: a batch checks every entry first)."""
    if cmd.decision is r.ReviewDecision.CLOSE and issue.status is r.IssueStatus.CLOSED:
        return False
    if issue.status is not r.IssueStatus.RECTIFIED:
        raise _not_rectified()
    if cmd.decision is r.ReviewDecision.SEND_BACK and (cmd.rectify_by is None or cmd.rectify_by < at.date()):
        raise RiskError(
            ReasonCode.VALIDATION_FAILED,
            "a sent-back issue needs a new deadline not in the past",
            rule_id="RSK-05",
            field="rectify_by",
        )
    return True


def _review(
    risk_file: RiskFile, issue: RiskIssue, cmd: r.RectificationReview, facts: ProjectFacts, *, at: datetime
) -> None:
    last = review_last(issue.status, issue.rectifications, cmd.decision, cmd.comment, _not_rectified())
    assert last is not None  # _review_due said the decision is due
    if cmd.decision is r.ReviewDecision.CLOSE:
        issue.status, issue.closed_at = r.IssueStatus.CLOSED, at
        risk_file.record(
            r.RiskIssueClosed(
                project_id=risk_file.project_id, issue_id=issue.issue_id, closed_at=at, comment=cmd.comment
            )
        )
    else:
        assert cmd.rectify_by is not None  # _review_due refused a send-back without one
        issue.status, issue.rectify_by = r.IssueStatus.OPEN, cmd.rectify_by
        risk_file.record(
            r.RectificationSentBack(
                project_id=risk_file.project_id,
                issue_id=issue.issue_id,
                round=last.round,
                rectify_by=cmd.rectify_by,
                comment=cmd.comment,
            )
        )
        issue_clock(risk_file, issue, at, facts).open(RiskRules.rectification_deadline(cmd.rectify_by), RECTIFICATION)
    if issue.status is r.IssueStatus.CLOSED:
        issue.settle()
    risk_file.issue_changed(issue.issue_id)


def record_part_acceptance(risk_file: RiskFile, cmd: r.RecordPartAcceptance, supervisor_id: str) -> None:
    """RSK-05: the supervisor does not pass a part while any issue of it is open; every one is listed."""
    if any(a.part == cmd.part and a.accepted_on == cmd.accepted_on for a in risk_file.acceptances):
        return
    blocking = [i for i in risk_file.issues.values() if i.is_open and i.part == cmd.part]
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
    risk_file.acceptances.append(Acceptance(part=cmd.part, accepted_on=cmd.accepted_on, supervisor_id=supervisor_id))
    risk_file.record(
        r.PartAccepted(
            project_id=risk_file.project_id, part=cmd.part, accepted_on=cmd.accepted_on, supervisor_id=supervisor_id
        )
    )


def issue_clock(risk_file: RiskFile, issue: RiskIssue, at: datetime, facts: ProjectFacts) -> LegalClock:
    """The issue's own deadlines: the responsible unit owes the agency its rectification (RSK-05)."""
    unit_role = facts.role_of(issue.responsible_unit_id)
    debtor_role = Role.BUILDER if unit_role is ParticipantRole.BUILDER else Role.CONTRACTOR
    agency = risk_file.agency_id or facts.agency_id
    parties = (
        ObligationParties(
            debtor=PartyRef(role=debtor_role, id=issue.responsible_unit_id),
            creditor=PartyRef(role=Role.AGENCY, id=agency),
            subject=SubjectRef(kind="risk_issue", id=f"{risk_file.project_id}.{issue.issue_id}"),
        )
        if agency
        else None
    )
    return risk_file.clock_of(issue.deadlines, at, parties)
