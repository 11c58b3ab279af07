"""Registry aggregates in MongoDB on the kit's ``AggregateStore``: an insert-only commit log per
aggregate (compare-and-set on ``version``, the outbox of events, applied command ids, the history
with actor, XC-04) and a current-state projection for queries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from anju_contracts.base import Event
from anju_kit.mongo import AggregateStore, Doc, HistoryEntry, OutgoingEvent
from anju_kit.upcasting import StateSchema
from anju_registry.domain.agency import Agency
from anju_registry.domain.aggregate import Aggregate
from anju_registry.domain.insurer import Insurer
from anju_registry.domain.practitioner import Practitioner
from anju_registry.domain.team import Team, TeamStatus

A = TypeVar("A", bound=Aggregate)

# The stored shape of each aggregate (XC-08: kept 10 years). Changing a model's fields in a way an old
# state would not validate against means: bump its version and add the upcaster from the one before.
AGENCY_SCHEMA = StateSchema("agency", version=1)
PRACTITIONER_SCHEMA = StateSchema("practitioner", version=1)
INSURER_SCHEMA = StateSchema("insurer", version=1)
TEAM_SCHEMA = StateSchema("team", version=1)


@dataclass(frozen=True)
class Loaded(Generic[A]):
    aggregate: A
    version: int
    applied: frozenset[str]


class Repository(Generic[A]):
    """One kind of aggregate (agencies, practitioners, insurers or teams)."""

    def __init__(self, collection: AsyncCollection[Doc], model: type[A], schema: StateSchema, *indexed: str) -> None:
        self.store = AggregateStore(collection, schema=schema)
        self.collection = collection
        self.model = model
        self._indexed = indexed

    async def ensure_indexes(self) -> None:
        await self.store.ensure_indexes(*self._indexed)

    async def get(self, doc_id: str) -> Loaded[A] | None:
        stored = await self.store.get(doc_id)
        if stored is None:
            return None
        return Loaded(self.model.model_validate(stored.state), stored.version, stored.applied)

    async def add(
        self, doc_id: str, aggregate: A, events: Sequence[OutgoingEvent], *, applied_id: str, history: HistoryEntry
    ) -> int:
        return await self.store.create(doc_id, aggregate.state(), events, applied_id=applied_id, history=history)

    async def save(
        self,
        doc_id: str,
        aggregate: A,
        loaded: Loaded[A],
        events: Sequence[OutgoingEvent],
        *,
        applied_id: str,
        history: HistoryEntry,
    ) -> int:
        return await self.store.update(
            doc_id, loaded.version, aggregate.state(), events, applied_id=applied_id, history=history
        )

    async def find(self, query: Mapping[str, Any], *, limit: int = 500) -> list[A]:
        return [self.model.model_validate(s) for s in await self.store.find_states(query, limit=limit)]

    async def history(self, doc_id: str) -> list[Doc]:
        return await self.store.history(doc_id)

    async def applied_events(self, doc_id: str, applied_id: str) -> tuple[Event, ...]:
        return await self.store.applied_events(doc_id, applied_id)


@dataclass(frozen=True)
class Repositories:
    agencies: Repository[Agency]
    practitioners: Repository[Practitioner]
    insurers: Repository[Insurer]
    teams: Repository[Team]

    @classmethod
    def on(cls, db: AsyncDatabase[Doc]) -> Repositories:
        return cls(
            agencies=Repository(db["agencies"], Agency, AGENCY_SCHEMA, "status"),
            practitioners=Repository(
                db["practitioners"], Practitioner, PRACTITIONER_SCHEMA, "agency_id", "status", "identity.id_number_hash"
            ),
            insurers=Repository(db["insurers"], Insurer, INSURER_SCHEMA),
            teams=Repository(db["teams"], Team, TEAM_SCHEMA, "lead_id", "agency_id", "insurer_id", "status"),
        )

    def all(self) -> tuple[Repository[Any], ...]:
        return (self.agencies, self.practitioners, self.insurers, self.teams)

    async def ensure_indexes(self) -> None:
        for repo in self.all():
            await repo.ensure_indexes()

    async def lead_load(self, lead_id: str, *, except_project: str) -> int:
        """Projects the lead runs at once now, ``except_project`` excluded (REG-03)."""
        query = {"state.lead_id": lead_id, "state.status": TeamStatus.ACTIVE.value, "_id": {"$ne": except_project}}
        return await self.teams.collection.count_documents(query)

    async def identity_taken(self, id_number_hash: str, practitioner_id: str) -> bool:
        """Real-name: one person is listed once (实名制)."""
        query = {"state.identity.id_number_hash": id_number_hash, "_id": {"$ne": practitioner_id}}
        return await self.practitioners.collection.count_documents(query, limit=1) > 0
