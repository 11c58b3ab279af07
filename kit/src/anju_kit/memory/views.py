"""Read models (:mod:`anju_kit.views`) in memory, for component tests: each published event is folded at
once into every view that reads its topic, by the views' own ``keys`` and ``fold`` — the router and the
writer without Kafka — and read back by ``_id`` as from a :class:`~anju_kit.views.ViewStore`.

What it keeps of the store: a document with a field name the local store refuses (a '.' anywhere, a leading
'$') is refused here too, so a fold that keys a map by an id is caught by a unit test, not by the first
such id in production (an id may hold '.': write it through :func:`anju_kit.views.field_name`).

What it leaves out: the views topic, positions per source partition and generations (a redelivered event
is recognised by its event id instead), and the read models' lag behind the events (none here).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping, Sequence
from typing import Any, cast

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import WriteError

from anju_contracts import Envelope
from anju_contracts.base import Event
from anju_contracts.catalog import parse
from anju_kit.mongo import Doc
from anju_kit.views import AS_OF, Docs, View, unpacked


class MemoryViewStore:
    """One view's documents by ``_id`` (what :class:`~anju_kit.views.ViewStore` answers readers)."""

    def __init__(self, view: View) -> None:
        self.view = view
        self.docs: dict[str, Doc] = {}
        self.folded: set[str] = set()  # event ids folded already

    async def get(self, doc_id: str) -> Doc | None:
        await asyncio.sleep(0)
        found = self.docs.get(doc_id)
        return None if found is None else unpacked(copy.deepcopy(found))


class _Collection:
    """The three by-``_id`` calls :class:`~anju_kit.views.Docs` makes of a collection, on a dict."""

    def __init__(self, docs: dict[str, Doc]) -> None:
        self._docs = docs

    async def find_one(self, query: Mapping[str, Any]) -> Doc | None:
        found = self._docs.get(query["_id"])
        return None if found is None else copy.deepcopy(found)

    async def replace_one(self, query: Mapping[str, Any], doc: Doc, upsert: bool = False) -> None:
        _refuse_bad_names(doc)
        self._docs[query["_id"]] = copy.deepcopy(doc)

    async def delete_one(self, query: Mapping[str, Any]) -> None:
        self._docs.pop(query["_id"], None)


def _refuse_bad_names(value: Any) -> None:
    """As FerretDB v1 answers (code 2, "invalid key"), for any field name of any depth."""
    if isinstance(value, Mapping):
        for name, inner in value.items():
            if "." in str(name) or str(name).startswith("$"):
                raise WriteError("invalid key: a field name holds '.' or starts with '$'", code=2)
            _refuse_bad_names(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            _refuse_bad_names(inner)


class MemoryViews:
    def __init__(self, views: Sequence[View]) -> None:
        self.stores = {view.name: MemoryViewStore(view) for view in views}

    def store(self, name: str) -> MemoryViewStore:
        return self.stores[name]

    async def publish(self, topic: str, envelope: Envelope) -> None:
        """Fold ``envelope``, published on ``topic``, into every view that reads the topic."""
        event = parse(envelope)
        if not isinstance(event, Event):
            return
        for store in self.stores.values():
            view = store.view
            if topic not in view.sources or str(envelope.event_id) in store.folded:
                continue
            # Docs is written for a Mongo collection; it calls only find_one, replace_one and delete_one by _id.
            docs = Docs(cast(AsyncCollection[Doc], _Collection(store.docs)))
            keys = list(dict.fromkeys(view.keys(envelope, event)))
            for key in keys:
                await view.fold(docs, key, envelope, event)
                head = await docs.get(key) or {}
                as_of = {"event_id": str(envelope.event_id), "occurred_at": envelope.occurred_at.isoformat()}
                docs.put(key, {**head, AS_OF: as_of})
            await docs.write(heads=keys)
            store.folded.add(str(envelope.event_id))
