"""A risk issue (RSK-04) and its rectification (RSK-05). Pure.

Open → (the responsible unit rectifies with before/after evidence) → rectified → (the agency reviews)
closed (销项) or sent back (open again, with a new deadline). Each issue keeps its own deadlines on its
own legal clock: the rectification is owed by the responsible unit to the agency by the day the agency
set, and escalates when it passes unmet (the risk file reports it overdue once).
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from anju_contracts import risk as r
from anju_contracts.common import EvidenceRef
from anju_kit.deadlines import TrackedDeadline

RECTIFICATION = "rectification"  # the obligation's name on the issue's clock (RSK-05)


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
    rectifications: list[Rectification] = Field(default_factory=list)
    closed_at: datetime | None = None
    deadlines: list[TrackedDeadline] = Field(default_factory=list)

    @property
    def is_open(self) -> bool:
        """Not closed (销项): open or awaiting review both hold the part's acceptance and the final report."""
        return self.status is not r.IssueStatus.CLOSED

    @property
    def is_serious(self) -> bool:
        return self.severity is r.IssueSeverity.SERIOUS

    def evidence_keys(self) -> set[str]:
        keys = {e.key for e in self.evidence}
        for rect in self.rectifications:
            keys |= {e.key for e in (*rect.before, *rect.after)}
        return keys

    @classmethod
    def raise_from(cls, cmd: r.RaiseRiskIssue, *, at: datetime, by: str) -> RiskIssue:
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

    def same_as(self, cmd: r.RaiseRiskIssue) -> bool:
        """The same issue raised again (a retry under a new command id): nothing new to record."""
        return (
            self.severity is cmd.severity
            and self.location == cmd.location
            and self.part == cmd.part
            and self.responsible_unit_id == cmd.responsible_unit_id
            and self.rectify_by == cmd.rectify_by
            and [e.key for e in self.evidence] == [e.key for e in cmd.evidence]
        )
