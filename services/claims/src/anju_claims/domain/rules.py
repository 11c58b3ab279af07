"""The region's claims numbers and the legal clock (XC-01, XC-06).

The numbers come from the region file (``claims`` section and POL-13 coverage years); code holds no
defaults for them. Deadlines are counted only by the kit's PRC calendar.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from anju_contracts.policy import BuildingPart
from anju_kit.calendar import Deadline
from anju_kit.regions import RegionRules


class Calendar(Protocol):
    def add_natural_days(self, start: date | datetime, n: int, *, rule_id: str) -> Deadline: ...


@dataclass(frozen=True)
class ClaimsRules:
    calendar: Calendar
    performance_days: int  # CLM-03: pay or repair within N days of the agreement
    rejection_notice_days: int  # CLM-04: rejection notice within N days of the decision
    repair_warranty_days: int  # CLM-06: warranty on a repaired item
    # POL-13: per building part, from liability start; None in a region that writes no IDI (shaoxing's
    # 安责险 alone): its claims are construction-safety incidents (POL-11), never a part's defect.
    coverage_years: Mapping[BuildingPart, int] | None

    def __post_init__(self) -> None:
        if self.coverage_years is None:
            return
        missing = [part.value for part in BuildingPart if part not in self.coverage_years]
        if missing:
            raise ValueError(f"coverage years missing for building parts: {', '.join(missing)} (POL-13)")

    def natural_days(self, start: date | datetime, n: int, rule_id: str) -> Deadline:
        return self.calendar.add_natural_days(start, n, rule_id=rule_id)


def rules_from_region(region: RegionRules, calendar: Calendar) -> ClaimsRules:
    """The region file's ``claims`` numbers and POL-13 coverage years (XC-06)."""
    years = region.policy.coverage_years
    return ClaimsRules(
        calendar=calendar,
        performance_days=region.claims.payment_due_days,
        rejection_notice_days=region.claims.rejection_notice_days,
        repair_warranty_days=region.claims.repair_warranty_days,
        coverage_years=None
        if years is None
        else {
            BuildingPart.FOUNDATION_MAIN_STRUCTURE: years.foundation_structure,
            BuildingPart.INSULATION: years.insulation_waterproofing,
            BuildingPart.WATERPROOFING: years.insulation_waterproofing,
            BuildingPart.OTHER: years.other,
        },
    )
