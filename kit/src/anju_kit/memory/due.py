"""The due index (:class:`anju_kit.due.DueIndex`) in memory, for component tests of the legal clock.

Entries are named as in the Mongo index (``<id>@<version>:<due instant>``), so a replayed note is the
same entry, and read earliest first; every call yields to the event loop once, so two sweepers run
with ``asyncio.gather`` interleave as they would against a server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime

from anju_kit.due import DueEntry


class MemoryDueIndex:
    def __init__(self) -> None:
        self.entries: dict[str, DueEntry] = {}

    async def ensure_indexes(self) -> None:
        await asyncio.sleep(0)

    async def note(self, aggregate_id: str, version: int, due_at: datetime) -> None:
        await asyncio.sleep(0)
        self._note(aggregate_id, version, due_at, datetime.now(UTC))

    def _note(self, aggregate_id: str, version: int, due_at: datetime, now: datetime) -> None:
        entry_id = f"{aggregate_id}@{version}:{due_at.astimezone(UTC).isoformat()}"
        self.entries.setdefault(entry_id, DueEntry(entry_id, aggregate_id, version, due_at, now))

    async def note_change(
        self, aggregate_id: str, version: int, due_at: datetime | None, due_before: datetime | None
    ) -> None:
        if due_at is not None and due_at != due_before:
            await self.note(aggregate_id, version, due_at)

    async def note_many(self, entries: Iterable[tuple[str, int, datetime]]) -> None:
        await asyncio.sleep(0)
        now = datetime.now(UTC)
        for aggregate_id, version, due_at in entries:
            self._note(aggregate_id, version, due_at, now)

    async def due(self, now: datetime, *, limit: int = 100) -> list[DueEntry]:
        await asyncio.sleep(0)
        return sorted((e for e in self.entries.values() if e.due_at <= now), key=lambda e: e.due_at)[:limit]

    async def drop(self, entry_id: str) -> None:
        await asyncio.sleep(0)
        self.entries.pop(entry_id, None)
