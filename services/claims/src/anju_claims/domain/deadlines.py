"""Deadlines a claim carries (XC-01, XC-02): absolute Asia/Shanghai instants with the rule that set them.

An *obligation* (CLM-03 perform, CLM-04 rejection notice) is owed by the insurer and becomes overdue
when unmet at ``due_at``; a *window* (CLM-06 repair warranty) only bounds a right and never fires.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from anju_contracts.claims import DeadlineInfo
from anju_kit.calendar import Deadline


class TrackedDeadline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule_id: str
    obligation: str
    due_at: datetime
    last_day: date
    calendar_estimated: bool
    kind: Literal["obligation", "window"] = "obligation"
    state: Literal["open", "met", "cancelled"] = "open"
    met_at: datetime | None = None
    met_on: date | None = None
    overdue_reported: bool = False

    @classmethod
    def from_calendar(
        cls, computed: Deadline, *, obligation: str, kind: Literal["obligation", "window"]
    ) -> TrackedDeadline:
        return cls(
            rule_id=computed.rule_id,
            obligation=obligation,
            due_at=computed.due_at,
            last_day=computed.last_day,
            calendar_estimated=computed.calendar_estimated,
            kind=kind,
        )

    def info(self) -> DeadlineInfo:
        return DeadlineInfo(
            rule_id=self.rule_id,
            obligation=self.obligation,
            due_at=self.due_at,
            last_day=self.last_day,
            calendar_estimated=self.calendar_estimated,
        )

    def meet(self, now: datetime, *, on: date | None = None) -> None:
        self.state, self.met_at, self.met_on = "met", now, on

    def awaits_overdue(self) -> bool:
        return self.kind == "obligation" and self.state == "open" and not self.overdue_reported
