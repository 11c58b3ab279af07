"""Read models keyed by the question: every list or count a page or an integrator asks for is a few
documents read by ``_id``, each kept by exactly one writer.

The local store (FerretDB v1) answers only exact ``_id`` look-ups without scanning, and applies no
conditional update atomically (ARCHITECTURE.md). So a question is not a query: it is a document made
for it (an owner's claims, an insurer's open claims due on a day, a region's counts for a month),
folded from the events that change it. Two hops make each document's writer unique:

    source events (keyed by aggregate) ── router ──▶ <service>.views topic, keyed by the *question*
    (``view|partition key``) ── writer ──▶ the view's documents

Kafka gives each partition of the views topic to one consumer of the writer group, and one partition
key always lands on one partition: every document under a partition key has one writer, in order, and
needs no atomic update. The router (any instance, any number) only re-keys.

A redelivered change is skipped by position: the partition key's head document (``_id`` = the key)
remembers, per source topic and partition, the last offset it folded. Folds keep items by id (set
semantics), so a crash between a fold's data documents and its head re-applies harmlessly.

Freshness: every document carries ``_as_of`` (event id and time of the last change folded), which a
read answers with. Rebuild (shape changed, or repair): ``python -m anju_kit.views rebuild`` bumps the
view's generation; a new generation is a new collection, and the service's router group changes with it,
so it reads the source topics again from their first retained event (events topics keep everything,
XC-08) while the other views skip what they folded already.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import Field
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from anju_contracts import Envelope, RecordRef
from anju_contracts.base import Event, Message
from anju_contracts.catalog import parse
from anju_kit.auth import service_actor
from anju_kit.kafka import Inbound, publish_many, reliable_batch_subscriber
from anju_kit.logging import get_logger
from anju_kit.mongo import Doc, compact_json
from anju_kit.pipeline import event_sender
from anju_kit.settings import ServiceSettings

log = get_logger(__name__)

HEAD = "_head"  # field of a partition key's head document: last folded offset per source partition
AS_OF = "_as_of"
CONTROL = "views_control"  # one document per view: its current generation
WRITE_CONCURRENCY = 16  # documents read or written at once by a writer batch (FerretDB gains little more)


class ViewChange(Message):
    """An event re-keyed for one view's writer (internal to a service; not an integration contract)."""

    TYPE: ClassVar[str] = "kit.ViewChange"

    view: str
    generation: int = Field(ge=1)
    key: str
    source: RecordRef
    event: dict[str, Any]  # the source envelope, as published


class ViewChanges(Message):
    """Consecutive changes of one view's partition key, re-keyed together: one record (one signature,
    one verification, one door) instead of one each. A batch of 50 risk issues is 50 changes of its
    project's listing and 50 of its agency's; sent one by one, the router was 17.7 % of a busy risk
    process (8.1 % grouped, and parsing each event once)."""

    TYPE: ClassVar[str] = "kit.ViewChanges"

    changes: list[ViewChange] = Field(min_length=1)


GROUP_CHANGES = 50  # changes of one key in one record at most (a risk batch's issues: 50)


PACKED = ("items", "entries")  # list fields a view's documents keep in the store as one JSON string each
PACKED_SUFFIX = "_json"


def packed(doc: Doc) -> Doc:
    """``doc`` as stored: each list field named in :data:`PACKED` (a listing page's items, a small
    listing's, a due hour's entries) as one JSON string, ``<field>_json``. FerretDB converts every value of
    a document each way: a page of 100 claim summaries (45 KB) read in 24 ms and written in 33 ms as
    fields, in 4.5 and 5.7 ms as one string (issue #10). A view's documents hold JSON values only."""
    stored = doc
    for name in PACKED:
        value = doc.get(name)
        if isinstance(value, list):
            stored = {k: v for k, v in stored.items() if k != name}
            stored[name + PACKED_SUFFIX] = compact_json(value)
    return stored


def unpacked(doc: Doc | None) -> Doc | None:
    """A stored document as folds and readers see it (one written before packing is read as it is)."""
    if doc is None:
        return None
    for name in PACKED:
        text = doc.get(name + PACKED_SUFFIX)
        if isinstance(text, str):
            doc = {k: v for k, v in doc.items() if k != name + PACKED_SUFFIX}
            doc[name] = json.loads(text)
    return doc


class Docs:
    """The documents of one view a writer batch reads and changes: read once by ``_id``, written once
    (the lists named in :data:`PACKED` stored packed)."""

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._collection = collection
        self._loaded: dict[str, Doc | None] = {}
        self._dirty: set[str] = set()

    async def get(self, doc_id: str) -> Doc | None:
        if doc_id not in self._loaded:
            self._loaded[doc_id] = unpacked(await self._collection.find_one({"_id": doc_id}))
        return self._loaded[doc_id]

    async def load(self, doc_ids: Iterable[str]) -> None:
        """Read several documents at once (``$in`` scans on FerretDB: one ``find_one`` each)."""
        missing = [d for d in dict.fromkeys(doc_ids) if d not in self._loaded]
        limit = asyncio.Semaphore(WRITE_CONCURRENCY)

        async def one(doc_id: str) -> None:
            async with limit:
                self._loaded[doc_id] = unpacked(await self._collection.find_one({"_id": doc_id}))

        await asyncio.gather(*(one(d) for d in missing))

    def peek(self, doc_id: str) -> Doc | None:
        """A document read already (None when absent or not read): for choosing what to read next."""
        return self._loaded.get(doc_id)

    def put(self, doc_id: str, doc: Doc) -> None:
        self._loaded[doc_id] = {**doc, "_id": doc_id}
        self._dirty.add(doc_id)

    def delete(self, doc_id: str) -> None:
        self._loaded[doc_id] = None
        self._dirty.add(doc_id)

    async def write(self, *, heads: Iterable[str] = ()) -> int:
        """Write every changed document: the ``heads`` after all the others (they say what was folded)."""
        limit = asyncio.Semaphore(WRITE_CONCURRENCY)

        async def one(doc_id: str) -> None:
            async with limit:
                doc = self._loaded[doc_id]
                if doc is None:
                    await self._collection.delete_one({"_id": doc_id})
                else:
                    await self._collection.replace_one({"_id": doc_id}, packed(doc), upsert=True)

        last = set(heads) & self._dirty
        await asyncio.gather(*(one(d) for d in self._dirty - last))
        await asyncio.gather(*(one(d) for d in last))
        written = len(self._dirty)
        self._dirty.clear()
        return written


class View(ABC):
    """One question's documents. Subclasses say which events change which partition keys and fold them.

    ``fold`` must keep items by id (re-applying a change leaves the documents as they were) and may
    read and write any document whose ``_id`` starts with its partition key (one writer owns them)."""

    name: str  # e.g. "claims.by_owner"
    version: int = 1  # bump when the documents' shape changes: a new generation is rebuilt
    sources: tuple[str, ...]  # events topics it folds

    @abstractmethod
    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        """The partition keys ``event`` changes (none: the view ignores it)."""

    @abstractmethod
    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        """Apply ``event`` to the documents of partition key ``key``."""

    def reads(self, key: str, event: Event) -> Iterable[str]:
        """The documents ``fold`` will read for ``event`` besides the head ``key``: the writer reads them
        for a whole batch at once (concurrently) instead of one round trip at a time."""
        return ()

    def reads_after(self, key: str, event: Event, read: Callable[[str], Doc | None]) -> Iterable[str]:
        """The documents ``fold`` will read that only what :meth:`reads` named can tell (``read`` gives
        those, and the head): e.g. the page an item's place document points to. Read in a third round,
        a whole batch at once."""
        return ()


def collection_name(view: View | type[View], generation: int) -> str:
    return f"view_{view.name.replace('.', '_')}_v{view.version}_g{generation}"


@dataclass
class ViewStore:
    """A view's documents as readers see them (by ``_id``), at the generation currently served."""

    db: AsyncDatabase[Doc]
    view: View
    generation: int = 1

    @property
    def collection(self) -> AsyncCollection[Doc]:
        return self.db[collection_name(self.view, self.generation)]

    async def get(self, doc_id: str) -> Doc | None:
        return unpacked(await self.collection.find_one({"_id": doc_id}))


@dataclass
class Writer:
    """Folds a batch of view changes (one partition of the views topic, in order) into documents."""

    stores: dict[str, ViewStore]
    folded: int = field(default=0, init=False)

    async def apply(self, changes: Sequence[ViewChange]) -> int:
        """Fold ``changes``; returns how many were new (the others were folded before: skipped)."""
        by_view: dict[str, list[ViewChange]] = {}
        for change in changes:
            store = self.stores.get(change.view)
            if store is None or store.generation != change.generation:
                continue  # a router of another generation (a rebuild under way, or an old instance)
            by_view.setdefault(change.view, []).append(change)
        applied = 0
        for name, items in by_view.items():
            applied += await self._apply_view(self.stores[name], items)
        self.folded += applied
        return applied

    async def _apply_view(self, store: ViewStore, changes: list[ViewChange]) -> int:
        docs = Docs(store.collection)
        parsed: list[tuple[ViewChange, Envelope, Event]] = []
        for change in changes:  # parsed once
            envelope = Envelope.model_validate(change.event)
            event = parse(envelope)
            if isinstance(event, Event):
                parsed.append((change, envelope, event))
        # The heads first (they say what was folded), then what the folds still to do will read: a
        # replay after a rebuild or a crash skips without reading what it would have folded into.
        await docs.load(change.key for change, _, _ in parsed)
        fresh = [(c, e, ev) for c, e, ev in parsed if not _folded(await docs.get(c.key), c.source)]
        await docs.load(d for change, _, event in fresh for d in store.view.reads(change.key, event))
        await docs.load(d for change, _, event in fresh for d in store.view.reads_after(change.key, event, docs.peek))
        applied = 0
        touched: list[str] = []
        for change, envelope, event in fresh:
            head = await docs.get(change.key) or {}
            if _folded(head, change.source):
                continue  # an earlier change of this batch was the same record (a redelivery within it)
            await store.view.fold(docs, change.key, envelope, event)
            head = await docs.get(change.key) or {}
            positions: dict[str, int] = dict(head.get(HEAD, {}))
            positions[_source(change.source)] = change.source.offset
            as_of = {"event_id": str(envelope.event_id), "occurred_at": envelope.occurred_at.isoformat()}
            docs.put(change.key, {**head, HEAD: positions, AS_OF: as_of})
            touched.append(change.key)
            applied += 1
        # Data documents first, heads last: a crash in between re-folds (harmless: folds keep items by id).
        await docs.write(heads=touched)
        return applied


def field_name(text: str) -> str:
    """``text`` (an id, a topic) as a field name the store takes, reversibly: FerretDB refuses a '.' in a
    field name and a leading '$' (MongoDB reads both as paths and operators), and an Identifier may hold
    '.' ("prj.2026.1"), so a fold that keys a map by an id writes it through here. '%' is escaped first,
    so two texts never meet in one name; a text without '.', '$' or '%' is its own name."""
    return text.replace("%", "%25").replace(".", "%2E").replace("$", "%24")


def _source(record: RecordRef) -> str:
    """A source partition as a head's field name (topic names hold '.')."""
    return field_name(f"{record.topic}:{record.partition}")


def _folded(head: Doc | None, record: RecordRef) -> bool:
    """Whether the head's partition key folded ``record`` already (a redelivery, or a router replaying)."""
    return int((head or {}).get(HEAD, {}).get(_source(record), -1)) >= record.offset


def route(
    view: View,
    generation: int,
    envelope: Envelope,
    record: RecordRef,
    *,
    event: Event | None = None,
    published: Callable[[], dict[str, Any]] | None = None,
) -> list[tuple[str, ViewChange]]:
    """The view changes one source event makes, each keyed ``view|partition key`` for the views topic.
    A router routing one event to several views passes it ``event`` (parsed) and ``published`` (the
    envelope as JSON, made once when first asked): parsing and dumping it per view and key was ~5 % of a
    busy risk process."""
    parsed = event if event is not None else parse(envelope)
    if not isinstance(parsed, Event):
        return []
    keys = dict.fromkeys(view.keys(envelope, parsed))
    if not keys:
        return []
    as_published = published() if published is not None else envelope.model_dump(mode="json")
    return [
        (
            f"{view.name}|{key}",
            ViewChange(view=view.name, generation=generation, key=key, source=record, event=as_published),
        )
        for key in keys
    ]


async def current_generation(db: AsyncDatabase[Doc], view: View | type[View]) -> int:
    doc = await db[CONTROL].find_one({"_id": f"{view.name}@v{view.version}"})
    return int((doc or {}).get("generation", 1))


async def bump_generation(db: AsyncDatabase[Doc], view: View | type[View]) -> int:
    """Start a rebuild: the next generation (read, then written by ``_id``; run by one operator)."""
    generation = await current_generation(db, view) + 1
    await db[CONTROL].replace_one({"_id": f"{view.name}@v{view.version}"}, {"generation": generation}, upsert=True)
    return generation


# -- wiring: routers and the writer on a service ------------------------------------------------------


def view_groups(
    settings: ServiceSettings, views: Iterable[View | type[View]], generations: Mapping[str, int] | None = None
) -> tuple[str, str]:
    """The consumer groups of a service's views at these generations: (router, writer). The router's name
    changes with any view's version or generation (a rebuild reads the sources again from the start)."""
    generations = generations or {}
    state = ",".join(sorted(f"{v.name}@{v.version}.{generations.get(v.name, 1)}" for v in views))
    digest = hashlib.sha256(state.encode()).hexdigest()[:10]
    service = settings.service
    return (
        str(settings.consumer_group(f"anju-{service}-views-router-{digest}")),
        str(settings.consumer_group(f"anju-{service}-views")),
    )


def views_topic(service: str) -> str:
    """The service's internal topic of re-keyed view changes (not an integration contract)."""
    return f"anju.{service}.views.v1"


def _owner(topic: str) -> str:
    return topic.split(".")[1]  # anju.<service>.events.v1


@dataclass
class ViewSet:
    """A service's views: one router group (re-keying for every view) and one writer group.

    Generations are read at start-up (a rebuild is picked up by restarting the service)."""

    service: Any  # anju_kit.service.ServiceApp (not imported: the service module imports nothing of views)
    views: Sequence[View]
    topic: str = ""  # default: views_topic(service); tests give each run its own
    writer_batch: int = 500
    stores: dict[str, ViewStore] = field(default_factory=dict, init=False)
    writer: Writer | None = field(default=None, init=False)  # this instance's writer, once started

    def __post_init__(self) -> None:
        for view in self.views:
            self.stores[view.name] = ViewStore(self.service.db, view)
        self.topic = self.topic or views_topic(self.service.settings.service)
        self.service.extra_topics += [self.topic, f"{self.topic}.dlq"]
        self.service.on_startup(self._subscribe)

    def store(self, name: str) -> ViewStore:
        return self.stores[name]

    def router_group(self, generations: Mapping[str, int] | None = None) -> str:
        """The one router group of the service's views at these generations (default: all first).

        One group re-keys for every view: a rebuilt view (a new generation) starts a new group from the
        first retained event, and the views that were not rebuilt skip what they folded (by position)."""
        return view_groups(self.service.settings, self.views, generations)[0]

    @property
    def writer_group(self) -> str:
        return view_groups(self.service.settings, self.views)[1]

    async def _subscribe(self) -> None:
        service = self.service
        settings = service.settings
        me, topic = settings.service, self.topic
        common: dict[str, Any] = {
            "service": me,
            "answer": service.rejector,
            "max_bytes": settings.kafka_max_message_bytes,
        }
        for view in self.views:
            self.stores[view.name].generation = await current_generation(service.db, view)
        group = self.router_group({name: store.generation for name, store in self.stores.items()})
        for source in dict.fromkeys(s for view in self.views for s in view.sources):
            routed = [view for view in self.views if source in view.sources]

            async def reroute_batch(inbounds: list[Inbound], routed: Sequence[View] = routed) -> None:
                """Re-keys source events for the views' writer (a batch at once: one publish, one commit),
                a key's consecutive changes in one record (:class:`ViewChanges`)."""
                grouped: dict[str, list[tuple[ViewChange, int]]] = {}
                for inbound in inbounds:
                    event = parse(inbound.envelope)  # once, whatever the number of views
                    if not isinstance(event, Event):
                        continue
                    # the envelope as JSON: made once, and only if a view takes the event
                    published = functools.cache(functools.partial(inbound.envelope.model_dump, mode="json"))
                    for view in routed:
                        generation = self.stores[view.name].generation
                        for key, change in route(
                            view, generation, inbound.envelope, inbound.record, event=event, published=published
                        ):
                            grouped.setdefault(key, []).append((change, inbound.size))
                budget = settings.kafka_max_message_bytes // 2  # the envelope around them, the JSON's growth
                records = [
                    (topic, _wrap_group(group, settings.region, me))
                    for changes in grouped.values()
                    for group in _groups(changes, budget)
                ]
                if records:
                    await publish_many(service.broker, records)

            async def reroute(inbound: Inbound, routed: Sequence[View] = routed) -> None:
                await reroute_batch([inbound], routed)

            reliable_batch_subscriber(
                service.broker,
                source,
                group_id=group,
                authenticate=event_sender(service.tokens, _owner(source)),
                handle_one=reroute,
                max_records=self.writer_batch,
                description=f"Routes {source} to the views {', '.join(v.name for v in routed)}.",
                **common,
            )(reroute_batch)

        writer = self.writer = Writer(self.stores)

        async def write_one(inbound: Inbound) -> None:
            await writer.apply(_changes(inbound.envelope))

        async def write(inbounds: list[Inbound]) -> None:
            """Folds re-keyed changes into the views' documents (one writer per partition key)."""
            await writer.apply([change for inbound in inbounds for change in _changes(inbound.envelope)])

        reliable_batch_subscriber(
            service.broker,
            topic,
            group_id=self.writer_group,
            authenticate=event_sender(service.tokens, me),
            handle_one=write_one,
            max_records=self.writer_batch,
            **common,
        )(write)


def _groups(changes: list[tuple[ViewChange, int]], budget: int) -> Iterable[list[ViewChange]]:
    """One key's changes in order, cut into records of at most :data:`GROUP_CHANGES` changes and about
    ``budget`` bytes of source records (a change is its source envelope and a few names)."""
    group: list[ViewChange] = []
    size = 0
    for change, bytes_ in changes:
        if group and (len(group) >= GROUP_CHANGES or size + bytes_ > budget):
            yield group
            group, size = [], 0
        group.append(change)
        size += bytes_
    if group:
        yield group


def _wrap_group(changes: list[ViewChange], region: str, service: str) -> Envelope:
    first, last = changes[0], changes[-1]
    name = f"{first.view}|{first.generation}|{_at(first.source)}|{_at(last.source)}|{len(changes)}|{first.key}"
    return Envelope.wrap(
        ViewChanges(changes=changes),
        region=region,
        producer=service,
        actor=service_actor(service, region),
        key=f"{first.view}|{first.key}",
        event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"anju:views:{name}"),
    )


def _at(source: RecordRef) -> str:
    return f"{source.topic}|{source.partition}|{source.offset}"


def _changes(envelope: Envelope) -> list[ViewChange]:
    """The changes a views record carries: a group, or one (as routers before groups sent them)."""
    if envelope.type == ViewChanges.TYPE:
        return envelope.payload(ViewChanges).changes
    return [envelope.payload(ViewChange)]


# -- operators: python -m anju_kit.views rebuild <service> <view> ---------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Start the rebuild of a view: its next generation is filled from the first retained event once the
    service's instances restart (they read the generations at start-up); the old generation's documents
    stay until dropped by hand, so a rebuild can be compared or abandoned."""
    import argparse

    from anju_kit.mongo import connect
    from anju_kit.settings import ServiceSettings

    parser = argparse.ArgumentParser(prog="python -m anju_kit.views", description=main.__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    rebuild = commands.add_parser("rebuild", help="bump a view's generation (then restart the service)")
    rebuild.add_argument("service", help="the service that keeps the view, e.g. claims")
    rebuild.add_argument("view", help="the view's name, e.g. claims.by_unit")
    rebuild.add_argument("--version", type=int, default=1, help="the view's shape version in the code (default 1)")
    args = parser.parse_args(argv)

    class Named(View):
        name, version, sources = args.view, args.version, ()

        def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
            return []

        async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
            return None

    async def run() -> int:
        settings = ServiceSettings.for_service(args.service)
        client = connect(settings)
        try:
            generation = await bump_generation(client[settings.mongo_db], Named())
        finally:
            await client.close()
        print(f"{args.view} v{args.version}: generation {generation} in {settings.mongo_db}; restart {args.service}")
        return 0

    return asyncio.run(run())


if __name__ == "__main__":
    raise SystemExit(main())
