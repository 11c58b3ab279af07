"""Claims messages (理赔): commands on ``anju.claims.commands.v1``, events on ``anju.claims.events.v1``.

A claim runs report → site survey (查勘) → decision → agreement → repair or payment, each step on
the legal clock (CLM-01 … CLM-10, POL-13). Every command names the claim it acts on; events are
keyed by claim id so one claim's events stay in order.

Amounts are integers in fen (分, 0.01 CNY) so no rounding ever happens on the wire.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field

from anju_contracts import common, topics
from anju_contracts.base import (
    Command,
    ContractModel,
    Event,
    FileName,
    Identifier,
    LongText,
    MaskedPhone,
    ShortText,
)

# Re-exported: shared by every service now (anju_contracts.common); insurers import them from here.
from anju_contracts.common import DeadlineInfo as DeadlineInfo
from anju_contracts.common import EvidenceRef as EvidenceRef
from anju_contracts.common import Sha256Hex as Sha256Hex
from anju_contracts.policy import BuildingPart

# --- value objects -------------------------------------------------------------------------------


class ReportChannel(StrEnum):
    HOTLINE_24H = "hotline_24h"  # 24 小时保险服务电话 (CLM-02)
    PORTAL = "portal"
    INSURER_SYSTEM = "insurer_system"
    SERVICE_AGENCY = "service_agency"  # 保险公司委托的专业服务机构


class EvidenceStage(StrEnum):
    REPORT = "report"
    SURVEY = "survey"
    EXCLUSION = "exclusion"
    REPAIR = "repair"
    APPRAISAL = "appraisal"
    OTHER = "other"


class Decision(StrEnum):
    COVERED = "covered"  # 属于保险责任
    NOT_COVERED = "not_covered"  # 不属于保险责任


class Exclusion(StrEnum):
    """Exclusions the insurer must prove with evidence (CLM-07)."""

    OWNER_CAUSE = "owner_cause"  # 房屋所有权人自身原因
    THIRD_PARTY = "third_party"  # 第三方责任
    FORCE_MAJEURE = "force_majeure"  # 保险合同约定的不可抗力


class Reason(ContractModel):
    code: Identifier = Field(description="Machine-readable reason, e.g. NOT_A_DEFECT.")
    text: LongText = Field(description="Reason in words, shown to the owner (Chinese for owners).")


class CompensationMode(StrEnum):
    REPAIR = "repair"  # 维修 (the default, CLM-05)
    MONEY = "money"  # 赔偿保险金 (only where agreed, CLM-05)


class DisputeParty(StrEnum):
    OWNER = "owner"
    BUILDER = "builder"
    INSURER = "insurer"


class SubrogationKind(StrEnum):
    WAIVER = "waiver"  # the insured waived its rights against the liable party (放弃请求赔偿的权利)
    RECOVERY = "recovery"  # the insurer recovers from the liable party (代位追偿)


class LiablePartyKind(StrEnum):
    DESIGNER = "designer"
    CONTRACTOR = "contractor"
    SUPPLIER = "supplier"  # 设备材料供应商


class ClaimStatus(StrEnum):
    REFUSED = "refused"  # refused at intake (CLM-01, CLM-10, POL-13)
    REPORTED = "reported"
    SURVEY_SCHEDULED = "survey_scheduled"
    SURVEYED = "surveyed"
    COVERED = "covered"
    NOT_COVERED = "not_covered"
    DISPUTED = "disputed"
    AGREED = "agreed"
    REPAIR_ASSIGNED = "repair_assigned"
    REPAIRED = "repaired"
    PAID = "paid"
    NOT_LIABLE = "not_liable"  # insured waived rights before performance (CLM-09)
    WITHDRAWN = "withdrawn"


# --- commands ------------------------------------------------------------------------------------


class _ClaimCommand(Command):
    TOPIC: ClassVar[str | None] = topics.CLAIMS.commands

    claim_id: Identifier = Field(description="Claim id; chosen by the reporter so a retry is idempotent.")


class ReportClaim(_ClaimCommand):
    """An owner reports a defect (报案), directly or through the insurer's 24-hour line (CLM-01, CLM-02)."""

    TYPE = "claims.ReportClaim"

    unit_id: Identifier
    owner_id: Identifier = Field(description="The claimant; must be an owner of the unit (CLM-01).")
    part: BuildingPart = Field(description="Building part the defect is in; its period decides (POL-13).")
    item: ShortText = Field(description="Defect item, e.g. 卫生间渗漏.")
    location: ShortText = Field(description="Location inside the unit, e.g. 主卧卫生间地面.")
    description: LongText
    reported_at: AwareDatetime | None = Field(
        default=None, description="When the report was taken; defaults to the envelope's occurred_at."
    )
    channel: ReportChannel = ReportChannel.PORTAL
    contact_phone_masked: MaskedPhone | None = Field(
        default=None, description="Masked phone for display only, e.g. 138****1234 (XC-09)."
    )
    evidence: tuple[EvidenceRef, ...] = Field(default=(), max_length=50)


class ScheduleSurvey(_ClaimCommand):
    """The site survey (查勘) is agreed with the owner (CLM-02)."""

    TYPE = "claims.ScheduleSurvey"

    scheduled_at: AwareDatetime
    surveyor_id: Identifier
    surveyor_name: ShortText | None = None


class RecordSurvey(_ClaimCommand):
    TYPE = "claims.RecordSurvey"

    surveyed_at: AwareDatetime
    surveyor_id: Identifier
    findings: LongText = Field(description="What the surveyor found (查勘结论).")
    evidence: tuple[EvidenceRef, ...] = Field(default=(), max_length=100)


class DecideClaim(_ClaimCommand):
    """The insurer decides covered or not (核定). A refusal needs reasons (CLM-04); an exclusion needs
    evidence (CLM-07)."""

    TYPE = "claims.DecideClaim"

    decision: Decision
    decided_at: AwareDatetime
    reasons: tuple[Reason, ...] = Field(default=(), max_length=20)
    exclusion: Exclusion | None = None
    exclusion_evidence: tuple[EvidenceRef, ...] = Field(default=(), max_length=50)


class RecordAgreement(_ClaimCommand):
    """The compensation agreement (赔偿协议) is reached; the insurer performs within 10 days (CLM-03)."""

    TYPE = "claims.RecordAgreement"

    mode: CompensationMode = CompensationMode.REPAIR
    amount_fen: int = Field(ge=0, description="Agreed amount in fen; repair cost estimate for repair mode.")
    agreed_on: date = Field(description="The day the agreement was reached (not counted, XC-01).")
    money_agreed_by_owner: bool = Field(
        default=False, description="The owner agreed to money instead of repair (CLM-05); required for money."
    )
    document: EvidenceRef | None = Field(default=None, description="The signed agreement, if stored.")


class AssignRepair(_ClaimCommand):
    """The insurer repairs itself or hires a qualified repairer (CLM-05)."""

    TYPE = "claims.AssignRepair"

    repairer_id: Identifier
    repairer_name: ShortText
    qualification: ShortText = Field(
        description="The repairer's qualification (资质), e.g. 防水防腐保温工程专业承包二级."
    )
    assigned_on: date


class CompleteRepair(_ClaimCommand):
    TYPE = "claims.CompleteRepair"

    completed_on: date = Field(description="Repair completion day; the 180-day warranty counts from it (CLM-06).")
    summary: LongText
    evidence: tuple[EvidenceRef, ...] = Field(default=(), max_length=100)


class RecordPayment(_ClaimCommand):
    TYPE = "claims.RecordPayment"

    amount_fen: int = Field(ge=1)
    paid_on: date
    payment_reference: Identifier = Field(description="The insurer's payment id; a replay with it is a no-op.")


class OpenDispute(_ClaimCommand):
    """A party disputes whether the defect is covered and asks, in writing, for appraisal (CLM-08)."""

    TYPE = "claims.OpenDispute"

    raised_by: DisputeParty
    opened_on: date
    statement: LongText = Field(description="The written statement of what is disputed.")
    written_request: EvidenceRef | None = Field(default=None, description="The signed written request.")


class RecordAppraisal(_ClaimCommand):
    """The jointly chosen, qualified and independent appraiser's result (鉴定结论, CLM-08)."""

    TYPE = "claims.RecordAppraisal"

    appraiser_id: Identifier
    appraiser_name: ShortText
    qualified: bool = Field(description="The appraiser holds the qualification for the matter.")
    independent: bool = Field(description="No interest with any party of the dispute.")
    jointly_chosen: bool = Field(description="Chosen jointly by the parties.")
    appraised_on: date
    outcome: Decision
    summary: LongText
    report: EvidenceRef | None = None


class RecordSubrogation(_ClaimCommand):
    """Facts for subrogation (代位追偿, CLM-09)."""

    TYPE = "claims.RecordSubrogation"

    kind: SubrogationKind
    occurred_on: date = Field(description="Day of the waiver, or day recovery was started.")
    liable_party: LiablePartyKind
    liable_party_id: Identifier | None = None
    amount_fen: int | None = Field(default=None, ge=0, description="Amount claimed from the liable party.")
    note: LongText | None = None


class WithdrawClaim(_ClaimCommand):
    TYPE = "claims.WithdrawClaim"

    reason: LongText


class RequestEvidenceUpload(_ClaimCommand):
    """Ask for a short-lived presigned PUT URL for one photo, video or document."""

    TYPE = "claims.RequestEvidenceUpload"

    file_name: FileName = Field(description="The file's own name, e.g. 卫生间渗漏.jpg; becomes part of the key.")
    content_type: str = Field(min_length=3, max_length=100)
    size: int = Field(ge=1, description="Declared size in bytes; the upload must match it.")
    sha256: Sha256Hex = Field(description="Declared SHA-256; the upload must match it.")
    stage: EvidenceStage = EvidenceStage.REPORT


class AttachEvidence(_ClaimCommand):
    """Attach an uploaded object after its existence, size and checksum are checked."""

    TYPE = "claims.AttachEvidence"

    evidence: EvidenceRef
    stage: EvidenceStage = EvidenceStage.OTHER


# --- events --------------------------------------------------------------------------------------


class _ClaimEvent(Event):
    TOPIC: ClassVar[str | None] = topics.CLAIMS.events

    claim_id: Identifier


class ClaimReported(_ClaimEvent):
    TYPE = "claims.ClaimReported"

    policy_id: Identifier
    project_id: Identifier
    insurer_id: Identifier
    unit_id: Identifier
    owner_id: Identifier
    part: BuildingPart
    item: ShortText
    location: ShortText
    description: LongText
    reported_at: AwareDatetime
    channel: ReportChannel
    evidence: tuple[EvidenceRef, ...] = ()
    linked_claim_id: Identifier | None = Field(
        default=None, description="Earlier claim whose 180-day repair warranty covers this report (CLM-06)."
    )


class ClaimRefused(_ClaimEvent):
    """Refused at intake: outside coverage (CLM-01, POL-13) or in the contractor's warranty (CLM-10)."""

    TYPE = "claims.ClaimRefused"

    unit_id: Identifier
    owner_id: Identifier
    policy_id: Identifier | None = None
    insurer_id: Identifier | None = None
    part: BuildingPart
    reason_code: str = Field(
        description="E.g. NOT_OWNER, POLICY_NOT_IN_FORCE, PART_PERIOD_OVER, IN_CONTRACTOR_WARRANTY."
    )
    rule_id: str
    reason: LongText
    routed_to: str | None = Field(default=None, description="'contractor' when the defect goes to the contractor.")
    contractor_id: Identifier | None = None
    refused_at: AwareDatetime


class SurveyScheduled(_ClaimEvent):
    TYPE = "claims.SurveyScheduled"

    scheduled_at: AwareDatetime
    surveyor_id: Identifier


class SurveyRecorded(_ClaimEvent):
    TYPE = "claims.SurveyRecorded"

    surveyed_at: AwareDatetime
    surveyor_id: Identifier
    findings: LongText
    evidence: tuple[EvidenceRef, ...] = ()


class ClaimDecided(_ClaimEvent):
    TYPE = "claims.ClaimDecided"

    decision: Decision
    decided_at: AwareDatetime
    reasons: tuple[Reason, ...] = ()
    exclusion: Exclusion | None = None
    exclusion_evidence: tuple[EvidenceRef, ...] = ()
    rejection_notice_due: DeadlineInfo | None = Field(
        default=None, description="CLM-04: the rejection notice reaches the owner by then."
    )
    by_appraisal: bool = Field(default=False, description="The decision follows an appraisal (CLM-08).")


class AgreementRecorded(_ClaimEvent):
    TYPE = "claims.AgreementRecorded"

    mode: CompensationMode
    amount_fen: int
    agreed_on: date
    performance_due: DeadlineInfo = Field(description="CLM-03: pay or repair by then.")
    document: EvidenceRef | None = None


class RepairAssigned(_ClaimEvent):
    TYPE = "claims.RepairAssigned"

    repairer_id: Identifier
    repairer_name: ShortText
    qualification: ShortText
    assigned_on: date


class RepairCompleted(_ClaimEvent):
    TYPE = "claims.RepairCompleted"

    unit_id: Identifier
    part: BuildingPart
    item: ShortText
    location: ShortText
    completed_on: date
    summary: LongText
    evidence: tuple[EvidenceRef, ...] = ()
    warranty_end: DeadlineInfo = Field(
        description="CLM-06: the same item at the same location is warranted until then."
    )


class PaymentRecorded(_ClaimEvent):
    TYPE = "claims.PaymentRecorded"

    amount_fen: int
    paid_on: date
    payment_reference: Identifier
    fully_paid: bool = Field(description="The agreed amount is paid in full (CLM-03 met).")


class DisputeOpened(_ClaimEvent):
    TYPE = "claims.DisputeOpened"

    raised_by: DisputeParty
    opened_on: date
    statement: LongText
    written_request: EvidenceRef | None = None


class AppraisalRecorded(_ClaimEvent):
    TYPE = "claims.AppraisalRecorded"

    appraiser_id: Identifier
    appraiser_name: ShortText
    appraised_on: date
    outcome: Decision
    summary: LongText
    report: EvidenceRef | None = None


class SubrogationRecorded(_ClaimEvent):
    TYPE = "claims.SubrogationRecorded"

    kind: SubrogationKind
    occurred_on: date
    liable_party: LiablePartyKind
    liable_party_id: Identifier | None = None
    amount_fen: int | None = None
    insurer_released: bool = Field(
        description="CLM-09: the insured waived its rights before the insurer performed: insurer not liable."
    )
    builder_cooperation_requested: bool = Field(
        default=False, description="CLM-09: the builder is told to cooperate with the recovery."
    )


class ClaimWithdrawn(_ClaimEvent):
    TYPE = "claims.ClaimWithdrawn"

    reason: LongText
    withdrawn_at: AwareDatetime


class EvidenceAttached(_ClaimEvent):
    TYPE = "claims.EvidenceAttached"

    evidence: EvidenceRef
    stage: EvidenceStage


class DeadlineOverdue(_ClaimEvent):
    """A legal deadline passed unmet; published exactly once per deadline (XC-02)."""

    TYPE = "claims.DeadlineOverdue"

    deadline: DeadlineInfo
    detected_at: AwareDatetime


class RejectionNoticeIssued(_ClaimEvent):
    """The rejection notice (不予赔偿通知书) was generated and sent to the owner (CLM-04)."""

    TYPE = "claims.RejectionNoticeIssued"

    document: EvidenceRef
    issued_at: AwareDatetime
    reasons: tuple[Reason, ...]


class RepairWarrantyStatementIssued(_ClaimEvent):
    """The repair completion and warranty statement (维修完成及保修说明) was issued (CLM-06)."""

    TYPE = "claims.RepairWarrantyStatementIssued"

    document: EvidenceRef
    issued_at: AwareDatetime
    warranty_end: DeadlineInfo


class ClaimStateChanged(_ClaimEvent):
    """The claim as it stands after a change, published with every change in the same write (after the
    change's own events; event-carried state). Read models and integrators keep a claim's current
    state from it alone, keyed by claim id; ``version`` orders them: keep the highest seen."""

    TYPE = "claims.ClaimStateChanged"

    version: int = Field(ge=1, description="The claim's version after the change (its ETag / If-Match).")
    status: ClaimStatus
    unit_id: Identifier
    owner_id: Identifier
    insurer_id: Identifier | None = Field(description="None when the report found no policy (refused).")
    policy_id: Identifier | None
    project_id: Identifier | None
    reported_at: AwareDatetime = Field(description="When the platform received the report (CLM-01).")
    next_due: DeadlineInfo | None = Field(description="The earliest open legal deadline, if any (XC-01).")


class ObligationOpened(common.ObligationOpened):
    """A claim's legal deadline was opened (XC-02): CLM-03 perform and CLM-04 rejection notice, owed by
    the insurer to the owner, and the CLM-06 repair warranty window. Keyed by claim id."""

    TYPE = "claims.ObligationOpened"
    TOPIC: ClassVar[str | None] = topics.CLAIMS.events


class ObligationFulfilled(common.ObligationFulfilled):
    """A claim's obligation ended: met (performed, notice issued) or cancelled (withdrawn, refusal
    overturned by appraisal, insured waived its rights). Keyed by claim id."""

    TYPE = "claims.ObligationFulfilled"
    TOPIC: ClassVar[str | None] = topics.CLAIMS.events


# --- 质安保 construction safety section (POL-11) ------------------------------------------------------


class SafetyIncidentKind(StrEnum):
    """What a construction safety incident claims (POL-11: 质安保 during construction)."""

    WORKER_INJURY = "worker_injury"  # 施工期间从业人员受伤
    WORKER_DEATH = "worker_death"  # 从业人员死亡
    THIRD_PARTY_INJURY = "third_party_injury"  # 第三者受伤
    THIRD_PARTY_DEATH = "third_party_death"  # 第三者死亡
    RESCUE_COSTS = "rescue_costs"  # 施救 / 救援费用


class ReportSafetyIncident(_ClaimCommand):
    """A safety incident during construction, claimed on the project's policy as a claim of its own kind
    (POL-11): accepted only when the policy's line covers it (质安保) and the project is in construction."""

    TYPE = "claims.ReportSafetyIncident"

    policy_id: Identifier
    kind: SafetyIncidentKind
    occurred_at: AwareDatetime
    location: ShortText = Field(description="Where on site, e.g. 3号楼脚手架.")
    description: LongText
    persons: int = Field(default=0, ge=0, le=1000, description="Injured or dead persons (0 for rescue costs).")


class SafetyIncidentClaimAccepted(_ClaimEvent):
    """A construction safety incident claim was accepted on a 质安保 policy (POL-11)."""

    TYPE = "claims.SafetyIncidentClaimAccepted"

    policy_id: Identifier
    project_id: Identifier
    insurer_id: Identifier
    kind: SafetyIncidentKind
    section: str = Field(max_length=64, description="The policy's coverage section that covers it.")
    occurred_at: AwareDatetime
    reported_at: AwareDatetime
    persons: int = Field(ge=0)


COMMAND_TYPES: tuple[type[Command], ...] = (
    ReportClaim,
    ScheduleSurvey,
    RecordSurvey,
    DecideClaim,
    RecordAgreement,
    AssignRepair,
    CompleteRepair,
    RecordPayment,
    OpenDispute,
    RecordAppraisal,
    RecordSubrogation,
    WithdrawClaim,
    RequestEvidenceUpload,
    AttachEvidence,
)

EVENT_TYPES: tuple[type[Event], ...] = (
    ClaimReported,
    ClaimRefused,
    SurveyScheduled,
    SurveyRecorded,
    ClaimDecided,
    AgreementRecorded,
    RepairAssigned,
    RepairCompleted,
    PaymentRecorded,
    DisputeOpened,
    AppraisalRecorded,
    SubrogationRecorded,
    ClaimWithdrawn,
    EvidenceAttached,
    DeadlineOverdue,
    RejectionNoticeIssued,
    RepairWarrantyStatementIssued,
    ClaimStateChanged,
    ObligationOpened,
    ObligationFulfilled,
)
