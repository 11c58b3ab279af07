"""Policy events other services consume (published on ``anju.policy.events.v1``).

The policy service owns these; until it runs, insurers' core systems publish them. Claims builds
its own read model of which units a policy covers, who owns them, and when each building part is
covered (CLM-01, CLM-10, POL-13).

Owner identity never travels in full (XC-09): an owner is an opaque ``owner_id`` plus a masked
ID-card number for display; the full number stays with the service that must hold it.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from anju_contracts import topics
from anju_contracts.base import ContractModel, Event, Identifier, MaskedIdNumber, ScreenedText, ShortText


class BuildingPart(StrEnum):
    """Building parts with their own coverage period (POL-13)."""

    FOUNDATION_MAIN_STRUCTURE = "foundation_main_structure"  # 地基基础和主体结构
    INSULATION = "insulation"  # 保温工程
    WATERPROOFING = "waterproofing"  # 防水工程
    OTHER = "other"  # 其他部位


class ResidentialType(StrEnum):
    """住宅属性: what kind of housing a project builds (POL-01 estimate factor)."""

    COMMERCIAL = "commercial"  # 商品住房
    RESETTLEMENT = "resettlement"  # 安置住房
    AFFORDABLE = "affordable"  # 保障性住房
    PUBLIC_RENTAL = "public_rental"  # 公共租赁住房


class DeliveryStandard(StrEnum):
    """交付标准 (POL-01 estimate factor)."""

    FITTED = "fitted"  # 精装
    SHELL = "shell"  # 毛坯


class ProjectStage(StrEnum):
    """A project's stages, in the only order they may be entered (POL-05, POL-09)."""

    DESIGN = "design"  # 设计阶段
    CONSTRUCTION_DRAWING_DESIGN = "construction_drawing_design"  # 施工图设计阶段
    CONSTRUCTION = "construction"  # 施工
    COMPLETION_ACCEPTANCE = "completion_acceptance"  # 竣工验收
    COMPLETION_FILING = "completion_filing"  # 竣工备案
    CONTRACTOR_WARRANTY = "contractor_warranty"  # 施工单位保修期 (2 years)
    LIABILITY_PERIOD = "liability_period"  # 保险责任期间
    ENDED = "ended"

    @property
    def order(self) -> int:
        return list(ProjectStage).index(self)


class FloatingComponent(StrEnum):
    """The components of the floating factor (费率浮动, POL-02), each bounded by the region."""

    RISK_LEVEL = "risk_level"  # 工程风险程度
    QUALIFICATIONS = "qualifications"  # 各参建方资质
    CREDIT_RECORDS = "credit_records"  # 诚信情况
    CLAIMS_HISTORY = "claims_history"  # 赔付记录
    DESIGN_CONTROL = "design_control"  # 关键节点设计管控措施


class CoverageSection(StrEnum):
    """What a product line covers (POL-11: 质安保 = latent defects + construction-time injury and rescue)."""

    LATENT_DEFECTS = "latent_defects"  # 工程质量潜在缺陷
    WORKER_INJURY = "worker_injury"  # 施工期间从业人员人身伤亡
    THIRD_PARTY_INJURY = "third_party_injury"  # 第三者人身伤亡
    RESCUE_COSTS = "rescue_costs"  # 救援费用
    CONSTRUCTION_SAFETY_LIABILITY = "construction_safety_liability"  # 安责险


class OwnerRef(ContractModel):
    owner_id: Identifier = Field(description="Stable id of the owner (房屋所有权人); what owner tokens carry.")
    id_number_masked: MaskedIdNumber | None = Field(
        default=None,
        description="Masked ID-card number for display, e.g. 3101**********1234 (XC-09); never in full.",
    )


class PolicyUnit(ContractModel):
    unit_id: Identifier = Field(description="The unit (房屋/户) id; one household, one file (XC-03).")
    address: ShortText | None = Field(default=None, description="Building and room, e.g. 3号楼1202室.")
    owners: tuple[OwnerRef, ...] = Field(default=(), description="Current owners of the unit.")


class CoveragePeriod(ContractModel):
    part: BuildingPart
    starts_on: date = Field(description="First covered day (the liability period start).")
    ends_on: date = Field(description="Last covered day (inclusive).")


class PolicyIssued(Event):
    """An IDI policy was issued for a project and covers these units."""

    TYPE = "policy.PolicyIssued"
    TOPIC: ClassVar[str | None] = topics.POLICY.events

    policy_id: Identifier
    project_id: Identifier
    insurer_id: Identifier = Field(description="Lead insurer (主承保公司).")
    product: str = Field(default="IDI", max_length=32, description="Product line, e.g. IDI or 质安保.")
    issued_on: date
    units: tuple[PolicyUnit, ...] = Field(min_length=1, description="Units the policy covers.")
    product_line: str | None = Field(
        default=None,
        max_length=32,
        description="The region's product line code (idi, safety_liability, quality_safety); "
        "each keeps its own ledger (POL-12). Absent from older senders.",
    )
    coverage_sections: tuple[CoverageSection, ...] = Field(
        default=(), description="What the line covers (POL-11); empty from older senders."
    )
    stage: ProjectStage | None = Field(
        default=None,
        description="The project's stage at issue (POL-11: construction-time cover); later "
        "stages follow as policy.StageAdvanced. Absent from older senders.",
    )


class UnitOwnersChanged(Event):
    """Ownership of a covered unit changed (sale, inheritance); the new owners may claim (CLM-01)."""

    TYPE = "policy.UnitOwnersChanged"
    TOPIC: ClassVar[str | None] = topics.POLICY.events

    policy_id: Identifier
    unit_id: Identifier
    owners: tuple[OwnerRef, ...]
    changed_on: date


class LiabilityPeriodStarted(Event):
    """The insurance liability period starts (POL-09): after the contractor's 2-year warranty.

    Defects reported on or before ``contractor_warranty_end`` go to the contractor (CLM-10). When
    ``coverage`` is empty, consumers derive each part's period from the region file (POL-13).
    """

    TYPE = "policy.LiabilityPeriodStarted"
    TOPIC: ClassVar[str | None] = topics.POLICY.events

    policy_id: Identifier
    project_id: Identifier
    liability_starts_on: date = Field(description="First day of the insurance liability period.")
    contractor_id: Identifier | None = Field(default=None, description="Contractor (施工单位) of the project.")
    contractor_warranty_end: date = Field(description="Last day of the contractor's warranty (CLM-10).")
    coverage: tuple[CoveragePeriod, ...] = Field(
        default=(), description="Coverage per building part (POL-13); empty = region defaults."
    )


class PolicyEnded(Event):
    """The policy ended (expiry or termination); no new claims, except CLM-06 warranty links."""

    TYPE = "policy.PolicyEnded"
    TOPIC: ClassVar[str | None] = topics.POLICY.events

    policy_id: Identifier
    ended_on: date = Field(description="Last day of cover.")
    reason: ScreenedText = Field(default="expired", max_length=200)


POLICY_EVENT_TYPES: tuple[type[Event], ...] = (
    PolicyIssued,
    UnitOwnersChanged,
    LiabilityPeriodStarted,
    PolicyEnded,
)
