"""The statutory holiday days fixed by the national holiday regulation (SPEC "Time", XC-01).

全国年节及纪念日放假办法, as revised with effect from 2025-01-01, gives everyone these days off:
元旦 1 Jan; 春节 four days from New Year's Eve (除夕, 正月初一-初三); 清明 (the Qingming solar term day);
劳动节 1-2 May; 端午 (五月初五); 中秋 (八月十五); 国庆 1-3 Oct.

:class:`anju_kit.calendar.PrcCalendar` uses these only to *estimate* a year that neither the
``chinesecalendar`` package nor an ops holiday file knows. What the State Council decides each year on top
(the longer blocks, adjusted weekend workdays 调休, in-lieu days for a holiday on a weekend) is not guessed:
every day returned here is a day off in any real arrangement made under this version of the regulation.

Lunar dates and the solar term come from ``lunar-python`` (MIT, pure Python, astronomical computation in
Beijing time, valid well past 2100), not from a year table that ends in 2099.
"""

from __future__ import annotations

from datetime import date, timedelta

from lunar_python import Lunar, Solar

__all__ = ["statutory_holidays"]

_QINGMING = "清明"


def statutory_holidays(year: int) -> frozenset[date]:
    """Every statutory holiday day of Gregorian ``year`` under the current regulation."""
    spring_festival = _solar_of_lunar(year, 1, 1)  # 正月初一 always falls in Jan/Feb of the same year
    days = {
        date(year, 1, 1),  # 元旦
        *(spring_festival + timedelta(days=offset) for offset in range(-1, 3)),  # 除夕 + 初一..初三
        _qingming(year),
        date(year, 5, 1),  # 劳动节
        date(year, 5, 2),
        _solar_of_lunar(year, 5, 5),  # 端午
        _solar_of_lunar(year, 8, 15),  # 中秋
        date(year, 10, 1),  # 国庆
        date(year, 10, 2),
        date(year, 10, 3),
    }
    return frozenset(days)


def _solar_of_lunar(year: int, month: int, day: int) -> date:
    # A positive lunar month is the ordinary (non-leap) month, which is the one the festivals use.
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> date:
    # The solar-term table of the lunar year that 1 April belongs to holds this Gregorian year's Qingming.
    term = Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()[_QINGMING]
    return date(term.getYear(), term.getMonth(), term.getDay())
