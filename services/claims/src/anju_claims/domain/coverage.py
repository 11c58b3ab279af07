"""What claims knows about a policy: its read model, fed by policy events (CLM-01, CLM-10, POL-13).

The read model is a plain value: who owns which covered unit, when liability starts, when the
contractor's warranty ends, each building part's coverage, and whether the policy ended. The check
at intake answers one question: may this owner claim for this part on this day, and if not, why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field

from anju_claims.domain.rules import ClaimsRules
from anju_contracts.policy import BuildingPart, CoverageSection, OwnerRef, ProjectStage


@dataclass(frozen=True)
class CoverageRefusal:
    """Why a report is outside coverage; ``routed_to`` names who must handle it instead (CLM-10)."""

    reason_code: str
    rule_id: str
    reason: str  # shown to the owner, in Chinese
    routed_to: str | None = None
    contractor_id: str | None = None


class PolicyCoverage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy_id: str
    project_id: str
    insurer_id: str
    units: dict[str, list[OwnerRef]] = Field(default_factory=dict, description="unit id -> current owners")
    liability_starts_on: date | None = None
    contractor_id: str | None = None
    contractor_warranty_end: date | None = None
    part_ends_on: dict[BuildingPart, date] = Field(
        default_factory=dict, description="Explicit per-part last covered day from the policy event."
    )
    ended_on: date | None = None
    product_line: str | None = None  # POL-12 line code, from PolicyIssued (None from older senders)
    coverage_sections: list[CoverageSection] = Field(default_factory=list)  # POL-11
    stage: ProjectStage | None = None  # the project's stage, from PolicyIssued and policy.StageAdvanced

    def covers_unit(self, unit_id: str) -> bool:
        return unit_id in self.units

    def is_owner(self, unit_id: str, owner_id: str) -> bool:
        return any(owner.owner_id == owner_id for owner in self.units.get(unit_id, ()))

    def part_last_day(self, part: BuildingPart, rules: ClaimsRules) -> date | None:
        """Last covered day of ``part`` (POL-13): from the policy event, else region years from liability start."""
        if part in self.part_ends_on:
            return self.part_ends_on[part]
        if self.liability_starts_on is None or rules.coverage_years is None:
            return None  # no IDI in the region: no part is covered (POL-13)
        return add_years(self.liability_starts_on, rules.coverage_years[part]) - timedelta(days=1)

    def in_insurance_period(self, reported_on: date) -> bool:
        """Reported within the liability period and before the policy ended (used for CLM-06)."""
        started = self.liability_starts_on is not None and reported_on >= self.liability_starts_on
        return started and (self.ended_on is None or reported_on <= self.ended_on)

    def check_report(
        self, unit_id: str, owner_id: str, part: BuildingPart, reported_on: date, rules: ClaimsRules
    ) -> CoverageRefusal | None:
        """``None`` when the owner may claim for ``part`` on ``reported_on``; else the refusal."""
        if not self.covers_unit(unit_id):
            return CoverageRefusal("UNIT_NOT_COVERED", "CLM-01", "该房屋不在本保单承保范围内。")
        if not self.is_owner(unit_id, owner_id):
            return CoverageRefusal("NOT_OWNER", "CLM-01", "索赔主体应当为房屋所有权人，报案人不是该房屋的所有权人。")
        in_contractor_warranty = (
            self.contractor_warranty_end is not None and reported_on <= self.contractor_warranty_end
        )
        if in_contractor_warranty and (self.liability_starts_on is None or reported_on < self.liability_starts_on):
            return CoverageRefusal(
                "IN_CONTRACTOR_WARRANTY",
                "CLM-10",
                f"报案日仍在施工单位两年保修期内（至{self.contractor_warranty_end}），"
                "该缺陷由施工单位负责维修，已转交施工单位。",
                routed_to="contractor",
                contractor_id=self.contractor_id,
            )
        if self.liability_starts_on is None or reported_on < self.liability_starts_on:
            return CoverageRefusal("POLICY_NOT_IN_FORCE", "CLM-01", "报案日保险责任期间尚未开始。")
        if self.ended_on is not None and reported_on > self.ended_on:
            return CoverageRefusal("POLICY_ENDED", "CLM-01", f"保险期间已于{self.ended_on}届满，报案不在保险期间内。")
        if rules.coverage_years is None and part not in self.part_ends_on:
            return CoverageRefusal("PART_NOT_COVERED", "POL-11", "本地区的保险产品不承保房屋质量潜在缺陷。")
        last_day = self.part_last_day(part, rules)
        if last_day is not None and reported_on > last_day:
            return CoverageRefusal(
                "PART_PERIOD_OVER", "POL-13", f"该部位（{PART_NAMES[part]}）的保险期间已于{last_day}届满。"
            )
        return None


PART_NAMES: dict[BuildingPart, str] = {
    BuildingPart.FOUNDATION_MAIN_STRUCTURE: "地基基础和主体结构",
    BuildingPart.INSULATION: "保温工程",
    BuildingPart.WATERPROOFING: "防水工程",
    BuildingPart.OTHER: "其他部位",
}


def add_years(day: date, years: int) -> date:
    """Same calendar day ``years`` later; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
