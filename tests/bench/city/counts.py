"""What the city's services hold afterwards, counted in their own databases (checks, not questions a page
asks: FerretDB reads each collection whole for these).

Only the city's own documents count (ids ``<tag>-…``): others' tests on the shared topics may reach the
city's services too. Obligations are counted in each service's commit log (``<aggregate>_log``: every
entry keeps the events it published), so the figure does not depend on the notify service that will
ledger them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pymongo import AsyncMongoClient

from anju_kit.mongo import state_of
from tests.bench.city.plan import CityPlan
from tests.bench.city.processes import CityNames
from tests.bench.city.risk_work import expected_issues

Doc = dict[str, Any]
_TYPE = re.compile(r'"type":"([^"]+)"')
OBLIGATION_EVENTS = {"ObligationOpened": "opened", "ObligationFulfilled": "fulfilled"}
_STATE = {"state": 1, "state_json": 1}  # a projection's state in either storage form (kit's state_of)


def planned(plan: CityPlan) -> dict[str, int]:
    return {
        **plan.expected(),
        **expected_issues(plan),
        "policies issued": plan.projects,
        "policies folded by claims": plan.projects,
        "final reports sealed": plan.projects,
        "units with owners": plan.units,
    }


async def stored_counts(mongo: AsyncMongoClient[Doc], names: CityNames, tag: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    claims, registry = mongo[names.database("claims")], mongo[names.database("registry")]
    for label, collection, kind in (
        ("claims", claims["claims"], "clm"),
        ("practitioners", registry["practitioners"], "pr"),
        ("teams", registry["teams"], "prj"),
    ):
        pipeline: Sequence[Doc] = [
            {"$match": ids_of(tag, kind)},
            {"$group": {"_id": "$state.status", "n": {"$sum": 1}}},
        ]
        async for doc in await collection.aggregate(list(pipeline)):
            counts[f"{label} {doc['_id']}"] = int(doc["n"])
    counts["policies folded by claims"] = await claims["policy_facts"].count_documents(ids_of(tag, "pol"))
    counts.update(await _policy(mongo, names, tag))
    counts.update(await _risk(mongo, names, tag))
    counts.update(await obligations(mongo, names, tag))
    return counts


async def _policy(mongo: AsyncMongoClient[Doc], names: CityNames, tag: str) -> dict[str, int]:
    found: Counter[str] = Counter()
    async for doc in mongo[names.database("policy")]["projects"].find(ids_of(tag, "prj"), _STATE):
        state = state_of(doc)
        found[f"projects {state.get('stage')}"] += 1
        found["policies issued"] += bool(state.get("policy_id"))
        found["units with owners"] += sum(1 for owners in (state.get("owners") or {}).values() if owners)
    return dict(found)


async def _risk(mongo: AsyncMongoClient[Doc], names: CityNames, tag: str) -> dict[str, int]:
    found: Counter[str] = Counter()
    async for doc in mongo[names.database("risk")]["risk_files"].find(ids_of(tag, "prj"), _STATE):
        state = state_of(doc)
        found["final reports sealed"] += state.get("final_report") is not None
        for issue in (state.get("issues") or {}).values():
            found[f"risk issues {issue.get('status')}"] += 1
            found[f"risk issues {issue.get('severity')}"] += 1
    return dict(found)


async def obligations(mongo: AsyncMongoClient[Doc], names: CityNames, tag: str) -> dict[str, int]:
    """ObligationOpened / ObligationFulfilled each service published, from its commit logs."""
    found: Counter[str] = Counter()
    for service in ("policy", "risk", "claims"):
        db = mongo[names.database(service)]
        for name in await db.list_collection_names():
            if not name.endswith("_log"):
                continue
            async for entry in db[name].find({"_id": {"$gte": f"{tag}-", "$lt": f"{tag}-~"}}, {"events": 1}):
                for event in entry.get("events") or ():
                    match = _TYPE.search(str(event.get("envelope", "")))
                    kind = OBLIGATION_EVENTS.get(match.group(1).rsplit(".", 1)[-1]) if match else None
                    if kind:
                        found[f"obligations {kind} ({service})"] += 1
    return dict(found)


def ids_of(tag: str, kind: str) -> Doc:
    """The city's own documents (others' tests on the shared topics may reach the city's services too)."""
    return {"_id": {"$gte": f"{tag}-{kind}-", "$lt": f"{tag}-{kind}-~"}}
