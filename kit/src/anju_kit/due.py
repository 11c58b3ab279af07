"""Due timers that fire exactly once across instances (XC-02): the due view and the overdue sweeper.

An aggregate's state (kept on the kit's :class:`~anju_kit.mongo.AggregateStore`) says when it must be
looked at next (``anju_kit.deadlines.next_due_at``). FerretDB answers only ``_id`` look-ups without
scanning, so "what is due now" cannot be a query over the ever-growing aggregates, nor over any
collection of entries that grows with the city:

* each opened obligation (``<service>.ObligationOpened``) is folded into the document of the hour it
  falls due in (:class:`DueHours`, one writer per hour, kit.views), and the sweeper reads the
  documents of the last hours by ``_id`` (:class:`DueHoursEntries`);
* the sweeper (:func:`sweep_overdue`) takes the entries due now, loads each aggregate by ``_id`` and
  hands it to the owning service's ``fire`` callback, which asks the aggregate's pure domain for its
  overdue events and saves them with the aggregate's compare-and-set (the commit log's insert). Of
  any number of sweepers that fire the same deadline, one insert wins; the others get
  :class:`~anju_kit.mongo.VersionConflict` and, on the next round, load a state in which the deadline
  is already reported, so nothing fires twice;
* a met or cancelled obligation costs the sweeper one look at an aggregate with nothing overdue.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from anju_contracts import Envelope
from anju_contracts.base import Event
from anju_contracts.common import ObligationKind, ObligationOpened
from anju_kit.clock import SHANGHAI
from anju_kit.logging import get_logger
from anju_kit.mongo import Doc, VersionConflict
from anju_kit.ports import ViewReads
from anju_kit.views import Docs, View

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


def due_hour(at: datetime) -> str:
    """The due view's document of an instant: its hour in Asia/Shanghai (``YYYY-MM-DDTHH``)."""
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H")


class DueHours(View):
    """Opened obligations by the hour they fall due in (``<service>.due``); windows never fall due.

    An obligation opened already past due (a step recorded late) is filed under the hour it was opened
    in, so the sweeper, which looks back a fixed number of hours, still sees it.

    An hour's entries are bounded documents: the hour's own (``<hour>``) holds the first ``page_size``
    and counts the further pages (``<hour>|1``, ``<hour>|2``, …) the rest fill in turn. A legal deadline
    ends at 24:00 of its last day, so a whole day's obligations share one hour: a seeded city's 11,500
    rectifications due the same day made a 2 MB document, rewritten with every batch (issue #10).
    ``aggregate_of`` names what the sweeper loads for an entry (the obligation's subject, by default)."""

    page_size = 500  # entries of a document: ~90 KB

    def __init__(self, service: str, source: str) -> None:
        self.name = f"{service}.due"
        self.sources = (source,)

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        if not isinstance(event, ObligationOpened) or event.kind is not ObligationKind.OBLIGATION:
            return []
        return [due_hour(max(event.due_at, envelope.occurred_at))]

    def aggregate_of(self, envelope: Envelope, event: ObligationOpened) -> str:
        """The aggregate whose state says whether the obligation is overdue."""
        return event.subject.id

    def reads_after(self, key: str, event: Event, read: Callable[[str], Doc | None]) -> Iterable[str]:
        head = read(key) or {"entries": []}
        pages = int(head.get(PAGES, 0))
        if not pages and len(head["entries"]) < self.page_size:
            return []
        return [page_id(key, max(pages, 1)), page_id(key, max(pages, 1) + 1)]

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, ObligationOpened)
        head = await docs.get(key) or {"entries": []}
        if _holds(head, event.obligation_id):
            return
        entry = {
            "id": event.obligation_id,
            "aggregate_id": self.aggregate_of(envelope, event),
            "due_at": event.due_at.isoformat(),
            "noted_at": envelope.occurred_at.isoformat(),
        }
        pages = int(head.get(PAGES, 0))
        if not pages and len(head["entries"]) < self.page_size:
            docs.put(key, {**head, "entries": [*head["entries"], entry]})
            return
        number = max(pages, 1)
        page = await docs.get(page_id(key, number)) or {"entries": []}
        if len(page["entries"]) >= self.page_size and not _holds(page, event.obligation_id):
            number += 1
            page = await docs.get(page_id(key, number)) or {"entries": []}
        if not _holds(page, event.obligation_id):  # it may be, folded before a crash took the head's write
            docs.put(page_id(key, number), {**page, "entries": [*page["entries"], entry]})
        if number != pages:
            docs.put(key, {**head, PAGES: number})


PAGES = "pages"  # the head's count of further pages


def page_id(hour: str, number: int) -> str:
    """The ``number``-th further page of an hour's entries (the hour's own document is the first)."""
    return f"{hour}|{number}"


def _holds(doc: Doc, obligation_id: str) -> bool:
    return any(e["id"] == obligation_id for e in doc["entries"])


class DueHoursEntries:
    """The :class:`DueEntries` of a :class:`DueHours` view: the last ``lookback`` hours, read by ``_id``.

    ``lookback`` bounds how long the view may trail its events (or the sweeper may be down) before a
    deadline is missed; the first sweep of a process looks back ``first_lookback``."""

    def __init__(
        self,
        store: ViewReads,
        *,
        lookback: timedelta = timedelta(hours=48),
        first_lookback: timedelta = timedelta(days=30),
    ) -> None:
        self.store = store
        self.lookback = lookback
        self.first_lookback = max(first_lookback, lookback)
        self._looked_at: dict[str, str] = {}  # entry id -> its hour, pruned as hours leave the window
        self._started = False

    async def due(self, now: datetime, *, limit: int = 100) -> list[DueEntry]:
        back = self.lookback if self._started else self.first_lookback
        self._started = True
        oldest = due_hour(now - back)
        self._looked_at = {e: h for e, h in self._looked_at.items() if h >= oldest}
        found: list[DueEntry] = []
        hour = (now - back).astimezone(SHANGHAI).replace(minute=0, second=0, microsecond=0)
        while hour <= now and len(found) < limit:
            key = due_hour(hour)
            for entry in await self._entries(key):
                due_at = datetime.fromisoformat(entry["due_at"])
                if due_at <= now and entry["id"] not in self._looked_at and len(found) < limit:
                    noted = datetime.fromisoformat(entry["noted_at"])
                    found.append(DueEntry(f"{key}|{entry['id']}", entry["aggregate_id"], 0, due_at, noted))
            hour += timedelta(hours=1)
        return found

    async def _entries(self, hour: str) -> list[dict[str, Any]]:
        """An hour's entries: its own document's, then its further pages'."""
        head = await self.store.get(hour) or {}
        entries: list[dict[str, Any]] = list(head.get("entries", []))
        for number in range(1, int(head.get(PAGES, 0)) + 1):
            entries += (await self.store.get(page_id(hour, number)) or {}).get("entries", [])
        return entries

    async def drop(self, entry_id: str) -> None:
        hour, _, ident = entry_id.partition("|")
        self._looked_at[ident] = hour
