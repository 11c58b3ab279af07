"""MongoDB storage patterns that work on real MongoDB and on FerretDB alike.

No multi-document transactions, change streams, TTL indexes or ``$lookup``. And one more limit found
by test: FerretDB v1 evaluates an update's filter and applies the update non-atomically, so two
concurrent ``update_one({"_id": x, "version": 1}, ...)`` can both succeed. The one write that is
atomic everywhere is an insert into a unique ``_id``. So an aggregate is kept as:

* ``<name>_log`` — an insert-only commit log, one entry per version, ``_id = "<id>@<version>"``.
  Inserting entry ``v+1`` *is* the compare-and-set: of two writers that read version ``v`` exactly
  one insert succeeds, the other gets :class:`VersionConflict`. The entry carries the change to the
  state (a JSON Patch, :mod:`anju_kit.state_changes`; the whole state at version 1 and every
  :data:`SNAPSHOT_EVERY` versions, so a large aggregate does not cost its whole state per change), the
  events the change produced (the outbox: published by :class:`OutboxRelay`, then flagged), the id
  of the message applied (idempotency) and the actor (the append-only history, XC-04).
* ``<name>_outbox`` — one marker per log entry whose events are not published yet. FerretDB
  answers only ``_id`` look-ups without scanning, so "what is unpublished" must be a small
  collection, not a query over the ever-growing log: a marker is written just *before* its log
  entry (so no committed entry is ever without one) and deleted once Kafka acknowledged the events.
  A marker whose log entry never came (the writer lost the compare-and-set or died) is dropped by
  the relay's sweep. A bulk creation writes one marker for its whole batch, listing its entries.
* ``<name>`` — the current state of each aggregate, a projection of its latest log entry, for
  queries. Every projection write is a plain replace by ``_id`` followed by a roll-forward (look up
  entry ``version + 1`` in the log and project it too, until there is none), so the projection ends
  at the newest committed version even when an older write lands after a newer one (the argument is
  at :meth:`AggregateStore._project`). :meth:`AggregateStore.get` always rolls it forward from the
  log, so a writer that died between the log insert and the projection write loses nothing.

Every read and write of the log and the projection filters on ``_id`` alone: FerretDB v1 (SQLite)
pushes only a filter of exactly ``{"_id": <string>}`` down to SQL and answers any other filter by
decoding every document of the collection — on an ever-growing collection that makes each call
O(collection size). So no ``version`` guard on the projection write and no ``aggregate_id`` query
over the log: :meth:`AggregateStore.history` reads ``<id>@1``, ``<id>@2``, … by ``_id``, which works
because the log of an aggregate is contiguous from version 1. Only the small outbox is queried by
other fields.

Every log entry and projection document carries the ``schema_version`` of the state it holds (XC-08,
:mod:`anju_kit.upcasting`): reads bring older states up to the store's :class:`StateSchema`, and a
projection built from an older entry holds the upcast state. Log entries are never rewritten.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from anju_contracts import Actor, Envelope, Rejected
from anju_contracts.base import Event
from anju_contracts.catalog import parse
from anju_kit.logging import get_logger
from anju_kit.metrics import OUTBOX_PENDING, OUTBOX_PUBLISHED
from anju_kit.settings import ServiceSettings
from anju_kit.state_changes import apply_changes, changes
from anju_kit.upcasting import SCHEMA_VERSION_FIELD, StateSchema

log = get_logger(__name__)

Doc = dict[str, Any]


def connect(settings: ServiceSettings, **options: Any) -> AsyncMongoClient[Doc]:
    defaults: dict[str, Any] = {
        "serverSelectionTimeoutMS": 5_000,
        "tz_aware": True,
        "appname": settings.client_id,
        "retryWrites": False,  # FerretDB v1 does not implement retryable writes; ids make ours safe
    }
    return AsyncMongoClient(settings.mongo_url, **(defaults | options))


def database(client: AsyncMongoClient[Doc], settings: ServiceSettings) -> AsyncDatabase[Doc]:
    return client[settings.mongo_db]


class VersionConflict(Exception):
    """Another writer changed the document since it was read (compare-and-set failed)."""

    def __init__(self, doc_id: str, expected_version: int) -> None:
        super().__init__(f"{doc_id}: expected version {expected_version}, found another")
        self.doc_id = doc_id
        self.expected_version = expected_version


class AlreadyExists(Exception):
    def __init__(self, doc_id: str) -> None:
        super().__init__(f"{doc_id} already exists")
        self.doc_id = doc_id


class NotFound(Exception):
    def __init__(self, doc_id: str) -> None:
        super().__init__(f"{doc_id} not found")
        self.doc_id = doc_id


@dataclass(frozen=True)
class OutgoingEvent:
    """An event waiting in a document's outbox."""

    topic: str
    envelope: Envelope

    def to_doc(self) -> Doc:
        return {
            "event_id": str(self.envelope.event_id),
            "topic": self.topic,
            "envelope": self.envelope.model_dump_json(),
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> OutgoingEvent:
        return cls(topic=doc["topic"], envelope=Envelope.model_validate_json(doc["envelope"]))


@dataclass(frozen=True)
class HistoryEntry:
    """One change of an aggregate, attributable to an actor (XC-04)."""

    action: str
    actor: Actor
    at: datetime
    details: Mapping[str, Any] = field(default_factory=dict)
    caused_by: str | None = None  # event_id of the command that made the change

    def to_doc(self, version: int) -> Doc:
        return {
            "version": version,
            "action": self.action,
            "actor": self.actor.model_dump(mode="json"),
            "at": self.at,
            "details": dict(self.details),
            "caused_by": self.caused_by,
        }


@dataclass(frozen=True)
class NewAggregate:
    """One aggregate to create with :meth:`AggregateStore.create_many`."""

    doc_id: str
    state: Mapping[str, Any]
    events: Sequence[OutgoingEvent] = ()
    applied_id: str | None = None
    history: HistoryEntry | None = None


@dataclass(frozen=True)
class CreatedBatch:
    """What :meth:`AggregateStore.create_many` did: the ids created now and the batch's outbox marker."""

    ids: set[str]
    marker: str | None  # None when no created aggregate had events to publish


@dataclass(frozen=True)
class Stored:
    """One aggregate's newest committed version. Its state is decoded (and upcast) when first asked
    for: a reader that already holds that version validated (``AggregateRepository.read``) skips
    decoding a state of hundreds of KB."""

    id: str
    version: int
    applied: frozenset[str]
    decode: Callable[[], Doc] = field(repr=False, compare=False)

    @cached_property
    def state(self) -> Doc:
        return self.decode()


def _now() -> datetime:
    return datetime.now(UTC)


def _log_id(doc_id: str, version: int) -> str:
    return f"{doc_id}@{version}"


_HISTORY_WINDOW = 16  # log entries AggregateStore.history reads concurrently

# Every this many versions a log entry holds the whole state instead of the change: reading an entry
# whose previous state is not at hand (a lost projection, an entry older code wrote) walks back at
# most this far. 64 keeps a risk file of 250 issues (~200 KB) at ~3 KB of log per change on average.
SNAPSHOT_EVERY = 64
_RECENT = 32  # projection documents an AggregateStore keeps of the aggregates it used last


def recorded_events(entry: Mapping[str, Any] | None) -> tuple[Event, ...]:
    """The events a commit-log entry recorded; answers riding in the same outbox entry (``Rejected``)
    are left out."""
    messages = (parse(OutgoingEvent.from_doc(doc).envelope) for doc in (entry or {}).get("events", ()))
    return tuple(m for m in messages if isinstance(m, Event) and not isinstance(m, Rejected))


def compact_json(value: Any) -> str:
    """``value`` as one JSON string to store (a compact state, a change, a view's list): FerretDB converts
    every value of a document, so a structure kept as one string costs one conversion (issue #10)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def state_of(doc: Mapping[str, Any]) -> Doc:
    """The whole state held by a log entry or a projection document, in either storage form."""
    if "state_json" in doc:  # a compact projection
        return dict(json.loads(doc["state_json"]))
    state = doc["state"]
    return dict(json.loads(state)) if isinstance(state, str) else dict(state)


class AggregateStore:
    """One kind of aggregate: a commit log plus a queryable current-state projection.

    With ``queried`` (a few state fields an operator may want to filter on) the store is *compact*: the
    log keeps each state as one JSON string and the projection keeps those fields as a document
    (``state.*``) beside the whole state as a JSON string. The services never query them: every
    question is a read model's, by ``_id`` (issue #10). FerretDB converts every value
    of a document on the way in, so a state stored as one string instead of dozens of values cuts
    its insert cost by about half (measured: 4,700 → 8,400 documents/s with a claim-sized state).
    The state must then be JSON (``model_dump(mode="json")``). Without ``queried`` the state is
    stored as a document in both places.

    ``schema`` is the stored shape of the states (XC-08): its version is stamped on every log entry
    and projection, and states read back are upcast to it (:mod:`anju_kit.upcasting`). Without one,
    the states are version 1 with no upcasters.
    """

    def __init__(
        self,
        collection: AsyncCollection[Doc],
        *,
        queried: Sequence[str] | None = None,
        schema: StateSchema | None = None,
    ) -> None:
        self.collection = collection
        self.log = collection.database[f"{collection.name}_log"]
        self.outbox = collection.database[f"{collection.name}_outbox"]
        self.queried = tuple(queried) if queried is not None else None
        self.schema = schema if schema is not None else StateSchema(collection.name)
        # The newest projection document this process read or wrote, per recent aggregate (compact
        # stores only: their state is one immutable string). A command's read then costs one look-up
        # of the next log entry instead of reading the whole state again (a risk file is hundreds of
        # KB), and its write needs no re-read of the base: a document of version v is the same
        # whoever wrote it, and rolling it forward over the log yields the newest committed version.
        self._recent: OrderedDict[str, Doc] = OrderedDict()

    def current_state(self, doc: Mapping[str, Any]) -> Doc:
        """The state a log entry or projection document holds, in the current schema (upcast if older)."""
        return self.schema.load(doc, state_of(doc), doc_id=doc.get("_id"))

    def _stored_state(self, state: Mapping[str, Any]) -> Any:
        """The state as a log entry holds it."""
        if self.queried is None:
            return dict(state)
        return compact_json(state)

    def _projection(self, entry: Doc, base: Doc | None, state: Mapping[str, Any] | None = None) -> Doc:
        """The projection document after log ``entry``, given the projection ``base`` of the version before.

        ``state`` is the state after ``entry`` in the current schema: the writer has it in hand, and an
        entry that holds a change rather than a state needs it (:meth:`_state_after`)."""
        applied = list(base["_applied"]) if base else []
        # Which version applied each message, so a redelivered command's answer is one read by _id,
        # not a walk back through the log (projections older than this field fall back to the walk).
        applied_at = list(base.get("_applied_at", ())) if base else []
        if entry.get("applied_id"):
            applied.append(entry["applied_id"])
            applied_at.append({"id": entry["applied_id"], "version": entry["version"]})  # no nested arrays
        doc: Doc = {"_id": entry["aggregate_id"], "version": entry["version"]}
        if "state" not in entry:
            if state is None:  # pragma: no cover - the callers pass the state after a change entry
                raise ValueError(f"{entry['_id']} holds a change: project it with the state after it")
            stored = self._stored_state(state)
        else:
            stored = entry["state"]
        if "state" in entry and self.schema.version_of(entry, doc_id=entry["_id"]) != self.schema.version:
            # An entry older code wrote: the projection holds it upcast, so queries and reads see the
            # current shape (a newer entry raises StateTooNew: this code cannot project it).
            stored = self._stored_state(self.current_state(entry))
        if self.queried is None:
            doc["state"] = stored
        else:
            held: Mapping[str, Any] = {}
            if self.queried:  # decode a large state only to pick fields out of it
                held = state if state is not None else json.loads(stored) if isinstance(stored, str) else stored
            doc["state"] = {name: held[name] for name in self.queried if name in held}
            doc["state_json"] = stored if isinstance(stored, str) else self._stored_state(stored)
        doc[SCHEMA_VERSION_FIELD] = self.schema.version
        return doc | {
            "_applied": applied,
            "_applied_at": applied_at,
            "created_at": base["created_at"] if base else entry["at"],
            "updated_at": entry["at"],
        }

    async def ensure_indexes(self) -> None:
        await self.log.create_index([("aggregate_id", ASCENDING), ("version", ASCENDING)])
        await self.outbox.create_index([("at", ASCENDING)])

    # -- reading --------------------------------------------------------------------------------
    async def get(self, doc_id: str) -> Stored | None:
        doc = await self._current(doc_id)
        if doc is None:
            return None
        return self._stored(doc_id, doc)

    def _stored(self, doc_id: str, doc: Doc) -> Stored:
        self.schema.check_readable(doc, doc_id=doc_id)
        return Stored(doc_id, doc["version"], frozenset(doc["_applied"]), decode=lambda: self.current_state(doc))

    async def projected(self, doc_id: str) -> Stored | None:
        """The state as last projected, one read by ``_id``: it may trail the log by a commit whose
        projection write is in flight or was lost. For lists that say how fresh they are (a read
        model's ``as_of``), not for deciding a command — that is :meth:`get`."""
        doc = await self.collection.find_one({"_id": doc_id})
        if doc is None:
            return await self.get(doc_id)  # created but not yet projected: the log has it
        return self._stored(doc_id, doc)

    async def _current(self, doc_id: str) -> Doc | None:
        """The projection document of the newest committed version (written back if it lagged)."""
        doc = self._recent.get(doc_id) or await self.collection.find_one({"_id": doc_id})
        if doc is None:
            first = await self.log.find_one({"_id": _log_id(doc_id, 1)})
            if first is None:
                return None
            return self._remember(await self._project(first, base=None))
        # Roll forward over entries whose projection write was lost (crash), is still in flight, or
        # was overwritten by an older write that has not re-checked the log yet — or, for a document
        # remembered, that another writer (another instance) committed since.
        return self._remember(await self._roll_forward(doc))

    def _remember(self, doc: Doc) -> Doc:
        if self.queried is not None:
            self._recent[doc["_id"]] = doc
            self._recent.move_to_end(doc["_id"])
            while len(self._recent) > _RECENT:
                self._recent.popitem(last=False)
        return doc

    async def history(self, doc_id: str) -> list[Doc]:
        """The append-only history of one aggregate, oldest first (XC-04).

        Reads the log entries ``<id>@1``, ``<id>@2``, … by ``_id`` (a query by ``aggregate_id`` would
        scan the whole log on FerretDB), a window of them concurrently, up to the first missing one:
        the log of an aggregate is contiguous from version 1, because entry ``v + 1`` is inserted only
        by a writer that read version ``v``.
        """
        entries: list[Doc] = []
        version = 1
        while True:
            window = await asyncio.gather(
                *(
                    self.log.find_one({"_id": _log_id(doc_id, v)}, {"history": 1, "version": 1})
                    for v in range(version, version + _HISTORY_WINDOW)
                )
            )
            for entry in window:
                if entry is None:
                    return [e["history"] | {"version": e["version"]} for e in entries if e.get("history")]
                entries.append(entry)
            version += _HISTORY_WINDOW

    async def applied_entry(self, doc_id: str, applied_id: str) -> Doc | None:
        """The log entry that applied the message ``applied_id`` to ``doc_id``, if any.

        Walks the log back from the newest version by ``_id`` (no scan of the log); the projection's
        ``_applied`` list answers "not applied" without reading the log at all. The entry is returned
        as stored: read its state with :meth:`current_state`, which upcasts it.
        """
        current = await self._current(doc_id)
        if current is None or applied_id not in current["_applied"]:
            return None
        known = [at["version"] for at in current.get("_applied_at", ()) if at["id"] == applied_id]
        for version in reversed(known) if known else range(current["version"], 0, -1):
            entry = await self.log.find_one({"_id": _log_id(doc_id, version)})
            if entry is not None and entry.get("applied_id") == applied_id:
                return await self._with_state(entry)
        return None

    async def _with_state(self, entry: Doc) -> Doc:
        """``entry`` holding the state after it (in the current schema) where it holds a change."""
        if "change" not in entry:
            return entry
        state = await self._state_at(entry["aggregate_id"], entry["version"], self.schema.version)
        held = {key: value for key, value in entry.items() if key != "change"}
        return held | {"state": self._stored_state(state), SCHEMA_VERSION_FIELD: self.schema.version}

    async def _state_after(self, entry: Doc, base: Doc | None) -> Doc | None:
        """The state after log ``entry`` in the current schema, when the entry holds a change (``None``
        when it holds its state). ``base``, the projection of the version before, is what the change
        applies to (left as it is). Without a fitting base the log is walked back to a state."""
        if "change" not in entry:
            return None
        version = self.schema.version_of(entry, doc_id=entry["_id"])
        base_version = self.schema.version_of(base, doc_id=base["_id"]) if base is not None else None
        if base is not None and base_version is not None and base["version"] == entry["version"] - 1:
            if base_version <= version:
                # A compact document's state is decoded afresh; a document's (stored before the store
                # was compact) is copied, since the change is applied in place.
                held = state_of(base) if "state_json" in base else copy.deepcopy(state_of(base))
                previous = self.schema.upcast(held, base_version, doc_id=entry["_id"], to=version)
            else:  # projected by newer code than the entry's writer: read the older shape from the log
                previous = await self._state_at(entry["aggregate_id"], entry["version"] - 1, version)
        else:
            previous = await self._state_at(entry["aggregate_id"], entry["version"] - 1, version)
        state = apply_changes(previous, json.loads(entry["change"]))
        return self.schema.upcast(state, version, doc_id=entry["_id"])

    async def _state_at(self, doc_id: str, version: int, schema_version: int) -> Doc:
        """The state of ``doc_id`` at ``version``, in schema ``schema_version``, from the log alone: back
        to the nearest entry holding a state (at most :data:`SNAPSHOT_EVERY` reads by ``_id``), then
        its changes forward, each applied in the schema its writer made it against."""
        changed: list[Doc] = []
        while (entry := await self.log.find_one({"_id": _log_id(doc_id, version)})) is not None and "change" in entry:
            changed.append(entry)
            version -= 1
        if entry is None:
            raise NotFound(_log_id(doc_id, version))
        held = self.schema.version_of(entry, doc_id=entry["_id"])
        state = state_of(entry)
        for later in reversed(changed):
            made_in = self.schema.version_of(later, doc_id=later["_id"])
            state = self.schema.upcast(state, held, doc_id=later["_id"], to=made_in)
            state = apply_changes(state, json.loads(later["change"]))
            held = made_in
        return self.schema.upcast(state, held, doc_id=doc_id, to=schema_version)

    async def applied_events(self, doc_id: str, applied_id: str) -> tuple[Event, ...]:
        """The events the change that applied ``applied_id`` recorded (to answer a redelivery alike)."""
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
        try:
            await self._commit(doc_id, 1, state, events, applied_id, history, base=None)
        except VersionConflict as exc:
            raise AlreadyExists(doc_id) from exc
        return 1

    async def create_many(
        self,
        items: Sequence[NewAggregate],
        *,
        after_commit: Callable[[CreatedBatch], Awaitable[None]] | None = None,
    ) -> CreatedBatch:
        """Create many aggregates in three round trips (outbox marker, log, projection).

        Ids that already existed (a redelivered batch) are skipped, not errors: creation commands
        carry deterministic ids, so "exists" means "already applied". The whole batch shares one
        outbox marker, which lists its log entries: publish the events with
        :meth:`OutboxRelay.flush_created`, which drops that marker — as ``after_commit``, it runs
        while the projection is written.
        """
        if not items:
            return CreatedBatch(set(), None)
        now = _now()
        entries = [
            {
                "_id": _log_id(item.doc_id, 1),
                "aggregate_id": item.doc_id,
                "version": 1,
                "state": self._stored_state(item.state),
                SCHEMA_VERSION_FIELD: self.schema.version,
                "applied_id": item.applied_id,
                "events": [e.to_doc() for e in item.events],
                "history": item.history.to_doc(1) if item.history else None,
                "at": now,
            }
            for item in items
        ]
        created = {item.doc_id for item in items}
        pending = [e["_id"] for e in entries if e["events"]]
        marker = f"batch:{pending[0]}" if pending else None
        if marker is not None:
            # One marker for the batch (a marker per entry would double the documents written).
            with contextlib.suppress(DuplicateKeyError):  # the same batch redelivered
                await self.outbox.insert_one({"_id": marker, "entries": pending, "aggregate_id": None, "at": now})
        try:
            await self.log.insert_many(entries, ordered=False)
        except BulkWriteError as exc:
            for error in exc.details.get("writeErrors", []):
                if error.get("code") != 11000:  # anything but a duplicate key is a real failure
                    raise
                created.discard(entries[error["index"]]["aggregate_id"])
        projections = [self._projection(e, None) for e in entries if e["aggregate_id"] in created]
        batch = CreatedBatch(created, marker)

        async def project() -> None:
            if projections:
                with contextlib.suppress(BulkWriteError):  # a projection written by a roll-forward already
                    await self.collection.insert_many(projections, ordered=False)

        if after_commit is None:
            await project()
        else:
            # Committed (the log holds every entry): publishing need not wait for the projection,
            # which only serves queries — get() reads the log itself when a projection is missing.
            await asyncio.gather(project(), after_commit(batch))
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
        base = self._recent.get(doc_id)
        if base is None or base["version"] != expected_version:
            base = await self.collection.find_one({"_id": doc_id})
        if base is None or base["version"] != expected_version:
            # The projection may lag (or briefly show an older version, see _project): the log decides.
            # The base is the rolled-forward document itself, not a re-read of the projection, which
            # could meanwhile show another version again.
            base = await self._current(doc_id)
            if base is None:
                raise NotFound(doc_id)
            if base["version"] != expected_version:
                raise VersionConflict(doc_id, expected_version)
        new_version = expected_version + 1
        await self._commit(doc_id, new_version, state, events, applied_id, history, base=base)
        return new_version

    async def _commit(
        self,
        doc_id: str,
        version: int,
        state: Mapping[str, Any],
        events: Sequence[OutgoingEvent],
        applied_id: str | None,
        history: HistoryEntry | None,
        *,
        base: Doc | None,
    ) -> None:
        now = _now()
        entry: Doc = {
            "_id": _log_id(doc_id, version),
            "aggregate_id": doc_id,
            "version": version,
            **self._recorded(version, state, base),
            SCHEMA_VERSION_FIELD: self.schema.version,
            "applied_id": applied_id,
            "events": [e.to_doc() for e in events],
            "history": history.to_doc(version) if history else None,
            "at": now,
        }
        if events:
            await self._mark_pending([entry])
        try:
            await self.log.insert_one(entry)  # the compare-and-set
        except DuplicateKeyError as exc:
            raise VersionConflict(doc_id, version - 1) from exc
        self._remember(await self._project(entry, base=base, state=state))

    def _recorded(self, version: int, state: Mapping[str, Any], base: Doc | None) -> Doc:
        """What a log entry keeps of the state: the change from ``base`` (the projection of the version
        before), or the state itself — at version 1, every :data:`SNAPSHOT_EVERY` versions, when the
        base was stored in an older schema (the change is made against the current one), and always
        for a store of document states, which need not be JSON."""
        if (
            self.queried is None
            or base is None
            or version % SNAPSHOT_EVERY == 0
            or base["version"] != version - 1
            or self.schema.version_of(base, doc_id=base["_id"]) != self.schema.version
        ):
            return {"state": self._stored_state(state)}
        change = changes(state_of(base), state)
        return {"change": compact_json(change)}

    async def _project(self, entry: Doc, *, base: Doc | None, state: Mapping[str, Any] | None = None) -> Doc:
        """Write the state after ``entry`` into the projection, then roll forward over newer entries.

        ``base`` is the projection of the version before ``entry`` (``None`` for version 1); the
        applied-message ids chain through it. Returns the projection of the newest version seen.

        The write is a plain replace by ``_id`` (a ``version`` guard in the filter would make FerretDB
        scan the whole collection), so an older write may land after a newer one. The projection
        still ends at the newest committed version ``N``, because every projection write is followed
        by a look-up of the next log entry by the same writer:

        * every entry ``v <= N`` is in the log before the writer of ``N`` writes the projection of
          ``N`` (it inserts its log entry before projecting, and entry ``v`` is inserted only by a
          writer that read version ``v - 1``, so entries are inserted in version order);
        * so the last projection write of all happens no earlier than that write; if it wrote some
          ``k < N``, its writer then finds entry ``k + 1`` in the log and writes again — so the last
          write cannot be of ``k < N``. Hence it is of ``N``.

        Inserts of version 1 (here and in :meth:`AggregateStore.create_many`) never overwrite, and one
        can succeed only while no projection exists, i.e. before any writer of version 2 read version
        1, so they are never the stale last write. A writer that dies between its write and its
        look-up can leave the projection behind (as a writer dying before projecting always could);
        :meth:`get` and :meth:`update` roll forward from the log, queries see it after the next write.
        """
        doc = self._projection(entry, base, state)
        if base is not None:
            await self._replace(doc)
            return await self._roll_forward(doc)
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError:
            # Projected already by someone else, whose writer rolls forward; continue from theirs.
            existing = await self.collection.find_one({"_id": doc["_id"]})
            if existing is None:  # pragma: no cover - projections are never deleted
                await self._replace(doc)
            else:
                doc = existing
        return await self._roll_forward(doc)

    async def _roll_forward(self, doc: Doc) -> Doc:
        """Project each log entry after ``doc``'s version, by ``_id``, until there is none."""
        while (entry := await self.log.find_one({"_id": _log_id(doc["_id"], doc["version"] + 1)})) is not None:
            doc = self._projection(entry, doc, await self._state_after(entry, doc))
            await self._replace(doc)
        return doc

    async def _replace(self, doc: Doc) -> None:
        try:
            await self.collection.replace_one({"_id": doc["_id"]}, doc, upsert=True)
        except DuplicateKeyError:  # a concurrent upsert inserted it first: now it exists, replace it
            await self.collection.replace_one({"_id": doc["_id"]}, doc)

    # -- outbox ---------------------------------------------------------------------------------
    async def _mark_pending(self, entries: Sequence[Doc]) -> None:
        markers = [{"_id": e["_id"], "aggregate_id": e["aggregate_id"], "at": e["at"]} for e in entries]
        if not markers:
            return
        # A duplicate marker means a concurrent writer of the same version: the log insert decides.
        with contextlib.suppress(BulkWriteError):
            await self.outbox.insert_many(markers, ordered=False)

    async def unpublished(
        self, doc_id: str | None = None, *, older_than: datetime | None = None, limit: int = 100
    ) -> list[Doc]:
        """Log entries with events not yet published (reads the small outbox, then the log by _id)."""
        query: Doc = {}
        if doc_id is not None:
            query["aggregate_id"] = doc_id
        if older_than is not None:
            query["at"] = {"$lte": older_than}
        markers = [m async for m in self.outbox.find(query).sort("at", ASCENDING).limit(limit)]
        entries: list[Doc] = []
        for marker in markers:
            found = []
            for entry_id in marker.get("entries") or [marker["_id"]]:  # a batch marker lists its entries
                entry = await self.log.find_one({"_id": entry_id}, {"events": 1, "aggregate_id": 1, "version": 1})
                if entry is not None:
                    found.append(entry | {"_marker": marker["_id"]})
            if found:
                entries += found
            elif older_than is not None:  # the commit never happened; only the sweep may judge that
                await self.outbox.delete_one({"_id": marker["_id"]})
        return entries

    async def pending_outbox(self, doc_id: str) -> list[OutgoingEvent]:
        return [OutgoingEvent.from_doc(e) for entry in await self.unpublished(doc_id) for e in entry["events"]]

    async def mark_published(self, *entry_ids: str) -> None:
        if len(entry_ids) == 1:
            await self.outbox.delete_one({"_id": entry_ids[0]})
        elif entry_ids:
            await self.outbox.delete_many({"_id": {"$in": list(entry_ids)}})


class Inbox:
    """Ids of messages already processed, for handlers that are not naturally idempotent."""

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self.collection = collection

    async def seen(self, event_id: str) -> bool:
        return await self.collection.count_documents({"_id": event_id}, limit=1) > 0

    async def record(self, event_id: str, **info: Any) -> bool:
        """True when recorded now, False when it was already there."""
        try:
            await self.collection.insert_one({"_id": event_id, "at": _now(), **info})
        except DuplicateKeyError:
            return False
        return True


class OutboxRelay:
    """Publishes the events of committed log entries; flags them only after Kafka acknowledged.

    Handlers call :meth:`flush` right after a save so events leave at once; the background
    :meth:`run` loop sweeps entries whose publish was interrupted (crash, broker outage) once they
    are older than ``grace``. Publishing is at-least-once: consumers deduplicate on ``event_id``.
    """

    def __init__(
        self,
        stores: Sequence[AggregateStore],
        publish_many: Callable[[Sequence[tuple[str, Envelope]]], Awaitable[None]],
        *,
        grace: timedelta = timedelta(seconds=5),
        interval_s: float = 1.0,
        batch: int = 100,
    ) -> None:
        self._stores = stores  # the caller may add stores after construction
        self._publish_many = publish_many
        self._grace = grace
        self._interval_s = interval_s
        self._batch = batch
        self._stopping = asyncio.Event()

    async def _publish_entries(self, store: AggregateStore, entries: Sequence[Doc], *, path: str) -> int:
        items = [(e.topic, e.envelope) for entry in entries for e in map(OutgoingEvent.from_doc, entry["events"])]
        if items:
            await self._publish_many(items)
        markers: dict[str, None] = dict.fromkeys(str(entry.get("_marker", entry["_id"])) for entry in entries)
        await store.mark_published(*markers)
        OUTBOX_PUBLISHED.labels(path=path).inc(len(items))
        return len(items)

    async def flush(self, store: AggregateStore, doc_id: str) -> int:
        return await self._publish_entries(store, await store.unpublished(doc_id), path="flush")

    async def flush_created(self, store: AggregateStore, items: Sequence[NewAggregate], batch: CreatedBatch) -> int:
        """Publish the events of the aggregates ``batch`` created now (the envelopes as they are, not
        re-read from the log), then drop the batch's outbox marker."""
        published = [(e.topic, e.envelope) for item in items if item.doc_id in batch.ids for e in item.events]
        if published:
            await self._publish_many(published)
        if batch.marker is not None:
            await store.mark_published(batch.marker)
        OUTBOX_PUBLISHED.labels(path="flush").inc(len(published))
        return len(published)

    async def sweep_once(self, *, older_than: timedelta | None = None) -> int:
        cutoff = _now() - (self._grace if older_than is None else older_than)
        published = 0
        for store in self._stores:
            entries = await store.unpublished(older_than=cutoff, limit=self._batch)
            OUTBOX_PENDING.set(len(entries))
            published += await self._publish_entries(store, entries, path="sweep")
        if published:
            log.info("outbox.relayed", events=published)
        return published

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.sweep_once()
            except Exception as exc:  # keep relaying after an outage; the next sweep retries
                log.warning("outbox.sweep_failed", error=str(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval_s)

    def stop(self) -> None:
        self._stopping.set()
