"""The region's risk rules (XC-06): every number from the region file's ``risk`` section, deadlines
only from the kit's PRC calendar."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from anju_kit.calendar import Deadline, end_of_day
from anju_kit.regions import RegionError, RegionRules, SafetyRules


class Calendar(Protocol):
    def add_working_days(self, start: date | datetime, n: int, *, rule_id: str) -> Deadline: ...

    def add_hours(self, start: datetime, n: int, *, rule_id: str) -> Deadline: ...

    def latest_notice_day(self, event_day: date | datetime, n_working_days: int) -> date: ...


@dataclass(frozen=True)
class RiskRules:
    region: str
    calendar: Calendar
    # 0 where the region offers no quality product: its commands are refused before any deadline
    report_upload_working_days: int  # RSK-02, RSK-03, RSK-07, RSK-08
    special_notice_working_days: int = 10  # RSK-08
    agency_testing_min_percent: float = 5  # RSK-09
    lab_notice_pass_hours: int = 24  # RSK-09
    lab_notice_fail_hours: int = 12  # RSK-09
    emergency_plan_hours: int = 2  # RSK-11
    emergency_site_visit_hours: int = 24  # RSK-11
    emergency_report_hours: int = 24  # RSK-11
    quality_offered: bool = True  # the region sells IDI or 质安保 (RSK-*)
    safety: SafetyRules | None = None  # the region sells 安责险 or 质安保 (SAF-*)

    def report_deadline(self, after: date | datetime, rule_id: str) -> Deadline:
        """N working days after ``after`` (the day itself not counted), 24:00 Shanghai."""
        return self.calendar.add_working_days(after, self.report_upload_working_days, rule_id=rule_id)

    @staticmethod
    def rectification_deadline(rectify_by: date) -> Deadline:
        """RSK-05: the agency sets the day; the period ends at 24:00 Shanghai of it."""
        return Deadline(rule_id="RSK-05", due_at=end_of_day(rectify_by), last_day=rectify_by, calendar_estimated=False)

    def latest_notice_day(self, scheduled_on: date) -> date:
        """RSK-08: the Nth working day counting back from the inspection's day (that day not counted)."""
        return self.calendar.latest_notice_day(scheduled_on, self.special_notice_working_days)

    def lab_notice_deadline(self, concluded_at: datetime, *, passed: bool) -> Deadline:
        """RSK-09: hours, not days — 24 after a pass, 12 after a fail."""
        hours = self.lab_notice_pass_hours if passed else self.lab_notice_fail_hours
        return self.calendar.add_hours(concluded_at, hours, rule_id="RSK-09")

    def required_agency_tests(self, builder_tests: int) -> int:
        """RSK-09: at least min_percent of the builder's acceptance tests (rounded up)."""
        return math.ceil(builder_tests * self.agency_testing_min_percent / 100 - 1e-9)

    def emergency_deadline(self, occurred_at: datetime, hours: int) -> Deadline:
        return self.calendar.add_hours(occurred_at, hours, rule_id="RSK-11")


def rules_from_region(region: RegionRules, calendar: Calendar) -> RiskRules:
    """Quality only (shanghai, hangzhou), safety only (shaoxing) or both (qingdao-laoshan, 质安保); a
    region with neither has nothing for this service to do."""
    if region.risk is None and region.safety is None:
        raise RegionError(f"region {region.code} offers neither quality nor safety risk control")
    risk = region.risk
    if risk is None:
        return RiskRules(
            region=region.code,
            calendar=calendar,
            report_upload_working_days=0,
            quality_offered=False,
            safety=region.safety,
        )
    return RiskRules(
        region=region.code,
        calendar=calendar,
        report_upload_working_days=risk.report_upload_working_days,
        special_notice_working_days=risk.household_acceptance_notice_working_days,
        agency_testing_min_percent=risk.agency_testing_min_percent,
        lab_notice_pass_hours=risk.lab_notice_pass_hours,
        lab_notice_fail_hours=risk.lab_notice_fail_hours,
        emergency_plan_hours=risk.emergency_plan_hours,
        emergency_site_visit_hours=risk.emergency_site_visit_hours,
        emergency_report_hours=risk.emergency_report_hours,
        safety=region.safety,
    )
