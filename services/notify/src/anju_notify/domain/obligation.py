"""One obligation of the ledger (XC-02): who owes what to whom, by when, under which rule, and its state.

Built from the owning service's ``ObligationOpened`` / ``ObligationFulfilled``. Events of one subject
arrive in order on one topic, but notify reads three topics and may be replayed: a closing event that
arrives before its opening is kept (the record exists, closed, without its deadline) and the opening
then fills the deadline in without reopening it. Every change records ``ObligationRecorded`` (the whole
record, for the read models) after the events that say what happened.

Each reminder or escalation step fires at most once: its ``fired`` flag is part of the state stored by
the commit log's compare-and-set, so of two instances firing the same step one commit wins and the
other, re-reading, finds it fired. A closed obligation fires nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, PrivateAttr

from anju_contracts import Actor, ReasonCode, Role
from anju_contracts import notify as n
from anju_contracts.base import Event
from anju_contracts.common import (
    ObligationFulfilled,
    ObligationKind,
    ObligationOpened,
    ObligationOutcome,
    PartyRef,
    SubjectRef,
)
from anju_kit.calendar import end_of_day
from anju_notify.domain.errors import NotifyError, invalid_state
from anju_notify.domain.schedule import Scheduler

Texts = Callable[["Obligation", n.ScheduledStep], tuple[str, str]]
"""(subject_zh, body_zh) of a step's message; the handler supplies it (templates are the channels')."""


class Obligation(BaseModel):
    model_config = ConfigDict(validate_assignment=False)

    obligation_id: str
    source: str
    obligation: str
    rule_id: str
    debtor: PartyRef
    subject: SubjectRef
    region: str
    kind: ObligationKind | None = None
    creditor: PartyRef | None = None
    due_at: datetime | None = None
    last_day: date | None = None
    calendar_estimated: bool = False
    ledger_state: n.LedgerState = n.LedgerState.OPEN
    steps: list[n.ScheduledStep] = []
    closed_at: datetime | None = None
    closed_by: str | None = None
    met_on: date | None = None
    waived_reason: str | None = None
    on_time: bool | None = None
    filing_id: str | None = None
    revision: int = 0
    recorded_at: datetime | None = None

    _pending: list[Event] = PrivateAttr(default_factory=list)

    # -- bookkeeping ------------------------------------------------------------------------------

    def pull_events(self) -> list[Event]:
        events, self._pending = self._pending, []
        return events

    def state(self) -> dict[str, object]:
        return self.model_dump(mode="json")

    @property
    def is_open(self) -> bool:
        return self.ledger_state in n.OPEN_STATES

    @property
    def opened(self) -> bool:
        return self.due_at is not None

    def _record(self, at: datetime, *events: Event) -> None:
        self.revision += 1
        self.recorded_at = at
        self._pending += [*events, self.recorded()]

    def recorded(self) -> n.ObligationRecorded:
        return n.ObligationRecorded(
            obligation_id=self.obligation_id,
            revision=max(self.revision, 1),
            recorded_at=self.recorded_at,
            source=self.source,
            obligation=self.obligation,
            rule_id=self.rule_id,
            debtor=self.debtor,
            subject=self.subject,
            kind=self.kind,
            creditor=self.creditor,
            due_at=self.due_at,
            last_day=self.last_day,
            calendar_estimated=self.calendar_estimated,
            state=self.ledger_state,
            steps=tuple(self.steps),
            closed_at=self.closed_at,
            closed_by=self.closed_by,
            waived_reason=self.waived_reason,
            on_time=self.on_time,
            filing_id=self.filing_id,
        )

    # -- from the owning services' events ---------------------------------------------------------

    @classmethod
    def track(cls, source: str, region: str, event: ObligationOpened | ObligationFulfilled) -> Obligation:
        """A new record from the first event seen of an obligation (usually its opening)."""
        return cls(
            obligation_id=event.obligation_id,
            source=source,
            obligation=event.obligation,
            rule_id=event.rule_id,
            debtor=event.debtor,
            subject=event.subject,
            region=region,
        )

    def open(self, event: ObligationOpened, scheduler: Scheduler, *, at: datetime) -> None:
        """Fill in the deadline; a record closed already (its closing came first) stays closed."""
        if self.opened:
            return  # a redelivery under another event id: the same business fact
        self.kind, self.creditor = event.kind, event.creditor
        self.due_at, self.last_day, self.calendar_estimated = event.due_at, event.last_day, event.calendar_estimated
        self.steps = scheduler.steps(event.rule_id, event.kind, event.due_at, event.last_day)
        if not self.is_open:
            self._judge_on_time()
        self._record(at)

    def close(self, event: ObligationFulfilled, *, by: str, at: datetime) -> None:
        """The owning service ended it: met (in time or late) or cancelled."""
        if not self.is_open:
            return
        met = event.outcome is ObligationOutcome.MET
        self.ledger_state = n.LedgerState.FULFILLED if met else n.LedgerState.CANCELLED
        self.closed_at, self.closed_by, self.met_on = event.fulfilled_at, by, event.met_on
        self._judge_on_time()
        self._record(at)

    def _judge_on_time(self) -> None:
        if self.ledger_state is not n.LedgerState.FULFILLED or self.due_at is None or self.closed_at is None:
            return
        done = end_of_day(self.met_on) if self.met_on is not None else self.closed_at
        # met_on names a day: in time when that day is not after the last day
        self.on_time = done <= self.due_at

    # -- commands -----------------------------------------------------------------------------------

    def file(self, cmd: n.FileDocument, *, at: datetime, scheduler: Scheduler) -> None:
        """A 监管平台 filing fulfils a filing obligation (late when after due_at)."""
        if self.filing_id == cmd.filing_id:
            return  # the same filing again
        if not scheduler.is_filing(self.rule_id):
            raise NotifyError(
                ReasonCode.RULE_VIOLATION,
                "this obligation is not fulfilled by a regulator filing",
                rule_id="XC-02",
                field="obligation_id",
            )
        if not self.is_open or self.due_at is None:
            raise invalid_state("the obligation is not open", rule_id=self.rule_id, field="obligation_id")
        self.ledger_state, self.closed_at, self.closed_by = n.LedgerState.FULFILLED, at, f"filing:{cmd.filing_id}"
        self.filing_id = cmd.filing_id
        self.on_time = at <= self.due_at
        self._record(
            at,
            n.FilingReceived(
                filing_id=cmd.filing_id,
                obligation_id=self.obligation_id,
                rule_id=self.rule_id,
                debtor=self.debtor,
                subject=self.subject,
                document=cmd.document,
                due_at=self.due_at,
                filed_at=at,
                on_time=self.on_time,
            ),
            n.DocumentFiled(
                filing_id=cmd.filing_id,
                region=self.region,
                obligation_id=self.obligation_id,
                rule_id=self.rule_id,
                debtor=self.debtor,
                subject=self.subject,
                document_key=cmd.document.key,
                sha256=cmd.document.sha256,
                due_at=self.due_at,
                filed_at=at,
                on_time=self.on_time,
            ),
        )

    def waive(self, cmd: n.WaiveObligation, *, actor: Actor, at: datetime) -> None:
        if not self.is_open:
            raise invalid_state("the obligation is not open", rule_id=self.rule_id, field="obligation_id")
        self.ledger_state, self.closed_at, self.closed_by = n.LedgerState.WAIVED, at, f"{actor.role.value}:{actor.id}"
        self.waived_reason = cmd.reason
        self._record(at)

    # -- the clock ------------------------------------------------------------------------------------

    def next_step_at(self) -> datetime | None:
        pending = [s.at for s in self.steps if not s.fired]
        return min(pending) if pending and self.is_open else None

    def fire_due(self, now: datetime, texts: Texts) -> list[n.ScheduledStep]:
        """Fire every step due at ``now`` that has not fired; a reminder whose deadline has passed is
        marked without a message (the escalation says more). Returns the steps that sent a message."""
        if not self.is_open or self.due_at is None:
            return []
        sent: list[n.ScheduledStep] = []
        events: list[Event] = []
        changed = False
        for i, step in enumerate(self.steps):
            if step.fired or step.at > now:
                continue
            self.steps[i] = step.model_copy(update={"fired": True})
            changed = True
            if step.kind is n.StepKind.REMINDER and now >= self.due_at:
                continue
            subject_zh, body_zh = texts(self, step)
            common = {
                "obligation_id": self.obligation_id,
                "step_id": step.step_id,
                "rule_id": self.rule_id,
                "debtor": self.debtor,
                "subject": self.subject,
                "due_at": self.due_at,
                "recipients": self.recipients(step.kind),
                "subject_zh": subject_zh,
                "body_zh": body_zh,
                "sent_at": now,
            }
            if step.kind is n.StepKind.REMINDER:
                events.append(n.ReminderSent.model_validate(common))
            else:
                self.ledger_state = (
                    n.LedgerState.OVERDUE if step.kind is n.StepKind.SUPERVISOR else n.LedgerState.ESCALATED
                )
                events.append(n.ObligationEscalated.model_validate({**common, "level": step.kind}))
            sent.append(step)
        if changed:
            self._record(now, *events)
        return sent

    def recipients(self, kind: n.StepKind) -> tuple[PartyRef, ...]:
        """Reminders and the supervisor's escalation go to the debtor's inbox (staff / supervisor
        contacts); the regulator's to the region's regulator."""
        if kind is n.StepKind.REGULATOR:
            return (self.debtor, PartyRef(role=Role.REGULATOR, id=self.region))
        return (self.debtor,)
