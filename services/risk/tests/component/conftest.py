"""Component fixtures: the risk use cases in one process on in-memory ports (risk_memory), with a frozen
clock at 2026-10-09 10:00 Shanghai and the project insured (policy) and staffed (registry)."""

from __future__ import annotations

import pytest
from risk_factories import at
from risk_memory import InMemoryRisk

from anju_kit.clock import FrozenClock


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(at(2026, 10, 9))


@pytest.fixture
async def risk(clock: FrozenClock) -> InMemoryRisk:
    running = InMemoryRisk(clock)
    await running.evidence.ensure_bucket()
    await running.insured()
    return running
