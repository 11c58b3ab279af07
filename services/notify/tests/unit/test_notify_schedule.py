"""The reminder and escalation schedule from the region files (XC-02, XC-06) on the legal calendar."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from anju_contracts.common import ObligationKind
from anju_kit.calendar import PrcCalendar
from anju_kit.clock import SHANGHAI
from anju_kit.regions import NotifyRules, NotifySchedule, default_regions_dir, known_regions, load_region
from anju_notify.domain.schedule import Scheduler


def shanghai() -> Scheduler:
    return Scheduler(load_region("shanghai", default_regions_dir()).notify, PrcCalendar())


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


def test_xc02_pol07_reminder_on_the_working_day_before_the_last_day_across_national_day() -> None:
    deadline = PrcCalendar().add_working_days(date(2026, 9, 30), 3, rule_id="POL-07")
    steps = shanghai().steps("POL-07", ObligationKind.OBLIGATION, deadline.due_at, deadline.last_day)
    assert [(s.step_id, s.at) for s in steps] == [
        ("reminder-1", at(2026, 10, 9, 9)),
        ("supervisor-1", at(2026, 10, 11)),
        ("regulator-1", at(2026, 10, 14)),
    ]


def test_xc02_clm03_rule_setting_reminds_two_working_days_before_and_escalates_three_after() -> None:
    deadline = PrcCalendar().add_natural_days(date(2026, 11, 2), 10, rule_id="CLM-03")  # due Thu 12 Nov
    steps = shanghai().steps("CLM-03", ObligationKind.OBLIGATION, deadline.due_at, deadline.last_day)
    assert [(s.step_id, s.at) for s in steps] == [
        ("reminder-1", at(2026, 11, 10, 9)),
        ("supervisor-1", at(2026, 11, 13)),
        ("regulator-1", at(2026, 11, 18)),
    ]


def test_xc02_a_window_is_never_reminded_nor_escalated() -> None:
    deadline = PrcCalendar().add_natural_days(date(2026, 11, 2), 180, rule_id="CLM-06")
    assert shanghai().steps("CLM-06", ObligationKind.WINDOW, deadline.due_at, deadline.last_day) == []


def test_xc06_no_regulator_step_when_the_region_sets_none_and_several_reminders_in_order() -> None:
    rules = NotifyRules(default=NotifySchedule(remind_working_days_before=(1, 3), regulator_after_working_days=None))
    scheduler = Scheduler(rules, PrcCalendar())
    deadline = PrcCalendar().add_working_days(date(2026, 11, 2), 5, rule_id="RSK-07")  # last day Mon 9 Nov
    steps = scheduler.steps("RSK-07", ObligationKind.OBLIGATION, deadline.due_at, deadline.last_day)
    assert [(s.step_id, s.at) for s in steps] == [
        ("reminder-1", at(2026, 11, 4, 9)),
        ("reminder-2", at(2026, 11, 6, 9)),
        ("supervisor-1", at(2026, 11, 10)),
    ]


@pytest.mark.parametrize("region", known_regions(default_regions_dir()))
def test_xc06_every_region_file_sets_the_notify_schedule_and_the_filing_rules(region: str) -> None:
    rules = load_region(region, default_regions_dir()).notify
    assert "POL-07" in rules.filing_rules and rules.schedule("POL-07").remind_working_days_before
