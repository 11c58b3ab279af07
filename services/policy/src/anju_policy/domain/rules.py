"""The region's underwriting rules (XC-06): product lines, pricing, coverage sections, the upload clock.

Every number comes from the region file (``policy`` section); code holds no defaults. Deadlines are
counted only by the kit's PRC calendar (pure computation over bundled holiday files).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from anju_contracts.policy import CoverageSection
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
    upload_working_days: int  # POL-07

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
    return PolicyRules(
        region=region.code,
        calendar=calendar,
        pricing=region.policy.pricing,
        coverage_sections=dict(region.policy.coverage_sections),
        upload_working_days=region.policy.upload_deadline_working_days,
    )
