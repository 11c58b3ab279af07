"""Claims on the kit's aggregate store: an insert-only commit log per claim (the compare-and-set on
``version``, the outbox of events, applied command ids, the history with actor) and a current-state
projection for queries.

The legal clock's due index is a read model (``claims.due`` in anju_claims.read_models), folded from
the obligations each commit publishes: nothing is noted here before a commit.

The repository takes its store and repair hints (the ports of anju_kit.ports / anju_claims.ports), so the
same code runs on MongoDB (:meth:`ClaimRepository.in_mongo`) and, in component tests, on the kit's
in-memory doubles.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from pymongo.asynchronous.collection import AsyncCollection

from anju_claims.adapters.repair_hints import MongoRepairHints
from anju_claims.domain.claim import Claim
from anju_claims.domain.warranty import RepairWarranty
from anju_claims.ports import LoadedClaim, RepairHints
from anju_contracts import claims as c
from anju_contracts.base import Event
from anju_contracts.policy import BuildingPart
from anju_kit.mongo import AggregateStore, CreatedBatch, Doc, HistoryEntry, NewAggregate, OutgoingEvent
from anju_kit.ports import AggregateStorage
from anju_kit.upcasting import StateSchema

__all__ = ["CLAIM_SCHEMA", "QUERIED_FIELDS", "ClaimRepository", "LoadedClaim", "claim_store", "from_state", "to_state"]

# The claim fields kept as a document on the projection (``state.<name>``) for an operator's ad-hoc
# queries; the service itself answers every question from its read models by ``_id`` (issue #10).
QUERIED_FIELDS = ("claim_id", "unit_id", "owner_id", "insurer_id", "policy_id", "project_id", "status")

# The stored shape of a claim (XC-08: kept 10 years). Changing ``Claim``'s fields in a way an old state
# would not validate against means: bump the version and add the upcaster from the one before.
CLAIM_SCHEMA = StateSchema("claim", version=1)


def to_state(claim: Claim) -> Doc:
    return claim.model_dump(mode="json")


def from_state(state: Doc) -> Claim:
    return Claim.model_validate(state)


def claim_store(collection: AsyncCollection[Doc], *, schema: StateSchema = CLAIM_SCHEMA) -> AggregateStore:
    """The claims' aggregate store in MongoDB. Compact: the whole claim as one JSON string, a few fields
    beside it as a document for an operator."""
    return AggregateStore(collection, queried=QUERIED_FIELDS, schema=schema)


class ClaimRepository:
    def __init__(self, store: AggregateStorage, *, repairs: RepairHints) -> None:
        self.store = store
        # unit id -> claims that completed a repair there; policy id -> its units with one (CLM-06)
        self.repairs = repairs

    @classmethod
    def in_mongo(cls, collection: AsyncCollection[Doc], *, schema: StateSchema = CLAIM_SCHEMA) -> ClaimRepository:
        """The claims kept in ``collection`` with their log, outbox and repair hints beside it."""
        return cls(claim_store(collection, schema=schema), repairs=MongoRepairHints.beside(collection))

    async def ensure_indexes(self) -> None:
        await self.store.ensure_indexes()

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
        await self.repairs.note(unit_id, claim_id, policy_id)

    async def repaired_units(self, policy_id: str) -> frozenset[str]:
        """Units of ``policy_id`` with a completed repair (a hint: the claims themselves are checked)."""
        return await self.repairs.units_of_policy(policy_id)

    async def warranties(self, unit_id: str, part: BuildingPart) -> list[RepairWarranty]:
        """Repair warranties (CLM-06) on this unit and part, for linking a new report (reads by _id only)."""
        found: list[RepairWarranty] = []
        for claim_id in await self.repairs.claims_of_unit(unit_id):
            loaded = await self.get(claim_id)
            if loaded is None or loaded.claim.status is not c.ClaimStatus.REPAIRED:
                continue  # the hint of a commit that did not happen, or a later state
            warranty = loaded.claim.repair_warranty()
            if warranty is not None and warranty.part is part:
                found.append(warranty)
        return found
