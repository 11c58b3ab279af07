"""Construction-safety risk control (安责险风控, the safety half of 质安保) on the risk service's topics
(``anju.risk.commands.v1``, ``anju.risk.events.v1``): one service plan per project with its risk grade
(SAF-01, SAF-08), the project's risk sources by level from the region's list and the quarter's coverage
(SAF-02), hazards by level with the same-day report of a level-1 hazard and the rectification loop
(SAF-03), training and emergency drills (SAF-06), and the records' destruction mark (SAF-05).

Evidence is never a link: as for quality issues, every :class:`~anju_contracts.common.EvidenceRef` names an
object uploaded through ``risk.RequestEvidenceUpload`` and verified before the command citing it is accepted.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, Field

from anju_contracts import topics
from anju_contracts.base import Command, ContractModel, Event, Identifier, LongText, ShortText
from anju_contracts.common import EvidenceRef

Evidence = Annotated[tuple[EvidenceRef, ...], Field(min_length=1, max_length=50)]
HazardLevel = Annotated[int, Field(ge=1, le=4, description="一级 (1, most severe) … 四级 (4).")]


class RiskGrade(StrEnum):
    """SAF-08: the project's safety risk grade; the service frequency follows it."""

    HIGH = "high"  # 高度风险
    MEDIUM = "medium"  # 中度风险
    LOW = "low"  # 低度风险


class StopWork(StrEnum):
    """SAF-03: what the agency recommends on a level-1 hazard."""

    FULL = "full"  # 停工
    PARTIAL = "partial"  # 局部停工


class Recipient(StrEnum):
    """Who a hazard is reported to (SAF-03)."""

    INSURER = "insurer"  # 承保机构
    AUTHORITY = "authority"  # 属地建设主管部门


class HazardStatus(StrEnum):
    OPEN = "open"  # the rectification order stands
    RECTIFIED = "rectified"  # rectification (or, for levels 3-4, the supervisor's closure) submitted
    CLOSED = "closed"  # the agency accepted it (闭合)


class HazardDecision(StrEnum):
    CLOSE = "close"
    SEND_BACK = "send_back"


class EscalationReason(StrEnum):
    """SAF-03: a rectification refused or delayed is reported to insurer and authority."""

    REFUSED = "refused"  # 拒绝整改
    DELAYED = "delayed"  # 拖延整改 (its deadline passed unmet)


class ReportPeriod(StrEnum):
    """SAF-04: the periods of the hazard lists and risk reports (月度、季度、年度)."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


PeriodKey = Annotated[
    str, Field(pattern=r"^20[0-9]{2}(-(0[1-9]|1[0-2])|Q[1-4])?$", description="2026-07, 2026Q3 or 2026.")
]


class IdentifiedSource(ContractModel):
    """A risk source found on the project: its type from the region's list decides level and 危大工程."""

    source_id: Identifier
    type_code: Identifier = Field(description="A code of the region's risk-source list (regions/<region>.yaml).")
    location: ShortText


class SourceLevel(ContractModel):
    source_id: Identifier
    type_code: Identifier
    level: HazardLevel
    high_risk_work: bool = Field(description="危险性较大的分部分项工程 (targeted checks, SAF-02).")
    location: ShortText


# --- commands ------------------------------------------------------------------------------------


class _SafetyCommand(Command):
    TOPIC: ClassVar[str | None] = topics.RISK.commands

    project_id: Identifier


class SubmitSafetyPlan(_SafetyCommand):
    """The agency's one service plan for the project (一项目一方案, SAF-01) with its risk grade (SAF-08)."""

    TYPE = "risk.SubmitSafetyPlan"

    plan_id: Identifier
    lead_id: Identifier
    grade: RiskGrade
    grade_reason: LongText = Field(description="Why this grade (安全风险评估).")
    scope: LongText
    document: EvidenceRef | None = None


class IdentifyRiskSources(_SafetyCommand):
    """Risk sources identified on site (风险识别, SAF-02): the first one right after the contract."""

    TYPE = "risk.IdentifyRiskSources"

    identification_id: Identifier
    identified_on: date
    sources: tuple[IdentifiedSource, ...] = Field(min_length=1, max_length=200)


class RecordSafetyInspection(_SafetyCommand):
    """A site inspection: which sources it checked, and whether it covered the whole site (SAF-02)."""

    TYPE = "risk.RecordSafetyInspection"

    inspection_id: Identifier
    inspected_on: date
    full_coverage: bool = Field(description="全覆盖检查: every part of the site was inspected.")
    checked_source_ids: tuple[Identifier, ...] = Field(default=(), max_length=500)
    evidence: tuple[EvidenceRef, ...] = Field(default=(), max_length=50)


class RaiseHazard(_SafetyCommand):
    """A hazard (隐患) found on site, by level (SAF-03)."""

    TYPE = "risk.RaiseHazard"

    hazard_id: Identifier
    level: HazardLevel
    source_id: Identifier | None = Field(default=None, description="The identified risk source, if any.")
    location: ShortText
    responsible_unit_id: Identifier = Field(description="A participating unit of the project.")
    description: LongText
    rectify_by: date
    stop_work: StopWork | None = Field(default=None, description="Required for a level-1 hazard.")
    may_cause_accident: bool = Field(default=False, description="Level 2: then reported like a level-1 hazard.")
    found_at: AwareDatetime
    evidence: Evidence


class ReportHazard(_SafetyCommand):
    """The agency reported the hazard to the insurer and/or the local authority (SAF-03)."""

    TYPE = "risk.ReportHazard"

    hazard_id: Identifier
    recipients: tuple[Recipient, ...] = Field(min_length=1, max_length=2)


class SubmitHazardRectification(_SafetyCommand):
    """The responsible unit's rectification (levels 1-2), or the supervisor's closure (levels 3-4)."""

    TYPE = "risk.SubmitHazardRectification"

    hazard_id: Identifier
    note: LongText
    before: tuple[EvidenceRef, ...] = Field(default=(), max_length=50)
    after: Evidence


class ReviewHazardRectification(_SafetyCommand):
    TYPE = "risk.ReviewHazardRectification"

    hazard_id: Identifier
    decision: HazardDecision
    comment: LongText | None = None
    rectify_by: date | None = Field(default=None, description="A new deadline when sent back.")


class ReportRectificationRefused(_SafetyCommand):
    """The responsible unit refuses to rectify: reported to insurer and authority (SAF-03)."""

    TYPE = "risk.ReportRectificationRefused"

    hazard_id: Identifier
    detail: LongText


class RecordSafetyTraining(_SafetyCommand):
    """A safety training (安全教育培训, SAF-06); it counts only when it covers everyone."""

    TYPE = "risk.RecordSafetyTraining"

    training_id: Identifier
    held_on: date
    topics: ShortText
    managers_total: int = Field(ge=0)
    managers_trained: int = Field(ge=0)
    workers_total: int = Field(ge=0)
    workers_trained: int = Field(ge=0)
    evidence: Evidence


class RecordEmergencyDrill(_SafetyCommand):
    """The emergency plan (应急预案) and a drill (演练) with its evaluation (SAF-06)."""

    TYPE = "risk.RecordEmergencyDrill"

    drill_id: Identifier
    held_on: date
    plan: EvidenceRef
    evaluation: LongText = Field(description="总结评估 of the drill.")
    evidence: tuple[EvidenceRef, ...] = Field(default=(), max_length=50)


class IssueSafetyReport(_SafetyCommand):
    """The period's hazard list and risk report (隐患排查及问题整改清单、风险评估报告, SAF-04), rendered
    as a Chinese PDF from what the platform recorded and delivered to the insurer and the authority."""

    TYPE = "risk.IssueSafetyReport"

    report_id: Identifier
    period: ReportPeriod
    period_key: PeriodKey
    summary: LongText = Field(description="The agency's safety analysis and assessment (安全生产分析和风险评估).")


class ApproveRecordsDestruction(_SafetyCommand):
    """The insurer approves destroying the project's safety records (SAF-05): only once the retention
    period after completion has passed; the records are marked, never deleted."""

    TYPE = "risk.ApproveRecordsDestruction"

    reason: ShortText


# --- events --------------------------------------------------------------------------------------


class _SafetyEvent(Event):
    TOPIC: ClassVar[str | None] = topics.RISK.events

    project_id: Identifier


class SafetyPlanSubmitted(_SafetyEvent):
    TYPE = "risk.SafetyPlanSubmitted"

    plan_id: Identifier
    agency_id: Identifier | None
    grade: RiskGrade
    inspections_per_quarter: int = Field(description="SAF-08: the region's frequency for the grade.")


class RiskSourcesIdentified(_SafetyEvent):
    TYPE = "risk.RiskSourcesIdentified"

    identification_id: Identifier
    identified_on: date
    sources: tuple[SourceLevel, ...]


class SafetyInspectionRecorded(_SafetyEvent):
    TYPE = "risk.SafetyInspectionRecorded"

    inspection_id: Identifier
    inspected_on: date
    quarter: ShortText = Field(description="e.g. 2026Q3")
    full_coverage: bool
    checked_source_ids: tuple[Identifier, ...]


class SafetyCoverageFlagged(_SafetyEvent):
    """SAF-02: the quarter is near its end and not covered yet (raised before the quarter ends)."""

    TYPE = "risk.SafetyCoverageFlagged"

    agency_id: Identifier | None
    quarter: ShortText
    unchecked_source_ids: tuple[Identifier, ...]
    inspections_missing: int
    full_coverage_missing: int
    quarter_ends_at: AwareDatetime


class HazardRaised(_SafetyEvent):
    TYPE = "risk.HazardRaised"

    hazard_id: Identifier
    level: HazardLevel
    source_id: Identifier | None
    location: ShortText
    responsible_unit_id: Identifier
    stop_work: StopWork | None
    report_due_at: AwareDatetime | None = Field(description="SAF-03: 24:00 of the finding's day, when owed.")
    rectify_by: date
    found_at: AwareDatetime
    evidence: tuple[EvidenceRef, ...]


class HazardReported(_SafetyEvent):
    TYPE = "risk.HazardReported"

    hazard_id: Identifier
    level: HazardLevel
    recipients: tuple[Recipient, ...]
    reported_at: AwareDatetime
    on_time: bool


class HazardStateChanged(_SafetyEvent):
    """A hazard as it stands after a step (event-carried state: the project's hazard listing folds it)."""

    TYPE = "risk.HazardStateChanged"

    hazard_id: Identifier
    level: HazardLevel
    status: HazardStatus
    round: int = Field(ge=0)
    version: int = Field(default=0, ge=0, description="The risk file's version this state is of.")
    location: ShortText | None = None
    responsible_unit_id: Identifier | None = None
    rectify_by: date | None = None
    stop_work: StopWork | None = None
    agency_id: Identifier | None = Field(default=None, description="The risk-control agency (per-agency SAF-04).")
    insurer_id: Identifier | None = None
    found_on: date | None = Field(default=None, description="The finding's day, Asia/Shanghai (the periods it is in).")


class RectificationEscalated(_SafetyEvent):
    """A refused or delayed rectification, reported to the insurer and the local authority (SAF-03)."""

    TYPE = "risk.RectificationEscalated"

    hazard_id: Identifier
    level: HazardLevel
    reason: EscalationReason
    insurer_id: Identifier
    authority: Identifier = Field(description="The region whose 建设主管部门 is told.")


class SafetyTrainingRecorded(_SafetyEvent):
    TYPE = "risk.SafetyTrainingRecorded"

    training_id: Identifier
    held_on: date
    covers_everyone: bool
    next_due_on: date | None


class EmergencyDrillRecorded(_SafetyEvent):
    TYPE = "risk.EmergencyDrillRecorded"

    drill_id: Identifier
    held_on: date
    plan: EvidenceRef


class SafetyReportIssued(_SafetyEvent):
    """SAF-04: the period's report, stored with its checksum, delivered to insurer and authority."""

    TYPE = "risk.SafetyReportIssued"

    report_id: Identifier
    period: ReportPeriod
    period_key: PeriodKey
    document: EvidenceRef
    hazards: int = Field(ge=0, description="Hazards found in the period.")
    recipients: tuple[Recipient, ...]
    on_time: bool


class SafetyQuarterRecorded(_SafetyEvent):
    """What the platform recorded of a project's quarter for its agency (SAF-07: the registry pre-fills
    the authority's quarterly checklist from it). Event-carried state: the highest ``version`` wins."""

    TYPE = "risk.SafetyQuarterRecorded"

    agency_id: Identifier
    quarter: ShortText = Field(description="e.g. 2026Q3")
    version: int = Field(ge=1, description="The risk file's version this standing is of.")
    plan: bool = Field(description="一项目一方案 with a risk grade (SAF-01, SAF-08).")
    sources_identified: bool
    inspections: int = Field(ge=0)
    inspections_required: int = Field(ge=0)
    full_coverage: int = Field(ge=0)
    full_coverage_required: int = Field(ge=0)
    level_1_2_unchecked: int = Field(ge=0)
    unchecked_source_ids: tuple[Identifier, ...] = Field(default=(), max_length=500, description="SAF-02: still due.")
    high_risk_work_unchecked: int = Field(ge=0)
    level_1_hazards: int = Field(ge=0)
    level_1_reported_same_day: int = Field(ge=0)
    level_2_accident_risk: int = Field(ge=0)
    level_2_reported: int = Field(ge=0)
    level_3_4_hazards: int = Field(ge=0)
    rectifications_escalated: int = Field(ge=0, description="Refused or delayed rectifications reported.")
    training_current: bool = Field(description="A training covering everyone within the interval (SAF-06).")
    drills: int = Field(ge=0, description="Emergency drills with their evaluation recorded so far.")
    reports_due: int = Field(ge=0, description="Periodic reports owed in the quarter (SAF-04).")
    reports_on_time: int = Field(ge=0)


class SafetyRecordsDestroyed(_SafetyEvent):
    """SAF-05, XC-08: the records are marked destroyed with the insurer's approval; nothing is deleted."""

    TYPE = "risk.SafetyRecordsDestroyed"

    approved_by: Identifier
    retained_until: date
    marked_at: AwareDatetime


COMMANDS: tuple[type[Command], ...] = (
    SubmitSafetyPlan,
    IdentifyRiskSources,
    RecordSafetyInspection,
    RaiseHazard,
    ReportHazard,
    SubmitHazardRectification,
    ReviewHazardRectification,
    ReportRectificationRefused,
    RecordSafetyTraining,
    RecordEmergencyDrill,
    IssueSafetyReport,
    ApproveRecordsDestruction,
)
