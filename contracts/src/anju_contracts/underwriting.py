"""The policy service's commands and underwriting events (``anju.policy.commands.v1``,
``anju.policy.events.v1``): projects and participants, quotation (POL-01 … POL-04), the contracts
(POL-05, POL-08), premium payments and 见费出单 (POL-06), the regulator upload (POL-07).

Money is yuan as a decimal with two places (a JSON string such as ``"12345.60"``), never a float.
The events claims reads (PolicyIssued …) stay in :mod:`anju_contracts.policy`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, Field, StringConstraints

from anju_contracts import common, topics
from anju_contracts.base import Command, ContractModel, Event, FileName, Identifier, ShortText
from anju_contracts.common import EvidenceRef, FailedCondition, Sha256Hex
from anju_contracts.policy import DeliveryStandard, FloatingComponent, ProjectStage, ResidentialType

Yuan = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2)]
"""An amount in yuan with at most two decimal places."""
PositiveYuan = Annotated[Decimal, Field(gt=0, max_digits=16, decimal_places=2)]
Area = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
"""Square metres, two decimal places."""
Factor = Annotated[Decimal, Field(gt=0, max_digits=8, decimal_places=4)]


class QuoteChannel(StrEnum):
    """How a quote reached the customer; only a formal letter (报价函) counts (POL-04)."""

    FORMAL_LETTER = "formal_letter"
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    WECHAT = "wechat"


class ParticipantRole(StrEnum):
    BUILDER = "builder"  # 建设单位
    DESIGNER = "designer"  # 设计单位
    CONTRACTOR = "contractor"  # 施工单位
    SUPERVISOR = "supervisor"  # 监理单位
    TESTING_LAB = "testing_lab"  # 检测单位


class LedgerEntryKind(StrEnum):
    PREMIUM = "premium"  # booked when the insurance contract is signed
    ADJUSTMENT = "adjustment"  # POL-01: premium adjustment to the actual cost
    PAYMENT = "payment"  # premium received


# --- value objects -------------------------------------------------------------------------------


class Participant(ContractModel):
    """A participating unit with its corporate group (the registry checks REG-04 independence on it)."""

    role: ParticipantRole
    organisation_id: Identifier
    group_id: Identifier | None = Field(default=None, description="Its corporate group (集团公司), if any.")
    name: ShortText | None = None


class ProjectUnit(ContractModel):
    unit_id: Identifier
    address: ShortText = Field(description="Building and room, e.g. 3号楼1202室.")


class QuotationLetter(ContractModel):
    """The formal quotation letter (报价函) as uploaded (POL-04)."""

    document: EvidenceRef = Field(description="The scanned letter, uploaded through a document-upload ticket.")
    signed_by_business_head: bool = Field(description="Signed by the head of the business department.")
    sealed: bool = Field(description="Bears the insurer's company seal.")


class Quotation(ContractModel):
    """A quote: its channel and letter (POL-04), the declared scope (POL-03) and the floating factor's
    components (POL-02). Amount and premium are computed by the platform from the region file."""

    quote_id: Identifier
    channel: QuoteChannel
    letter: QuotationLetter | None = None
    declared_area_m2: Area = Field(description="Building area the quote covers; must be the true area (POL-03).")
    decoration_cost_included: bool = Field(description="Decoration cost inside the insured amount (POL-03).")
    factors: dict[FloatingComponent, Factor] = Field(description="Each floating-factor component (POL-02).")


# --- commands ------------------------------------------------------------------------------------


class _PolicyCommand(Command):
    TOPIC: ClassVar[str | None] = topics.POLICY.commands

    project_id: Identifier


class RegisterProject(_PolicyCommand):
    """The first information entry of a project by its insurer, with the quotation letter (POL-04)."""

    TYPE = "policy.RegisterProject"

    insurer_id: Identifier
    product_line: str = Field(max_length=32, description="One of the region's product lines (XC-06).")
    name: ShortText
    location: ShortText = Field(description="District and address of the site.")
    residential_type: ResidentialType
    delivery_standard: DeliveryStandard
    prefabrication_rate: Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4)]
    plot_ratio: Annotated[Decimal, Field(gt=0, le=50, max_digits=6, decimal_places=3)]
    true_building_area_m2: Area
    units: tuple[ProjectUnit, ...] = Field(min_length=1, max_length=5000)
    participants: tuple[Participant, ...] = Field(min_length=1, max_length=20)
    stage: ProjectStage = ProjectStage.DESIGN
    stage_on: date
    quotation: Quotation


class SubmitQuotation(_PolicyCommand):
    """A new quote for a registered project, before its insurance contract (POL-02 … POL-04)."""

    TYPE = "policy.SubmitQuotation"

    quotation: Quotation


class AdvanceStage(_PolicyCommand):
    """The project entered a later stage on a day; stages only move forward (POL-09)."""

    TYPE = "policy.AdvanceStage"

    stage: ProjectStage
    on: date


class AdjustInsuredAmount(_PolicyCommand):
    """The insured amount adjusted to the actual construction cost (保险费调整, POL-01)."""

    TYPE = "policy.AdjustInsuredAmount"

    adjustment_id: Identifier
    actual_cost_yuan: PositiveYuan
    on: date


class RecordRiskManagementContract(_PolicyCommand):
    """The insurer signed the risk-management contract with an admitted agency (POL-08)."""

    TYPE = "policy.RecordRiskManagementContract"

    agency_id: Identifier
    first_period_fee_yuan: PositiveYuan
    signed_on: date


class SelectAgency(_PolicyCommand):
    """The insurer selects an admitted agency and its proposed team, with the risk-management contract's
    first-period fee (POL-08). The platform asks the registry to assign the team (``registry.AssignTeam``,
    REG-02 … REG-06); the contract takes effect when the registry assigns it, and a refusal is shown to
    the insurer with its failed conditions."""

    TYPE = "policy.SelectAgency"

    agency_id: Identifier
    lead_id: Identifier = Field(description="Project risk manager (项目风险管理负责人).")
    member_ids: tuple[Identifier, ...] = Field(default=(), max_length=100)
    technical_lead_id: Identifier | None = Field(default=None, description="Dedicated technical lead, if any.")
    first_period_fee_yuan: PositiveYuan
    signed_on: date = Field(description="Day the risk-management contract was signed.")


class MilestoneStep(StrEnum):
    """What a milestone record says happened (POL-09, POL-10)."""

    USER_DOCUMENTS_DELIVERED = "user_documents_delivered"  # 用户告知书 + 责任范围说明书 to the builder, uploaded
    JOINT_INSPECTION_HELD = "joint_inspection_held"  # 联合质量检查 + 理赔交底 with minutes
    OWNERS_ANNOUNCED = "owners_announced"  # 告全体业主公告
    REVISIT_NOTICE_SIGNED = "revisit_notice_signed"  # 回访告知书 signed at the first revisit
    FINAL_REPORT_SEALED = "final_report_sealed"  # RSK-07, learnt from the risk service


class RevisitSigner(StrEnum):
    BUILDER = "builder"  # 建设单位
    CONTRACTOR = "contractor"  # 施工单位
    PROPERTY_MANAGER = "property_manager"  # 物业服务企业


class RecordMilestone(_PolicyCommand):
    """A milestone step after completion (POL-09, POL-10): the user documents delivered and uploaded,
    the joint quality inspection and claims briefing held (minutes), the owners' announcement made, the
    revisit notice signed at the first revisit (by builder, contractor and property manager)."""

    TYPE = "policy.RecordMilestone"

    step: MilestoneStep
    on: date
    document: EvidenceRef | None = Field(
        default=None, description="Minutes, announcement or signed notice, uploaded through a document-upload ticket."
    )
    signed_by: tuple[RevisitSigner, ...] = Field(default=(), max_length=3, description="Revisit notice signers.")


class UnitBuyer(ContractModel):
    """A buyer named in a unit's sale contract (real-name; stored protected, XC-09)."""

    name: ShortText
    id_number: Annotated[str, StringConstraints(pattern=r"^\d{17}[\dXx]$")] = Field(
        description="Resident ID number; taken over HTTPS only, never stored or published in full."
    )


class UnitSale(ContractModel):
    """One unit's sale contract (商品房买卖合同) and its buyers: what the builder registers per unit,
    alone or in a batch (XC-09: HTTP only)."""

    unit_id: Identifier
    sale_contract_no: ShortText
    buyers: tuple[UnitBuyer, ...] = Field(min_length=1, max_length=10)
    on: date


class RegisterUnitOwners(UnitSale):
    """The builder registers a unit's buyers from its sale contract (商品房买卖合同); HTTP only (XC-09)."""

    project_id: Identifier


# A batch is one commit of one project: 100 units is under half of a typical project's ~250, so a roster
# goes in a few requests, while the body (≤ 1,000 buyers, ~100 KB) stays far below the 1 MiB request
# limit and one commit's events (≤ 100 UnitOwnersChanged) far below a Kafka record's.
MAX_UNIT_SALES_PER_BATCH = 100


class RegisterUnitOwnersBatch(ContractModel):
    """The builder registers many units' buyers of one project from its sales roster (批量导入), all or
    nothing: one refused entry refuses the batch, naming every refused entry; HTTP only (XC-09)."""

    project_id: Identifier
    entries: tuple[UnitSale, ...] = Field(
        min_length=1,
        max_length=MAX_UNIT_SALES_PER_BATCH,
        description="One per unit, each unit at most once.",
    )


class SignInsuranceContract(_PolicyCommand):
    """The insurance contract, signed before the construction-drawing design stage (POL-05)."""

    TYPE = "policy.SignInsuranceContract"

    contract_id: Identifier
    signed_on: date


class RecordPremiumPayment(_PolicyCommand):
    """A premium payment received from the builder; partial payments allowed (POL-06)."""

    TYPE = "policy.RecordPremiumPayment"

    payment_id: Identifier
    amount_yuan: PositiveYuan
    paid_on: date


class IssuePolicy(_PolicyCommand):
    """Issue the policy: only once the full premium is received (见费出单, POL-06)."""

    TYPE = "policy.IssuePolicy"

    policy_id: Identifier
    issued_on: date


class RecordRegulatorUpload(_PolicyCommand):
    """The issued policy's contract information was uploaded to the regulator's platform (POL-07)."""

    TYPE = "policy.RecordRegulatorUpload"

    uploaded_on: date


class RequestDocumentUpload(_PolicyCommand):
    """Ask for a presigned PUT for one underwriting document (e.g. the 报价函); HTTP only."""

    TYPE = "policy.RequestDocumentUpload"

    file_name: FileName
    content_type: str = Field(min_length=3, max_length=100)
    size: int = Field(ge=1)
    sha256: Sha256Hex


# --- events --------------------------------------------------------------------------------------


class _ProjectEvent(Event):
    TOPIC: ClassVar[str | None] = topics.POLICY.events

    project_id: Identifier


class ProjectRegistered(_ProjectEvent):
    TYPE = "policy.ProjectRegistered"

    insurer_id: Identifier
    product_line: str = Field(max_length=32)
    residential_type: ResidentialType
    delivery_standard: DeliveryStandard
    true_building_area_m2: Area
    units: int = Field(ge=1, description="How many units the project has.")
    participants: tuple[Participant, ...]
    stage: ProjectStage
    stage_on: date


class QuotationRecorded(_ProjectEvent):
    """A quote as priced from the region file (POL-01, POL-02), with every component."""

    TYPE = "policy.QuotationRecorded"

    quote_id: Identifier
    insured_amount_yuan: Yuan
    amount_basis: str = Field(max_length=32, description="estimate (design stage) or actual_cost.")
    base_rate: Annotated[Decimal, Field(gt=0, lt=1)]
    factors: dict[FloatingComponent, Factor]
    floating_factor: Factor
    premium_yuan: Yuan
    letter_key: str = Field(max_length=512, description="Object key of the quotation letter (POL-04).")


class StageAdvanced(_ProjectEvent):
    TYPE = "policy.StageAdvanced"

    stage: ProjectStage
    previous: ProjectStage
    on: date
    policy_id: Identifier | None = Field(
        default=None, description="The project's policy once issued (claims follow its stage, POL-11)."
    )


class InsuredAmountAdjusted(_ProjectEvent):
    """The premium adjustment record (POL-01)."""

    TYPE = "policy.InsuredAmountAdjusted"

    adjustment_id: Identifier
    insurer_id: Identifier
    product_line: str = Field(max_length=32)
    previous_amount_yuan: Yuan
    insured_amount_yuan: Yuan
    previous_premium_yuan: Yuan
    premium_yuan: Yuan
    premium_delta_yuan: Annotated[Decimal, Field(max_digits=16, decimal_places=2)]
    booked: bool = Field(description="True when the contract is signed, so the delta enters the ledger.")
    on: date


class RiskManagementContractRecorded(_ProjectEvent):
    TYPE = "policy.RiskManagementContractRecorded"

    agency_id: Identifier
    first_period_fee_yuan: Yuan
    signed_on: date


class AgencySelected(_ProjectEvent):
    """The insurer selected an agency (POL-08); the registry is asked to assign its team."""

    TYPE = "policy.AgencySelected"

    agency_id: Identifier
    insurer_id: Identifier
    lead_id: Identifier
    first_period_fee_yuan: Yuan
    signed_on: date


class AgencyAssignmentRefused(_ProjectEvent):
    """The registry refused the selected agency's team; its failed conditions, as the registry gave them."""

    TYPE = "policy.AgencyAssignmentRefused"

    agency_id: Identifier
    failed: tuple[FailedCondition, ...]


class MilestoneRecorded(_ProjectEvent):
    """A milestone step (POL-09, POL-10), with the document that proves it."""

    TYPE = "policy.MilestoneRecorded"

    step: MilestoneStep
    on: date
    document_key: str | None = Field(default=None, max_length=512)
    document_sha256: Sha256Hex | None = None


class InsuranceContractSigned(_ProjectEvent):
    TYPE = "policy.InsuranceContractSigned"

    contract_id: Identifier
    insurer_id: Identifier
    product_line: str = Field(max_length=32)
    premium_yuan: Yuan
    signed_on: date


class PremiumPaymentRecorded(_ProjectEvent):
    TYPE = "policy.PremiumPaymentRecorded"

    payment_id: Identifier
    insurer_id: Identifier
    product_line: str = Field(max_length=32)
    amount_yuan: Yuan
    paid_total_yuan: Yuan
    outstanding_yuan: Annotated[Decimal, Field(max_digits=16, decimal_places=2)]
    paid_on: date


class PolicyUploadedToRegulator(_ProjectEvent):
    TYPE = "policy.PolicyUploadedToRegulator"

    policy_id: Identifier
    uploaded_on: date


class ObligationOpened(common.ObligationOpened):
    """A policy's deadline was opened (XC-02): POL-07 upload of the contract to the regulator, owed by
    the insurer within the region's working days of issue. Keyed by project id."""

    TYPE = "policy.ObligationOpened"
    TOPIC: ClassVar[str | None] = topics.POLICY.events


class ObligationFulfilled(common.ObligationFulfilled):
    TYPE = "policy.ObligationFulfilled"
    TOPIC: ClassVar[str | None] = topics.POLICY.events


class ProjectListed(_ProjectEvent):
    """What the listings show of a project (event-carried state: an insurer's, a builder's, the region's
    projects by stage), recorded when the project is registered and at each stage. ``revision`` grows
    with each, so a late or repeated one never moves a listing back."""

    TYPE = "policy.ProjectListed"

    revision: int = Field(ge=1)
    insurer_id: Identifier
    builder_id: Identifier | None = None
    name: ShortText
    product_line: str = Field(max_length=32)
    stage: ProjectStage
    stage_on: date


class ObligationOverdue(Event):
    """A policy obligation passed its deadline unmet (XC-02); fired once. Keyed by project id."""

    TYPE = "policy.ObligationOverdue"
    TOPIC: ClassVar[str | None] = topics.POLICY.events

    project_id: Identifier
    obligation_id: str = Field(max_length=256)
    obligation: str = Field(max_length=64)
    rule_id: str = Field(max_length=16)
    due_at: AwareDatetime


COMMAND_TYPES: tuple[type[Command], ...] = (
    RegisterProject,
    SubmitQuotation,
    AdvanceStage,
    AdjustInsuredAmount,
    RecordRiskManagementContract,
    SelectAgency,
    RecordMilestone,
    SignInsuranceContract,
    RecordPremiumPayment,
    IssuePolicy,
    RecordRegulatorUpload,
    RequestDocumentUpload,
)
