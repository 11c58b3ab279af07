"""``ServiceApp.every``: a service's timer (the overdue sweepers) runs its work each round, and a round
that fails (an outage) is logged and followed by the next one — it never ends the loop."""

from __future__ import annotations

import asyncio

from anju_kit.service import ServiceApp
from anju_kit.settings import ServiceSettings


async def test_a_failing_round_is_followed_by_the_next_and_the_loop_stops_when_asked() -> None:
    service = ServiceApp(ServiceSettings.for_service("claims"), title="t", description="t")
    rounds: list[int] = []
    stopping = asyncio.Event()

    async def work() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise ConnectionError("the store is down")
        if len(rounds) == 3:
            stopping.set()

    service.every(0.01, "sweep", work)
    loop = service._loops[-1]
    await asyncio.wait_for(loop(stopping), 5)
    assert rounds == [0, 1, 2]
