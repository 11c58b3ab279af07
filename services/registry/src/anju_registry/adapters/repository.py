"""Registry aggregates in MongoDB on the kit's ``AggregateStore``: an insert-only commit log per
aggregate (compare-and-set on ``version``, the outbox of events, applied command ids, the history
with actor, XC-04) and a current-state projection, both read by ``_id`` only.

No query here filters on a field: on the local store any such filter reads the whole collection
(issue #10). Listings and counts are read models (:mod:`anju_registry.read_models`); whether an
identity is taken is :mod:`anju_registry.adapters.identities`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from anju_kit.mongo import AggregateStore, Doc
from anju_kit.repository import AggregateRepository
from anju_kit.upcasting import StateSchema
from anju_registry.adapters.identities import IdentityClaims
from anju_registry.domain.agency import Agency
from anju_registry.domain.aggregate import Aggregate
from anju_registry.domain.insurer import Insurer
from anju_registry.domain.practitioner import Practitioner
from anju_registry.domain.team import Team

A = TypeVar("A", bound=Aggregate)

# The stored shape of each aggregate (XC-08: kept 10 years). Changing a model's fields in a way an old
# state would not validate against means: bump its version and add the upcaster from the one before.
AGENCY_SCHEMA = StateSchema("agency", version=1)
PRACTITIONER_SCHEMA = StateSchema("practitioner", version=1)
INSURER_SCHEMA = StateSchema("insurer", version=1)
TEAM_SCHEMA = StateSchema("team", version=1)


class Repository(AggregateRepository[A]):
    """One kind of aggregate (agencies, practitioners, insurers or teams)."""

    store: AggregateStore  # the MongoDB store itself: the outbox relay publishes from it

    def __init__(self, collection: AsyncCollection[Doc], model: type[A], schema: StateSchema) -> None:
        super().__init__(AggregateStore(collection, schema=schema), model.model_validate)
        self.collection = collection
        self.model = model


@dataclass(frozen=True)
class Repositories:
    agencies: Repository[Agency]
    practitioners: Repository[Practitioner]
    insurers: Repository[Insurer]
    teams: Repository[Team]
    identities: IdentityClaims

    @classmethod
    def on(cls, db: AsyncDatabase[Doc]) -> Repositories:
        practitioners = Repository(db["practitioners"], Practitioner, PRACTITIONER_SCHEMA)

        async def held_hash(practitioner_id: str) -> str | None:
            loaded = await practitioners.get(practitioner_id)
            return loaded.aggregate.identity.id_number_hash if loaded else None

        return cls(
            agencies=Repository(db["agencies"], Agency, AGENCY_SCHEMA),
            practitioners=practitioners,
            insurers=Repository(db["insurers"], Insurer, INSURER_SCHEMA),
            teams=Repository(db["teams"], Team, TEAM_SCHEMA),
            identities=IdentityClaims(db["practitioner_identities"], held_hash),
        )

    def all(self) -> tuple[Repository[Any], ...]:
        return (self.agencies, self.practitioners, self.insurers, self.teams)

    async def ensure_indexes(self) -> None:
        for repo in self.all():
            await repo.ensure_indexes()

    async def identity_taken(self, id_number_hash: str, practitioner_id: str, *, now: datetime) -> bool:
        """Real-name: one person is listed once (实名制, REG-02); exact, see adapters.identities."""
        return await self.identities.taken(id_number_hash, practitioner_id, now=now)
