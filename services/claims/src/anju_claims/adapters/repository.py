"""Claims in MongoDB on the kit's ``AggregateStore``: an insert-only commit log per claim (the
compare-and-set on ``version``, the outbox of events, applied command ids, the history with actor)
and a current-state projection for queries.

``next_due_at`` is stored as a real date-time beside the JSON state so the due-timer sweeper can
query and lease due claims with one atomic ``find_one_and_update``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from anju_claims.domain.claim import Claim
from anju_claims.domain.warranty import RepairWarranty
from anju_contracts import claims as c
from anju_contracts.policy import BuildingPart
from anju_kit.mongo import AggregateStore, Doc, HistoryEntry, NewAggregate, OutgoingEvent

_NEXT_DUE = "next_due_at"


@dataclass(frozen=True)
class LoadedClaim:
    claim: Claim
    version: int
    applied: frozenset[str]


def to_state(claim: Claim) -> Doc:
    state = claim.model_dump(mode="json")
    state[_NEXT_DUE] = claim.next_due_at  # a BSON date, for the sweeper's range query
    return state


def from_state(state: Doc) -> Claim:
    return Claim.model_validate({k: v for k, v in state.items() if k != _NEXT_DUE})


class ClaimRepository:
    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self.store = AggregateStore(collection)
        self.collection = collection
        # unit id -> ids of claims whose repair was completed there (CLM-06 linking by primary key)
        self.unit_repairs = collection.database[f"{collection.name}_unit_repairs"]
        # policy id -> units with a completed repair: lets bulk intake skip the CLM-06 look-up for the
        # (many) units that never had one, with one cached read per policy
        self.policy_repairs = collection.database[f"{collection.name}_policy_repairs"]

    async def ensure_indexes(self) -> None:
        await self.store.ensure_indexes("unit_id", "insurer_id", "owner_id")
        await self.collection.create_index([(f"state.{_NEXT_DUE}", ASCENDING)])

    async def get(self, claim_id: str) -> LoadedClaim | None:
        stored = await self.store.get(claim_id)
        if stored is None:
            return None
        return LoadedClaim(from_state(stored.state), stored.version, stored.applied)

    async def add(
        self, claim: Claim, events: Sequence[OutgoingEvent], *, applied_id: str, history: HistoryEntry
    ) -> int:
        return await self.store.create(claim.claim_id, to_state(claim), events, applied_id=applied_id, history=history)

    async def save(
        self,
        claim: Claim,
        expected_version: int,
        events: Sequence[OutgoingEvent],
        *,
        applied_id: str,
        history: HistoryEntry,
    ) -> int:
        return await self.store.update(
            claim.claim_id, expected_version, to_state(claim), events, applied_id=applied_id, history=history
        )

    async def history(self, claim_id: str) -> list[Doc]:
        """Every change of the claim with its actor, oldest first (XC-04)."""
        return await self.store.history(claim_id)

    async def for_unit(self, unit_id: str, *, limit: int = 500) -> list[Claim]:
        """Every claim of a unit, oldest first: one household, one file (XC-03)."""
        states = await self.store.find_states({"state.unit_id": unit_id}, limit=limit)
        return sorted((from_state(s) for s in states), key=lambda claim: claim.reported_at)

    async def find(self, query: dict[str, Any], *, limit: int = 200) -> list[Claim]:
        return [from_state(s) for s in await self.store.find_states(query, limit=limit)]

    async def find_versioned(self, query: dict[str, Any], *, limit: int = 200) -> list[tuple[Claim, int]]:
        """Claims with their versions, oldest report first (the projection may trail the log by a write)."""
        cursor = self.collection.find(dict(query), {"state": 1, "version": 1}).limit(limit)
        found = [(from_state(doc["state"]), int(doc["version"])) async for doc in cursor]
        return sorted(found, key=lambda pair: pair[0].reported_at)

    async def add_many(self, items: Sequence[NewAggregate]) -> set[str]:
        """Create many claims at once (bulk intake); returns the ids created now, the others existed."""
        return await self.store.create_many(items)

    async def note_warranty(self, unit_id: str, claim_id: str, policy_id: str | None = None) -> None:
        """Remember that ``claim_id`` completes a repair on ``unit_id``; written before the claim's commit,
        so a warranty is never missed, and checked against the claim itself when read."""
        if policy_id is not None:
            await self.policy_repairs.update_one({"_id": policy_id}, {"$addToSet": {"units": unit_id}}, upsert=True)
        await self.unit_repairs.update_one({"_id": unit_id}, {"$addToSet": {"claims": claim_id}}, upsert=True)

    async def repaired_units(self, policy_id: str) -> frozenset[str]:
        """Units of ``policy_id`` with a completed repair (a hint: the claims themselves are checked)."""
        doc = await self.policy_repairs.find_one({"_id": policy_id})
        return frozenset((doc or {}).get("units", ()))

    async def warranties(self, unit_id: str, part: BuildingPart) -> list[RepairWarranty]:
        """Repair warranties (CLM-06) on this unit and part, for linking a new report (reads by _id only)."""
        doc = await self.unit_repairs.find_one({"_id": unit_id})
        found: list[RepairWarranty] = []
        for claim_id in (doc or {}).get("claims", []):
            loaded = await self.get(claim_id)
            if loaded is None or loaded.claim.status is not c.ClaimStatus.REPAIRED:
                continue  # the hint of a commit that did not happen, or a later state
            warranty = loaded.claim.repair_warranty()
            if warranty is not None and warranty.part is part:
                found.append(warranty)
        return found

    async def lease_due(self, now: datetime, owner: str, lease: timedelta) -> str | None:
        """Lease one claim with an overdue deadline; another instance will not get it until the lease ends.

        (No projection: FerretDB's findAndModify does not implement ``fields``.)"""
        doc = await self.collection.find_one_and_update(
            {
                f"state.{_NEXT_DUE}": {"$lte": now},
                "$or": [{"_lease_until": None}, {"_lease_until": {"$lt": now}}],
            },
            {"$set": {"_lease_until": now + lease, "_lease_owner": owner}},
            sort=[(f"state.{_NEXT_DUE}", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else str(doc["_id"])

    async def release(self, claim_id: str, owner: str) -> None:
        await self.collection.update_one(
            {"_id": claim_id, "_lease_owner": owner}, {"$set": {"_lease_until": None, "_lease_owner": None}}
        )
