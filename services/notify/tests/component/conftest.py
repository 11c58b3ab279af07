"""Component fixtures: the notify use cases in one process on in-memory ports (notify_memory), with a
frozen clock at 2026-09-30 10:00 Shanghai (the day before the National Day holidays)."""

from __future__ import annotations

import pytest
from notify_memory import InMemoryNotify, at

from anju_kit.clock import FrozenClock


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(at(2026, 9, 30))


@pytest.fixture
def notify(clock: FrozenClock) -> InMemoryNotify:
    return InMemoryNotify(clock)
