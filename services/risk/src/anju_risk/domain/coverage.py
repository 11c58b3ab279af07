"""A quarter's coverage of the project's risk sources (SAF-02) and its service frequency (SAF-08). Pure.

Each quarter is owed by the agency to the insurer: at least the grade's inspections, at least the region's
full-coverage inspections, and every level-1 and level-2 source checked (100 %). The quarter's obligation
is due at 24:00 of its last day; a checkpoint ``coverage_warning_days`` before that is a second deadline on
the same clock: when it passes with the quarter not covered, the sweeper raises it
(``SafetyCoverageFlagged``) while there is still time. Both are met together the moment the quarter is
covered, and the next quarter's pair is opened then (or when the quarter ends uncovered), so a project
with a plan always has its current quarter on the legal clock.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from anju_kit.calendar import Deadline, end_of_day, shanghai_day
from anju_kit.deadlines import TrackedDeadline, latest
from anju_kit.regions import SafetyRules

QUARTER_COVERAGE = "quarter_coverage"  # the quarter's obligation (SAF-02, SAF-08)
COVERAGE_CHECKPOINT = "coverage_checkpoint"  # raised before the quarter ends when still uncovered (SAF-02)


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_last_day(quarter: str) -> date:
    year, q = int(quarter[:4]), int(quarter[5:])
    first_of_next = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return first_of_next - timedelta(days=1)


def next_quarter(quarter: str) -> str:
    return quarter_of(quarter_last_day(quarter) + timedelta(days=1))


class Inspection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inspection_id: str
    inspected_on: date
    full_coverage: bool
    checked_source_ids: list[str]
    evidence_keys: list[str] = Field(default_factory=list)


class Quarter(BaseModel):
    """One quarter's inspections and its legal clock."""

    model_config = ConfigDict(extra="forbid")

    quarter: str
    inspections: list[Inspection] = Field(default_factory=list)
    deadlines: list[TrackedDeadline] = Field(default_factory=list)
    flagged: bool = False


class Coverage(BaseModel):
    """What a quarter still lacks: the answer to "what is still unchecked" (SAF-02)."""

    quarter: str
    ends_at: datetime
    required_inspections: int
    inspections: int
    required_full_coverage: int
    full_coverage: int
    level_1_2_sources: list[str]
    unchecked_source_ids: list[str]
    high_risk_work_source_ids: list[str]
    unchecked_high_risk_work: list[str]

    @property
    def inspections_missing(self) -> int:
        return max(0, self.required_inspections - self.inspections)

    @property
    def full_coverage_missing(self) -> int:
        return max(0, self.required_full_coverage - self.full_coverage)

    @property
    def covered(self) -> bool:
        return not (self.inspections_missing or self.full_coverage_missing or self.unchecked_source_ids)


def coverage_of(
    quarter: Quarter, *, required_inspections: int, rules: SafetyRules, sources: dict[str, tuple[int, bool]]
) -> Coverage:
    """``sources``: source id -> (level, high-risk work). Level 1 and 2 must all be checked (the region's
    percentage, 100 in every region file); high-risk works are listed for their targeted checks."""
    checked = {s for i in quarter.inspections for s in i.checked_source_ids}
    must = sorted(s for s, (level, _) in sources.items() if level <= 2)
    allowed_unchecked = int(len(must) * (100 - rules.level_1_2_source_check_percent) / 100)
    unchecked = [s for s in must if s not in checked]
    high_risk = sorted(s for s, (_, hrw) in sources.items() if hrw)
    return Coverage(
        quarter=quarter.quarter,
        ends_at=end_of_day(quarter_last_day(quarter.quarter)),
        required_inspections=required_inspections,
        inspections=len(quarter.inspections),
        required_full_coverage=rules.full_coverage_inspections_per_quarter,
        full_coverage=sum(1 for i in quarter.inspections if i.full_coverage),
        level_1_2_sources=must,
        unchecked_source_ids=unchecked if len(unchecked) > allowed_unchecked else [],
        high_risk_work_source_ids=high_risk,
        unchecked_high_risk_work=[s for s in high_risk if s not in checked],
    )


def quarter_deadlines(quarter: str, rules: SafetyRules) -> tuple[Deadline, Deadline]:
    """The quarter's obligation (24:00 of its last day) and its checkpoint (coverage_warning_days earlier)."""
    last = quarter_last_day(quarter)
    checkpoint = last - timedelta(days=rules.coverage_warning_days)
    return (
        Deadline(rule_id="SAF-02", due_at=end_of_day(last), last_day=last, calendar_estimated=False),
        Deadline(rule_id="SAF-02", due_at=end_of_day(checkpoint), last_day=checkpoint, calendar_estimated=False),
    )


def is_open(quarter: Quarter) -> bool:
    return latest(quarter.deadlines, QUARTER_COVERAGE) is not None


def current_quarter(at: datetime) -> str:
    return quarter_of(shanghai_day(at))
