"""The legal clock any aggregate uses (XC-01, XC-02): tracked deadlines, overdue once, and the
obligation events each change records. A rectification deadline of a risk issue (RSK-05) stands in
for an aggregate other than a claim."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import ClassVar

import pytest

from anju_contracts import Role
from anju_contracts.base import Event
from anju_contracts.common import (
    ObligationFulfilled,
    ObligationKind,
    ObligationOpened,
    ObligationOutcome,
    PartyRef,
    SubjectRef,
)
from anju_kit.calendar import PrcCalendar
from anju_kit.clock import SHANGHAI
from anju_kit.deadlines import (
    LegalClock,
    ObligationEvents,
    ObligationParties,
    TrackedDeadline,
    latest,
    next_due_at,
    take_overdue,
)


class IssueObligationOpened(ObligationOpened):
    TYPE = "test.ObligationOpened"
    TOPIC: ClassVar[str | None] = "anju.risk.events.v1"


class IssueObligationFulfilled(ObligationFulfilled):
    TYPE = "test.ObligationFulfilled"
    TOPIC: ClassVar[str | None] = "anju.risk.events.v1"


EVENTS = ObligationEvents(opened=IssueObligationOpened, fulfilled=IssueObligationFulfilled)
PARTIES = ObligationParties(
    debtor=PartyRef(role=Role.CONTRACTOR, id="ctr-1"),
    creditor=PartyRef(role=Role.AGENCY, id="agy-1"),
    subject=SubjectRef(kind="risk_issue", id="iss-7"),
)
CALENDAR = PrcCalendar()


def at(y: int, m: int, d: int, hh: int = 0) -> datetime:
    return datetime(y, m, d, hh, tzinfo=SHANGHAI)


def clock(deadlines: list[TrackedDeadline], recorded: list[Event], when: datetime) -> LegalClock:
    return LegalClock(deadlines, at=when, parties=lambda: PARTIES, events=EVENTS, record=recorded.append)


def test_xc02_opening_records_who_owes_what_to_whom_by_when() -> None:
    deadlines: list[TrackedDeadline] = []
    recorded: list[Event] = []
    # 3 working days from 2026-09-30: 10-08, 10-09 and the adjusted Saturday 10-10 (XC-01).
    due = CALENDAR.add_working_days(date(2026, 9, 30), 3, rule_id="RSK-05")
    tracked = clock(deadlines, recorded, at(2026, 9, 30, 10)).open(due, "rectify_issue")
    assert deadlines == [tracked] and tracked.last_day == date(2026, 10, 10)
    (opened,) = recorded
    assert isinstance(opened, IssueObligationOpened)
    assert opened.model_dump() == {
        "obligation_id": "risk_issue.iss-7.rectify_issue.1",
        "obligation": "rectify_issue",
        "kind": ObligationKind.OBLIGATION,
        "debtor": PARTIES.debtor.model_dump(),
        "creditor": PARTIES.creditor.model_dump(),
        "subject": PARTIES.subject.model_dump(),
        "rule_id": "RSK-05",
        "due_at": at(2026, 10, 11),
        "last_day": date(2026, 10, 10),
        "calendar_estimated": False,
    }


def test_xc02_meeting_records_fulfilled_once() -> None:
    deadlines: list[TrackedDeadline] = []
    recorded: list[Event] = []
    due = CALENDAR.add_natural_days(date(2026, 9, 1), 10, rule_id="RSK-05")
    tracked = clock(deadlines, recorded, at(2026, 9, 1)).open(due, "rectify_issue")
    later = clock(deadlines, recorded, at(2026, 9, 5, 9))
    later.meet(tracked, on=date(2026, 9, 4))
    later.meet(tracked, on=date(2026, 9, 4))
    fulfilled = recorded[1:]
    assert len(fulfilled) == 1 and isinstance(fulfilled[0], IssueObligationFulfilled)
    assert (fulfilled[0].outcome, fulfilled[0].fulfilled_at, fulfilled[0].met_on) == (
        ObligationOutcome.MET,
        at(2026, 9, 5, 9),
        date(2026, 9, 4),
    )
    assert (tracked.state, tracked.met_at, tracked.met_on) == ("met", at(2026, 9, 5, 9), date(2026, 9, 4))
    assert next_due_at(deadlines) is None


def test_xc02_reopening_cancels_the_open_one_and_numbers_the_new_one() -> None:
    deadlines: list[TrackedDeadline] = []
    recorded: list[Event] = []
    first = CALENDAR.add_natural_days(date(2026, 9, 1), 10, rule_id="RSK-05")
    second = CALENDAR.add_natural_days(date(2026, 9, 3), 10, rule_id="RSK-05")
    clock(deadlines, recorded, at(2026, 9, 1)).open(first, "rectify_issue")
    clock(deadlines, recorded, at(2026, 9, 3)).open(second, "rectify_issue")
    assert [type(e) for e in recorded] == [IssueObligationOpened, IssueObligationFulfilled, IssueObligationOpened]
    cancelled, reopened = recorded[1], recorded[2]
    assert isinstance(cancelled, IssueObligationFulfilled) and isinstance(reopened, IssueObligationOpened)
    assert (cancelled.obligation_id, cancelled.outcome) == (
        "risk_issue.iss-7.rectify_issue.1",
        ObligationOutcome.CANCELLED,
    )
    assert reopened.obligation_id == "risk_issue.iss-7.rectify_issue.2"
    assert latest(deadlines, "rectify_issue", "open") is deadlines[1]


def test_xc02_cancel_by_kind_keeps_windows() -> None:
    deadlines: list[TrackedDeadline] = []
    recorded: list[Event] = []
    c = clock(deadlines, recorded, at(2026, 9, 1))
    c.open(CALENDAR.add_natural_days(date(2026, 9, 1), 180, rule_id="CLM-06"), "repair_warranty", kind="window")
    c.open(CALENDAR.add_natural_days(date(2026, 9, 1), 10, rule_id="RSK-05"), "rectify_issue")
    c.cancel(kind="obligation")
    assert [d.state for d in deadlines] == ["open", "cancelled"]
    assert isinstance(recorded[0], IssueObligationOpened) and recorded[0].kind is ObligationKind.WINDOW


def test_xc02_overdue_is_taken_once_and_never_for_a_window() -> None:
    deadlines: list[TrackedDeadline] = []
    c = clock(deadlines, [], at(2026, 9, 1))
    duty = c.open(CALENDAR.add_natural_days(date(2026, 9, 1), 10, rule_id="RSK-05"), "rectify_issue")
    c.open(CALENDAR.add_natural_days(date(2026, 9, 1), 5, rule_id="CLM-06"), "repair_warranty", kind="window")
    assert next_due_at(deadlines) == duty.due_at
    assert take_overdue(deadlines, duty.due_at - timedelta(microseconds=1)) == []
    assert take_overdue(deadlines, duty.due_at) == [duty]
    assert take_overdue(deadlines, at(2027, 1, 1)) == []
    assert duty.overdue_reported and duty.state == "open"  # still owed: meeting it later is recorded as late
    assert next_due_at(deadlines) is None


def test_a_deadline_of_another_aggregate_is_not_named() -> None:
    stranger = TrackedDeadline.from_calendar(
        CALENDAR.add_natural_days(date(2026, 9, 1), 1, rule_id="RSK-05"), obligation="x", kind="obligation"
    )
    with pytest.raises(ValueError, match="not one of this aggregate's deadlines"):
        clock([], [], at(2026, 9, 1)).meet(stranger)


def test_without_parties_the_deadlines_still_run_unpublished() -> None:
    deadlines: list[TrackedDeadline] = []
    recorded: list[Event] = []
    nobody = LegalClock(deadlines, at=at(2026, 9, 1), parties=lambda: None, events=EVENTS, record=recorded.append)
    tracked = nobody.open(CALENDAR.add_natural_days(date(2026, 9, 1), 10, rule_id="RSK-05"), "rectify_issue")
    nobody.meet(tracked)
    assert recorded == [] and tracked.state == "met"
