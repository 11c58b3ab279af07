"""Claims in MongoDB on the kit's ``AggregateStore``: an insert-only commit log per claim (the
compare-and-set on ``version``, the outbox of events, applied command ids, the history with actor)
and a current-state projection for queries.

The legal clock's due index is a read model (``claims.due`` in anju_claims.read_models), folded from
the obligations each commit publishes: nothing is noted here before a commit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from pymongo.asynchronous.collection import AsyncCollection

from anju_claims.domain.claim import Claim
from anju_claims.domain.warranty import RepairWarranty
from anju_contracts import claims as c
from anju_contracts.base import Event
from anju_contracts.policy import BuildingPart
from anju_kit.mongo import AggregateStore, CreatedBatch, Doc, HistoryEntry, NewAggregate, OutgoingEvent
from anju_kit.upcasting import StateSchema

# The claim fields queries filter on (``state.<name>``): HTTP listings, one household one file (XC-03).
QUERIED_FIELDS = ("claim_id", "unit_id", "owner_id", "insurer_id", "policy_id", "project_id", "status")

# The stored shape of a claim (XC-08: kept 10 years). Changing ``Claim``'s fields in a way an old state
# would not validate against means: bump the version and add the upcaster from the one before.
CLAIM_SCHEMA = StateSchema("claim", version=1)


@dataclass(frozen=True)
class LoadedClaim:
    claim: Claim
    version: int
    applied: frozenset[str]
    due_at: datetime | None  # the claim's next_due_at as loaded (``claim`` changes in place)

    @property
    def aggregate(self) -> Claim:
        return self.claim


def to_state(claim: Claim) -> Doc:
    return claim.model_dump(mode="json")


def from_state(state: Doc) -> Claim:
    return Claim.model_validate(state)


class ClaimRepository:
    def __init__(self, collection: AsyncCollection[Doc], *, schema: StateSchema = CLAIM_SCHEMA) -> None:
        # Compact storage: the whole claim as one JSON string, these fields as a document for queries.
        self.store = AggregateStore(collection, queried=QUERIED_FIELDS, schema=schema)
        self.collection = collection
        # Stored entries name their claim in ``claim_id`` (kept: entries written before are still read).
        # unit id -> ids of claims whose repair was completed there (CLM-06 linking by primary key)
        self.unit_repairs = collection.database[f"{collection.name}_unit_repairs"]
        # policy id -> units with a completed repair: lets bulk intake skip the CLM-06 look-up for the
        # (many) units that never had one, with one cached read per policy
        self.policy_repairs = collection.database[f"{collection.name}_policy_repairs"]

    async def ensure_indexes(self) -> None:
        await self.store.ensure_indexes("unit_id", "insurer_id", "owner_id")

    async def get(self, claim_id: str) -> LoadedClaim | None:
        stored = await self.store.get(claim_id)
        if stored is None:
            return None
        claim = from_state(stored.state)
        return LoadedClaim(claim, stored.version, stored.applied, claim.next_due_at)

    async def add(
        self, claim_id: str, claim: Claim, events: Sequence[OutgoingEvent], *, applied_id: str, history: HistoryEntry
    ) -> int:
        return await self.store.create(claim_id, to_state(claim), events, applied_id=applied_id, history=history)

    async def save(
        self,
        claim_id: str,
        claim: Claim,
        loaded: LoadedClaim,
        events: Sequence[OutgoingEvent],
        *,
        applied_id: str,
        history: HistoryEntry,
    ) -> int:
        """Commit the version after ``loaded`` (the compare-and-set: ``VersionConflict`` when taken)."""
        return await self.store.update(
            claim_id, loaded.version, to_state(claim), events, applied_id=applied_id, history=history
        )

    async def applied_events(self, claim_id: str, applied_id: str) -> tuple[Event, ...]:
        return await self.store.applied_events(claim_id, applied_id)

    async def history(self, claim_id: str) -> list[Doc]:
        """Every change of the claim with its actor, oldest first (XC-04)."""
        return await self.store.history(claim_id)

    async def add_many(
        self,
        items: Sequence[NewAggregate],
        *,
        after_commit: Callable[[CreatedBatch], Awaitable[None]] | None = None,
    ) -> CreatedBatch:
        """Create many claims at once (bulk intake); tells the ids created now (the others existed)."""
        return await self.store.create_many(items, after_commit=after_commit)

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
