"""Use cases of the notify service on the kit's unit of work (anju_kit.unit_of_work).

* ``on_event``: an owning service's ``ObligationOpened`` / ``ObligationFulfilled`` folded into the
  obligation's ledger record, applied once per event id (a redelivery changes nothing);
* ``execute``: FileDocument (a 监管平台 filing), WaiveObligation, RegisterContact;
* ``sweep``: the due reminders and escalations, each fired once across instances by the commit log's
  compare-and-set;
* ``on_notice``: each fired step, read back from notify's own events topic, handed to the outbox
  (e-mail, SMS) for the recipients' registered contacts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from anju_contracts import Envelope, ReasonCode
from anju_contracts import notify as n
from anju_contracts.base import Command, Event
from anju_contracts.common import ObligationFulfilled, ObligationOpened, PartyRef
from anju_kit.clock import Clock
from anju_kit.due import DueEntries, sweep_overdue
from anju_kit.logging import get_logger
from anju_kit.mongo import OutgoingEvent
from anju_kit.pipeline import CommandRequest
from anju_kit.unit_of_work import UnitOfWork
from anju_notify import access
from anju_notify.adapters.repository import (
    ContactRepository,
    InboxRepository,
    LoadedContacts,
    LoadedInbox,
    LoadedObligation,
    ObligationRepository,
)
from anju_notify.channels import templates
from anju_notify.channels.port import OutboundMessage
from anju_notify.domain.contact import ContactPoint, Contacts, party_key
from anju_notify.domain.errors import NotifyError
from anju_notify.domain.inbox import InboxReads
from anju_notify.domain.obligation import Obligation, Texts
from anju_notify.domain.schedule import Scheduler
from anju_notify.messages import texts_of
from anju_notify.ports import Outbox, UnwiredOutbox

log = get_logger(__name__)

Flush = Callable[[str, int | None, Sequence[OutgoingEvent]], Awaitable[None]]
SOURCES = ("claims", "policy", "risk")  # the services whose deadlines the ledger tracks


@dataclass(frozen=True)
class Outcome:
    obligation: Obligation | None
    version: int
    events: tuple[Event, ...] = ()
    duplicate: bool = False


@dataclass
class NotifyHandlers:
    repo: ObligationRepository
    contacts: ContactRepository
    scheduler: Scheduler
    clock: Clock
    region: str
    producer: str = "notify"
    flush: Flush | None = None
    contacts_flush: Flush | None = None
    outbox: Outbox = field(default_factory=UnwiredOutbox)
    texts: Texts = field(default_factory=lambda: texts_of(templates.render))
    due: DueEntries | None = None  # the notify.due read model: steps by due hour
    inbox: InboxRepository | None = None  # the parties' read marks
    inbox_flush: Flush | None = None
    _work: UnitOfWork = field(init=False)

    def __post_init__(self) -> None:
        self._work = UnitOfWork(self.producer, self.clock)

    # -- the owning services' obligation events (XC-02) ----------------------------------------------

    async def on_event(self, envelope: Envelope, event: Event, *, source: str) -> Outcome | None:
        if not isinstance(event, ObligationOpened | ObligationFulfilled) or envelope.region != self.region:
            return None
        by = f"{event.TYPE}:{envelope.event_id}"

        async def mutate(loaded: LoadedObligation | None) -> Obligation:
            record = loaded.aggregate if loaded else Obligation.track(source, self.region, event)
            if isinstance(event, ObligationOpened):
                record.open(event, self.scheduler, at=self.clock.now())
            else:
                record.close(event, by=by, at=self.clock.now())
            return record

        request = CommandRequest(envelope, cast(Command, event))  # applied once per event id
        done = await self._work.apply(self.repo, event.obligation_id, request, mutate, flush=self.flush)
        return Outcome(done.aggregate, done.version, done.events, duplicate=done.duplicate)

    # -- commands ---------------------------------------------------------------------------------------

    async def execute(self, envelope: Envelope, command: Command, *, expected_version: int | None = None) -> Outcome:
        if envelope.region != self.region or envelope.actor.region != self.region:
            raise NotifyError(ReasonCode.WRONG_REGION, f"this deployment serves region {self.region}")
        actor = envelope.actor
        request = CommandRequest(envelope, command, expected_version=expected_version)
        match command:
            case n.RegisterContact():
                return await self._register_contact(request, command)
            case n.MarkInboxRead():
                return await self._mark_read(request, command)
            case n.FileDocument():

                def authorize(loaded: LoadedObligation | None) -> None:
                    access.check_filer(actor, loaded.aggregate if loaded else None)

                async def file(loaded: LoadedObligation | None) -> Obligation:
                    assert loaded is not None  # authorize refused a missing obligation
                    loaded.aggregate.file(command, at=self.clock.now(), scheduler=self.scheduler)
                    return loaded.aggregate

                return await self._apply(command.obligation_id, request, file, authorize)
            case n.WaiveObligation():

                def may_waive(loaded: LoadedObligation | None) -> None:
                    access.check_read(actor, loaded.aggregate if loaded else None, command.obligation_id)
                    if not access.is_regulator(actor):
                        raise NotifyError(ReasonCode.FORBIDDEN, "only the regulator waives an obligation")

                async def waive(loaded: LoadedObligation | None) -> Obligation:
                    assert loaded is not None
                    loaded.aggregate.waive(command, actor=actor, at=self.clock.now())
                    return loaded.aggregate

                return await self._apply(command.obligation_id, request, waive, may_waive)
        raise NotifyError(ReasonCode.UNKNOWN_TYPE, f"{command.TYPE} is not a notify command")

    async def _apply(
        self,
        obligation_id: str,
        request: CommandRequest,
        mutate: Callable[[LoadedObligation | None], Awaitable[Obligation]],
        authorize: Callable[[LoadedObligation | None], None],
    ) -> Outcome:
        done = await self._work.apply(self.repo, obligation_id, request, mutate, authorize=authorize, flush=self.flush)
        return Outcome(done.aggregate, done.version, done.events, duplicate=done.duplicate)

    async def _register_contact(self, request: CommandRequest, cmd: n.RegisterContact) -> Outcome:
        access.check_party(request.envelope.actor, cmd.party)

        async def mutate(loaded: LoadedContacts | None) -> Contacts:
            contacts = loaded.aggregate if loaded else Contacts(party=cmd.party)
            contacts.register(cmd)
            return contacts

        done = await self._work.apply(self.contacts, party_key(cmd.party), request, mutate, flush=self.contacts_flush)
        return Outcome(None, done.version, done.events, duplicate=done.duplicate)

    async def _mark_read(self, request: CommandRequest, cmd: n.MarkInboxRead) -> Outcome:
        party = access.party_of(request.envelope.actor)
        if party is None or self.inbox is None:
            raise NotifyError(ReasonCode.FORBIDDEN, "only a party has an inbox", rule_id="XC-05")

        async def mutate(loaded: LoadedInbox | None) -> InboxReads:
            reads = loaded.aggregate if loaded else InboxReads(party=party)
            reads.mark_read(cmd, at=self.clock.now())
            return reads

        done = await self._work.apply(self.inbox, f"inbox:{party_key(party)}", request, mutate, flush=self.inbox_flush)
        return Outcome(None, done.version, done.events, duplicate=done.duplicate)

    # -- reminders and escalation (XC-02) ---------------------------------------------------------------

    async def sweep(self, *, grace: timedelta, limit: int = 100) -> int:
        """Fire the due steps the due view names; safe with any number of instances."""
        if self.due is None:
            return 0
        return await sweep_overdue(
            self.due, load=self.repo.get, fire=self._fire, now=self.clock.now(), grace=grace, limit=limit
        )

    async def _fire(self, loaded: LoadedObligation, now: datetime) -> int:
        record = loaded.aggregate
        sent = record.fire_due(now, self.texts)
        # raises VersionConflict when another instance stored first: the steps are its to record
        version = await self._work.record_own_change(
            self.repo,
            record.obligation_id,
            loaded,
            record,
            region=self.region,
            action="notify.FireSteps",
            flush=self.flush,
        )
        return len(sent) if version is not None else 0

    # -- e-mail and SMS (the inbox is a read model of the same events) --------------------------------

    async def on_notice(self, event: Event) -> int:
        """Hand a committed ReminderSent / ObligationEscalated to the outbox: one message per registered
        contact of each recipient and channel. Read from notify's own events topic (at least once, after
        the commit, whatever crashed in between); ``message_id`` names obligation, step, party and
        channel, so the dispatcher sends each once however often it is handed over."""
        if not isinstance(event, n.ReminderSent | n.ObligationEscalated):
            return 0
        handed = 0
        escalation = isinstance(event, n.ObligationEscalated)
        for party in event.recipients:
            # an escalation reaches the debtor's supervisor; the regulator's desk is its staff contact
            supervisor = escalation and party == event.debtor
            point = await self._contact(party, n.ContactAudience.SUPERVISOR if supervisor else n.ContactAudience.STAFF)
            if point is None:
                continue
            base = f"{event.obligation_id}|{event.step_id}|{party_key(party)}"
            for channel, address in (("email", point.email), ("sms", point.mobile)):
                if address:
                    message = OutboundMessage(f"{base}|{channel}", channel, address, event.subject_zh, event.body_zh)  # type: ignore[arg-type]
                    await self.outbox.deliver(message)
                    handed += 1
        return handed

    async def _contact(self, party: PartyRef, audience: n.ContactAudience) -> ContactPoint | None:
        loaded = await self.contacts.get(party_key(party))
        return loaded.aggregate.reach(audience) if loaded else None
