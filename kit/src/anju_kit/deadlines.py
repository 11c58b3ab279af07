"""The legal clock of one aggregate (XC-01, XC-02): the deadlines it tracks and the obligation events
they publish. Pure — no I/O — so any service's domain code may use it, as it uses the calendar.

A deadline is an *obligation* (a duty: overdue when unmet at ``due_at``, reported overdue once) or a
*window* (a period bounding a right, e.g. a repair warranty: never overdue). It is ``open`` until it
is ``met`` or ``cancelled``. The aggregate keeps its deadlines as a plain list in its own state
(stored with it, so old documents keep loading) and changes them only through :class:`LegalClock`,
which records ``ObligationOpened`` / ``ObligationFulfilled`` (the owning service's subclasses) with
the aggregate's other events — one write, one outbox. Which overdue event to record is the
aggregate's own business: :func:`take_overdue` hands it the deadlines that just became overdue.

The deadlines list is append-only, so a deadline's position names it: its obligation id is
``<subject kind>.<subject id>.<obligation>.<n>``, ``n`` counting that obligation's deadlines from 1.
Nothing extra is stored, and a command re-applied to the same state names the same obligation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from anju_contracts.base import Event
from anju_contracts.common import (
    DeadlineInfo,
    ObligationFulfilled,
    ObligationKind,
    ObligationOpened,
    ObligationOutcome,
    PartyRef,
    SubjectRef,
)
from anju_kit.calendar import Deadline

__all__ = [
    "DeadlineKind",
    "LegalClock",
    "ObligationEvents",
    "ObligationParties",
    "TrackedDeadline",
    "latest",
    "next_due_at",
    "take_overdue",
]

DeadlineKind = Literal["obligation", "window"]
DeadlineState = Literal["open", "met", "cancelled"]


class TrackedDeadline(BaseModel):
    """One deadline as the aggregate stores it: an absolute instant with the rule that set it."""

    model_config = ConfigDict(extra="forbid")

    rule_id: str
    obligation: str
    due_at: datetime
    last_day: date
    calendar_estimated: bool
    kind: DeadlineKind = "obligation"
    state: DeadlineState = "open"
    met_at: datetime | None = None
    met_on: date | None = None
    overdue_reported: bool = False

    @classmethod
    def from_calendar(cls, computed: Deadline, *, obligation: str, kind: DeadlineKind) -> TrackedDeadline:
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

    def awaits_overdue(self) -> bool:
        return self.kind == "obligation" and self.state == "open" and not self.overdue_reported


def latest(deadlines: Sequence[TrackedDeadline], obligation: str, state: str | None = None) -> TrackedDeadline | None:
    """The most recent deadline of ``obligation`` (in ``state``, when given)."""
    for deadline in reversed(deadlines):
        if deadline.obligation == obligation and (state is None or deadline.state == state):
            return deadline
    return None


def next_due_at(deadlines: Sequence[TrackedDeadline]) -> datetime | None:
    """The earliest open obligation not yet reported overdue: when the due index must look again."""
    waiting = [d.due_at for d in deadlines if d.awaits_overdue()]
    return min(waiting) if waiting else None


def take_overdue(deadlines: Sequence[TrackedDeadline], now: datetime) -> list[TrackedDeadline]:
    """The obligations that passed unmet by ``now`` and were not reported yet, now marked reported.

    The mark is stored with the aggregate's overdue event in one compare-and-set write, so a deadline
    is reported once however many sweepers look (the loser of the write re-reads the mark).
    """
    overdue = [d for d in deadlines if d.awaits_overdue() and d.due_at <= now]
    for deadline in overdue:
        deadline.overdue_reported = True
    return overdue


@dataclass(frozen=True)
class ObligationParties:
    """Who owes (debtor), to whom (creditor), about what (subject): what the obligation ledger keys on."""

    debtor: PartyRef
    creditor: PartyRef
    subject: SubjectRef


@dataclass(frozen=True)
class ObligationEvents:
    """The owning service's obligation event types (each names its TYPE and its events TOPIC)."""

    opened: type[ObligationOpened]
    fulfilled: type[ObligationFulfilled]


class LegalClock:
    """Changes one aggregate's deadlines and records the obligation event each change publishes.

    Made for one step of the aggregate: ``at`` is that step's instant (a deadline met or cancelled by
    it ends then). ``parties`` is asked only when an event is recorded (an aggregate may know its
    debtor only once a deadline can exist); when it answers None the deadlines still change but no
    obligation event is recorded: a legal clock never stops for want of a party to name.
    ``record`` is the aggregate's own event recorder.
    """

    def __init__(
        self,
        deadlines: list[TrackedDeadline],
        *,
        at: datetime,
        parties: Callable[[], ObligationParties | None],
        events: ObligationEvents,
        record: Callable[[Event], None],
    ) -> None:
        self.deadlines = deadlines
        self.at = at
        self._parties = parties
        self._events = events
        self._record = record

    def open(self, computed: Deadline, obligation: str, *, kind: DeadlineKind = "obligation") -> TrackedDeadline:
        """Track a new deadline; an open one of the same obligation is replaced (cancelled)."""
        self.cancel(obligation)
        tracked = TrackedDeadline.from_calendar(computed, obligation=obligation, kind=kind)
        self.deadlines.append(tracked)
        parties = self._parties()
        if parties is None:
            return tracked
        self._record(
            self._events.opened(
                obligation_id=self._id_of(tracked, parties),
                obligation=obligation,
                kind=ObligationKind(kind),
                debtor=parties.debtor,
                creditor=parties.creditor,
                subject=parties.subject,
                rule_id=tracked.rule_id,
                due_at=tracked.due_at,
                last_day=tracked.last_day,
                calendar_estimated=tracked.calendar_estimated,
            )
        )
        return tracked

    def meet(self, deadline: TrackedDeadline, *, on: date | None = None) -> None:
        """``deadline`` was met by this step (``on``: the day the step names, e.g. the payment's day)."""
        if deadline.state != "open":
            return
        deadline.state, deadline.met_at, deadline.met_on = "met", self.at, on
        self._closed(deadline, ObligationOutcome.MET, on)

    def cancel(self, obligation: str | None = None, *, kind: DeadlineKind | None = None) -> None:
        """Cancel the open deadlines of ``obligation`` (every one when None), of ``kind`` when given."""
        for deadline in self.deadlines:
            if deadline.state != "open" or (obligation is not None and deadline.obligation != obligation):
                continue
            if kind is None or deadline.kind == kind:
                deadline.state = "cancelled"
                self._closed(deadline, ObligationOutcome.CANCELLED, None)

    def _closed(self, deadline: TrackedDeadline, outcome: ObligationOutcome, on: date | None) -> None:
        parties = self._parties()
        if parties is None:
            return
        self._record(
            self._events.fulfilled(
                obligation_id=self._id_of(deadline, parties),
                obligation=deadline.obligation,
                debtor=parties.debtor,
                subject=parties.subject,
                rule_id=deadline.rule_id,
                outcome=outcome,
                fulfilled_at=self.at,
                met_on=on,
            )
        )

    def _id_of(self, deadline: TrackedDeadline, parties: ObligationParties) -> str:
        n = 0
        for other in self.deadlines:
            n += other.obligation == deadline.obligation
            if other is deadline:
                return f"{parties.subject.kind}.{parties.subject.id}.{deadline.obligation}.{n}"
        raise ValueError(f"{deadline.obligation} is not one of this aggregate's deadlines")
