"""Issue #10: a view's lists are stored as one JSON string each (FerretDB converts every value of a
document, so a page of 100 summaries as fields cost ~5× more to read and write); folds and readers see
the lists, and a document written before packing is read as it is."""

from __future__ import annotations

from typing import cast

from pymongo.asynchronous.collection import AsyncCollection

from anju_kit.memory.views import _Collection
from anju_kit.mongo import Doc
from anju_kit.views import Docs, packed, unpacked

PAGE = {"_id": "ins-a|2026-11|reported|0", "items": [{"id": "c1", "n": 1.0, "note": "楼下渗水"}], "other": [1]}


def test_issue10_a_pages_items_are_stored_as_one_string_and_read_back_as_they_were() -> None:
    stored = packed(PAGE)
    assert set(stored) == {"_id", "items_json", "other"}  # only the named lists are packed
    assert isinstance(stored["items_json"], str) and "楼下渗水" in stored["items_json"]
    assert unpacked(stored) == PAGE  # 1.0 stays a float, the text as it was
    assert unpacked(PAGE) == PAGE  # written before packing: read as it is
    assert unpacked(None) is None
    entries = packed({"_id": "2026-12-01T00", "entries": [], "pages": 2})
    assert entries == {"_id": "2026-12-01T00", "entries_json": "[]", "pages": 2}


async def test_issue10_a_writer_batch_writes_packed_and_reads_what_it_wrote() -> None:
    store: dict[str, Doc] = {}
    docs = Docs(cast(AsyncCollection[Doc], _Collection(store)))
    docs.put("p", {"items": [{"id": "a"}]})
    await docs.write()
    assert "items" not in store["p"] and store["p"]["items_json"] == '[{"id":"a"}]'
    again = Docs(cast(AsyncCollection[Doc], _Collection(store)))
    assert await again.get("p") == {"_id": "p", "items": [{"id": "a"}]}
    store["old"] = {"_id": "old", "items": [{"id": "b"}]}  # a page written before packing
    await again.load(["old"])
    assert again.peek("old") == {"_id": "old", "items": [{"id": "b"}]}
