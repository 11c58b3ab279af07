"""The one write of a command: load the aggregate, check access, skip a replay, apply the pure domain,
store state, events and (for a refusal) the sender's answer in one commit, publish — for every service.

The store's only compare-and-set is the insert of the next commit-log entry (FerretDB v1 applies no
conditional update atomically, see ARCHITECTURE.md). So a change is: read version *n*, decide, insert
*n+1*; whoever inserts first wins and the loser re-reads and decides again on the fresh state, where the
domain re-checks every rule. A caller that named the version it saw (HTTP ``If-Match``) gets CONFLICT
instead of a silent re-application.

Order matters (XC-05): ``authorize`` runs on the loaded aggregate *before* the idempotency shortcut, so a
replayed command id (readable by anyone as a follow-up's ``causation_id``) never hands another actor the
aggregate; and ``not found`` is answered the same way as ``not yours`` by the service's access rules.

A service's handler supplies only its domain: how to load (its repository), who may act (``authorize``),
what the command does (``mutate``), and, for services whose refusals are recorded as events, which
refusal those events amount to (``refusal_of``): its ``Rejected`` answer is then stored in the same outbox
write as the refusal event (Kafka), so no crash keeps the refusal and loses the answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar, cast

from anju_contracts import Envelope, ReasonCode, Refusal
from anju_contracts.base import Event
from anju_kit.auth import service_actor
from anju_kit.clock import Clock
from anju_kit.logging import get_logger
from anju_kit.mongo import AlreadyExists, HistoryEntry, OutgoingEvent, VersionConflict
from anju_kit.pipeline import CommandRequest
from anju_kit.rejections import answer_envelope

log = get_logger(__name__)

ATTEMPTS = 5  # re-decisions on a lost compare-and-set before the sender is told to try again


class Recording(Protocol):
    """A domain aggregate: it records the events of its changes until they are pulled for the write."""

    def pull_events(self) -> list[Event]: ...


A = TypeVar("A", bound=Recording)
A_co = TypeVar("A_co", covariant=True)
A_contra = TypeVar("A_contra", bound=Recording, contravariant=True)


class Loaded(Protocol[A_co]):
    """An aggregate as read at one version, with the ids of the commands already applied to it."""

    @property
    def aggregate(self) -> A_co: ...

    @property
    def version(self) -> int: ...

    @property
    def applied(self) -> frozenset[str]: ...


L = TypeVar("L", bound=Loaded[Recording])


class Aggregates(Protocol[A_contra, L]):
    """What the unit of work needs of a service's repository (on the kit's ``AggregateStore``, or an
    in-memory double in component tests)."""

    async def get(self, doc_id: str) -> L | None: ...

    async def add(
        self,
        doc_id: str,
        aggregate: A_contra,
        events: Sequence[OutgoingEvent],
        *,
        applied_id: str,
        history: HistoryEntry,
    ) -> int:
        """Store version 1; raises ``AlreadyExists`` when someone else created it first."""
        ...

    async def save(
        self,
        doc_id: str,
        aggregate: A_contra,
        loaded: L,
        events: Sequence[OutgoingEvent],
        *,
        applied_id: str,
        history: HistoryEntry,
    ) -> int:
        """Store ``loaded.version + 1``; raises ``VersionConflict`` when that version exists already."""
        ...

    async def applied_events(self, doc_id: str, applied_id: str) -> tuple[Event, ...]:
        """The events the commit that applied ``applied_id`` recorded (a replay is answered with them)."""
        ...


Flush = Callable[[str, int | None, Sequence[OutgoingEvent]], Awaitable[None]]
"""Publish right after a commit: (aggregate id, the version stored, its outgoing events). A version of
None asks for whatever of the aggregate is still pending (a replayed command whose first delivery died
between its commit and its publish). A failure is logged: the outbox relay's sweep publishes later."""


@dataclass(frozen=True)
class Change(Generic[A]):
    aggregate: A
    version: int
    events: tuple[Event, ...] = ()
    duplicate: bool = False  # a replay, or a command that changed nothing


def anyone(loaded: object) -> None:
    """No access rule beyond the command table's (e.g. a regulator's command)."""


def no_refusal(events: Sequence[Event]) -> Refusal | None:
    return None


@dataclass
class UnitOfWork:
    producer: str  # the service: envelopes of the events it stores name it
    clock: Clock
    attempts: int = ATTEMPTS

    async def apply(
        self,
        repo: Aggregates[A, L],
        doc_id: str,
        request: CommandRequest,
        mutate: Callable[[L | None], Awaitable[A]],
        *,
        authorize: Callable[[L | None], None] = anyone,
        refusal_of: Callable[[Sequence[Event]], Refusal | None] = no_refusal,
        applied_id: str | None = None,
        flush: Flush | None = None,
        state_event: Callable[[A, int], Event | None] | None = None,
    ) -> Change[A]:
        """Apply ``request`` to the aggregate ``doc_id``; ``mutate`` gets it as loaded (None: not there
        yet) and returns it changed, or raises a :class:`Refusal` (nothing is stored then).

        ``applied_id`` defaults to the command's event id; a command that changes several aggregates
        gives each its own, so a redelivery that stopped between two writes finishes the job. ``flush``
        publishes the commit (the service's outbox relay); without it the relay's sweep does, later.
        ``state_event(aggregate, version)`` adds, after the domain's events, one event carrying the state
        read models fold (anju_kit.views: event-carried state, so a view never reads the aggregate)."""
        envelope = request.envelope
        applied_id = applied_id or str(envelope.event_id)
        for _ in range(self.attempts):
            loaded = await repo.get(doc_id)
            authorize(loaded)  # before the replay shortcut, always (XC-05)
            if loaded is not None and applied_id in loaded.applied:
                await self._flush(flush, doc_id, None, ())
                recorded = await repo.applied_events(doc_id, applied_id)
                # L is the loaded form of A (the repository's get and save agree); Python's types cannot say so
                return Change(cast(A, loaded.aggregate), loaded.version, recorded, duplicate=True)
            seen = loaded.version if loaded is not None else 0
            if request.expected_version is not None and request.expected_version != seen:
                raise Refusal(ReasonCode.CONFLICT, f"{doc_id} is at version {seen}", field="If-Match")
            aggregate = await mutate(loaded)
            events = aggregate.pull_events()
            if not events:  # the same business fact again under a new id: nothing to store
                return Change(aggregate, seen, duplicate=True)
            if state_event is not None and (state := state_event(aggregate, seen + 1)) is not None:
                events = [*events, state]
            outgoing = self._outgoing(request, doc_id, events, refusal_of(events))
            history = HistoryEntry(
                envelope.type,
                envelope.actor,
                self.clock.now(),
                {"events": [e.TYPE for e in events]},
                caused_by=str(envelope.event_id),
            )
            try:
                if loaded is None:
                    version = await repo.add(doc_id, aggregate, outgoing, applied_id=applied_id, history=history)
                else:
                    version = await repo.save(
                        doc_id, aggregate, loaded, outgoing, applied_id=applied_id, history=history
                    )
            except (VersionConflict, AlreadyExists):
                if request.expected_version is not None:
                    raise Refusal(ReasonCode.CONFLICT, f"{doc_id} was changed concurrently", field="If-Match") from None
                continue  # someone else wrote first: decide again on the fresh state
            log.info(f"{self.producer}.applied", aggregate_id=doc_id, version=version, events=history.details["events"])
            await self._flush(flush, doc_id, version, outgoing)
            return Change(aggregate, version, tuple(events))
        raise Refusal(ReasonCode.CONFLICT, f"{doc_id} is changing too fast; try again")

    async def record_own_change(
        self,
        repo: Aggregates[A, L],
        doc_id: str,
        loaded: L,
        aggregate: A,
        *,
        region: str,
        action: str,
        flush: Flush | None = None,
    ) -> int | None:
        """Store what the service did on its own to ``aggregate`` (loaded as ``loaded``) — e.g. a deadline
        its timer found missed — with the events it recorded, as the service's actor; returns the version
        stored (None: nothing recorded). No command caused it, so it is applied once per version it was decided on
        (``<action>:<id>:<version>``); raises ``VersionConflict`` when another instance stored first
        (a sweeper then looks again on its next round)."""
        events = aggregate.pull_events()
        if not events:
            return None
        actor = service_actor(self.producer, region)
        now = self.clock.now()  # the service's clock (frozen in tests): the events happened then
        outgoing = [
            OutgoingEvent(
                e.TOPIC or "",
                Envelope.wrap(e, region=region, producer=self.producer, actor=actor, key=doc_id, occurred_at=now),
            )
            for e in events
        ]
        history = HistoryEntry(action, actor, now, {"events": [e.TYPE for e in events]})
        version = await repo.save(
            doc_id, aggregate, loaded, outgoing, applied_id=f"{action}:{doc_id}:{loaded.version}", history=history
        )
        log.info(f"{self.producer}.applied", aggregate_id=doc_id, version=version, events=history.details["events"])
        await self._flush(flush, doc_id, version, outgoing)
        return version

    def _outgoing(
        self, request: CommandRequest, doc_id: str, events: Sequence[Event], refused: Refusal | None
    ) -> list[OutgoingEvent]:
        envelope, now = request.envelope, self.clock.now()  # the service's clock, frozen in tests
        outgoing = [
            OutgoingEvent(e.TOPIC or "", envelope.follow_up(e, producer=self.producer, key=doc_id, occurred_at=now))
            for e in events
        ]
        if refused is not None and request.answer_to is not None:  # Kafka: the answer rides with the refusal
            answer = answer_envelope(envelope, refused, producer=self.producer, record=request.record)
            outgoing.append(OutgoingEvent(request.answer_to, answer))
        return outgoing

    async def _flush(
        self, flush: Flush | None, doc_id: str, version: int | None, outgoing: Sequence[OutgoingEvent]
    ) -> None:
        if flush is None:
            return
        try:
            await flush(doc_id, version, outgoing)
        except Exception as exc:  # stored already; the outbox relay's sweep publishes it later
            log.warning(f"{self.producer}.flush_failed", aggregate_id=doc_id, error=type(exc).__name__)
