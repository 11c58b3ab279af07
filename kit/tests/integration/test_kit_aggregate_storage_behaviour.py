"""The Mongo aggregate store, due index and inbox through the shared behaviour suites, on the real local
FerretDB (the in-memory doubles run the same suites in kit/tests/unit/test_kit_memory_aggregate_store.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from kit_storage_behaviour import AggregateStorageBehaviour, DueIndexBehaviour, InboxBehaviour, MakeStore
from pymongo.asynchronous.database import AsyncDatabase

from anju_kit.due import DueIndex
from anju_kit.mongo import AggregateStore, Doc, Inbox, connect
from anju_kit.settings import ServiceSettings

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


class TestMongoDueIndex(DueIndexBehaviour):
    @pytest.fixture
    def make_due(self, db: AsyncDatabase[Doc]) -> Callable[[], DueIndex]:
        return lambda: DueIndex(db["things_due"])


class TestMongoInbox(InboxBehaviour):
    @pytest.fixture
    def make_inbox(self, db: AsyncDatabase[Doc]) -> Callable[[], Inbox]:
        return lambda: Inbox(db["inbox"])
