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
