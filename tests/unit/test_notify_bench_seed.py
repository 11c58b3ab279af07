"""The notify bench's streamed seeding (tests/bench/notify_seed.py) writes exactly the documents the read
models' own folds make (``MemoryViews``, the writer without Kafka) for the same records: same ``_id``s,
same shapes, so ``anju_notify.queries`` read a streamed database unchanged."""

from __future__ import annotations

from typing import Any

from anju_kit.memory import MemoryViews
from anju_kit.views import collection_name, unpacked
from anju_notify.read_models import VIEWS
from tests.bench.notify_data import envelope_of, obligations
from tests.bench.notify_seed import LEDGER, stream

COUNT = 2_000  # enough for full and partial pages on every shelf kind (by rule: ~285 records a rule)


async def test_streamed_documents_equal_the_in_memory_fold() -> None:
    views = MemoryViews(VIEWS)
    for record in obligations(COUNT):
        await views.publish("anju.notify.events.v1", envelope_of(record))
    folded = {collection_name(view, 1): views.store(view.name).docs for view in VIEWS}
    folded = {name: docs for name, docs in folded.items() if docs}

    streamed: dict[str, dict[str, Any]] = {}
    for collection, doc in stream(COUNT, slice_size=10):
        assert doc["_id"] not in streamed.setdefault(collection, {}), f"{doc['_id']} written twice"
        streamed[collection][doc["_id"]] = doc
    ledger, ledger_slice = streamed.pop(LEDGER), streamed.pop(f"{LEDGER}_slice")

    assert streamed.keys() == folded.keys()
    for name, docs in folded.items():
        assert streamed[name] == docs, name
    assert len(ledger) == COUNT
    assert list(ledger_slice.values()) == list(ledger.values())[:10]
    pages = [unpacked(d) or {} for d in streamed[collection_name(VIEWS[1], 1)].values()]
    full_pages = [d for d in pages if len(d.get("items", [])) == 100]
    assert full_pages, "the count is too small to fill a page: the test would not check page turns"
