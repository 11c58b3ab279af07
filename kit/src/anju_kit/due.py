"""Due timers that fire exactly once across instances (XC-02): a small due index and the overdue sweeper.

An aggregate's state (kept on the kit's :class:`~anju_kit.mongo.AggregateStore`) says when it must be
looked at next (``anju_kit.deadlines.next_due_at``). FerretDB answers only ``_id`` look-ups without
scanning, so "what is due now" cannot be a query over the ever-growing aggregates; it is this small
collection instead:

* an *entry* is written whenever a commit moves the aggregate's next due instant, *before* that
  commit, so no committed deadline is ever without one. Its ``_id`` names the aggregate, the version
  of the commit and the due instant, so two writers racing for one version each keep their own entry
  (the loser's entry only costs the sweeper one look at an aggregate with nothing due);
* the sweeper (:func:`sweep_overdue`) reads the entries due now, loads each aggregate by ``_id`` and
  hands it to the owning service's ``fire`` callback, which asks the aggregate's pure domain for its
  overdue events and saves them with the aggregate's compare-and-set (the commit log's insert). Of
  any number of sweepers that fire the same deadline, one insert wins; the others get
  :class:`~anju_kit.mongo.VersionConflict`, keep the entry and, on the next round, load a state in
  which the deadline is already reported, so nothing fires twice;
* once looked at, the entry is dropped: the aggregate's next deadline, if any, has its own entry,
  written by the commit that set it. An entry whose commit never came (lost race, dead writer) is
  dropped once older than ``grace``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from anju_kit.logging import get_logger
from anju_kit.mongo import Doc, VersionConflict

log = get_logger(__name__)


@dataclass(frozen=True)
class DueEntry:
    id: str
    aggregate_id: str
    version: int  # of the commit that set the due instant
    due_at: datetime
    noted_at: datetime  # wall-clock time of writing: bounds how long its commit may be in flight

    def older_than(self, age: timedelta) -> bool:
        return self.noted_at <= datetime.now(UTC) - age


class DueEntries(Protocol):
    """What the sweeper needs of a due index."""

    async def due(self, now: datetime, *, limit: int) -> list[DueEntry]: ...

    async def drop(self, entry_id: str) -> None: ...


class DueNotes(DueEntries, Protocol):
    """What a repository needs of its due index (:class:`DueIndex`, or the in-memory double in
    :mod:`anju_kit.memory`): noting due instants before its commits, and the sweeper's reads."""

    async def ensure_indexes(self) -> None: ...

    async def note_change(
        self, aggregate_id: str, version: int, due_at: datetime | None, due_before: datetime | None
    ) -> None: ...

    async def note_many(self, entries: Iterable[tuple[str, int, datetime]]) -> None: ...


class DueIndex:
    """The due index of one kind of aggregate, e.g. ``claims_due`` beside ``claims``.

    ``id_field`` names the aggregate id field of the stored entries (claims' entries say ``claim_id``;
    entries already written must keep being read).
    """

    def __init__(self, collection: AsyncCollection[Doc], *, id_field: str = "aggregate_id") -> None:
        self.collection = collection
        self.id_field = id_field

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("due_at", ASCENDING)])  # used by MongoDB; FerretDB scans (small)

    def _doc(self, aggregate_id: str, version: int, due_at: datetime, now: datetime) -> Doc:
        return {
            "_id": f"{aggregate_id}@{version}:{due_at.astimezone(UTC).isoformat()}",
            self.id_field: aggregate_id,
            "version": version,
            "due_at": due_at,
            "at": now,
        }

    async def note(self, aggregate_id: str, version: int, due_at: datetime) -> None:
        """Remember that ``aggregate_id`` is due at ``due_at`` after its commit of ``version`` (call it
        before that commit)."""
        # The same entry twice is a replay of the same commit: already noted.
        with contextlib.suppress(DuplicateKeyError):
            await self.collection.insert_one(self._doc(aggregate_id, version, due_at, datetime.now(UTC)))

    async def note_change(
        self, aggregate_id: str, version: int, due_at: datetime | None, due_before: datetime | None
    ) -> None:
        """:meth:`note`, when the commit of ``version`` moves the due instant from ``due_before``."""
        if due_at is not None and due_at != due_before:
            await self.note(aggregate_id, version, due_at)

    async def note_many(self, entries: Iterable[tuple[str, int, datetime]]) -> None:
        """:meth:`note` for many ``(aggregate_id, version, due_at)`` at once (bulk creation)."""
        now = datetime.now(UTC)
        docs = [self._doc(aggregate_id, version, due_at, now) for aggregate_id, version, due_at in entries]
        if not docs:
            return
        try:
            await self.collection.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            if any(error.get("code") != 11000 for error in exc.details.get("writeErrors", [])):
                raise

    async def due(self, now: datetime, *, limit: int = 100) -> list[DueEntry]:
        """Entries due at ``now`` or earlier, earliest first."""
        cursor = self.collection.find({"due_at": {"$lte": now}}).sort("due_at", ASCENDING).limit(limit)
        return [
            DueEntry(doc["_id"], doc[self.id_field], int(doc["version"]), doc["due_at"], doc["at"])
            async for doc in cursor
        ]

    async def drop(self, entry_id: str) -> None:
        await self.collection.delete_one({"_id": entry_id})


class Loaded(Protocol):
    """An aggregate as loaded, with the version its next commit must follow."""

    @property
    def version(self) -> int: ...


L = TypeVar("L", bound=Loaded)


async def sweep_overdue(
    index: DueEntries,
    *,
    load: Callable[[str], Awaitable[L | None]],
    fire: Callable[[L, datetime], Awaitable[int]],
    now: datetime,
    grace: timedelta,
    limit: int = 100,
) -> int:
    """Look at every aggregate the index says is due at ``now``; returns how many overdue events fired.

    ``load(aggregate_id)`` reads the aggregate by ``_id``. ``fire(loaded, now)`` records the overdue
    events its domain reports and saves them at ``loaded.version`` with the compare-and-set, returning
    how many it saved (0 when nothing is overdue, then it must not write) or raising
    :class:`VersionConflict` when another writer was first.
    """
    fired = 0
    for entry in await index.due(now, limit=limit):
        loaded = await load(entry.aggregate_id)
        if loaded is None or loaded.version < entry.version:
            # The commit that wrote the entry is in flight, or it lost its race / its writer died.
            if entry.older_than(grace):
                await index.drop(entry.id)
            continue
        try:
            fired += await fire(loaded, now)
        except VersionConflict:
            log.info("due.overdue_raced", aggregate_id=entry.aggregate_id)  # the newer state is judged next sweep
            continue
        # Looked at: the aggregate's next deadline, if any, has its own entry (written by its commit).
        await index.drop(entry.id)
    return fired
