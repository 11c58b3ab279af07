"""Where the dispatcher keeps each message and what is waiting to be retried, by ``_id`` only.

Two kinds of aggregate on the kit's commit-log store (:class:`anju_kit.ports.AggregateStorage`), so
every change is a compare-and-set by inserting a new ``_id`` — the one atomic write of the local store —
and the same code runs on MongoDB/FerretDB (:func:`mongo_dispatch_store`) and in memory
(:func:`memory_dispatch_store`):

* ``<message_id>`` in ``<prefix>_messages``: the message (its address encrypted, XC-09), its status and
  its attempts. Creating it is
  the idempotency check: of two deliveries of one message exactly one creates it. Claiming a send
  (status ``sending`` with a lease) is an update, so two instances never send it at the same time.
* ``pending|<n>`` in ``<prefix>_pending``: a fixed number of shards (a message's shard is a hash of its
  id) listing the undelivered messages with the time each is next due. The retry timer reads the
  shards by ``_id`` — never a query over the messages — and each shard holds only what is not yet
  delivered, so it stays small unless a channel is down for long (then it holds that backlog, spread
  over the shards).

No ``bulk_write``, no filter but ``_id``.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from anju_kit.memory import MemoryAggregateStore
from anju_kit.mongo import AggregateStore, AlreadyExists, Doc, NotFound, Stored, VersionConflict
from anju_kit.ports import AggregateStorage
from anju_notify.channels.sealing import DEV_ADDRESS_KEY, AddressSeal

SHARDS = 16
_CAS_ATTEMPTS = 50  # a shard changed by another instance between our read and write: read again


@dataclass(frozen=True)
class PendingEntry:
    message_id: str
    channel: str
    due_at: datetime


class DispatchStore:
    def __init__(
        self,
        messages: AggregateStorage,
        pending: AggregateStorage,
        *,
        shards: int = SHARDS,
        seal: AddressSeal | None = None,
    ) -> None:
        self.messages = messages
        self.pending = pending
        self.shards = shards
        self.seal = seal or AddressSeal()  # addresses are stored encrypted (XC-09)
        # Writers in this process take turns per shard, so they do not lose compare-and-sets to each
        # other; other instances are handled by the compare-and-set itself.
        self._locks = [asyncio.Lock() for _ in range(shards)]

    # -- messages ---------------------------------------------------------------------------------
    async def message(self, message_id: str) -> Stored | None:
        return await self.messages.get(message_id)

    async def create_message(self, message_id: str, state: Mapping[str, Any]) -> bool:
        """True when created now; False when the message existed already (delivered before)."""
        try:
            await self.messages.create(message_id, state)
        except AlreadyExists:
            return False
        return True

    async def update_message(self, message_id: str, expected_version: int, state: Mapping[str, Any]) -> int | None:
        """The new version, or None when another writer changed the message first."""
        try:
            return await self.messages.update(message_id, expected_version, state)
        except (VersionConflict, NotFound):
            return None

    # -- the pending shards -----------------------------------------------------------------------
    def shard_of(self, message_id: str) -> int:
        return int(hashlib.sha256(message_id.encode()).hexdigest()[:8], 16) % self.shards

    async def set_pending(self, message_id: str, channel: str, due_at: datetime | None) -> None:
        """List ``message_id`` as due at ``due_at`` (``None``: delivered or given up, take it off)."""
        shard = self.shard_of(message_id)
        shard_id = f"pending|{shard}"
        async with self._locks[shard]:
            for _ in range(_CAS_ATTEMPTS):
                stored = await self.pending.get(shard_id)
                items: dict[str, Doc] = dict(stored.state.get("items", {})) if stored else {}
                if due_at is None:
                    if message_id not in items:
                        return
                    items.pop(message_id)
                else:
                    entry = {"channel": channel, "due_at": due_at.isoformat()}
                    if items.get(message_id) == entry:
                        return
                    items[message_id] = entry
                try:
                    if stored is None:
                        await self.pending.create(shard_id, {"items": items})
                    else:
                        await self.pending.update(shard_id, stored.version, {"items": items})
                    return
                except (AlreadyExists, VersionConflict):
                    await asyncio.sleep(random.uniform(0.001, 0.02))  # let the other writer finish
        raise RuntimeError(f"{shard_id}: could not record message {message_id} after {_CAS_ATTEMPTS} attempts")

    async def pending_entries(self) -> list[PendingEntry]:
        """Every listed message, soonest due first (one ``_id`` read per shard)."""
        shards = await asyncio.gather(*(self.pending.get(f"pending|{n}") for n in range(self.shards)))
        entries = [
            PendingEntry(message_id, item["channel"], datetime.fromisoformat(item["due_at"]))
            for stored in shards
            if stored is not None
            for message_id, item in stored.state.get("items", {}).items()
        ]
        return sorted(entries, key=lambda e: e.due_at)


def mongo_dispatch_store(
    db: AsyncDatabase[Doc], *, prefix: str = "channel", shards: int = SHARDS, address_key: str = DEV_ADDRESS_KEY
) -> DispatchStore:
    """The store on the service's database: ``<prefix>_messages`` and ``<prefix>_pending`` (each with the
    kit's ``_log``/``_outbox`` collections). ``queried=()``: nothing is ever queried but ``_id``, and a
    state kept as one JSON string is cheaper to write on FerretDB."""
    return DispatchStore(
        AggregateStore(db[f"{prefix}_messages"], queried=()),
        AggregateStore(db[f"{prefix}_pending"], queried=()),
        shards=shards,
        seal=AddressSeal(address_key),
    )


def memory_dispatch_store(*, shards: int = SHARDS) -> DispatchStore:
    """The same store in memory (component tests; a second Dispatcher on it is a restarted one)."""
    return DispatchStore(
        MemoryAggregateStore("channel_messages", queried=()),
        MemoryAggregateStore("channel_pending", queried=()),
        shards=shards,
    )
