"""Listings in bounded pages (anju_kit.listing): no page grows past its size, an item moves with its
tally, the highest version wins, a fold repeated after a crash puts the counts right, and a reader
reads only the pages that hold what it shows (issue #10)."""

from __future__ import annotations

import json
from typing import Any

from anju_kit.listing import (
    PAGES,
    items_in_head,
    keep_in_head,
    keep_listed,
    location_id,
    page_id,
    pages_to_read,
    read_listed,
    tallies,
)

Doc = dict[str, Any]


class Store:
    """Documents by ``_id``, counting the reads (what the writer's Docs and a reader's ViewStore do)."""

    def __init__(self) -> None:
        self.docs: dict[str, Doc] = {}
        self.reads: list[str] = []

    async def get(self, doc_id: str) -> Doc | None:
        self.reads.append(doc_id)
        found = self.docs.get(doc_id)
        return json.loads(json.dumps(found)) if found is not None else None

    def put(self, doc_id: str, doc: Doc) -> None:
        self.docs[doc_id] = json.loads(json.dumps(doc))


async def keep(store: Store, item_id: str, version: int, tally: str, *, bucket: str = "2026-11", size: int = 3) -> bool:
    return await keep_listed(
        store,
        listing="ins-a",
        bucket=bucket,
        item_id=item_id,
        version=version,
        tally=tally,
        item={"claim_id": item_id},
        page_size=size,
    )


async def test_pages_never_hold_more_than_their_size_and_the_head_counts_them() -> None:
    store = Store()
    for n in range(7):
        assert await keep(store, f"c{n}", 1, "reported")
    assert store.docs["ins-a"][PAGES] == {"2026-11": {"reported": [3, 3, 1]}}
    assert [len(store.docs[page_id("ins-a", "2026-11", "reported", n)]["items"]) for n in range(3)] == [3, 3, 1]
    assert tallies(store.docs["ins-a"]) == {"2026-11": {"reported": 7}}


async def test_an_item_moves_with_its_tally_and_its_old_room_is_reused() -> None:
    store = Store()
    for n in range(4):
        await keep(store, f"c{n}", 1, "reported")
    assert await keep(store, "c1", 2, "accepted")
    assert store.docs["ins-a"][PAGES]["2026-11"] == {"reported": [2, 1], "accepted": [1]}
    assert store.docs[location_id("ins-a", "c1")]["at"] == ["2026-11", "accepted", 0]
    await keep(store, "c9", 1, "reported")  # the first page with room: the one c1 left
    assert store.docs[location_id("ins-a", "c9")]["at"] == ["2026-11", "reported", 0]
    assert tallies(store.docs["ins-a"]) == {"2026-11": {"reported": 4, "accepted": 1}}


async def test_the_highest_version_wins_and_a_repeat_changes_nothing() -> None:
    store = Store()
    await keep(store, "c1", 3, "accepted")
    before = json.dumps(store.docs, sort_keys=True)
    assert not await keep(store, "c1", 2, "reported")  # late and older
    assert not await keep(store, "c1", 3, "accepted")  # a repeat
    assert json.dumps(store.docs, sort_keys=True) == before


async def test_a_fold_repeated_after_a_crash_before_the_head_puts_the_counts_right() -> None:
    store = Store()
    for n in range(3):
        await keep(store, f"c{n}", 1, "reported")
    head_before = json.loads(json.dumps(store.docs["ins-a"]))
    await keep(store, "c0", 2, "paid")
    store.docs["ins-a"] = head_before  # the pages and the location were written, the head was not
    assert not await keep(store, "c0", 2, "paid")  # the repeated fold
    assert store.docs["ins-a"][PAGES]["2026-11"] == {"reported": [2], "paid": [1]}


async def test_a_reader_reads_the_head_s_pages_that_hold_the_slice_and_no_other() -> None:
    store = Store()
    for n in range(10):
        await keep(store, f"c{n}", 1, "reported")
    for n in range(4):
        await keep(store, f"p{n}", 1, "paid")
    head = store.docs["ins-a"]
    store.reads.clear()
    shown = await read_listed(store, "ins-a", head, bucket="2026-11", tallies_wanted=["reported"], offset=4, limit=3)
    assert [i["id"] for i in shown.items] == ["c4", "c5", "c6"] and shown.total == 10
    assert store.reads == [page_id("ins-a", "2026-11", "reported", n) for n in (1, 2)]
    everything = await read_listed(store, "ins-a", head, bucket="2026-11", offset=0, limit=100)
    assert len(everything.items) == everything.total == 14
    assert (await read_listed(store, "ins-a", head, bucket="2026-10")).items == []


async def test_a_small_listing_keeps_its_items_on_its_head_and_the_highest_version_wins() -> None:
    store = Store()
    assert await keep_in_head(store, listing="u-1", item_id="c1", version=1, tally="reported", item={"a": 1})
    assert await keep_in_head(store, listing="u-1", item_id="c1", version=2, tally="paid", item={"a": 2})
    assert not await keep_in_head(store, listing="u-1", item_id="c1", version=1, tally="reported", item={"a": 1})
    assert items_in_head(store.docs["u-1"]) == [{"a": 2, "id": "c1", "version": 2, "tally": "paid"}]
    assert list(store.docs) == ["u-1"]  # one document, nothing else


async def test_a_writer_can_tell_from_an_item_s_place_and_the_head_which_pages_a_fold_will_read() -> None:
    store = Store()
    for n in range(4):
        await keep(store, f"c{n}", 1, "reported")
    read = store.docs.get
    # c3 sits on page 1 and moves to "paid" (page 0 there); a new item goes where "reported" has room.
    assert pages_to_read(read, listing="ins-a", bucket="2026-11", tally="paid", item_id="c3", page_size=3) == [
        page_id("ins-a", "2026-11", "reported", 1),
        page_id("ins-a", "2026-11", "paid", 0),
    ]
    assert pages_to_read(read, listing="ins-a", bucket="2026-11", tally="reported", item_id="new", page_size=3) == [
        page_id("ins-a", "2026-11", "reported", 1)
    ]
