"""XC-08 (records kept 10 years): a claim stored in an older shape still loads through the repository.

The claim is written raw into the log and the projection exactly as the code before schema versions
wrote it (no ``schema_version``, or version 1), in a made-up *version 1* shape in which today's
``description`` was called ``summary``. A test-only schema says today's shape is version 2, reached by
renaming the field; the repository loads, lists and saves the claim, the old log entry stays as it
was, and the code that knows only version 1 refuses the claim once version 2 wrote it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from claims_factories import UNIT, reported

from anju_claims.adapters.repository import CLAIM_SCHEMA, QUERIED_FIELDS, ClaimRepository, from_state, to_state
from anju_contracts import Actor, Role
from anju_kit.mongo import Doc, HistoryEntry, connect
from anju_kit.upcasting import StateSchema, StateTooNew, rename_field

pytestmark = pytest.mark.integration

ACTOR = Actor(id="test-system", role=Role.SYSTEM, region="shanghai")
# Test-only: today's claim shape as version 2 of a claim whose version 1 called the description "summary".
CLAIM_V2 = StateSchema("claim", version=2, upcasters={1: rename_field("summary", "description")})


def version_1_state(claim_id: str) -> Doc:
    state = to_state(reported(claim_id=claim_id))
    state["summary"] = state.pop("description")
    return state


def stored_before(claim_id: str, state: Doc, stamp: dict[str, int]) -> tuple[Doc, Doc]:
    """The log entry and the projection the compact store wrote for a new claim (plus ``stamp``)."""
    state_json = json.dumps(state, ensure_ascii=False, separators=(",", ":"))
    at = datetime.now(UTC)
    entry = {
        "_id": f"{claim_id}@1",
        "aggregate_id": claim_id,
        "version": 1,
        "state": state_json,
        "applied_id": f"cmd-{claim_id}",
        "events": [],
        "history": None,
        "at": at,
    } | stamp
    projection = {
        "_id": claim_id,
        "version": 1,
        "state": {name: state[name] for name in QUERIED_FIELDS if name in state},
        "state_json": state_json,
        "_applied": [f"cmd-{claim_id}"],
        "created_at": at,
        "updated_at": at,
    } | stamp
    return entry, projection


@pytest.mark.parametrize("stamp", [{}, {"schema_version": 1}], ids=["no schema_version", "schema_version 1"])
async def test_a_claim_stored_in_an_older_shape_loads_lists_and_saves_through_the_repository(service_settings, stamp):
    settings = service_settings()
    client = connect(settings)
    collection = client[settings.mongo_db]["claims"]
    description = reported().description
    entry, projection = stored_before("clm-1", version_1_state("clm-1"), stamp)
    lost_projection, _ = stored_before("clm-2", version_1_state("clm-2"), stamp)  # its projection write was lost
    await collection.database["claims_log"].insert_many([entry, lost_projection])
    await collection.insert_one(projection)

    repo = ClaimRepository.in_mongo(collection, schema=CLAIM_V2)

    loaded = await repo.get("clm-1")
    assert loaded is not None and loaded.version == 1 and loaded.applied == {"cmd-clm-1"}
    assert loaded.claim.description == description and loaded.claim.unit_id == UNIT
    from_log = await repo.get("clm-2")  # rolled forward from the log: the new projection is upcast
    assert from_log is not None and from_log.claim.description == description
    rebuilt = await collection.find_one({"_id": "clm-2"})
    assert rebuilt is not None and rebuilt["schema_version"] == 2
    assert json.loads(rebuilt["state_json"])["description"] == description
    # read straight from the projection (what a listing reads), one of them still in the old shape
    listed = [await repo.store.projected(claim_id) for claim_id in ("clm-1", "clm-2")]
    assert [from_state(s.state).description for s in listed if s is not None] == [description, description]

    history = HistoryEntry(action="xc08-resave", actor=ACTOR, at=datetime.now(UTC))
    saved = await repo.save("clm-1", loaded.claim, loaded, [], applied_id="cmd-2", history=history)
    assert saved == 2
    new_entry = await collection.database["claims_log"].find_one({"_id": "clm-1@2"})
    assert new_entry is not None and new_entry["schema_version"] == 2
    assert json.loads(new_entry["state"])["description"] == description
    old_entry = await collection.database["claims_log"].find_one({"_id": "clm-1@1"})
    assert old_entry == entry | {"at": old_entry["at"]}  # never rewritten (the time only loses precision)

    # The code that knows only version 1 refuses what version 2 wrote, rather than misread it.
    with pytest.raises(StateTooNew, match="claim clm-1: stored state has schema version 2"):
        await ClaimRepository.in_mongo(collection).get("clm-1")
    await client.close()


async def test_claims_stored_today_are_stamped_with_the_claims_schema_version(service_settings):
    settings = service_settings()
    client = connect(settings)
    collection = client[settings.mongo_db]["claims"]
    repo = ClaimRepository.in_mongo(collection)
    claim = reported()
    history = HistoryEntry(action="report", actor=ACTOR, at=datetime.now(UTC))
    await repo.add(claim.claim_id, claim, [], applied_id="cmd-1", history=history)

    assert CLAIM_SCHEMA.version == 1  # no claim shape change yet: bump it with an upcaster when there is
    entry = await collection.database["claims_log"].find_one({"_id": f"{claim.claim_id}@1"})
    projection = await collection.find_one({"_id": claim.claim_id})
    assert entry is not None and projection is not None
    assert entry["schema_version"] == projection["schema_version"] == CLAIM_SCHEMA.version
    await client.close()
