"""The inbox of processed message ids (:class:`anju_kit.mongo.Inbox`) in memory."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any


class MemoryInbox:
    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    async def seen(self, event_id: str) -> bool:
        await asyncio.sleep(0)
        return event_id in self.records

    async def record(self, event_id: str, **info: Any) -> bool:
        """True when recorded now, False when it was already there."""
        await asyncio.sleep(0)
        if event_id in self.records:
            return False
        self.records[event_id] = {"at": datetime.now(UTC), **info}
        return True
