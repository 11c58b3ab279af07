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


async def build_slice(mongo: AsyncMongoClient[Doc], names: CityNames, size: int, *, batch: int = 1_000) -> int:
    """Make the slice hold ``size`` documents (kept when it does already); returns its size."""
    target = mongo[names.city_database][SLICE]
    if await target.estimated_document_count() == size:
        return size
    await target.drop()
    source = mongo[names.database("claims")]["claims"]
    written, round_ = 0, 0
    while written < size:
        docs: list[Doc] = []
        before = written
        async for doc in source.find({}).limit(size - written):
            if round_:
                doc["_id"] = f"{doc['_id']}#{round_}"
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
    return written
