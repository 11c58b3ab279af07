"""The in-memory doubles answer like the Mongo stores (the shared suites; their Mongo runs are in
kit/tests/integration/test_kit_aggregate_storage_behaviour.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from kit_storage_behaviour import EVENTS_TOPIC, AggregateStorageBehaviour, DueHoursBehaviour, InboxBehaviour, MakeStore

from anju_contracts import Envelope
from anju_kit.memory import MemoryAggregateStore, MemoryInbox, MemoryViews, MemoryViewStore
from anju_kit.views import View


@pytest.fixture
def make_store() -> MakeStore:
    def make(**options: Any) -> MemoryAggregateStore:
        return MemoryAggregateStore("things", **options)

    return make


class TestMemoryAggregateStore(AggregateStorageBehaviour):
    pass


class TestMemoryViews(DueHoursBehaviour):
    @pytest.fixture
    def fold(self) -> object:
        async def fold(view: View, envelopes: Sequence[Envelope]) -> MemoryViewStore:
            views = MemoryViews([view])
            for envelope in envelopes:
                await views.publish(EVENTS_TOPIC, envelope)
            return views.store(view.name)

        return fold


class TestMemoryInbox(InboxBehaviour):
    @pytest.fixture
    def make_inbox(self) -> type[MemoryInbox]:
        return MemoryInbox
