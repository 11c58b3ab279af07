"""The benchmark's "old way" fixture: a slice of the claims projection, ``size`` documents (default
100,000), in the city's own database. Copies of seeded claims (cycled with an ``_id`` suffix when the city
holds fewer), so a field query on it costs what one on a 100,000-claim projection costs.
"""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient

from tests.bench.city.processes import CityNames

Doc = dict[str, Any]
SLICE = "claims_slice"
META = "claims_slice_meta"  # one document: the slice's size and some unit ids it holds


async def slice_units(mongo: AsyncMongoClient[Doc], names: CityNames) -> tuple[int, list[str]]:
    """The slice's size and unit ids found in it (0 and none when there is no slice)."""
    meta = await mongo[names.city_database][META].find_one({"_id": SLICE})
    return (0, []) if meta is None else (int(meta["size"]), [str(u) for u in meta["unit_ids"]])


async def build_slice(mongo: AsyncMongoClient[Doc], names: CityNames, size: int, *, batch: int = 1_000) -> int:
    """Make the slice hold ``size`` documents (kept when it does already); returns its size."""
    target = mongo[names.city_database][SLICE]
    if (await slice_units(mongo, names))[0] == size:
        return size
    await mongo[names.city_database][META].delete_one({"_id": SLICE})
    await target.drop()
    units: list[str] = []
    source = mongo[names.database("claims")]["claims"]
    written, round_ = 0, 0
    while written < size:
        docs: list[Doc] = []
        before = written
        async for doc in source.find({}).limit(size - written):
            if round_:
                doc["_id"] = f"{doc['_id']}#{round_}"
            elif len(units) < 20 and isinstance(doc.get("state"), dict) and doc["state"].get("unit_id"):
                units.append(str(doc["state"]["unit_id"]))
            docs.append(doc)
            if len(docs) == batch:
                await target.insert_many(docs, ordered=False)
                written += len(docs)
                docs = []
        if docs:
            await target.insert_many(docs, ordered=False)
            written += len(docs)
        if written == before:
            break  # no claims to copy
        round_ += 1
    await mongo[names.city_database][META].replace_one(
        {"_id": SLICE}, {"size": written, "unit_ids": units}, upsert=True
    )
    return written
