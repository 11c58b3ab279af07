"""The policy read model in MongoDB, fed by policy events.

``policy_coverage`` keeps one document per policy, the fold of its events (read only when the next
policy event arrives); ``policy_facts`` the same without the unit list; ``policy_units`` one small
document per covered unit: its policy and owners. A claim report reads two small documents by primary
key, however many units the policy covers (FerretDB reads a whole document even for a projection);
a policy-wide event (liability start, end) rewrites two documents. Applying an event twice changes
nothing.

``policy_read_model`` holds one document, the *generation*: a fresh random token written after every
change of the read model (and of the repair hints intake consults). An intake cache reads it once per
batch — one small read by primary key — and drops what it holds when it changed, so cached policies are
never older than the generation read at the start of the batch.
"""

from __future__ import annotations

import uuid

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from anju_claims.domain.coverage import PolicyCoverage
from anju_kit.mongo import Doc

_GENERATION = "generation"


class CoverageStore:
    def __init__(
        self, policies: AsyncCollection[Doc], facts: AsyncCollection[Doc], units: AsyncCollection[Doc]
    ) -> None:
        self.policies = policies
        self.facts = facts
        self.units = units
        self.generations = facts.database["policy_read_model"]

    async def ensure_indexes(self) -> None:
        return None  # both collections are read by _id only

    async def get(self, policy_id: str) -> PolicyCoverage | None:
        doc = await self.policies.find_one({"_id": policy_id})
        return None if doc is None else PolicyCoverage.model_validate(doc["fold"])

    async def put(self, coverage: PolicyCoverage, *, previous: PolicyCoverage | None, seq: int) -> None:
        # Units first: after a crash in between, the redelivered event (not yet in the inbox) finds the
        # old fold and rewrites the units again. One replace at a time: FerretDB v1 stalls on bulk or
        # concurrent replaces of existing documents.
        before = previous.units if previous is not None else {}
        for unit_id, owners in sorted(coverage.units.items()):
            if before.get(unit_id) != owners:
                owners_doc = [o.model_dump(mode="json") for o in owners]
                await self.units.replace_one(
                    {"_id": unit_id}, {"policy_id": coverage.policy_id, "owners": owners_doc, "seq": seq}, upsert=True
                )
        facts = coverage.model_copy(update={"units": {}})
        await self.facts.replace_one(
            {"_id": coverage.policy_id}, {"facts": facts.model_dump(mode="json"), "seq": seq}, upsert=True
        )
        await self.policies.replace_one(
            {"_id": coverage.policy_id}, {"fold": coverage.model_dump(mode="json"), "seq": seq}, upsert=True
        )
        await self.bump_generation()

    async def generation(self) -> str | None:
        """The token of the read model's last change (``None`` before the first)."""
        doc = await self.generations.find_one({"_id": _GENERATION})
        return None if doc is None else str(doc["token"])

    async def bump_generation(self) -> None:
        """Tell every instance's cache that the read model changed; written *after* the change itself.

        A random token rather than a counter: FerretDB v1 applies updates non-atomically, so two
        concurrent increments could both write the same number; two random tokens always differ from
        the one a cache remembers."""
        try:
            await self.generations.replace_one({"_id": _GENERATION}, {"token": uuid.uuid4().hex}, upsert=True)
        except DuplicateKeyError:  # two first-ever upserts raced: the document exists now
            await self.generations.replace_one({"_id": _GENERATION}, {"token": uuid.uuid4().hex})

    async def load_new(self, coverages: list[PolicyCoverage], *, seq: int) -> None:
        """Bulk-load policies the read model does not hold yet (seeding: benchmarks, migrations);
        the same documents as :meth:`put`, written with three ``insert_many`` instead of one write each."""
        units = [
            {
                "_id": unit_id,
                "policy_id": cov.policy_id,
                "owners": [o.model_dump(mode="json") for o in owners],
                "seq": seq,
            }
            for cov in coverages
            for unit_id, owners in sorted(cov.units.items())
        ]
        facts = [
            {"_id": cov.policy_id, "facts": cov.model_copy(update={"units": {}}).model_dump(mode="json"), "seq": seq}
            for cov in coverages
        ]
        folds = [{"_id": cov.policy_id, "fold": cov.model_dump(mode="json"), "seq": seq} for cov in coverages]
        for collection, docs in ((self.units, units), (self.facts, facts), (self.policies, folds)):
            if docs:
                await collection.insert_many(docs, ordered=False)
        await self.bump_generation()

    async def policy_of(self, unit_id: str) -> str | None:
        """The policy covering ``unit_id`` (one small read by primary key)."""
        unit = await self.units.find_one({"_id": unit_id}, {"policy_id": 1})
        return None if unit is None else str(unit["policy_id"])

    async def for_unit(self, unit_id: str) -> PolicyCoverage | None:
        """The coverage of ``unit_id``: its policy's facts with only this unit's owners."""
        unit = await self.units.find_one({"_id": unit_id})
        if unit is None:
            return None
        policy = await self.facts.find_one({"_id": unit["policy_id"]})
        if policy is None:
            return None
        return PolicyCoverage.model_validate({**policy["facts"], "units": {unit_id: unit["owners"]}})
