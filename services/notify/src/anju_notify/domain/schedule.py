"""When an obligation is reminded and escalated: the region's ``notify:`` settings (XC-02, XC-06) on the
legal calendar (working days, Chinese statutory holidays, Asia/Shanghai).

* a reminder at ``reminder_hour`` of each working day ``n`` working days before the last day
  (a 3-working-day upload whose last day is 2026-10-10 is reminded on 2026-10-09 at 09:00);
* the debtor's supervisor at ``due_at`` (24:00 of the last day) when it passes unmet;
* the regulator at 24:00 of the N-th working day after the last day.

Windows (a warranty) bound a right and are never reminded nor escalated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from anju_contracts.common import ObligationKind
from anju_contracts.notify import ScheduledStep, StepKind
from anju_kit.calendar import PrcCalendar
from anju_kit.clock import SHANGHAI
from anju_kit.regions import NotifyRules


@dataclass(frozen=True)
class Scheduler:
    rules: NotifyRules
    calendar: PrcCalendar

    def steps(self, rule_id: str, kind: ObligationKind, due_at: datetime, last_day: date) -> list[ScheduledStep]:
        if kind is ObligationKind.WINDOW:
            return []
        schedule = self.rules.schedule(rule_id)
        steps: list[ScheduledStep] = []
        for n, before in enumerate(sorted(set(schedule.remind_working_days_before), reverse=True), start=1):
            day = self.calendar.latest_notice_day(last_day, before)
            at = datetime.combine(day, time(self.rules.reminder_hour), tzinfo=SHANGHAI)
            if at < due_at:
                steps.append(ScheduledStep(step_id=f"reminder-{n}", kind=StepKind.REMINDER, at=at))
        if schedule.supervisor_at_deadline:
            steps.append(ScheduledStep(step_id="supervisor-1", kind=StepKind.SUPERVISOR, at=due_at))
        if schedule.regulator_after_working_days is not None:
            late = self.calendar.add_working_days(last_day, schedule.regulator_after_working_days, rule_id=rule_id)
            steps.append(ScheduledStep(step_id="regulator-1", kind=StepKind.REGULATOR, at=late.due_at))
        return steps

    def is_filing(self, rule_id: str) -> bool:
        return rule_id in self.rules.filing_rules
