"""The typed repository over the kit's aggregate store (anju_kit.repository), on the in-memory store:
what it stores is the aggregate's state, what it loads is the domain model again, and a save is the
compare-and-set on the version it loaded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from anju_contracts import Actor, Role
from anju_kit.memory import MemoryAggregateStore
from anju_kit.mongo import HistoryEntry, VersionConflict
from anju_kit.repository import AggregateRepository
from anju_kit.upcasting import StateSchema


class Counter(BaseModel):
    name: str
    count: int = 0

    def state(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


HISTORY = HistoryEntry(
    action="counted", actor=Actor(id="t", role=Role.SYSTEM, region="shanghai"), at=datetime(2026, 11, 30, tzinfo=UTC)
)


async def test_it_stores_the_state_loads_the_model_and_saves_on_the_version_it_loaded() -> None:
    repo = AggregateRepository(MemoryAggregateStore(schema=StateSchema("counter", version=1)), Counter.model_validate)
    await repo.add("c-1", Counter(name="a"), [], applied_id="cmd-1", history=HISTORY)
    loaded = await repo.get("c-1")
    assert loaded is not None and loaded.aggregate == Counter(name="a") and loaded.version == 1
    assert loaded.applied == frozenset({"cmd-1"})
    await repo.save("c-1", Counter(name="a", count=1), loaded, [], applied_id="cmd-2", history=HISTORY)
    with pytest.raises(VersionConflict):  # a second writer that loaded version 1 too loses
        await repo.save("c-1", Counter(name="a", count=9), loaded, [], applied_id="cmd-3", history=HISTORY)
    listed = await repo.get_listed("c-1")
    assert listed is not None and (listed.aggregate.count, listed.version) == (1, 2)
    assert await repo.get("missing") is None and await repo.get_listed("missing") is None


async def test_read_validates_a_version_once_and_never_shares_a_command_s_copy() -> None:
    """Issue #10: answering a read of an aggregate already validated at its newest version costs no
    decoding; a command's ``get`` is always its own object, and a commit is seen by the next read."""
    loads: list[dict[str, Any]] = []

    def load(state: dict[str, Any]) -> Counter:
        loads.append(state)
        return Counter.model_validate(state)

    repo = AggregateRepository(MemoryAggregateStore(schema=StateSchema("counter", version=1)), load)
    await repo.add("c-1", Counter(name="a"), [], applied_id="cmd-1", history=HISTORY)
    first, again = await repo.read("c-1"), await repo.read("c-1")
    assert first is not None and again is first and len(loads) == 1
    mine = await repo.get("c-1")
    assert mine is not None and mine.aggregate is not first.aggregate  # a command changes its own copy
    mine.aggregate.count = 5
    await repo.save("c-1", mine.aggregate, mine, [], applied_id="cmd-2", history=HISTORY)
    fresh = await repo.read("c-1")
    assert fresh is not None and (fresh.version, fresh.aggregate.count) == (2, 5) and first.aggregate.count == 0
    assert await repo.read("missing") is None
