"""One kind of aggregate on the kit's aggregate store, typed: what the unit of work (``Aggregates``) and
a service's reads want of it — ``get`` / ``add`` / ``save`` / ``applied_events``, ``read`` to answer a
read, the history (XC-04) and ``get_listed`` for lists. Every read is by ``_id``; the store (MongoDB, or
the in-memory double) keeps the insert-only commit log whose insert is the only compare-and-set.

A service keeps its aggregate a pure domain model with ``state()`` (what is stored) and a loader
(usually ``Model.model_validate``) that turns a stored state back into one.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from anju_contracts.base import Event
from anju_kit.mongo import Doc, HistoryEntry, OutgoingEvent, Stored
from anju_kit.ports import AggregateStorage


class StatefulAggregate(Protocol):
    def state(self) -> dict[str, Any]: ...


A = TypeVar("A", bound=StatefulAggregate)

READ_CACHE = 16  # aggregates an AggregateRepository keeps validated for reads (read())


@dataclass(frozen=True)
class Loaded(Generic[A]):
    """An aggregate as stored: its version (for the compare-and-set) and the command ids it applied."""

    aggregate: A
    version: int
    applied: frozenset[str]


class AggregateRepository(Generic[A]):
    def __init__(self, store: AggregateStorage, load: Callable[[Doc], A]) -> None:
        self.store = store
        self._load = load
        self._read: OrderedDict[str, Loaded[A]] = OrderedDict()  # by id: the version read() validated last

    async def ensure_indexes(self) -> None:
        await self.store.ensure_indexes()

    def _loaded(self, stored: Stored | None) -> Loaded[A] | None:
        return None if stored is None else Loaded(self._load(stored.state), stored.version, stored.applied)

    async def get(self, doc_id: str) -> Loaded[A] | None:
        return self._loaded(await self.store.get(doc_id))

    async def read(self, doc_id: str) -> Loaded[A] | None:
        """The newest committed version, as :meth:`get`, **to answer a read only**: the aggregate
        returned may be the very object other readers hold, so it must never be changed — a command
        decides on its own copy, from :meth:`get`. The repository keeps the last few versions it
        validated (:data:`READ_CACHE`): asking again for a version already at hand costs the store's
        one look-up of a newer log entry, not decoding and validating the state again (a risk file of
        250 issues is ~350 KB: ~14 ms of one core each time, issue #10)."""
        stored = await self.store.get(doc_id)
        if stored is None:
            return None
        held = self._read.get(doc_id)
        if held is not None and held.version == stored.version:
            self._read.move_to_end(doc_id)
            return held
        loaded = Loaded(self._load(stored.state), stored.version, stored.applied)
        self._read[doc_id] = loaded
        self._read.move_to_end(doc_id)
        while len(self._read) > READ_CACHE:
            self._read.popitem(last=False)
        return loaded

    async def get_listed(self, doc_id: str) -> Loaded[A] | None:
        """As :meth:`get`, from the projection alone (one read; it may trail a commit in flight): for
        listings that say how fresh they are, never for deciding a command."""
        return self._loaded(await self.store.projected(doc_id))

    async def add(
        self, doc_id: str, aggregate: A, events: Sequence[OutgoingEvent], *, applied_id: str, history: HistoryEntry
    ) -> int:
        return await self.store.create(doc_id, aggregate.state(), events, applied_id=applied_id, history=history)

    async def save(
        self,
        doc_id: str,
        aggregate: A,
        loaded: Loaded[A],
        events: Sequence[OutgoingEvent],
        *,
        applied_id: str,
        history: HistoryEntry,
    ) -> int:
        return await self.store.update(
            doc_id, loaded.version, aggregate.state(), events, applied_id=applied_id, history=history
        )

    async def history(self, doc_id: str) -> list[Doc]:
        return await self.store.history(doc_id)

    async def applied_events(self, doc_id: str, applied_id: str) -> tuple[Event, ...]:
        return await self.store.applied_events(doc_id, applied_id)
