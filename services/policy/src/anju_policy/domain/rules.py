"""The region's underwriting rules (XC-06): product lines, pricing, coverage sections, the upload clock.

Every number comes from the region file (``policy`` section); code holds no defaults. Deadlines are
counted only by the kit's PRC calendar (pure computation over bundled holiday files).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from anju_contracts.policy import BuildingPart, CoverageSection
from anju_kit.calendar import Deadline
from anju_kit.regions import Pricing, Product, RegionRules


class Calendar(Protocol):
    def add_working_days(self, start: date | datetime, n: int, *, rule_id: str) -> Deadline: ...


@dataclass(frozen=True)
class PolicyRules:
    region: str
    calendar: Calendar
    pricing: Pricing
    coverage_sections: Mapping[Product, tuple[CoverageSection, ...]]
    upload_working_days: int  # POL-07, POL-10
    coverage_years: Mapping[BuildingPart, int] | None = None  # POL-13 (None: the region writes no IDI)
    contractor_warranty_years: int | None = None  # POL-09 / CLM-10
    joint_inspection_months: int | None = None  # POL-09: joint inspection + claims briefing before liability
    announcement_months: int | None = None  # POL-09: announcement to all owners before liability

    @property
    def product_lines(self) -> tuple[Product, ...]:
        return tuple(self.coverage_sections)

    def line(self, code: str) -> Product | None:
        """The region's product line of that code, or None when the region writes no such line."""
        return next((p for p in self.product_lines if p.value == code), None)

    def upload_deadline(self, issued_on: date) -> Deadline:
        """POL-07: the contract reaches the regulator within N working days of issue."""
        return self.calendar.add_working_days(issued_on, self.upload_working_days, rule_id="POL-07")


def rules_from_region(region: RegionRules, calendar: Calendar) -> PolicyRules:
    years = region.policy.coverage_years
    by_part = (
        None
        if years is None
        else {
            BuildingPart.FOUNDATION_MAIN_STRUCTURE: years.foundation_structure,
            BuildingPart.INSULATION: years.insulation_waterproofing,
            BuildingPart.WATERPROOFING: years.insulation_waterproofing,
            BuildingPart.OTHER: years.other,
        }
    )
    return PolicyRules(
        region=region.code,
        calendar=calendar,
        pricing=region.policy.pricing,
        coverage_sections=dict(region.policy.coverage_sections),
        upload_working_days=region.policy.upload_deadline_working_days,
        coverage_years=by_part,
        contractor_warranty_years=region.policy.contractor_warranty_years,
        joint_inspection_months=region.policy.joint_inspection_months_before_liability,
        announcement_months=region.policy.owner_announcement_months_before_liability,
    )
