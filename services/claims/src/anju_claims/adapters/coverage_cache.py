"""An in-process cache of the policy read model for bulk intake (the batch path of ``ReportClaim``).

FerretDB answers a look-up by ``_id`` in ~2–3 ms when idle and tens of milliseconds under intake load,
and does not get faster with concurrency, so reads per report cap intake at a few hundred claims per
second. Claims arrive per project: many reports in a batch fall under the same few policies. The
cache therefore keeps whole policies (the fold of their events, with every covered unit and its
owners) plus the units of each policy that had a repair (CLM-06 hints), and maps units to policies
through the folds it holds.

What is cached and what is not:

* only what was *found*: a unit the read model does not know is read again on every report (a
  policy issued a moment ago must not be refused from a remembered miss);
* documents, never decisions: the coverage check runs on every report against the dates in the
  cached fold (liability start, contractor warranty end, part periods, policy end) and the report's
  own date;
* freshness: every look-up first reads the read model's *generation* (one small document by primary
  key, rewritten by every instance after each projected policy event and each completed repair) and
  drops the whole cache when it changed. A decision therefore rests on the read model as it was at
  the start of the batch — the projection's own lag behind the policy topic is the only staleness;
* bounded memory and a safety net: an entry is used for at most ``max_age_s`` seconds (a random
  half to all of it, so reloads spread out), and expired entries are dropped on every look-up, so
  the cache holds at most the policies seen in that time, however many claims have been stored;
* what a batch needs and the cache lacks is read concurrently, not one read after another.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from anju_claims.domain.coverage import PolicyCoverage
from anju_claims.ports import CoverageReadModel

RepairedUnits = Callable[[str], Awaitable[frozenset[str]]]
_UNREAD = object()  # no generation read yet
_CONCURRENT_READS = 16
_T = TypeVar("_T")


@dataclass(frozen=True)
class UnitCoverage:
    coverage: PolicyCoverage  # the policy's facts with only this unit's owners (as ``CoverageStore.for_unit``)
    has_repairs: bool  # a repair was completed on the unit (CLM-06 look-up needed)


@dataclass(frozen=True)
class _Entry:
    fold: PolicyCoverage
    repaired: frozenset[str]
    expires: float


class CoverageCache:
    def __init__(
        self,
        store: CoverageReadModel,
        repaired_units: RepairedUnits,
        *,
        max_age_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.repaired_units = repaired_units
        self.max_age_s = max_age_s
        self._clock = clock
        self._policies: dict[str, _Entry] = {}
        self._unit_policy: dict[str, str] = {}
        self._generation: object = _UNREAD

    def invalidate(self, policy_id: str | None) -> None:
        if policy_id is None:
            return
        entry = self._policies.pop(policy_id, None)
        if entry is not None:
            for unit_id in entry.fold.units:
                if self._unit_policy.get(unit_id) == policy_id:
                    del self._unit_policy[unit_id]

    def clear(self) -> None:
        self._policies.clear()
        self._unit_policy.clear()

    def _expire(self, now: float) -> None:
        for policy_id in [p for p, e in self._policies.items() if e.expires <= now]:
            self.invalidate(policy_id)

    async def _revalidate(self) -> None:
        """Drop everything when the read model changed since the cache was filled (any instance)."""
        generation = await self.store.generation()
        if generation != self._generation:
            self.clear()
            self._generation = generation

    async def for_units(self, unit_ids: Iterable[str]) -> dict[str, UnitCoverage | None]:
        """Coverage of each unit; ``None`` where the read model knows no policy for it."""
        now = self._clock()
        if self.max_age_s <= 0:
            self.clear()
        else:
            await self._revalidate()
        self._expire(now)
        units = list(dict.fromkeys(unit_ids))
        # What the cache cannot answer is read concurrently: a batch must not wait for one read after
        # another (a policy's fold is tens of kilobytes: ~20 ms each under load). A cold cache learns
        # unit → policy a few units at a time: each fold loaded maps all its units, so the units of
        # the same policies further on need no look-up of their own.
        policy_of: dict[str, str | None] = {}
        loaded: dict[str, _Entry | None] = {}
        unknown = [u for u in units if u not in self._unit_policy]
        while unknown:
            head, unknown = unknown[:_CONCURRENT_READS], unknown[_CONCURRENT_READS:]
            found_policies = await self._gather(self.store.policy_of(u) for u in head)
            policy_of.update(zip(head, found_policies, strict=True))
            await self._load_all({p for p in found_policies if p is not None}, loaded, now)
            unknown = [u for u in unknown if u not in self._unit_policy]
        await self._load_all({p for u in units if (p := self._unit_policy.get(u) or policy_of.get(u))}, loaded, now)
        found: dict[str, UnitCoverage | None] = {}
        for unit_id in units:
            policy_id = self._unit_policy.get(unit_id) or policy_of.get(unit_id)
            if policy_id is None:
                found[unit_id] = None  # a miss is read again next time
                continue
            entry = self._policies.get(policy_id) or loaded.get(policy_id)
            if entry is None or unit_id not in entry.fold.units:
                # The unit document and the fold disagree for a moment (a policy event half-projected):
                # the exact two-document read decides.
                exact = await self.store.for_unit(unit_id)
                found[unit_id] = None if exact is None else UnitCoverage(exact, await self._repaired(exact, unit_id))
                continue
            one_unit = entry.fold.model_copy(update={"units": {unit_id: entry.fold.units[unit_id]}})
            found[unit_id] = UnitCoverage(one_unit, unit_id in entry.repaired)
        return found

    async def _load_all(self, policy_ids: set[str], loaded: dict[str, _Entry | None], now: float) -> None:
        """Load the policies neither cached nor loaded yet, concurrently, into ``loaded``."""
        missing = sorted(policy_ids - set(self._policies) - set(loaded))
        loaded.update(zip(missing, await self._gather(self._load(p, now) for p in missing), strict=True))

    async def _gather(self, reads: Iterable[Awaitable[_T]]) -> list[_T]:
        limit = asyncio.Semaphore(_CONCURRENT_READS)

        async def one(read: Awaitable[_T]) -> _T:
            async with limit:
                return await read

        return list(await asyncio.gather(*(one(r) for r in reads)))

    async def _repaired(self, coverage: PolicyCoverage, unit_id: str) -> bool:
        return unit_id in await self.repaired_units(coverage.policy_id)

    async def _load(self, policy_id: str, now: float) -> _Entry | None:
        fold = await self.store.get(policy_id)
        if fold is None:
            return None
        # Entries loaded together expire at different times, so their reloads do not all fall on one batch.
        expires = now + self.max_age_s * random.uniform(0.5, 1.0)
        entry = _Entry(fold, await self.repaired_units(policy_id), expires)
        if self.max_age_s > 0:
            self._policies[policy_id] = entry
            for unit_id in fold.units:
                self._unit_policy[unit_id] = policy_id
        return entry
