"""Component fixtures: the claims use cases in one process on in-memory ports (claims_memory), with a
frozen clock at 2026-09-01 10:00 Shanghai and one policy (pol-1 of insurer ins-a: unit u-1 of owner o-1,
unit u-2 of owner o-2)."""

from __future__ import annotations

import pytest
from claims_memory import InMemoryClaims, at

from anju_kit.clock import FrozenClock


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(at(2026, 9, 1))


@pytest.fixture
async def claims(clock: FrozenClock) -> InMemoryClaims:
    running = await InMemoryClaims.start(clock)
    await running.load_policy("pol-1", {"u-1": "o-1", "u-2": "o-2"})
    return running
