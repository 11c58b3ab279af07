"""Risk files on the kit's aggregate store (MongoDB, or its in-memory double in component tests): an
insert-only commit log per project (compare-and-set on ``version``, the outbox of its events, the
applied command ids, the history with actor, XC-04) read by ``_id`` only — never a field filter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from anju_contracts.base import Event
from anju_kit.mongo import Doc, HistoryEntry, OutgoingEvent
from anju_kit.ports import AggregateStorage
from anju_kit.upcasting import StateSchema
from anju_risk.domain.risk_file import RiskFile

# The stored shape (XC-08: kept 10 years after the policy ends): a breaking change bumps the version
# and adds the upcaster from the one before.
RISK_FILE_SCHEMA = StateSchema("risk_file", version=1)


@dataclass(frozen=True)
class LoadedFile:
    aggregate: RiskFile
    version: int
    applied: frozenset[str]


class RiskFileRepository:
    def __init__(self, store: AggregateStorage) -> None:
        self.store = store

    async def ensure_indexes(self) -> None:
        await self.store.ensure_indexes()

    async def get(self, doc_id: str) -> LoadedFile | None:
        stored = await self.store.get(doc_id)
        if stored is None:
            return None
        return LoadedFile(RiskFile.model_validate(stored.state), stored.version, stored.applied)

    async def add(
        self,
        doc_id: str,
        aggregate: RiskFile,
        events: Sequence[OutgoingEvent],
        *,
        applied_id: str,
        history: HistoryEntry,
    ) -> int:
        return await self.store.create(doc_id, aggregate.state(), events, applied_id=applied_id, history=history)

    async def save(
        self,
        doc_id: str,
        aggregate: RiskFile,
        loaded: LoadedFile,
        events: Sequence[OutgoingEvent],
        *,
        applied_id: str,
        history: HistoryEntry,
    ) -> int:
        return await self.store.update(
            doc_id, loaded.version, aggregate.state(), events, applied_id=applied_id, history=history
        )

    async def history(self, doc_id: str) -> list[Doc]:
        return await self.store.history(doc_id)

    async def applied_events(self, doc_id: str, applied_id: str) -> tuple[Event, ...]:
        return await self.store.applied_events(doc_id, applied_id)
