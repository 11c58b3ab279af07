"""The risk service's commands and events (``anju.risk.commands.v1``, ``anju.risk.events.v1``): the
agency's risk-management plan (RSK-01), the insurer's kick-off briefing and the reports due after it
(RSK-02), risk issues with stored evidence and their rectification (RSK-04, RSK-05), the supervisor's
part acceptance refused while an issue of the part is open (RSK-05), and the final risk assessment
report sealed by the insurer only when no serious issue and no critical process is open (RSK-07).

``FinalReportSealed`` is what policy waits for before completion acceptance (POL-09): its fields are a
stable contract (project, report key and SHA-256, the sealing instant).

Evidence is never a link: every :class:`~anju_contracts.common.EvidenceRef` names an object uploaded
through a presigned PUT (``RequestEvidenceUpload``, HTTP only) and is verified (size, SHA-256, type)
before a command citing it is accepted.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, Field

from anju_contracts import common, topics
from anju_contracts.base import Command, ContractModel, Event, FileName, Identifier, LongText, ObjectKey, ShortText
from anju_contracts.common import DeadlineInfo, EvidenceRef, Sha256Hex

Evidence = Annotated[tuple[EvidenceRef, ...], Field(min_length=1, max_length=50)]
"""At least one stored photo, video or document (RSK-04: stored, not just referenced)."""


class IssueSeverity(StrEnum):
    SERIOUS = "serious"  # 严重
    GENERAL = "general"  # 一般


class IssueStatus(StrEnum):
    OPEN = "open"  # raised or sent back: the responsible unit rectifies
    RECTIFIED = "rectified"  # before/after evidence uploaded: the agency reviews
    CLOSED = "closed"  # 销项: the agency accepted the rectification


class ReviewDecision(StrEnum):
    CLOSE = "close"  # 销项
    SEND_BACK = "send_back"  # 退回整改


class RiskReportKind(StrEnum):
    """RSK-03 report kinds (slice 1 files the initial analysis and the final assessment)."""

    DESIGN_RISK_ASSESSMENT = "design_risk_assessment"
    INITIAL_RISK_ANALYSIS = "initial_risk_analysis"
    PROCESS_INSPECTION = "process_inspection"
    STAGE_RISK_ASSESSMENT = "stage_risk_assessment"
    SPECIAL_INSPECTION = "special_inspection"
    FINAL_RISK_ASSESSMENT = "final_risk_assessment"
    REVISIT_RISK_ASSESSMENT = "revisit_risk_assessment"


# --- value objects -------------------------------------------------------------------------------


class ScheduleItem(ContractModel):
    """One phase of the plan's schedule (进度安排)."""

    name: ShortText
    starts_on: date
    ends_on: date


class CriticalProcess(ContractModel):
    """A key node or critical process (关键节点 / 关键工序) the agency inspects; closed before the final report."""

    process_id: Identifier
    name: ShortText
    part: ShortText = Field(description="The building part it concerns, e.g. 地下室防水.")


# --- commands ------------------------------------------------------------------------------------


class _RiskCommand(Command):
    TOPIC: ClassVar[str | None] = topics.RISK.commands

    project_id: Identifier


class SubmitRiskPlan(_RiskCommand):
    """The agency's risk-management plan for the project (RSK-01); a later one replaces it (a revision).

    Staff come from the registry's team of the project only, and the lead is the team's lead."""

    TYPE = "risk.SubmitRiskPlan"

    lead_id: Identifier
    staff_ids: tuple[Identifier, ...] = Field(min_length=1, max_length=50)
    scope: LongText = Field(description="Scope of the risk management (服务范围).")
    objects: tuple[ShortText, ...] = Field(min_length=1, max_length=100, description="Objects inspected.")
    schedule: tuple[ScheduleItem, ...] = Field(min_length=1, max_length=100)
    key_nodes: tuple[ShortText, ...] = Field(min_length=1, max_length=100)
    critical_processes: tuple[CriticalProcess, ...] = Field(min_length=1, max_length=200)
    document: EvidenceRef | None = Field(default=None, description="The plan as uploaded (RSK-02: due after kick-off).")


class RecordKickoffBriefing(_RiskCommand):
    """The insurer's kick-off briefing (交底会) with its minutes (RSK-02)."""

    TYPE = "risk.RecordKickoffBriefing"

    held_on: date
    minutes: EvidenceRef


class UploadRiskReport(_RiskCommand):
    """A report the agency uploads (RSK-03); the initial risk analysis meets the RSK-02 obligation."""

    TYPE = "risk.UploadRiskReport"

    report_id: Identifier
    kind: RiskReportKind
    document: EvidenceRef


class RequestEvidenceUpload(_RiskCommand):
    """A presigned PUT for one photo, video or document of the project (HTTP only)."""

    TYPE = "risk.RequestEvidenceUpload"

    file_name: FileName
    content_type: str = Field(min_length=3, max_length=100)
    size: int = Field(ge=1)
    sha256: Sha256Hex


class RaiseRiskIssue(_RiskCommand):
    """A risk issue found on site (RSK-04)."""

    TYPE = "risk.RaiseRiskIssue"

    issue_id: Identifier
    severity: IssueSeverity
    location: ShortText = Field(description="Where, e.g. 3号楼 地下室 B2 外墙.")
    part: ShortText = Field(description="The building part whose acceptance waits for it, e.g. 地下室防水.")
    process_id: Identifier | None = Field(default=None, description="The plan's critical process, if any.")
    responsible_unit_id: Identifier = Field(description="A participating unit of the project (施工单位 …).")
    description: LongText
    rectify_by: date
    evidence: Evidence


class SubmitRectification(_RiskCommand):
    """The responsible unit's rectification with before/after evidence (RSK-05)."""

    TYPE = "risk.SubmitRectification"

    issue_id: Identifier
    note: LongText
    before: Evidence
    after: Evidence


class ReviewRectification(_RiskCommand):
    """The agency closes the issue (销项) or sends it back with a new deadline (RSK-05)."""

    TYPE = "risk.ReviewRectification"

    issue_id: Identifier
    decision: ReviewDecision
    comment: LongText
    rectify_by: date | None = Field(default=None, description="The new deadline when sent back.")


class RecordPartAcceptance(_RiskCommand):
    """The supervisor's acceptance of a part (RSK-05: refused while an issue of the part is open)."""

    TYPE = "risk.RecordPartAcceptance"

    part: ShortText
    accepted_on: date


class CloseProcess(_RiskCommand):
    """The agency closes a critical process of the plan once inspected (RSK-07)."""

    TYPE = "risk.CloseProcess"

    process_id: Identifier
    closed_on: date


class SealFinalReport(_RiskCommand):
    """The insurer seals the final risk assessment report (竣工最终风险评估报告, RSK-07)."""

    TYPE = "risk.SealFinalReport"

    conclusion: LongText


class RecordReportFiled(_RiskCommand):
    """The insurer filed the sealed final report with the regulator (RSK-07: within N working days)."""

    TYPE = "risk.RecordReportFiled"

    filed_on: date


# --- events --------------------------------------------------------------------------------------


class _RiskEvent(Event):
    TOPIC: ClassVar[str | None] = topics.RISK.events

    project_id: Identifier


class RiskPlanSubmitted(_RiskEvent):
    TYPE = "risk.RiskPlanSubmitted"

    revision: int = Field(ge=1)
    agency_id: Identifier
    lead_id: Identifier
    staff_ids: tuple[Identifier, ...]
    process_ids: tuple[Identifier, ...]
    document: EvidenceRef | None = None


class KickoffBriefingRecorded(_RiskEvent):
    TYPE = "risk.KickoffBriefingRecorded"

    insurer_id: Identifier
    held_on: date
    minutes: EvidenceRef


class RiskReportUploaded(_RiskEvent):
    TYPE = "risk.RiskReportUploaded"

    report_id: Identifier
    kind: RiskReportKind
    document: EvidenceRef


class RiskIssueRaised(_RiskEvent):
    TYPE = "risk.RiskIssueRaised"

    issue_id: Identifier
    severity: IssueSeverity
    location: ShortText
    part: ShortText
    process_id: Identifier | None = None
    responsible_unit_id: Identifier
    rectify_by: date
    evidence: tuple[EvidenceRef, ...]


class RectificationSubmitted(_RiskEvent):
    TYPE = "risk.RectificationSubmitted"

    issue_id: Identifier
    round: int = Field(ge=1)
    before: tuple[EvidenceRef, ...]
    after: tuple[EvidenceRef, ...]


class RectificationSentBack(_RiskEvent):
    TYPE = "risk.RectificationSentBack"

    issue_id: Identifier
    round: int = Field(ge=1)
    rectify_by: date


class RiskIssueClosed(_RiskEvent):
    TYPE = "risk.RiskIssueClosed"

    issue_id: Identifier
    closed_at: AwareDatetime


class RiskIssueStateChanged(_RiskEvent):
    """An issue as it stands after a change (event-carried state: the open-issues listing folds it)."""

    TYPE = "risk.RiskIssueStateChanged"

    issue_id: Identifier
    version: int = Field(ge=1, description="The project's risk file version: the highest wins.")
    status: IssueStatus
    severity: IssueSeverity
    location: ShortText
    part: ShortText
    process_id: Identifier | None = None
    responsible_unit_id: Identifier
    rectify_by: date
    insurer_id: Identifier
    agency_id: Identifier | None = None


class PartAccepted(_RiskEvent):
    TYPE = "risk.PartAccepted"

    part: ShortText
    accepted_on: date
    supervisor_id: Identifier


class ProcessClosed(_RiskEvent):
    TYPE = "risk.ProcessClosed"

    process_id: Identifier
    closed_on: date


class FinalReportSealed(_RiskEvent):
    """The insurer sealed the final risk assessment report (RSK-07): policy may accept completion."""

    TYPE = "risk.FinalReportSealed"

    report_key: ObjectKey
    report_sha256: Sha256Hex
    sealed_at: AwareDatetime


class FinalReportFiled(_RiskEvent):
    TYPE = "risk.FinalReportFiled"

    report_key: ObjectKey
    filed_on: date


class DeadlineOverdue(_RiskEvent):
    """An obligation of the risk file passed unmet (XC-02): reported once; notify escalates it."""

    TYPE = "risk.DeadlineOverdue"

    issue_id: Identifier | None = Field(default=None, description="The issue, for an overdue rectification.")
    deadline: DeadlineInfo
    detected_at: AwareDatetime


class ObligationOpened(common.ObligationOpened):
    TYPE = "risk.ObligationOpened"
    TOPIC: ClassVar[str | None] = topics.RISK.events


class ObligationFulfilled(common.ObligationFulfilled):
    TYPE = "risk.ObligationFulfilled"
    TOPIC: ClassVar[str | None] = topics.RISK.events


COMMANDS: tuple[type[Command], ...] = (
    SubmitRiskPlan,
    RecordKickoffBriefing,
    UploadRiskReport,
    RequestEvidenceUpload,
    RaiseRiskIssue,
    SubmitRectification,
    ReviewRectification,
    RecordPartAcceptance,
    CloseProcess,
    SealFinalReport,
    RecordReportFiled,
)
