"""Who acts, and on whose behalf (XC-04, XC-05).

Every command and HTTP request carries an actor. The role decides what the actor may see; the
scope fields say for which insurer, agency, region or units it acts.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from anju_contracts.base import ContractModel, Identifier, ScreenedText


class Role(StrEnum):
    REGULATOR = "regulator"  # 住建委 / 建设主管部门, 质量保险分会
    INSURER = "insurer"  # 保险公司
    AGENCY = "agency"  # 风险管理机构 / 风控机构
    PRACTITIONER = "practitioner"  # 从业人员
    BUILDER = "builder"  # 建设单位
    CONTRACTOR = "contractor"  # 施工单位
    OWNER = "owner"  # 房屋所有权人
    SYSTEM = "system"  # another Anju service or an insurer's core system acting on its own


class Actor(ContractModel):
    id: Identifier = Field(description="Stable id of the person or system acting.")
    role: Role
    region: Identifier = Field(description="Region code of the deployment, e.g. shanghai.")
    insurer_id: Identifier | None = Field(default=None, description="Set when acting for an insurer.")
    agency_id: Identifier | None = Field(default=None, description="Set when acting for an agency.")
    organisation_id: Identifier | None = Field(
        default=None, description="Builder, contractor or other participating unit acted for."
    )
    unit_ids: tuple[Identifier, ...] = Field(
        default=(), description="Units (房屋) an owner acts for; empty for other roles."
    )
    display_name: ScreenedText | None = Field(default=None, max_length=100)
