"""Design issues (RSK-06): a design quality risk found in the drawings is addressed to the designer,
who answers with revised drawings (修改前后的设计图纸、计算书); the agency closes it (销项) or sends the
answer back. A serious design issue must be closed before the drawing-review certificate
(施工图设计文件审查合格书): recording that milestone is refused while one is open, listing every one.
Pure; the risk file holds the design review.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from anju_contracts import FailedCondition, ReasonCode
from anju_contracts import risk as r
from anju_contracts.common import EvidenceRef
from anju_contracts.underwriting import ParticipantRole
from anju_risk.domain.errors import RiskError, failed, invalid_state, refuse_if
from anju_risk.domain.facts import ProjectFacts
from anju_risk.domain.review import answer_due, review_last

if TYPE_CHECKING:
    from anju_risk.domain.risk_file import RiskFile


class DesignAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    round: int
    note: str
    revised_drawings: list[EvidenceRef]
    answered_at: datetime
    review: r.ReviewDecision | None = None
    comment: str | None = None


class DesignIssue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    design_issue_id: str
    severity: r.IssueSeverity
    drawing: str
    designer_id: str
    description: str
    evidence: list[EvidenceRef]
    raised_at: datetime
    status: r.IssueStatus = r.IssueStatus.OPEN
    answers: list[DesignAnswer] = Field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status is not r.IssueStatus.CLOSED


class Certificate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    certificate_no: str
    issued_on: date
    certificate: EvidenceRef


class DesignReview(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issues: dict[str, DesignIssue] = Field(default_factory=dict)
    certificate: Certificate | None = None

    def issue(self, design_issue_id: str) -> DesignIssue:
        found = self.issues.get(design_issue_id)
        if found is None:
            raise RiskError(ReasonCode.NOT_FOUND, "no such design issue on this project", field="design_issue_id")
        return found

    def evidence_keys(self) -> set[str]:
        keys = {e.key for i in self.issues.values() for e in i.evidence}
        keys |= {e.key for i in self.issues.values() for a in i.answers for e in a.revised_drawings}
        if self.certificate:
            keys.add(self.certificate.certificate.key)
        return keys


def raise_issue(risk_file: RiskFile, cmd: r.RaiseDesignIssue, facts: ProjectFacts, *, at: datetime) -> None:
    review = risk_file.design
    existing = review.issues.get(cmd.design_issue_id)
    if existing is not None:
        if (existing.severity, existing.drawing, existing.designer_id) == (cmd.severity, cmd.drawing, cmd.designer_id):
            return
        raise RiskError(ReasonCode.CONFLICT, "this design issue id is taken", field="design_issue_id")
    refuse_if(
        []
        if facts.role_of(cmd.designer_id) is ParticipantRole.DESIGNER
        else [failed("RSK-06", "NOT_THE_DESIGNER", "the unit is not a designer of the project", "designer_id")],
        field="designer_id",
    )
    review.issues[cmd.design_issue_id] = DesignIssue(
        design_issue_id=cmd.design_issue_id,
        severity=cmd.severity,
        drawing=cmd.drawing,
        designer_id=cmd.designer_id,
        description=cmd.description,
        evidence=list(cmd.evidence),
        raised_at=at,
    )
    risk_file.record(
        r.DesignIssueRaised(
            project_id=risk_file.project_id,
            design_issue_id=cmd.design_issue_id,
            severity=cmd.severity,
            drawing=cmd.drawing,
            designer_id=cmd.designer_id,
            evidence=cmd.evidence,
        )
    )


def answer(risk_file: RiskFile, cmd: r.AnswerDesignIssue, *, at: datetime) -> None:
    found = risk_file.design.issue(cmd.design_issue_id)
    if not answer_due(
        found.status,
        found.answers,
        lambda last: last.revised_drawings == list(cmd.revised_drawings),
        invalid_state(f"the design issue is {found.status.value}", rule_id="RSK-06", field="design_issue_id"),
    ):
        return
    found.answers.append(
        DesignAnswer(
            round=len(found.answers) + 1, note=cmd.note, revised_drawings=list(cmd.revised_drawings), answered_at=at
        )
    )
    found.status = r.IssueStatus.RECTIFIED
    risk_file.record(
        r.DesignIssueAnswered(
            project_id=risk_file.project_id,
            design_issue_id=found.design_issue_id,
            round=len(found.answers),
            revised_drawings=cmd.revised_drawings,
        )
    )


def review_answer(risk_file: RiskFile, cmd: r.ReviewDesignAnswer) -> None:
    found = risk_file.design.issue(cmd.design_issue_id)
    last = review_last(
        found.status,
        found.answers,
        cmd.decision,
        cmd.comment,
        invalid_state(
            "only an answered design issue is reviewed: the designer answers with revised drawings first",
            rule_id="RSK-06",
            field="design_issue_id",
        ),
    )
    if last is None:
        return
    found.status = r.IssueStatus.CLOSED if cmd.decision is r.ReviewDecision.CLOSE else r.IssueStatus.OPEN
    risk_file.record(
        r.DesignIssueReviewed(
            project_id=risk_file.project_id,
            design_issue_id=found.design_issue_id,
            round=last.round,
            decision=cmd.decision,
        )
    )


def open_serious(risk_file: RiskFile) -> list[FailedCondition]:
    return [
        failed(
            "RSK-06",
            "SERIOUS_DESIGN_ISSUE_OPEN",
            f"serious design issue {i.design_issue_id} on {i.drawing} is {i.status.value}",
            i.design_issue_id,
        )
        for i in risk_file.design.issues.values()
        if i.is_open and i.severity is r.IssueSeverity.SERIOUS
    ]


def record_certificate(risk_file: RiskFile, cmd: r.RecordDrawingReviewCertificate) -> None:
    """Refused while any serious design issue is open, listing every one (RSK-06)."""
    review = risk_file.design
    if review.certificate is not None:
        if review.certificate.certificate_no == cmd.certificate_no:
            return
        raise invalid_state("a drawing-review certificate is recorded already", rule_id="RSK-06")
    refuse_if(open_serious(risk_file), field="certificate_no")
    review.certificate = Certificate(
        certificate_no=cmd.certificate_no, issued_on=cmd.issued_on, certificate=cmd.certificate
    )
    risk_file.record(
        r.DrawingReviewCertified(
            project_id=risk_file.project_id,
            certificate_no=cmd.certificate_no,
            issued_on=cmd.issued_on,
            certificate=cmd.certificate,
        )
    )
