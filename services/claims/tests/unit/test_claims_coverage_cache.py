"""The intake cache of the policy read model: found policies until the read model changes (or a
safety-net age passes), misses never."""

from __future__ import annotations

from claims_factories import OWNER, UNIT, coverage

from anju_claims.adapters.coverage_cache import CoverageCache
from anju_claims.domain.coverage import PolicyCoverage


class FakeStore:
    def __init__(self, *policies: PolicyCoverage) -> None:
        self.policies = {p.policy_id: p for p in policies}
        self.reads = 0
        self.token = "g0"

    async def generation(self) -> str | None:
        return self.token

    async def policy_of(self, unit_id: str) -> str | None:
        self.reads += 1
        return next((p.policy_id for p in self.policies.values() if unit_id in p.units), None)

    async def get(self, policy_id: str) -> PolicyCoverage | None:
        self.reads += 1
        return self.policies.get(policy_id)

    async def for_unit(self, unit_id: str) -> PolicyCoverage | None:
        return None


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


async def _no_repairs(policy_id: str) -> frozenset[str]:
    return frozenset()


def _cache(store: FakeStore, clock: Clock) -> CoverageCache:
    return CoverageCache(store, _no_repairs, max_age_s=2.0, clock=clock)  # type: ignore[arg-type]


async def test_clm01_cached_policy_serves_its_units_until_its_max_age() -> None:
    store, clock = FakeStore(coverage()), Clock()
    cache = _cache(store, clock)
    first = await cache.for_units([UNIT])
    found = first[UNIT]
    assert found is not None and found.coverage.is_owner(UNIT, OWNER) and not found.has_repairs
    reads = store.reads
    await cache.for_units([UNIT])
    assert store.reads == reads  # served from the cache
    clock.now = 2.5  # past max_age_s: read again
    await cache.for_units([UNIT])
    assert store.reads > reads


async def test_clm01_a_unit_not_in_the_read_model_is_never_remembered() -> None:
    store, clock = FakeStore(), Clock()
    cache = _cache(store, clock)
    assert (await cache.for_units(["unit-new"]))["unit-new"] is None
    store.policies["pol-new"] = coverage(policy_id="pol-new", units={"unit-new": []})
    found = (await cache.for_units(["unit-new"]))["unit-new"]
    assert found is not None and found.coverage.policy_id == "pol-new"  # a policy issued a moment ago counts


async def test_clm01_policy_event_projected_here_drops_the_cached_policy() -> None:
    store, clock = FakeStore(coverage()), Clock()
    cache = _cache(store, clock)
    await cache.for_units([UNIT])
    store.policies["pol-1"] = coverage(ended_on=coverage().liability_starts_on)
    cache.invalidate("pol-1")
    found = (await cache.for_units([UNIT]))[UNIT]
    assert found is not None and found.coverage.ended_on is not None


async def test_clm01_a_change_of_the_read_model_anywhere_drops_the_cache() -> None:
    """Another instance projected a policy event (or completed a repair): its new generation token
    makes this instance read the policy again at its next batch, well within the max age."""
    store, clock = FakeStore(coverage()), Clock()
    cache = _cache(store, clock)
    await cache.for_units([UNIT])
    store.policies["pol-1"] = coverage(ended_on=coverage().liability_starts_on)
    store.token = "g1"
    found = (await cache.for_units([UNIT]))[UNIT]
    assert found is not None and found.coverage.ended_on is not None
