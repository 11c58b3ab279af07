"""Listings in bounded pages: a read model's lists (an insurer's claims of a month in one status, a
unit's claims) kept so that no document grows with the city and a reader reads only what it shows.

A listing ``L`` (a view's partition key: an insurer, a region, a unit) files each item under a *bucket*
(e.g. the report month; ``all`` for a small listing) and a *tally* (e.g. the status). The items of one
bucket and tally — a *shelf* — sit on pages of at most ``PAGE_SIZE`` items:

* ``L``                       the head: per bucket and tally, how many items each page holds (so the
                              tallies are their sums, and a reader knows which pages to read);
* ``L|<bucket>|<tally>|<n>``  page ``n`` of a shelf: the items;
* ``L|@<item id>``            where the item is (``at``: bucket, tally, page), where it was before its
                              last move (``from``), and its version.

An item that changes tally (a claim decided) leaves its page and joins the first page of its new shelf
with room, so pages stay bounded and a shelf reuses the room its leavers made. One writer owns every
document under ``L`` (anju_kit.views), so none of this needs an atomic update.

A listing the domain keeps small (a unit's claims) holds its items on its head instead
(:func:`keep_in_head`): one document per change rather than three.

Why not one document per bucket: a busy month of a region's claims is thousands of items — a megabyte
read whole for a page of fifty, and rewritten whole for each change folded (measured: a 1 MB document
takes ~380 ms to read on the local store; a page of 100 summaries, a few ms).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from anju_kit.mongo import Doc

PAGE_SIZE = 100  # items per page: a page of summaries is a few tens of KB
PAGES = "pages"  # head field: {bucket: {tally: [items on page 0, on page 1, …]}}
ITEMS = "items"  # a small listing's head field: its items (keep_in_head)


class _Reader(Protocol):
    async def get(self, doc_id: str) -> Doc | None: ...


class _Docs(_Reader, Protocol):
    def put(self, doc_id: str, doc: Doc) -> None: ...


def page_id(listing: str, bucket: str, tally: str, page: int) -> str:
    return f"{listing}|{bucket}|{tally}|{page}"


def location_id(listing: str, item_id: str) -> str:
    """The document that says where ``item_id`` is in ``listing`` (the writer reads it first)."""
    return f"{listing}|@{item_id}"


async def keep_listed(
    docs: _Docs,
    *,
    listing: str,
    bucket: str,
    item_id: str,
    version: int,
    tally: str,
    item: Doc,
    page_size: int = PAGE_SIZE,
) -> bool:
    """Keep ``item`` (at ``version``) in ``listing`` under ``bucket`` and ``tally``, moving it when either
    changed. Items are kept by id and the highest version wins, so re-applying a change, or an older one
    arriving late, changes nothing. Returns False when nothing changed.

    The head's counts are always set from the pages as written (never incremented), so a fold repeated
    after a crash between the pages and the head (kit.views writes heads last) puts them right."""
    where_id = location_id(listing, item_id)
    where = await docs.get(where_id)
    head = await docs.get(listing) or {}
    pages: dict[str, dict[str, list[int]]] = {
        b: {t: list(counts) for t, counts in shelves.items()} for b, shelves in head.get(PAGES, {}).items()
    }
    if where is not None and int(where["version"]) >= version:
        if await _recount(docs, listing, pages, [where.get("at"), where.get("from")]):
            docs.put(listing, {**head, PAGES: pages})
        return False
    entry = {**item, "id": item_id, "version": version, "tally": tally}
    old: list[Any] | None = list(where["at"]) if where is not None else None
    if old is not None and old[:2] != [bucket, tally]:  # it leaves its shelf
        page = await docs.get(page_id(listing, *old)) or {"items": []}
        _put_page(docs, pages, listing, old, _without(page, item_id))
    if old is not None and old[:2] == [bucket, tally]:
        at = old  # replaced where it is
    else:
        counts = pages.get(bucket, {}).get(tally, [])
        at = [bucket, tally, next((n for n, count in enumerate(counts) if count < page_size), len(counts))]
    page = await docs.get(page_id(listing, *at)) or {"items": []}
    _put_page(docs, pages, listing, at, [*_without(page, item_id), entry])
    docs.put(where_id, {"at": at, "from": old if old != at else None, "version": version})
    docs.put(listing, {**head, PAGES: pages})
    return True


def pages_to_read(
    read: Callable[[str], Doc | None],
    *,
    listing: str,
    bucket: str,
    tally: str,
    item_id: str,
    page_size: int = PAGE_SIZE,
) -> list[str]:
    """The pages :func:`keep_listed` will read for this item, from its place and the head as ``read``
    gives them (a writer reads them for a whole batch at once; a guess that is off only costs a read)."""
    where, head = read(location_id(listing, item_id)), read(listing) or {}
    found = [page_id(listing, *where["at"])] if where is not None else []
    counts = list(head.get(PAGES, {}).get(bucket, {}).get(tally, []))
    number = next((n for n, count in enumerate(counts) if count < page_size), len(counts))
    return [*found, page_id(listing, bucket, tally, number)]


def _put_page(
    docs: _Docs, pages: dict[str, dict[str, list[int]]], listing: str, at: list[Any], items: list[Doc]
) -> None:
    bucket, tally, number = str(at[0]), str(at[1]), int(at[2])
    docs.put(page_id(listing, bucket, tally, number), {"items": items})
    _put_counts(pages, at, len(items))


async def _recount(
    docs: _Docs, listing: str, pages: dict[str, dict[str, list[int]]], places: Iterable[list[Any] | None]
) -> bool:
    """Set the counts of the pages at ``places`` from the pages themselves; True when one was off."""
    off = False
    for at in places:
        if not at:
            continue
        bucket, tally, number = str(at[0]), str(at[1]), int(at[2])
        page = await docs.get(page_id(listing, bucket, tally, number)) or {"items": []}
        counts = pages.get(bucket, {}).get(tally, [])
        if number >= len(counts) or counts[number] != len(page["items"]):
            _put_counts(pages, at, len(page["items"]))
            off = True
    return off


def _put_counts(pages: dict[str, dict[str, list[int]]], at: list[Any], count: int) -> None:
    counts = pages.setdefault(str(at[0]), {}).setdefault(str(at[1]), [])
    counts.extend([0] * (int(at[2]) + 1 - len(counts)))
    counts[int(at[2])] = count


async def keep_in_head(docs: _Docs, *, listing: str, item_id: str, version: int, tally: str, item: Doc) -> bool:
    """Keep ``item`` on the listing's head document itself: for a listing the domain keeps small (a
    unit's claims, an owner's), one document read and written per change instead of three. The highest
    version wins; returns False when nothing changed."""
    head = await docs.get(listing) or {}
    items: list[Doc] = list(head.get(ITEMS, []))
    old = next((i for i in items if i["id"] == item_id), None)
    if old is not None and int(old["version"]) >= version:
        return False
    entry = {**item, "id": item_id, "version": version, "tally": tally}
    docs.put(listing, {**head, ITEMS: [*(i for i in items if i["id"] != item_id), entry]})
    return True


def items_in_head(head: Mapping[str, Any] | None) -> list[Doc]:
    """The items of a small listing (:func:`keep_in_head`)."""
    return list((head or {}).get(ITEMS, []))


def _without(page: Doc, item_id: str) -> list[Doc]:
    return [i for i in page.get("items", []) if i["id"] != item_id]


# -- reading ------------------------------------------------------------------------------------------


def tallies(head: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """Per bucket, how many items each tally holds (buckets and tallies without items left out)."""
    found: dict[str, dict[str, int]] = {}
    for bucket, shelves in head.get(PAGES, {}).items():
        counts = {tally: sum(per_page) for tally, per_page in shelves.items() if sum(per_page) > 0}
        if counts:
            found[bucket] = counts
    return found


@dataclass(frozen=True)
class Shown:
    """What a reader read: the items of the pages it needed, and how many the shelves hold in all."""

    items: list[Doc]
    total: int


async def read_listed(
    store: _Reader,
    listing: str,
    head: Mapping[str, Any],
    *,
    bucket: str,
    tallies_wanted: Iterable[str] | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> Shown:
    """Items ``offset`` to ``offset + limit`` of the shelves of ``bucket`` — all its tallies, or
    ``tallies_wanted`` — in shelf order, reading (at once) only the pages that hold them: their counts are
    on ``head``. The caller orders what it shows."""
    shelves: Mapping[str, Sequence[int]] = head.get(PAGES, {}).get(bucket, {})
    wanted = sorted(shelves) if tallies_wanted is None else [t for t in dict.fromkeys(tallies_wanted) if t in shelves]
    chosen: list[str] = []
    seen = first = 0
    for tally in wanted:
        for number, count in enumerate(shelves[tally]):
            if count > 0 and seen + count > offset and seen < offset + limit:
                first = first if chosen else seen
                chosen.append(page_id(listing, bucket, tally, number))
            seen += max(count, 0)
    read = await asyncio.gather(*(store.get(doc_id) for doc_id in chosen))
    items = [item for doc in read if doc for item in doc.get("items", [])]
    skip = max(offset - first, 0)
    return Shown(items=items[skip : skip + limit], total=seen)
