"""CLM-06 repair links in MongoDB: ``claims_unit_repairs`` maps a unit to the claims that completed a repair
on it, ``claims_policy_repairs`` a policy to its units that had one (bulk intake skips the warranty look-up
for the many units that never did). Read and written by ``_id`` only; a hint is checked against the claim
itself when read, so one written for a commit that never happened costs a look-up, nothing more."""

from __future__ import annotations

from pymongo.asynchronous.collection import AsyncCollection

from anju_kit.mongo import Doc


class MongoRepairHints:
    def __init__(self, unit_repairs: AsyncCollection[Doc], policy_repairs: AsyncCollection[Doc]) -> None:
        self.unit_repairs = unit_repairs
        self.policy_repairs = policy_repairs

    @classmethod
    def beside(cls, claims: AsyncCollection[Doc]) -> MongoRepairHints:
        """The hints of the claims kept in ``claims`` (``<name>_unit_repairs``, ``<name>_policy_repairs``)."""
        database = claims.database
        return cls(database[f"{claims.name}_unit_repairs"], database[f"{claims.name}_policy_repairs"])

    async def note(self, unit_id: str, claim_id: str, policy_id: str | None) -> None:
        if policy_id is not None:
            await self.policy_repairs.update_one({"_id": policy_id}, {"$addToSet": {"units": unit_id}}, upsert=True)
        await self.unit_repairs.update_one({"_id": unit_id}, {"$addToSet": {"claims": claim_id}}, upsert=True)

    async def claims_of_unit(self, unit_id: str) -> list[str]:
        doc = await self.unit_repairs.find_one({"_id": unit_id})
        return list((doc or {}).get("claims", []))

    async def units_of_policy(self, policy_id: str) -> frozenset[str]:
        doc = await self.policy_repairs.find_one({"_id": policy_id})
        return frozenset((doc or {}).get("units", ()))
