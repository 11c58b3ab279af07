"""An aggregate store in memory with the public behaviour of :class:`anju_kit.mongo.AggregateStore`.

For component tests: a repository built on it runs the same code as in production, with no server.
It keeps the same commit log (one entry per version, ``<id>@<version>``, holding the state, the
events, the applied message id and the history entry), so what the Mongo store answers — versions,
applied ids, history, the outbox, ``VersionConflict`` / ``AlreadyExists`` / ``NotFound`` — it answers
alike; kit/tests/kit_storage_behaviour.py runs one suite against both.

What it does not imitate: the projection and its roll-forward (the log is the only truth here, so
there is nothing to lag), and storage costs. Every call yields to the event loop once, as a network
round trip would, so two tasks racing through ``asyncio.gather`` interleave between a read and a
write exactly where real writers can (a lost compare-and-set, two sweepers).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from anju_contracts.base import Event
from anju_kit.mongo import (
    AlreadyExists,
    CreatedBatch,
    Doc,
    HistoryEntry,
    NewAggregate,
    NotFound,
    OutgoingEvent,
    Stored,
    VersionConflict,
    recorded_events,
    state_of,
)
from anju_kit.upcasting import SCHEMA_VERSION_FIELD, StateSchema


def _log_id(doc_id: str, version: int) -> str:
    return f"{doc_id}@{version}"


class MemoryAggregateStore:
    """One kind of aggregate in memory. ``schema`` means what it means for the Mongo store: every entry
    is stamped with the schema's version and read back upcast. ``queried`` is taken for the same
    signature and changes nothing here (in Mongo it only shapes the stored projection)."""

    def __init__(
        self, name: str = "aggregates", *, queried: Sequence[str] | None = None, schema: StateSchema | None = None
    ) -> None:
        self.name = name
        self.queried = tuple(queried) if queried is not None else None
        self._schema = schema if schema is not None else StateSchema(name)
        self.log: dict[str, Doc] = {}  # "<id>@<version>" -> entry, as the Mongo store's <name>_log
        self.outbox: dict[str, Doc] = {}  # marker id -> marker, as <name>_outbox
        self._newest: dict[str, int] = {}

    @property
    def schema(self) -> StateSchema:
        return self._schema

    def current_state(self, doc: Mapping[str, Any]) -> Doc:
        # A deep copy, as a state decoded from the server would be: a reader's changes stay its own.
        return self._schema.load(doc, copy.deepcopy(state_of(doc)), doc_id=doc.get("_id"))

    async def ensure_indexes(self) -> None:
        await asyncio.sleep(0)

    # -- reading --------------------------------------------------------------------------------
    async def get(self, doc_id: str) -> Stored | None:
        await asyncio.sleep(0)
        version = self._newest.get(doc_id)
        if version is None:
            return None
        entry = self.log[_log_id(doc_id, version)]
        self._schema.check_readable(entry, doc_id=doc_id)
        return Stored(
            id=doc_id, version=version, applied=self._applied(doc_id), decode=lambda: self.current_state(entry)
        )

    async def projected(self, doc_id: str) -> Stored | None:
        return await self.get(doc_id)  # in memory the projection never trails the log

    def _applied(self, doc_id: str) -> frozenset[str]:
        return frozenset(e["applied_id"] for e in self._entries(doc_id) if e.get("applied_id"))

    def _entries(self, doc_id: str) -> list[Doc]:
        return [self.log[_log_id(doc_id, v)] for v in range(1, self._newest.get(doc_id, 0) + 1)]

    async def history(self, doc_id: str) -> list[Doc]:
        await asyncio.sleep(0)
        return [copy.deepcopy(e["history"]) | {"version": e["version"]} for e in self._entries(doc_id) if e["history"]]

    async def applied_entry(self, doc_id: str, applied_id: str) -> Doc | None:
        await asyncio.sleep(0)
        for entry in reversed(self._entries(doc_id)):
            if entry.get("applied_id") == applied_id:
                return copy.deepcopy(entry)
        return None

    async def applied_events(self, doc_id: str, applied_id: str) -> tuple[Event, ...]:
        return recorded_events(await self.applied_entry(doc_id, applied_id))

    # -- writing --------------------------------------------------------------------------------
    async def create(
        self,
        doc_id: str,
        state: Mapping[str, Any],
        events: Sequence[OutgoingEvent] = (),
        *,
        applied_id: str | None = None,
        history: HistoryEntry | None = None,
    ) -> int:
        await asyncio.sleep(0)
        if doc_id in self._newest:
            raise AlreadyExists(doc_id)
        self._commit(self._entry(doc_id, 1, state, events, applied_id, history))
        return 1

    async def create_many(
        self,
        items: Sequence[NewAggregate],
        *,
        after_commit: Callable[[CreatedBatch], Awaitable[None]] | None = None,
    ) -> CreatedBatch:
        """Ids that exist already are skipped (a redelivered batch); one outbox marker for the batch."""
        await asyncio.sleep(0)
        if not items:
            return CreatedBatch(set(), None)
        entries: list[Doc] = []
        for item in items:
            if item.doc_id in self._newest or any(e["aggregate_id"] == item.doc_id for e in entries):
                continue
            entries.append(self._entry(item.doc_id, 1, item.state, item.events, item.applied_id, item.history))
        # As the Mongo store: one marker for the batch, named after its first entry with events and
        # listing every such entry, created now or by an earlier delivery (at-least-once publishing).
        pending = list(dict.fromkeys(_log_id(item.doc_id, 1) for item in items if item.events))
        marker = f"batch:{pending[0]}" if pending else None
        if marker is not None:
            self.outbox.setdefault(marker, {"_id": marker, "entries": pending, "aggregate_id": None, "at": _now()})
        for entry in entries:
            self._commit(entry, marked=False)
        batch = CreatedBatch({e["aggregate_id"] for e in entries}, marker)
        if after_commit is not None:
            await after_commit(batch)
        return batch

    async def update(
        self,
        doc_id: str,
        expected_version: int,
        state: Mapping[str, Any],
        events: Sequence[OutgoingEvent] = (),
        *,
        applied_id: str | None = None,
        history: HistoryEntry | None = None,
    ) -> int:
        await asyncio.sleep(0)
        newest = self._newest.get(doc_id)
        if newest is None:
            raise NotFound(doc_id)
        if newest != expected_version:
            raise VersionConflict(doc_id, expected_version)
        # No await since the check: the check and the insert are one step, as the log's unique _id makes them.
        self._commit(self._entry(doc_id, expected_version + 1, state, events, applied_id, history))
        return expected_version + 1

    def _entry(
        self,
        doc_id: str,
        version: int,
        state: Mapping[str, Any],
        events: Sequence[OutgoingEvent],
        applied_id: str | None,
        history: HistoryEntry | None,
    ) -> Doc:
        # A deep copy: the caller's objects may change after the commit, a stored state must not.
        return {
            "_id": _log_id(doc_id, version),
            "aggregate_id": doc_id,
            "version": version,
            "state": copy.deepcopy(dict(state)),
            SCHEMA_VERSION_FIELD: self._schema.version,
            "applied_id": applied_id,
            "events": [e.to_doc() for e in events],
            "history": history.to_doc(version) if history else None,
            "at": _now(),
        }

    def _commit(self, entry: Doc, *, marked: bool = True) -> None:
        if entry["_id"] in self.log:  # pragma: no cover - guarded by the callers' version checks
            raise VersionConflict(entry["aggregate_id"], entry["version"] - 1)
        self.log[entry["_id"]] = entry
        self._newest[entry["aggregate_id"]] = entry["version"]
        if marked and entry["events"]:
            self.outbox[entry["_id"]] = {"_id": entry["_id"], "aggregate_id": entry["aggregate_id"], "at": entry["at"]}

    # -- outbox ---------------------------------------------------------------------------------
    async def unpublished(
        self, doc_id: str | None = None, *, older_than: datetime | None = None, limit: int = 100
    ) -> list[Doc]:
        """Log entries with events not yet published, oldest marker first (each tagged ``_marker``)."""
        await asyncio.sleep(0)
        markers = [
            m
            for m in self.outbox.values()
            if (doc_id is None or m["aggregate_id"] == doc_id) and (older_than is None or m["at"] <= older_than)
        ]
        entries: list[Doc] = []
        for marker in sorted(markers, key=lambda m: m["at"])[:limit]:
            for entry_id in marker.get("entries") or [marker["_id"]]:
                entry = self.log.get(entry_id)
                if entry is None:  # pragma: no cover - markers are written with their entries here
                    continue
                entries.append(
                    {
                        "_id": entry_id,
                        "aggregate_id": entry["aggregate_id"],
                        "version": entry["version"],
                        "events": copy.deepcopy(entry["events"]),
                        "_marker": marker["_id"],
                    }
                )
        return entries

    async def pending_outbox(self, doc_id: str) -> list[OutgoingEvent]:
        return [OutgoingEvent.from_doc(e) for entry in await self.unpublished(doc_id) for e in entry["events"]]

    async def mark_published(self, *entry_ids: str) -> None:
        await asyncio.sleep(0)
        for entry_id in entry_ids:
            self.outbox.pop(entry_id, None)


def _now() -> datetime:
    return datetime.now(UTC)
