"""The notify use cases on in-memory ports, for component tests: the real ``NotifyHandlers`` and
repositories over the kit's in-memory doubles (anju_kit.memory), the read models folded in memory by
their own code. Wired like ``bootstrap.build``: a flush that "publishes" each commit (into
:attr:`InMemoryNotify.published` and the read models) and marks its outbox entry published.

Several instances (:meth:`InMemoryNotify.instance`) share one store and one set of read models, as
processes share the database: each has its own sweeper memory, as a process does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from anju_contracts import Actor, Envelope, Role
from anju_contracts import claims as c
from anju_contracts import notify as n
from anju_contracts import risk as rk
from anju_contracts import underwriting as u
from anju_contracts.base import Command, Event
from anju_contracts.catalog import parse
from anju_contracts.common import (
    EvidenceRef,
    ObligationFulfilled,
    ObligationKind,
    ObligationOpened,
    ObligationOutcome,
    PartyRef,
    SubjectRef,
)
from anju_kit.calendar import PrcCalendar
from anju_kit.clock import SHANGHAI, FrozenClock
from anju_kit.due import DueHoursEntries
from anju_kit.memory import MemoryAggregateStore, MemoryViews
from anju_kit.mongo import OutgoingEvent
from anju_kit.regions import default_regions_dir, load_region
from anju_notify.adapters.repository import (
    CONTACTS_SCHEMA,
    INBOX_SCHEMA,
    OBLIGATION_SCHEMA,
    ContactRepository,
    InboxRepository,
    ObligationRepository,
)
from anju_notify.channels.port import OutboundMessage
from anju_notify.domain.schedule import Scheduler
from anju_notify.handlers import NotifyHandlers, Outcome
from anju_notify.read_models import DUE, VIEWS

REGION = "shanghai"
INSURER_ID = "ins-picc-sh"
INSURER = Actor(id="u-ins-01", role=Role.INSURER, region=REGION, insurer_id=INSURER_ID)
OTHER_INSURER = Actor(id="u-ins-02", role=Role.INSURER, region=REGION, insurer_id="ins-cpic-sh")
REGULATOR = Actor(id="u-reg-01", role=Role.REGULATOR, region=REGION)
DEBTOR = PartyRef(role=Role.INSURER, id=INSURER_ID)
OPENERS: dict[str, type[ObligationOpened]] = {
    "policy": u.ObligationOpened,
    "claims": c.ObligationOpened,
    "risk": rk.ObligationOpened,
}
CLOSERS: dict[str, type[ObligationFulfilled]] = {
    "policy": u.ObligationFulfilled,
    "claims": c.ObligationFulfilled,
    "risk": rk.ObligationFulfilled,
}


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


class RecordingOutbox:
    """The test double of the channels' dispatcher: records what it is handed, idempotent per id."""

    def __init__(self) -> None:
        self.messages: dict[str, OutboundMessage] = {}

    async def deliver(self, message: OutboundMessage) -> None:
        self.messages.setdefault(message.message_id, message)


def pol07_opened(project_id: str = "prj-001", *, issued: date = date(2026, 9, 30)) -> u.ObligationOpened:
    """POL-07: upload the contract within 3 working days of issue (Shanghai's setting)."""
    due = PrcCalendar().add_working_days(issued, 3, rule_id="POL-07")
    return u.ObligationOpened(
        obligation_id=f"policy.{project_id}.upload_contract_to_regulator.1",
        obligation="upload_contract_to_regulator",
        kind=ObligationKind.OBLIGATION,
        debtor=DEBTOR,
        creditor=PartyRef(role=Role.REGULATOR, id=REGION),
        subject=SubjectRef(kind="policy", id=project_id),
        rule_id="POL-07",
        due_at=due.due_at,
        last_day=due.last_day,
        calendar_estimated=due.calendar_estimated,
    )


def closed(opened: ObligationOpened, source: str, *, on: datetime, outcome: str = "met") -> ObligationFulfilled:
    return CLOSERS[source](
        obligation_id=opened.obligation_id,
        obligation=opened.obligation,
        debtor=opened.debtor,
        subject=opened.subject,
        rule_id=opened.rule_id,
        outcome=ObligationOutcome(outcome),
        fulfilled_at=on,
    )


def filing(obligation_id: str, filing_id: str = "flg-0001") -> n.FileDocument:
    doc = EvidenceRef(
        key=f"{REGION}/filings/{filing_id}.pdf", sha256="a" * 64, size=1024, content_type="application/pdf"
    )
    return n.FileDocument(filing_id=filing_id, obligation_id=obligation_id, document=doc)


@dataclass
class InMemoryNotify:
    clock: FrozenClock
    region: str = REGION
    store: MemoryAggregateStore = field(
        default_factory=lambda: MemoryAggregateStore("obligations", schema=OBLIGATION_SCHEMA)
    )
    contact_store: MemoryAggregateStore = field(
        default_factory=lambda: MemoryAggregateStore("contacts", schema=CONTACTS_SCHEMA)
    )
    inbox_store: MemoryAggregateStore = field(
        default_factory=lambda: MemoryAggregateStore("inbox_reads", schema=INBOX_SCHEMA)
    )
    views: MemoryViews = field(default_factory=lambda: MemoryViews(VIEWS))
    published: list[Envelope] = field(default_factory=list)
    outbox: RecordingOutbox = field(default_factory=RecordingOutbox)

    def __post_init__(self) -> None:
        self.rules = load_region(self.region, default_regions_dir())
        self.scheduler = Scheduler(self.rules.notify, PrcCalendar())
        self.repo = ObligationRepository(self.store)
        self.handlers = self.instance()

    def instance(self) -> NotifyHandlers:
        """One more process on the same database and read models (its own sweeper memory)."""
        handlers = NotifyHandlers(
            repo=self.repo,
            contacts=ContactRepository(self.contact_store),
            scheduler=self.scheduler,
            clock=self.clock,
            region=self.region,
            outbox=self.outbox,
            inbox=InboxRepository(self.inbox_store),
        )
        handlers.flush = self._flusher(self.store)
        handlers.contacts_flush = self._flusher(self.contact_store)
        handlers.inbox_flush = self._flusher(self.inbox_store)
        handlers.due = DueHoursEntries(self.views.store(DUE.name))
        return handlers

    def _flusher(self, store: MemoryAggregateStore) -> Any:
        async def flush(doc_id: str, version: int | None, outgoing: Sequence[OutgoingEvent]) -> None:
            if version is None:
                return
            for out in outgoing:
                self.published.append(out.envelope)
                await self.views.publish(out.topic, out.envelope)
                if out.envelope.type in ("notify.ReminderSent", "notify.ObligationEscalated"):
                    await self.handlers.on_notice(parse(out.envelope))  # type: ignore[arg-type]  # as its consumer
            await store.mark_published(f"{doc_id}@{version}")

        return flush

    def view(self, name: str) -> Any:
        return self.views.store(name)

    def types(self) -> list[str]:
        return [e.type for e in self.published]

    async def deliver(self, event: Event, source: str, *, handlers: NotifyHandlers | None = None) -> Outcome | None:
        """An obligation event of ``source`` as its Kafka subscriber hands it over."""
        key = str(event.subject.id)  # type: ignore[attr-defined]
        actor = Actor(id=f"anju-{source}", role=Role.SYSTEM, region=self.region)
        envelope = Envelope.wrap(event, region=self.region, producer=source, actor=actor, key=key)
        return await (handlers or self.handlers).on_event(envelope, event, source=source)

    async def redeliver(self, envelope: Envelope, source: str) -> Outcome | None:
        event = parse(envelope)
        assert isinstance(event, Event)
        return await self.handlers.on_event(envelope, event, source=source)

    async def send(self, command: Command, actor: Actor, key: str) -> Outcome:
        envelope = Envelope.wrap(command, region=self.region, producer="tests", actor=actor, key=key)
        return await self.handlers.execute(envelope, command)

    async def sweep(self, handlers: NotifyHandlers | None = None) -> int:
        from datetime import timedelta

        return await (handlers or self.handlers).sweep(grace=timedelta(seconds=60))
