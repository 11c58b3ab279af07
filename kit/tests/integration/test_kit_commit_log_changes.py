"""Issue #10 on the real local FerretDB: a compact store's commit log keeps each version's change (a
JSON Patch) and the whole state every SNAPSHOT_EVERY versions, so a large aggregate's change costs the
change; every answer the store gives (the state, a lost projection rebuilt, a redelivered command's
entry, an older schema's states) is the same as when the log held whole states."""

from __future__ import annotations

import json
from typing import Any

import pytest

from anju_kit.mongo import SNAPSHOT_EVERY, AggregateStore, Doc, connect
from anju_kit.upcasting import StateSchema, rename_field

pytestmark = pytest.mark.integration


def big_state(issues: int) -> Doc:
    """A risk-file-like state: many issues, each a few hundred bytes."""
    return {
        "project_id": "prj-1",
        "issues": {
            f"iss-{i}": {"status": "open", "location": "1号楼 地下室 B2 北侧外墙" * 4, "log": []} for i in range(issues)
        },
        "reports": [],
    }


def step(state: Doc, n: int) -> Doc:
    """The state after command ``n``: one issue's status changed and a line added to a growing list."""
    after = json.loads(json.dumps(state))
    after["issues"][f"iss-{n % len(after['issues'])}"]["status"] = f"s{n}"
    after["reports"].append({"n": n})
    return after


async def test_issue10_the_log_keeps_changes_and_a_state_every_snapshot_every_versions(service_settings):
    settings = service_settings()
    client = connect(settings)
    store = AggregateStore(client[settings.mongo_db]["files"], queried=())
    state = big_state(200)
    await store.create("f", state, applied_id="cmd-1")
    versions = SNAPSHOT_EVERY + 5
    for n in range(2, versions + 1):
        state = step(state, n)
        await store.update("f", n - 1, state, applied_id=f"cmd-{n}")

    stored = await store.get("f")
    assert stored is not None and stored.version == versions and stored.state == state
    entries = {doc["_id"]: doc async for doc in store.log.find({})}
    whole = sorted(doc["version"] for doc in entries.values() if "state" in doc)
    assert whole == [1, SNAPSHOT_EVERY]
    full, change = len(entries["f@1"]["state"]), len(entries["f@2"]["change"])
    assert change * 50 < full  # a change is a small fraction of the state it changes
    await client.close()


async def test_issue10_a_lost_projection_is_rebuilt_from_states_and_changes(service_settings):
    settings = service_settings()
    client = connect(settings)
    store = AggregateStore(client[settings.mongo_db]["files"], queried=())
    state = big_state(20)
    await store.create("f", state)
    states = {1: state}
    for n in range(2, SNAPSHOT_EVERY + 10):
        state = step(state, n)
        await store.update("f", n - 1, state)
        states[n] = state

    await store.collection.delete_one({"_id": "f"})  # a projection lost: only the log is left
    stored = await store.get("f")
    assert stored is not None and stored.state == state
    # A projection left behind at an old version (a writer that died before projecting) rolls forward.
    old = await store.log.find_one({"_id": "f@1"})
    assert old is not None
    behind = store._projection(old, None)
    await store.collection.replace_one({"_id": "f"}, behind)
    assert (await store.get("f")) == stored
    await client.close()


async def test_issue10_a_redelivered_command_finds_its_entry_by_id_with_the_state_it_left(service_settings):
    settings = service_settings()
    client = connect(settings)
    store = AggregateStore(client[settings.mongo_db]["files"], queried=())
    state = big_state(10)
    await store.create("f", state, applied_id="cmd-1")
    for n in range(2, 12):
        state = step(state, n)
        await store.update("f", n - 1, state, applied_id=f"cmd-{n}")
    expected = big_state(10)
    for n in range(2, 6):
        expected = step(expected, n)

    reads: list[Any] = []
    find_one = store.log.find_one

    async def counted(filter: Doc, *args: Any, **kwargs: Any) -> Any:
        reads.append(filter["_id"])
        return await find_one(filter, *args, **kwargs)

    store.log.find_one = counted  # type: ignore[method-assign]
    entry = await store.applied_entry("f", "cmd-5")
    assert entry is not None and entry["version"] == 5 and store.current_state(entry) == expected
    # The projection says which version applied cmd-5: its entry is read by _id, then back to the state.
    assert reads[0] == "f@12" and reads[1] == "f@5" and "f@11" not in reads
    assert await store.applied_entry("f", "cmd-99") is None
    await client.close()


async def test_issue10_xc08_changes_older_code_made_are_applied_in_their_schema_then_upcast(service_settings):
    settings = service_settings()
    client = connect(settings)
    old = AggregateStore(client[settings.mongo_db]["things"], queried=(), schema=StateSchema("thing", version=1))
    await old.create("a", {"summary": "leak", "notes": []})
    await old.update("a", 1, {"summary": "leak, worse", "notes": ["复查"]})
    assert "change" in (await old.log.find_one({"_id": "a@2"}) or {})

    v2 = StateSchema("thing", version=2, upcasters={1: rename_field("summary", "description")})
    new = AggregateStore(client[settings.mongo_db]["things"], queried=(), schema=v2)
    await new.collection.delete_one({"_id": "a"})  # rebuilt by the new code from v1 changes
    stored = await new.get("a")
    assert stored is not None and stored.state == {"description": "leak, worse", "notes": ["复查"]}
    await new.update("a", 2, {"description": "repaired", "notes": ["复查"]})
    await new.update("a", 3, {"description": "repaired", "notes": ["复查", "销项"]})
    third, fourth = await new.log.find_one({"_id": "a@3"}), await new.log.find_one({"_id": "a@4"})
    assert third is not None and fourth is not None and third["schema_version"] == 2
    assert "change" in fourth
    await new.collection.delete_one({"_id": "a"})
    assert (await new.get("a")) is not None
    assert (await new.get("a")).state == {"description": "repaired", "notes": ["复查", "销项"]}  # type: ignore[union-attr]
    await client.close()
