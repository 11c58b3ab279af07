"""PRC deadline arithmetic (SPEC "Time", XC-01).

- "N 日/天" are natural days; "N 个工作日" are working days on the PRC calendar, where statutory holidays
  are off and adjusted weekend workdays (调休) are on; "N 小时" are hours.
- Counting follows the Civil Code arts. 201-203: the day of the triggering event is not counted; a period
  ends at 24:00 Asia/Shanghai of its last day; a natural-day period whose last day is a rest day ends on
  the next working day.
- **24:00 of day D is represented as D+1 00:00 Asia/Shanghai** (``Deadline.due_at``); ``Deadline.last_day``
  keeps D. Something done at any instant strictly before ``due_at`` is in time.

Where the calendar comes from, per year: an ops-supplied holiday file ``<holiday_files_dir>/<year>.yaml``
(see ``regions/holidays/README.md``) if there is one, else the ``chinesecalendar`` package if it knows the
year, else an estimate — weekends plus the statutory holiday days the national holiday regulation fixes
(:mod:`anju_kit.statutory_holidays`), no adjusted workdays — and then every result touching that year says
``calendar_estimated=True``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

import chinese_calendar.constants as cc_data
import yaml
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, ValidationError

from anju_kit.clock import SHANGHAI
from anju_kit.statutory_holidays import statutory_holidays

__all__ = ["Deadline", "HolidayFileError", "PrcCalendar", "end_of_day", "shanghai_day"]

_YEAR_FILE = re.compile(r"^(\d{4})\.ya?ml$")
# Guard against a holiday file that declares (nearly) every day off: no loop may walk further than this.
_MAX_WALK_DAYS = 3660


class HolidayFileError(ValueError):
    """An ops-supplied holiday file is unreadable or wrong; the message names the file."""


class Deadline(BaseModel):
    """An absolute deadline and the rule that set it (stored as is, XC-01/XC-02)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_id: str
    due_at: AwareDatetime  # exclusive end: 24:00 of last_day == last_day+1 00:00 Asia/Shanghai
    last_day: date
    calendar_estimated: bool


def _plain_day(value: object) -> date:
    # YAML gives dates for unquoted 2027-01-01; accept ISO strings too, but never numbers (pydantic's lax
    # mode would read 20270101 as a Unix timestamp) or datetimes.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value.strip())
    raise ValueError(f"expected a date like 2027-01-01, got {value!r}")


_Day = Annotated[date, BeforeValidator(_plain_day)]


class _HolidayFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    holidays: list[_Day]
    workdays: list[_Day] = []


@dataclass(frozen=True)
class _Year:
    holidays: frozenset[date]
    workdays: frozenset[date]  # adjusted weekend workdays (调休上班)
    estimated: bool


def shanghai_day(moment: date | datetime) -> date:
    """The Asia/Shanghai calendar day of a moment; a plain date is taken as already a Shanghai day."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"a timezone-aware datetime is required, got naive {moment.isoformat()}")
        return moment.astimezone(SHANGHAI).date()
    return moment


def end_of_day(day: date) -> datetime:
    """24:00 Asia/Shanghai of ``day``, i.e. the next day's 00:00."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI)


class PrcCalendar:
    """The PRC working-day calendar plus Civil Code deadline rules.

    ``holiday_files_dir`` holds ops files ``<year>.yaml``; all of them are read and validated here, so a
    bad file fails at start-up with :class:`HolidayFileError`. A directory that does not exist means
    "no files" (results for unknown years are then flagged estimated, never silently guessed).
    """

    def __init__(self, holiday_files_dir: Path | None = None) -> None:
        self._years: dict[int, _Year] = {}
        package_holidays = tuple(cc_data.holidays)
        self._package_range = (min(package_holidays).year, max(package_holidays).year)
        if holiday_files_dir is not None:
            self._years.update(_read_holiday_files(holiday_files_dir))
        # An ops file wins over the package for its year: ops may correct a late State Council change.
        self._file_years = frozenset(self._years)

    # -- the calendar itself -------------------------------------------------------------------

    def is_working_day(self, day: date | datetime) -> tuple[bool, bool]:
        """``(is_working, estimated)`` for a Shanghai calendar day."""
        d = shanghai_day(day)
        year = self._year(d.year)
        if d in year.workdays:
            return True, year.estimated
        return d.weekday() < 5 and d not in year.holidays, year.estimated

    def source_of(self, year: int) -> str:
        """Where ``year`` comes from: ``"file"``, ``"package"`` or ``"estimated"`` (for health/ops views)."""
        if year in self._file_years:
            return "file"
        low, high = self._package_range
        return "package" if low <= year <= high else "estimated"

    # -- deadlines -----------------------------------------------------------------------------

    def add_natural_days(self, start: date | datetime, n: int, *, rule_id: str) -> Deadline:
        """N natural days (N 日) after ``start``; a rest-day last day rolls to the next working day."""
        _require_positive(n)
        last = shanghai_day(start) + timedelta(days=n)
        working, estimated = self.is_working_day(last)
        walked = 0
        while not working:
            last += timedelta(days=1)
            walked += 1
            _guard(walked, last)
            working, more = self.is_working_day(last)
            estimated = estimated or more
        return Deadline(rule_id=rule_id, due_at=end_of_day(last), last_day=last, calendar_estimated=estimated)

    def add_working_days(self, start: date | datetime, n: int, *, rule_id: str) -> Deadline:
        """N working days (N 个工作日) after ``start``; the start day is not counted."""
        _require_positive(n)
        last, estimated = self._walk_working_days(shanghai_day(start), n, step=1)
        return Deadline(rule_id=rule_id, due_at=end_of_day(last), last_day=last, calendar_estimated=estimated)

    def add_hours(self, start: datetime, n: int, *, rule_id: str) -> Deadline:
        """N hours (N 小时) after ``start``: exact elapsed time, no calendar and no roll-over."""
        _require_positive(n)
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError(f"a timezone-aware datetime is required, got naive {start.isoformat()}")
        due = (start + timedelta(hours=n)).astimezone(SHANGHAI)
        return Deadline(rule_id=rule_id, due_at=due, last_day=due.date(), calendar_estimated=False)

    def latest_notice_day(self, event_day: date | datetime, n_working_days: int) -> date:
        """Last day on which "至少提前 N 个工作日" notice is still in time: the Nth working day counting
        back from the event's day (the event's day not counted). Notice on that day or earlier is in time."""
        return self._notice(event_day, n_working_days)[0]

    def notice_deadline(self, event_day: date | datetime, n_working_days: int, *, rule_id: str) -> Deadline:
        """:meth:`latest_notice_day` as a stored deadline (24:00 of that day) with the estimated flag."""
        last, estimated = self._notice(event_day, n_working_days)
        return Deadline(rule_id=rule_id, due_at=end_of_day(last), last_day=last, calendar_estimated=estimated)

    # -- internals -----------------------------------------------------------------------------

    def _notice(self, event_day: date | datetime, n: int) -> tuple[date, bool]:
        _require_positive(n)
        return self._walk_working_days(shanghai_day(event_day), n, step=-1)

    def _walk_working_days(self, origin: date, n: int, *, step: int) -> tuple[date, bool]:
        day, counted, walked, estimated = origin, 0, 0, False
        while counted < n:
            day += timedelta(days=step)
            walked += 1
            _guard(walked, day)
            working, more = self.is_working_day(day)
            estimated = estimated or more
            counted += working
        return day, estimated

    def _year(self, year: int) -> _Year:
        found = self._years.get(year)
        if found is None:
            found = self._package_year(year)
            self._years[year] = found
        return found

    def _package_year(self, year: int) -> _Year:
        low, high = self._package_range
        if not low <= year <= high:
            # Unknown to the package and no ops file: the regulation's fixed days off and weekends, and say
            # so. No 调休 workdays: where the State Council will move work onto a weekend cannot be known.
            return _Year(statutory_holidays(year), frozenset(), estimated=True)
        return _Year(
            holidays=frozenset(d for d in cc_data.holidays if d.year == year),
            workdays=frozenset(d for d in cc_data.workdays if d.year == year),
            estimated=False,
        )


def _read_holiday_files(directory: Path) -> dict[int, _Year]:
    if not directory.exists():
        return {}
    if not directory.is_dir():
        raise HolidayFileError(f"{directory}: holiday files path is not a directory")
    years: dict[int, _Year] = {}
    for path in sorted(directory.iterdir()):
        if path.suffix not in (".yaml", ".yml"):
            continue  # README.md and friends
        match = _YEAR_FILE.match(path.name)
        if match is None:
            raise HolidayFileError(f"{path}: holiday files must be named <year>.yaml, e.g. 2027.yaml")
        year = int(match.group(1))
        if year in years:
            raise HolidayFileError(f"{path}: a second holiday file for {year}")
        years[year] = _read_holiday_file(path, year)
    return years


def _read_holiday_file(path: Path, year: int) -> _Year:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, ValueError) as err:  # ValueError: YAML's own date parsing (2027-13-01)
        raise HolidayFileError(f"{path}: cannot read holiday file: {err}") from err
    try:
        data = _HolidayFile.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}" for e in err.errors())
        raise HolidayFileError(f"{path}: invalid holiday file: {problems}") from err
    holidays, workdays = frozenset(data.holidays), frozenset(data.workdays)
    wrong_year = sorted(d for d in holidays | workdays if d.year != year)
    if wrong_year:
        raise HolidayFileError(f"{path}: dates outside {year}: {', '.join(map(str, wrong_year))}")
    both = sorted(holidays & workdays)
    if both:
        raise HolidayFileError(f"{path}: dates both holiday and workday: {', '.join(map(str, both))}")
    weekdays = sorted(d for d in workdays if d.weekday() < 5)
    if weekdays:
        # Only a Saturday or Sunday can be an adjusted workday; a weekday here is a typo.
        raise HolidayFileError(
            f"{path}: workdays must be adjusted weekend days; Mon-Fri given: {', '.join(map(str, weekdays))}"
        )
    return _Year(holidays=holidays, workdays=workdays, estimated=False)


def _require_positive(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"a period needs a whole number of at least 1, got {n!r}")


def _guard(walked: int, day: date) -> None:
    if walked > _MAX_WALK_DAYS:
        raise HolidayFileError(f"no working day within {_MAX_WALK_DAYS} days of {day}; check the holiday files")
