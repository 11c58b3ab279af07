"""AggregateStore against the real local FerretDB: `_id`-only access, a projection that ends at the
newest version when writes land out of order, and the history read by `_id`."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import monitoring

from anju_contracts import Actor, Role
from anju_kit.mongo import AggregateStore, Doc, HistoryEntry, NewAggregate, VersionConflict, connect

pytestmark = pytest.mark.integration

ACTOR = Actor(id="test-system", role=Role.SYSTEM, region="shanghai")


def change(n: int) -> HistoryEntry:
    return HistoryEntry(action=f"change-{n}", actor=ACTOR, at=datetime.now(UTC), details={"n": n})


async def test_an_older_projection_write_landing_after_a_newer_one_is_rolled_forward(service_settings):
    settings = service_settings()
    client = connect(settings)
    store = AggregateStore(client[settings.mongo_db]["late"])
    await store.create("a", {"n": 1}, applied_id="cmd-1")
    base_v1 = await store.collection.find_one({"_id": "a"})
    assert base_v1 is not None
    await store.update("a", 1, {"n": 2}, applied_id="cmd-2")
    await store.update("a", 2, {"n": 3}, applied_id="cmd-3")
    entry_v2 = await store.log.find_one({"_id": "a@2"})
    assert entry_v2 is not None

    written: list[int] = []
    replace = store._replace

    async def recording(doc: Doc) -> None:
        written.append(doc["version"])
        await replace(doc)

    store._replace = recording  # type: ignore[method-assign]
    # The writer of version 2 was slow: its projection write lands after version 3's.
    projected = await store._project(entry_v2, base=base_v1)

    assert written == [2, 3]  # the stale write really landed, then the roll-forward fixed it
    raw = await store.collection.find_one({"_id": "a"})
    assert raw is not None and projected["version"] == raw["version"] == 3
    assert raw["state"] == {"n": 3}
    assert raw["_applied"] == ["cmd-1", "cmd-2", "cmd-3"]  # the applied ids chain through the bases
    assert raw["created_at"] == base_v1["created_at"]
    stored = await store.get("a")
    assert stored is not None and stored.version == 3 and stored.applied == {"cmd-1", "cmd-2", "cmd-3"}
    await client.close()


class SlowProjection(AggregateStore):
    """Projection writes delayed at random, so older writes often land after newer ones."""

    async def _replace(self, doc: Doc) -> None:
        await asyncio.sleep(random.uniform(0, 0.05))
        await super()._replace(doc)


async def test_concurrent_updaters_with_out_of_order_projection_writes_end_at_the_newest_version(service_settings):
    settings = service_settings()
    client = connect(settings)
    store = SlowProjection(client[settings.mongo_db]["racy"])
    await store.create("a", {"total": 0, "by": []})

    async def worker(name: str, times: int) -> None:
        for i in range(times):
            while True:
                doc = await store.get("a")
                assert doc is not None
                state = {"total": doc.state["total"] + 1, "by": [*doc.state["by"], f"{name}{i}"]}
                try:
                    await store.update("a", doc.version, state, applied_id=f"{name}{i}", history=change(i))
                    break
                except VersionConflict:
                    continue

    await asyncio.gather(*(worker(name, 5) for name in "wxyz"))

    raw = await store.collection.find_one({"_id": "a"})  # the projection itself, no roll-forward
    assert raw is not None and raw["version"] == 21 and raw["state"]["total"] == 20
    assert await store.log.find_one({"_id": "a@22"}) is None
    newest = await store.log.find_one({"_id": "a@21"})
    assert newest is not None and raw["state"] == newest["state"]
    # The applied ids are those of versions 2..21, in version order, each once.
    in_log = [(await store.log.find_one({"_id": f"a@{v}"}) or {})["applied_id"] for v in range(2, 22)]
    assert raw["_applied"] == in_log and sorted(in_log) == sorted(f"{n}{i}" for n in "wxyz" for i in range(5))
    assert raw["state"]["by"] == in_log
    history = await store.history("a")
    assert [h["version"] for h in history] == list(range(2, 22))
    await client.close()


async def test_history_reads_every_change_oldest_first(service_settings):
    settings = service_settings()
    client = connect(settings)
    store = AggregateStore(client[settings.mongo_db]["hist"])
    await store.create("a", {"n": 0}, history=change(0))
    for n in range(1, 40):  # crosses several read windows
        await store.update("a", n, {"n": n}, history=change(n) if n != 7 else None)  # v8 records no history
    await store.create("b", {"n": 0}, history=change(100))

    history = await store.history("a")
    assert [h["version"] for h in history] == [v for v in range(1, 41) if v != 8]
    assert [h["action"] for h in history] == [f"change-{n}" for n in range(40) if n != 7]
    assert history[3]["actor"]["id"] == "test-system" and history[3]["details"] == {"n": 3}
    assert [h["action"] for h in await store.history("b")] == ["change-100"]
    assert await store.history("nope") == []
    await client.close()


class Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        cmd = event.command
        name = event.command_name
        if name in ("find", "count", "aggregate", "distinct"):
            self.seen.append((name, cmd[name], cmd.get("filter", cmd.get("query", cmd.get("pipeline")))))
        elif name in ("update", "delete", "findAndModify"):
            key = {"update": "updates", "delete": "deletes"}.get(name)
            filters = [op["q"] for op in cmd[key]] if key else [cmd.get("query")]
            self.seen.extend((name, cmd[name], f) for f in filters)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_the_log_and_the_projection_are_only_ever_filtered_by_id(service_settings):
    settings = service_settings()
    commands = Commands()
    client = connect(settings, event_listeners=[commands])
    store = AggregateStore(client[settings.mongo_db]["only_id"])
    await store.ensure_indexes()
    await store.create("a", {"n": 0}, applied_id="cmd-0", history=change(0))
    await store.create_many([NewAggregate(f"m-{i}", {"n": i}, applied_id=f"m-{i}") for i in range(3)])
    await store.update("a", 1, {"n": 1}, applied_id="cmd-1", history=change(1))
    with pytest.raises(VersionConflict):
        await store.update("a", 1, {"n": 99})
    await store.collection.replace_one({"_id": "a"}, (await store.collection.find_one({"_id": "a"})) | {"version": 1})
    await store.get("a")  # rolls the (pretend-lagging) projection forward
    await store.get("m-1")
    await store.history("a")
    entry = await store.applied_entry("a", "cmd-1")
    assert entry is not None and entry["version"] == 2
    assert await store.applied_entry("a", "cmd-x") is None

    watched = {store.collection.name, store.log.name}
    checked = [(name, coll, f) for name, coll, f in commands.seen if coll in watched]
    assert checked, "the listener saw nothing"
    for name, coll, f in checked:
        assert isinstance(f, dict) and list(f) == ["_id"] and isinstance(f["_id"], str), (name, coll, f)
    await client.close()


async def test_applied_entry_finds_the_change_that_applied_a_message(service_settings):
    settings = service_settings()
    client = connect(settings)
    store = AggregateStore(client[settings.mongo_db]["applied"])
    await store.create("a", {"n": 0}, applied_id="cmd-0")
    for n in range(1, 5):
        await store.update("a", n, {"n": n}, applied_id=f"cmd-{n}" if n != 2 else None)
    for n in (0, 1, 3, 4):
        entry = await store.applied_entry("a", f"cmd-{n}")
        assert entry is not None and entry["state"] == {"n": n} and entry["version"] == n + 1
    assert await store.applied_entry("a", "cmd-2") is None
    assert await store.applied_entry("nope", "cmd-0") is None
    await client.close()


async def test_a_compact_store_keeps_the_state_as_json_and_the_queried_fields_queryable(service_settings):
    settings = service_settings()
    client = connect(settings)
    store = AggregateStore(client[settings.mongo_db]["compact"], queried=("unit", "status"))
    state = {"unit": "u-1", "status": "open", "notes": ["渗漏", "复查"], "amount": None}
    await store.create("c-1", state, applied_id="cmd-1", history=change(1))
    created = await store.create_many([NewAggregate(f"m-{i}", {"unit": f"u-{i}", "status": "open"}) for i in range(3)])
    assert created.ids == {"m-0", "m-1", "m-2"}
    await store.update("c-1", 1, state | {"status": "closed"}, applied_id="cmd-2", history=change(2))

    stored = await store.get("c-1")
    assert stored is not None and stored.version == 2
    assert stored.state == state | {"status": "closed"} and stored.applied == {"cmd-1", "cmd-2"}
    raw = await store.collection.find_one({"_id": "c-1"})
    assert raw is not None and raw["state"] == {"unit": "u-1", "status": "closed"}  # only the queried fields
    first = await store.log.find_one({"_id": "c-1@1"})
    assert first is not None and isinstance(first["state"], str)  # one value for the database to convert
    entry = await store.log.find_one({"_id": "c-1@2"})  # the change, not the state again
    assert entry is not None and "state" not in entry
    assert json.loads(entry["change"]) == [{"op": "replace", "path": "/status", "value": "closed"}]
    projected = await store.projected("c-1")
    assert projected is not None and projected.state == state | {"status": "closed"}
    assert [h["action"] for h in await store.history("c-1")] == ["change-1", "change-2"]
    await client.close()
