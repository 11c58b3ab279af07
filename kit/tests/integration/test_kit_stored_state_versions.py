"""XC-08 on the real local FerretDB: AggregateStore stamps the schema version on every log entry and
projection, upcasts what older code wrote (on read and when rolling the projection forward), never
rewrites a log entry, and refuses a state written by newer code."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from anju_kit.mongo import AggregateStore, Doc, NewAggregate, connect
from anju_kit.upcasting import StateSchema, StateTooNew, rename_field

pytestmark = pytest.mark.integration

V1 = StateSchema("thing", version=1)
# Version 2: the field "summary" is now called "description".
V2 = StateSchema("thing", version=2, upcasters={1: rename_field("summary", "description")})


def entry_before_versions(doc_id: str, version: int, state: Doc) -> Doc:
    """A log entry exactly as the store wrote it before schema versions existed (no ``schema_version``)."""
    return {
        "_id": f"{doc_id}@{version}",
        "aggregate_id": doc_id,
        "version": version,
        "state": state,
        "applied_id": f"cmd-{version}",
        "events": [],
        "history": None,
        "at": datetime.now(UTC),
    }


async def test_every_log_entry_and_projection_carries_the_current_schema_version(service_settings):
    settings = service_settings()
    client = connect(settings)
    store = AggregateStore(client[settings.mongo_db]["stamped"], schema=V2)
    await store.create("a", {"description": "leak"})
    await store.update("a", 1, {"description": "leak, worse"})
    await store.create_many([NewAggregate("b", {"description": "crack"})])

    entries = [doc async for doc in store.log.find({})]
    projections = [doc async for doc in store.collection.find({})]
    assert len(entries) == 3 and len(projections) == 2
    assert {doc["schema_version"] for doc in entries + projections} == {2}
    await client.close()


async def test_states_older_code_wrote_are_upcast_on_read_and_in_the_projection_but_the_log_is_kept(
    service_settings,
):
    settings = service_settings()
    client = connect(settings)
    collection = client[settings.mongo_db]["old_things"]
    # What the code before XC-08 left: entries 1 and 2 in the log, the projection still at version 1.
    await collection.database["old_things_log"].insert_many(
        [entry_before_versions("a", 1, {"summary": "leak"}), entry_before_versions("a", 2, {"summary": "leak, worse"})]
    )
    await collection.insert_one(
        {"_id": "a", "version": 1, "state": {"summary": "leak"}, "_applied": ["cmd-1"], "created_at": datetime.now(UTC)}
        | {"updated_at": datetime.now(UTC)}
    )

    store = AggregateStore(collection, schema=V2)
    stored = await store.get("a")  # rolls the projection forward over entry 2, upcasting it

    assert stored is not None and stored.version == 2 and stored.state == {"description": "leak, worse"}
    assert stored.applied == {"cmd-1", "cmd-2"}
    projection = await collection.find_one({"_id": "a"})
    assert projection is not None and projection["schema_version"] == 2
    assert projection["state"] == {"description": "leak, worse"}
    projected = await store.projected("a")
    assert projected is not None and projected.state == {"description": "leak, worse"}

    await store.update("a", 2, stored.state | {"description": "repaired"})
    entries = {doc["_id"]: doc async for doc in store.log.find({})}
    assert entries["a@3"]["schema_version"] == 2 and entries["a@3"]["state"] == {"description": "repaired"}
    for old in ("a@1", "a@2"):  # the log is insert-only: old entries keep their shape, unstamped
        assert "schema_version" not in entries[old] and "summary" in entries[old]["state"]
    await client.close()


async def test_a_state_newer_code_wrote_is_refused_by_older_code_and_left_as_it_is(service_settings):
    settings = service_settings()
    client = connect(settings)
    collection = client[settings.mongo_db]["newer"]
    newer = AggregateStore(collection, schema=V2)
    older = AggregateStore(collection, schema=V1)
    await older.create("a", {"summary": "leak"})
    await newer.create("b", {"description": "crack"})

    with pytest.raises(StateTooNew, match="thing b: stored state has schema version 2, newer than the 1"):
        await older.get("b")
    with pytest.raises(StateTooNew):
        await older.projected("b")

    # Newer code committed version 2 of "a" but its projection write was lost: older code must not
    # roll the projection forward over an entry it cannot read.
    await newer.log.insert_one(entry_before_versions("a", 2, {"description": "leak, worse"}) | {"schema_version": 2})
    with pytest.raises(StateTooNew, match="thing a@2"):
        await older.get("a")
    projection = await collection.find_one({"_id": "a"})
    assert projection is not None and projection["version"] == 1 and projection["state"] == {"summary": "leak"}
    stored = await newer.get("a")
    assert stored is not None and stored.version == 2 and stored.state == {"description": "leak, worse"}
    await client.close()
