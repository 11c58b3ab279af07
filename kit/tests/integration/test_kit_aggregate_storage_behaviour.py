"""The Mongo aggregate store and inbox through the shared behaviour suites, on the real local
FerretDB (the in-memory doubles run the same suites in kit/tests/unit/test_kit_memory_aggregate_store.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import pytest
from kit_storage_behaviour import EVENTS_TOPIC, AggregateStorageBehaviour, DueHoursBehaviour, InboxBehaviour, MakeStore
from pymongo.asynchronous.database import AsyncDatabase

from anju_contracts import Envelope, RecordRef
from anju_kit.mongo import AggregateStore, Doc, Inbox, connect
from anju_kit.settings import ServiceSettings
from anju_kit.views import View, ViewStore, Writer, route

pytestmark = pytest.mark.integration


@pytest.fixture
async def db(service_settings: Callable[..., ServiceSettings]) -> AsyncIterator[AsyncDatabase[Doc]]:
    settings = service_settings()
    client = connect(settings)
    yield client[settings.mongo_db]
    await client.drop_database(settings.mongo_db)
    await client.close()


class TestMongoAggregateStore(AggregateStorageBehaviour):
    @pytest.fixture
    def make_store(self, db: AsyncDatabase[Doc]) -> MakeStore:
        made = 0

        def make(**options: Any) -> AggregateStore:
            nonlocal made
            made += 1
            return AggregateStore(db[f"things_{made}"], **options)

        return make


class TestMongoViews(DueHoursBehaviour):
    @pytest.fixture
    def fold(self, db: AsyncDatabase[Doc]) -> object:
        async def fold(view: View, envelopes: Sequence[Envelope]) -> ViewStore:
            # As the router and the writer do: a redelivered record (same offset) is skipped by position.
            store = ViewStore(db, view)
            offsets = {event_id: n for n, event_id in enumerate(dict.fromkeys(e.event_id for e in envelopes))}
            changes = [
                change
                for envelope in envelopes
                for _, change in route(
                    view, 1, envelope, RecordRef(topic=EVENTS_TOPIC, partition=0, offset=offsets[envelope.event_id])
                )
            ]
            await Writer({view.name: store}).apply(changes)
            return store

        return fold


class TestMongoInbox(InboxBehaviour):
    @pytest.fixture
    def make_inbox(self, db: AsyncDatabase[Doc]) -> Callable[[], Inbox]:
        return lambda: Inbox(db["inbox"])
