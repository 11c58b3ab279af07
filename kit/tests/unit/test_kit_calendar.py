"""XC-01: PRC deadline arithmetic (SPEC "Time") and the injected clocks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from anju_kit.calendar import Deadline, HolidayFileError, PrcCalendar, end_of_day
from anju_kit.clock import SHANGHAI, FrozenClock, SystemClock, today_in_shanghai


@pytest.fixture
def cal() -> PrcCalendar:
    return PrcCalendar(None)


def _at(year: int, month: int, day: int) -> datetime:
    """24:00 Asia/Shanghai of the given day, i.e. 00:00 of the next."""
    return end_of_day(date(year, month, day))


# -- the SPEC's examples (2026 comes from chinesecalendar) ----------------------------------------


def test_xc01_package_knows_2026_national_day_and_adjusted_saturday(cal: PrcCalendar) -> None:
    assert cal.source_of(2026) == "package"
    assert cal.is_working_day(date(2026, 10, 3)) == (False, False)  # National Day holiday
    assert cal.is_working_day(date(2026, 10, 10)) == (True, False)  # Saturday, adjusted workday (调休)
    assert cal.is_working_day(date(2026, 10, 11)) == (False, False)  # ordinary Sunday


def test_xc01_three_working_days_from_0930_end_on_adjusted_saturday(cal: PrcCalendar) -> None:
    deadline = cal.add_working_days(date(2026, 9, 30), 3, rule_id="POL-07")
    assert deadline == Deadline(
        rule_id="POL-07", due_at=_at(2026, 10, 10), last_day=date(2026, 10, 10), calendar_estimated=False
    )
    assert deadline.due_at == datetime(2026, 10, 11, 0, 0, tzinfo=SHANGHAI)


def test_xc01_three_natural_days_from_0930_roll_over_the_holiday(cal: PrcCalendar) -> None:
    # Last day 10-03 is in the National Day holiday → the period ends on the next working day.
    deadline = cal.add_natural_days(date(2026, 9, 30), 3, rule_id="CLM-04")
    assert deadline.last_day == date(2026, 10, 8)
    assert deadline.due_at == _at(2026, 10, 8)
    assert deadline.rule_id == "CLM-04"
    assert not deadline.calendar_estimated


def test_xc01_ten_natural_days_from_0928(cal: PrcCalendar) -> None:
    deadline = cal.add_natural_days(date(2026, 9, 28), 10, rule_id="CLM-03")
    assert deadline.last_day == date(2026, 10, 8)
    assert deadline.due_at == _at(2026, 10, 8)


def test_xc01_natural_days_ending_on_working_day_do_not_move(cal: PrcCalendar) -> None:
    # 2026-10-10 is a Saturday but an adjusted workday: not a rest day, so no roll-over.
    assert cal.add_natural_days(date(2026, 10, 7), 3, rule_id="CLM-04").last_day == date(2026, 10, 10)
    # An ordinary Sunday does roll to Monday.
    assert cal.add_natural_days(date(2026, 10, 8), 3, rule_id="CLM-04").last_day == date(2026, 10, 12)


def test_xc01_advance_notice_counts_back_over_holiday_and_adjusted_days(cal: PrcCalendar) -> None:
    # RSK-08: notify ≥ 10 working days before household acceptance on Monday 2026-10-12.
    # Back from 10-12 (not counted): 10-10 (adjusted Sat), 10-09, 10-08, [10-01..10-07 holiday], 09-30,
    # 09-29, 09-28, [09-25..09-27 Mid-Autumn + weekend], 09-24, 09-23, 09-22, 09-21 → the 10th is 09-21.
    assert cal.latest_notice_day(date(2026, 10, 12), 10) == date(2026, 9, 21)
    deadline = cal.notice_deadline(date(2026, 10, 12), 10, rule_id="RSK-08")
    assert deadline.last_day == date(2026, 9, 21)
    assert deadline.due_at == _at(2026, 9, 21)
    assert not deadline.calendar_estimated


def test_xc01_advance_notice_one_working_day_before_monday_is_friday(cal: PrcCalendar) -> None:
    assert cal.latest_notice_day(date(2026, 11, 16), 1) == date(2026, 11, 13)


def test_xc01_datetime_start_late_utc_night_counts_from_next_shanghai_day(cal: PrcCalendar) -> None:
    # 2026-09-29 17:30 UTC is already 2026-09-30 01:30 in Shanghai: counting starts after 09-30.
    start = datetime(2026, 9, 29, 17, 30, tzinfo=UTC)
    assert cal.add_working_days(start, 3, rule_id="POL-07").last_day == date(2026, 10, 10)
    # Had the UTC date been used, the result would have been a day earlier.
    assert cal.add_working_days(date(2026, 9, 29), 3, rule_id="POL-07").last_day == date(2026, 10, 9)
    assert cal.add_natural_days(start, 3, rule_id="CLM-04").last_day == date(2026, 10, 8)


def test_xc01_naive_datetime_start_is_refused(cal: PrcCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add_working_days(datetime(2026, 9, 30, 12, 0), 3, rule_id="POL-07")


def test_xc01_hours_are_exact_and_never_roll_over(cal: PrcCalendar) -> None:
    # RSK-09: a failed test result is notified within 12 hours, holiday or not.
    start = datetime(2026, 10, 1, 20, 0, tzinfo=SHANGHAI)
    deadline = cal.add_hours(start, 12, rule_id="RSK-09")
    assert deadline.due_at == datetime(2026, 10, 2, 8, 0, tzinfo=SHANGHAI)
    assert deadline.last_day == date(2026, 10, 2)
    assert not deadline.calendar_estimated
    # A UTC start comes back expressed in Asia/Shanghai.
    utc = cal.add_hours(datetime(2026, 10, 1, 12, 0, tzinfo=UTC), 24, rule_id="RSK-09")
    assert utc.due_at.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("n", [0, -1])
def test_xc01_periods_need_at_least_one_unit(cal: PrcCalendar, n: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        cal.add_natural_days(date(2026, 9, 30), n, rule_id="CLM-04")


# -- years the package does not know --------------------------------------------------------------


def test_xc01_unknown_year_without_file_keeps_statutory_holidays_and_weekends(cal: PrcCalendar) -> None:
    assert cal.source_of(2027) == "estimated"
    # 元旦 2027-01-01 is a Friday: a rest day in the estimate, flagged; the next Monday works.
    assert cal.is_working_day(date(2027, 1, 1)) == (False, True)
    assert cal.is_working_day(date(2027, 1, 2)) == (False, True)  # an ordinary Saturday
    assert cal.is_working_day(date(2027, 1, 4)) == (True, True)
    # 春节: 除夕 Fri 02-05, 初一..初三 Sat 02-06 .. Mon 02-08; Tuesday works (no longer block is guessed).
    assert [cal.is_working_day(date(2027, 2, d))[0] for d in range(4, 10)] == [True, False, False, False, False, True]
    for day in (date(2027, 4, 5), date(2027, 6, 9), date(2027, 9, 15), date(2027, 10, 1)):
        assert cal.is_working_day(day) == (False, True), day  # 清明, 端午, 中秋, 国庆 on weekdays
    # 3 working days from 2027-01-01's eve: 01-01 off, 01-02/03 weekend → 01-04, 01-05, 01-06.
    deadline = cal.add_working_days(date(2026, 12, 31), 3, rule_id="POL-07")
    assert deadline.last_day == date(2027, 1, 6)
    assert deadline.calendar_estimated
    # 3 natural days from Wed 2027-01-06 end Sat 01-09 → roll to Mon 01-11, flagged.
    natural = cal.add_natural_days(date(2027, 1, 6), 3, rule_id="CLM-04")
    assert natural.last_day == date(2027, 1, 11)
    assert natural.calendar_estimated


def test_xc01_unknown_year_national_day_example(cal: PrcCalendar) -> None:
    # The SPEC's example moved to 2027: 3 days from 09-28 end on 10-01 (国庆) → Mon 10-04 (10-02/03 off).
    natural = cal.add_natural_days(date(2027, 9, 28), 3, rule_id="CLM-04")
    assert (natural.last_day, natural.calendar_estimated) == (date(2027, 10, 4), True)
    # 3 working days from Thu 09-30: 10-01..10-03 off → 10-04, 10-05, 10-06; 10-04..07 are not guessed off.
    working = cal.add_working_days(date(2027, 9, 30), 3, rule_id="POL-07")
    assert (working.last_day, working.calendar_estimated) == (date(2027, 10, 6), True)


def test_xc01_unknown_year_invents_no_adjusted_workdays(cal: PrcCalendar) -> None:
    # Real years move work onto weekends around 春节 and 国庆 (2026-10-10 above); an estimate never does.
    for day in (date(2027, 1, 30), date(2027, 2, 20), date(2027, 9, 26), date(2027, 10, 9)):
        assert day.weekday() >= 5
        assert cal.is_working_day(day) == (False, True), day


def test_xc01_estimated_only_when_an_unknown_year_is_touched(cal: PrcCalendar) -> None:
    assert not cal.add_working_days(date(2026, 12, 1), 5, rule_id="POL-07").calendar_estimated
    # Counting back from an event in 2027 only into 2026 consults known data only.
    back_into_2026 = cal.notice_deadline(date(2027, 1, 1), 1, rule_id="RSK-08")
    assert back_into_2026.last_day == date(2026, 12, 31)
    assert not back_into_2026.calendar_estimated
    # Back from Mon 2027-01-04 over the estimated 元旦 and weekend: the same day, but 2027 was consulted.
    over_2027 = cal.notice_deadline(date(2027, 1, 4), 1, rule_id="RSK-08")
    assert over_2027.last_day == date(2026, 12, 31)
    assert over_2027.calendar_estimated
    within_2027 = cal.notice_deadline(date(2027, 1, 6), 1, rule_id="RSK-08")
    assert within_2027.last_day == date(2027, 1, 5)
    assert within_2027.calendar_estimated


def _write_2027(directory: Path) -> None:
    (directory / "2027.yaml").write_text(
        "# test data shaped like a State Council notice\n"
        "holidays: [2027-01-01, 2027-02-05, 2027-02-06, 2027-02-07, 2027-02-08, 2027-02-09]\n"
        "workdays: [2027-02-20]\n",
        encoding="utf-8",
    )


def test_xc01_ops_holiday_file_is_used_and_not_estimated(tmp_path: Path) -> None:
    _write_2027(tmp_path)
    (tmp_path / "README.md").write_text("not a holiday file", encoding="utf-8")
    cal = PrcCalendar(tmp_path)
    assert cal.source_of(2027) == "file"
    assert cal.source_of(2026) == "package"
    assert cal.is_working_day(date(2027, 1, 1)) == (False, False)
    assert cal.is_working_day(date(2027, 2, 20)) == (True, False)  # adjusted Saturday
    deadline = cal.add_working_days(date(2026, 12, 31), 1, rule_id="POL-07")
    assert deadline.last_day == date(2027, 1, 4)
    assert not deadline.calendar_estimated
    # 3 natural days from Tue 2027-02-02 end Fri 02-05, a holiday → Wed 02-10.
    assert cal.add_natural_days(date(2027, 2, 2), 3, rule_id="CLM-04").last_day == date(2027, 2, 10)
    # The file is the whole truth for its year: a regulation day it leaves out (端午 06-09) is worked.
    assert cal.is_working_day(date(2027, 6, 9)) == (True, False)


def test_xc01_missing_holiday_directory_means_no_files(tmp_path: Path) -> None:
    cal = PrcCalendar(tmp_path / "nowhere")
    assert cal.source_of(2027) == "estimated"
    assert cal.is_working_day(date(2027, 1, 1)) == (False, True)


@pytest.mark.parametrize(
    ("name", "text", "needle"),
    [
        ("2027.yaml", "holidays: [2027-01-01\n", "cannot read holiday file"),
        ("2027.yaml", "holiday: [2027-01-01]\n", "holiday"),
        ("2027.yaml", "holidays: [2027-13-01]\n", "month must be in 1..12"),
        ("2027.yaml", "holidays: ['2027-02-30']\n", "holidays.0"),
        ("2027.yaml", "holidays: [20270101]\n", "holidays.0"),
        ("2027.yaml", "holidays: [2028-01-01]\n", "outside 2027"),
        ("2027.yaml", "holidays: [2027-02-20]\nworkdays: [2027-02-20]\n", "both holiday and workday"),
        ("2027.yaml", "holidays: []\nworkdays: [2027-02-19]\n", "Mon-Fri"),
        ("2027.yaml", "- 2027-01-01\n", "invalid holiday file"),
        ("holidays-2027.yaml", "holidays: []\n", "named <year>.yaml"),
    ],
)
def test_xc01_malformed_holiday_file_names_the_file(tmp_path: Path, name: str, text: str, needle: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(HolidayFileError) as info:
        PrcCalendar(tmp_path)
    assert str(tmp_path / name) in str(info.value)
    assert needle in str(info.value)


def test_xc01_deadline_is_frozen_and_round_trips() -> None:
    deadline = Deadline(rule_id="CLM-03", due_at=_at(2026, 10, 8), last_day=date(2026, 10, 8), calendar_estimated=False)
    assert Deadline.model_validate_json(deadline.model_dump_json()) == deadline
    with pytest.raises(ValueError):
        Deadline(
            rule_id="CLM-03",
            due_at=datetime(2026, 10, 9),
            last_day=date(2026, 10, 8),
            calendar_estimated=False,
        )


# -- clocks -----------------------------------------------------------------------------------------


def test_xc01_frozen_clock_advances_and_refuses_naive_times() -> None:
    clock = FrozenClock(datetime(2026, 9, 29, 17, 30, tzinfo=UTC))
    assert today_in_shanghai(clock) == date(2026, 9, 30)
    clock.advance(timedelta(hours=1))
    assert clock.now() == datetime(2026, 9, 29, 18, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        FrozenClock(datetime(2026, 9, 29))


def test_xc01_system_clock_is_aware_in_shanghai() -> None:
    now = SystemClock().now()
    assert now.tzinfo is SHANGHAI
