"""Injected clocks: domain code asks a ``Clock`` for "now" so tests can freeze and move time.

All deadlines are reckoned in Asia/Shanghai (SPEC "Time", XC-01); ``SHANGHAI`` is the one zone constant.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, always timezone-aware."""
        ...


class SystemClock:
    """The real clock; ``now()`` is aware, in ``tz`` (Asia/Shanghai unless told otherwise)."""

    def __init__(self, tz: tzinfo = SHANGHAI) -> None:
        self._tz = tz

    def now(self) -> datetime:
        return datetime.now(self._tz)


class FrozenClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, at: datetime) -> None:
        self._at = _require_aware(at)

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> datetime:
        """Move forward (or back, with a negative delta); returns the new "now"."""
        self._at = self._at + delta
        return self._at

    def set(self, at: datetime) -> None:
        self._at = _require_aware(at)


def today_in_shanghai(clock: Clock) -> date:
    """The calendar day it is now in Asia/Shanghai (what "the day of the event" means in XC-01)."""
    return clock.now().astimezone(SHANGHAI).date()


def _require_aware(at: datetime) -> datetime:
    # A naive datetime has no instant; guessing its zone would shift deadlines by hours.
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a timezone-aware datetime is required, got naive {at.isoformat()}")
    return at
