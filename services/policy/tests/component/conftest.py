"""Component fixtures: the policy use cases in one process on in-memory ports (policy_memory), with a
frozen clock at 2026-09-30 10:00 Shanghai."""

from __future__ import annotations

import pytest
from policy_factories import at
from policy_memory import InMemoryPolicy

from anju_kit.clock import FrozenClock


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(at(2026, 9, 30))


@pytest.fixture
async def policy(clock: FrozenClock) -> InMemoryPolicy:
    running = InMemoryPolicy(clock)
    await running.documents.ensure_bucket()
    return running
