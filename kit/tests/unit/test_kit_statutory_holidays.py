"""XC-01: the statutory holiday days of the national holiday regulation, used to estimate unknown years."""

from __future__ import annotations

from collections import Counter
from datetime import date

import chinese_calendar
import pytest

from anju_kit.statutory_holidays import statutory_holidays

# chinesecalendar's names for the seven festivals, with the days the current regulation fixes for each.
_DAYS_PER_FESTIVAL = {
    "New Year's Day": 1,
    "Spring Festival": 4,
    "Tomb-sweeping Day": 1,
    "Labour Day": 2,
    "Dragon Boat Festival": 1,
    "Mid-autumn Festival": 1,
    "National Day": 3,
}


@pytest.mark.parametrize("year", [2025, 2026])
def test_xc01_every_estimated_day_is_off_in_the_real_calendar(year: int) -> None:
    # 2025 and 2026 were arranged under the current regulation and chinesecalendar knows them: every day
    # of the estimate must be a day off there, under the festival it stands for, as many days as fixed.
    names = Counter[str]()
    for day in statutory_holidays(year):
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        assert is_holiday, day
        names[name] += 1
    assert names == _DAYS_PER_FESTIVAL


def test_xc01_2026_days_named() -> None:
    assert sorted(statutory_holidays(2026)) == [
        date(2026, 1, 1),
        *(date(2026, 2, d) for d in (16, 17, 18, 19)),  # 除夕 02-16, 初一 02-17
        date(2026, 4, 5),
        date(2026, 5, 1),
        date(2026, 5, 2),
        date(2026, 6, 19),
        date(2026, 9, 25),
        *(date(2026, 10, d) for d in (1, 2, 3)),
    ]


def test_xc01_2024_predates_the_new_year_eve_holiday() -> None:
    # The regulation added 除夕 (and 2 May) from 2025; in 2024 New Year's Eve 02-09 was a working Friday.
    # Everything else the current rule fixes was off in 2024 too: the estimate differs only where the law did.
    off_in_2024 = {day for day in statutory_holidays(2024) if chinese_calendar.is_holiday(day)}
    assert statutory_holidays(2024) - off_in_2024 == {date(2024, 2, 9)}


def test_xc01_lunar_dates_hold_near_2100() -> None:
    # Cross-checked against the lunardate year table and the Qingming formula [Y*0.2422+4.81]-[Y/4].
    days = statutory_holidays(2099)
    assert {date(2099, 1, 20), date(2099, 1, 21), date(2099, 4, 4), date(2099, 6, 23), date(2099, 9, 29)} <= days
    # Past the 2099 end of year-table libraries the estimate still has its thirteen days.
    later = statutory_holidays(2100)
    assert len(later) == 13
    assert date(2100, 2, 8) in later  # 除夕
    assert date(2100, 4, 5) in later  # 清明


@pytest.mark.parametrize("year", [2027, 2033, 2050, 2057, 2088])
def test_xc01_every_year_has_thirteen_days_in_place(year: int) -> None:
    days = sorted(statutory_holidays(year))
    assert len(days) == 13 and all(day.year == year for day in days)
    spring = [day for day in days if day.month in (1, 2) and day != date(year, 1, 1)]
    assert len(spring) == 4 and (spring[-1] - spring[0]).days == 3  # four consecutive days
    assert any(day.month == 4 and 4 <= day.day <= 6 for day in days)  # 清明


def test_xc01_mid_autumn_on_national_day_adds_no_guessed_day() -> None:
    # 中秋 2031 is 10-01. The regulation says nothing of overlaps (in 2020 the State Council gave 8 days);
    # the estimate keeps only the days the regulation fixes, so twelve distinct days.
    days = statutory_holidays(2031)
    assert len(days) == 12
    assert {date(2031, 10, 1), date(2031, 10, 2), date(2031, 10, 3)} <= days
    assert date(2031, 10, 4) not in days
