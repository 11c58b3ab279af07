"""Seeding the notify bench database in a stream: the documents the views' writer would hold after
folding the records, built and written chunk by chunk, so 1,000,000 obligations seed in ~25 minutes with
bounded memory.

Why not fold with ``MemoryViews``: it deep-copies every document it hands out and takes back, and a fold
reads and rewrites the head and a page of up to 100 summaries, so each record cost milliseconds and grew
with the heads (measured: 5,000 records in 79 s under cProfile, ~80 % of it in ``copy.deepcopy``);
100,000 did not finish in 40 minutes, and every document stayed in memory until the end.

What makes streaming possible: each bench record is folded once (one revision per obligation, none
moves between shelves), so :func:`anju_kit.listing.keep_listed` only ever appends an item to the last
page of its shelf (bucket and tally), starting a new page at ``PAGE_SIZE``. A full page is final and is
written at once; a place document (``L|@<id>``) is final when made; heads and the last, partial pages
are written at the end. ``by_subject`` heads are final when the generator moves to the next subject
(subjects come in order). The listing keys, buckets, tallies and items come from the read models' own
code (``listing``, ``bucket``, ``tally_of``, ``summary``); ``tests/unit/test_notify_bench_seed.py``
checks the documents equal the in-memory fold's for a small count. A view this stream does not build
(debtors, inbox, due) must not be touched by the records: that is checked for every record.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from anju_contracts import Envelope
from anju_contracts import notify as n
from anju_kit.listing import PAGE_SIZE, location_id, page_id
from anju_kit.views import AS_OF, View, collection_name, packed
from anju_notify.read_models import VIEWS, ByDebtor, ByRule, BySubject, ByWeek, summary, tally_of
from tests.bench.notify_data import envelope_of, event_id, obligations

Doc = dict[str, Any]
CHUNK = 1000  # documents per insert_many (never bulk_write: it hangs on FerretDB past ~150 operations)
IN_FLIGHT = 3  # insert_many calls awaited at once: the store works while the next chunk is built
LEDGER = "obligations"


def as_of(record: n.ObligationRecorded) -> Doc:
    """What the writer stamps on a head for the last record folded into it (see ``envelope_of``)."""
    return {"event_id": str(event_id(record)), "occurred_at": record.recorded_at.isoformat()}


@dataclass(frozen=True)
class Folded:
    """What every view's fold takes from one record, computed once (not once per view)."""

    record: n.ObligationRecorded
    tally: str
    summary: Doc
    as_of: Doc

    @classmethod
    def of(cls, record: n.ObligationRecorded) -> Folded:
        return cls(record, tally_of(record), summary(record), as_of(record))

    def entry(self) -> Doc:
        """The item as ``keep_listed`` / ``keep_in_head`` store it (a new dict per view: pages own it)."""
        record = self.record
        return {**self.summary, "id": record.obligation_id, "version": record.revision, "tally": self.tally}


@dataclass
class ListingFold:
    """One listing view (by debtor, rule or week): open pages per shelf, heads' counts, nothing else."""

    view: ByDebtor | ByRule | ByWeek
    open_pages: dict[tuple[str, str, str], list[Doc]] = field(default_factory=dict)
    counts: dict[str, dict[str, dict[str, list[int]]]] = field(default_factory=dict)  # listing: head pages
    last: dict[str, Doc] = field(default_factory=dict)  # listing: _as_of

    def add(self, template: Envelope, folded: Folded) -> Iterator[Doc]:
        record = folded.record
        listing = self.view.listing(template, record)
        if listing is None:
            return
        bucket, tally = self.view.bucket(record), folded.tally
        shelf = self.counts.setdefault(listing, {}).setdefault(bucket, {}).setdefault(tally, [])
        if not shelf or shelf[-1] == PAGE_SIZE:
            shelf.append(0)
        number = len(shelf) - 1
        shelf[number] += 1
        items = self.open_pages.setdefault((listing, bucket, tally), [])
        items.append(folded.entry())
        self.last[listing] = folded.as_of
        yield {
            "_id": location_id(listing, record.obligation_id),
            "at": [bucket, tally, number],
            "from": None,
            "version": record.revision,
        }
        if len(items) == PAGE_SIZE:  # full: never written again
            yield {"_id": page_id(listing, bucket, tally, number), "items": items}
            del self.open_pages[(listing, bucket, tally)]

    def finish(self) -> Iterator[Doc]:
        for (listing, bucket, tally), items in self.open_pages.items():
            number = len(self.counts[listing][bucket][tally]) - 1
            yield {"_id": page_id(listing, bucket, tally, number), "items": items}
        for listing, pages in self.counts.items():  # heads last, as the writer writes them
            yield {"_id": listing, "pages": pages, AS_OF: self.last[listing]}
        self.open_pages.clear()
        self.counts.clear()


@dataclass
class SubjectFold:
    """``notify.by_subject``: one head per subject holding its items; a head is done when the next
    record is about another subject (the generator gives a subject's records one after another; a
    subject seen again would be an error, not a silent overwrite)."""

    view: BySubject
    key: str | None = None
    items: list[Doc] = field(default_factory=list)
    last: Doc = field(default_factory=dict)
    done: set[str] = field(default_factory=set)

    def add(self, template: Envelope, folded: Folded) -> Iterator[Doc]:
        subject = folded.record.subject
        key = f"{subject.kind}:{subject.id}"
        if key != self.key:
            yield from self.finish()
            if key in self.done:
                raise ValueError(f"subject {key} came back after others: the stream needs them in order")
            self.key = key
        self.items.append(folded.entry())
        self.last = folded.as_of

    def finish(self) -> Iterator[Doc]:
        if self.key is not None and self.items:
            yield {"_id": self.key, "items": self.items, AS_OF: self.last}
            self.done.add(self.key)
        self.key, self.items = None, []


Fold = ListingFold | SubjectFold


def folds(views: Iterable[View] = VIEWS) -> tuple[dict[str, Fold], list[View]]:
    """A streamed fold per view it can build, and the views it cannot (which no record may touch)."""
    built: dict[str, Fold] = {}
    untouched: list[View] = []
    for view in views:
        if isinstance(view, ByDebtor | ByRule | ByWeek):
            built[view.name] = ListingFold(view)
        elif isinstance(view, BySubject):
            built[view.name] = SubjectFold(view)
        else:
            untouched.append(view)
    return built, untouched


def stream(count: int, *, slice_size: int = 0) -> Iterator[tuple[str, Doc]]:
    """``(collection, document)`` for the ledger (``obligations``), its first ``slice_size`` records again
    (``obligations_slice``, for the old way's baseline) and every view, at generation 1."""
    built, untouched = folds()
    names = {view.name: collection_name(view, 1) for view in VIEWS}
    template: Envelope | None = None
    for i, record in enumerate(obligations(count)):
        template = template or envelope_of(record)  # the views read only its region
        ledger = {"_id": record.obligation_id, "state": record.model_dump(mode="json")}
        yield LEDGER, ledger
        if i < slice_size:
            yield f"{LEDGER}_slice", ledger
        for view in untouched:
            if list(view.keys(template, record)):
                raise NotImplementedError(f"{view.name} folds the bench's records: the stream does not build it")
        folded = Folded.of(record)
        for name, fold in built.items():
            for doc in fold.add(template, folded):
                yield names[name], packed(doc)
    for name, fold in built.items():
        for doc in fold.finish():
            yield names[name], packed(doc)  # as the writer stores them (anju_kit.views.PACKED)


@dataclass
class Sink:
    """Buffers documents per collection and writes them ``CHUNK`` at a time, ``IN_FLIGHT`` calls at once."""

    db: Any
    buffers: dict[str, list[Doc]] = field(default_factory=dict)
    pending: set[asyncio.Task[Any]] = field(default_factory=set)
    written: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # per collection: time its inserts took (overlapping)

    async def put(self, collection: str, doc: Doc) -> None:
        buffer = self.buffers.setdefault(collection, [])
        buffer.append(doc)
        if len(buffer) >= CHUNK:
            await self._flush(collection)

    async def _flush(self, collection: str) -> None:
        docs = self.buffers.pop(collection, [])
        if not docs:
            return
        while len(self.pending) >= IN_FLIGHT:
            done, self.pending = await asyncio.wait(self.pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # an insert that failed stops the seeding
        self.pending.add(asyncio.create_task(self._insert(collection, docs)))
        self.written += len(docs)
        await asyncio.sleep(0)  # let the task send its request now, not when the next chunk is full

    async def _insert(self, collection: str, docs: list[Doc]) -> None:
        started = time.perf_counter()
        await self.db[collection].insert_many(docs, ordered=False)
        self.seconds[collection] = self.seconds.get(collection, 0.0) + time.perf_counter() - started

    async def close(self) -> None:
        for collection in list(self.buffers):
            await self._flush(collection)
        for task in asyncio.as_completed(self.pending):
            await task
        self.pending.clear()
