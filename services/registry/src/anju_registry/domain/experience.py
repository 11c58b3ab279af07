"""Years of experience, counted from a career start to "today" (today comes from the injected clock)."""

from __future__ import annotations

from datetime import date


def full_years(start: date, today: date) -> int:
    """Completed years between ``start`` and ``today`` (an anniversary day counts as completed)."""
    if today < start:
        return 0
    years = today.year - start.year
    if (today.month, today.day) < (start.month, start.day):
        years -= 1
    return years


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months; the 31st becomes the month's last day when needed."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in range(day.day, 27, -1):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))
