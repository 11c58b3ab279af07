"""The region's risk rules (XC-06): every number from the region file's ``risk`` section, deadlines
only from the kit's PRC calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from anju_kit.calendar import Deadline, end_of_day
from anju_kit.regions import RegionError, RegionRules


class Calendar(Protocol):
    def add_working_days(self, start: date | datetime, n: int, *, rule_id: str) -> Deadline: ...


@dataclass(frozen=True)
class RiskRules:
    region: str
    calendar: Calendar
    report_upload_working_days: int  # RSK-02, RSK-07

    def report_deadline(self, after: date | datetime, rule_id: str) -> Deadline:
        """N working days after ``after`` (the day itself not counted), 24:00 Shanghai."""
        return self.calendar.add_working_days(after, self.report_upload_working_days, rule_id=rule_id)

    @staticmethod
    def rectification_deadline(rectify_by: date) -> Deadline:
        """RSK-05: the agency sets the day; the period ends at 24:00 Shanghai of it."""
        return Deadline(rule_id="RSK-05", due_at=end_of_day(rectify_by), last_day=rectify_by, calendar_estimated=False)


def rules_from_region(region: RegionRules, calendar: Calendar) -> RiskRules:
    if region.risk is None:
        raise RegionError(f"region {region.code} has no quality product: no risk rules")
    return RiskRules(
        region=region.code, calendar=calendar, report_upload_working_days=region.risk.report_upload_working_days
    )
