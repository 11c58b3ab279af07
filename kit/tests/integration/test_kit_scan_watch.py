"""The guard the city-scale test stands on (issue #10): what makes the local store read a whole
collection is seen, with the fields asked for and never the values."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo import AsyncMongoClient

from anju_kit.testing import scan_watch

pytestmark = pytest.mark.integration


async def test_only_exact_id_look_ups_pass_the_scan_watch(infra: Any, unique: Any) -> None:
    watch = scan_watch()
    name = unique("t_scan").replace("-", "_")
    async with AsyncMongoClient(infra.mongo_url) as client:
        things = client[name]["things"]
        with watch.watching() as scans:
            await things.insert_one({"_id": "a", "owner": "o-1"})
            await things.find_one({"_id": "a"})
            await things.replace_one({"_id": "a"}, {"owner": "o-2"}, upsert=True)
            await things.update_one({"_id": "a"}, {"$set": {"n": 1}})
            await things.delete_one({"_id": "zz"})
            assert scans == []
            await things.find_one({"owner": "o-2"})
            await things.find_one({"_id": {"$in": ["a", "b"]}})
            await things.count_documents({"owner": "secret-value"})
            await things.delete_many({})
        await client.drop_database(name)
    assert [(s.collection, s.command, s.filter_fields) for s in scans] == [
        ("things", "find", ("owner",)),
        ("things", "find", ("_id",)),
        ("things", "aggregate", ("owner",)),
        ("things", "delete", ()),
    ]
    assert "secret-value" not in repr(scans)
