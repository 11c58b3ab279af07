"""The seams between use cases and storage: what repositories and handlers need of the kit's stores.

Each Protocol is satisfied by the production adapter (MongoDB, MinIO) and by an in-memory double in
:mod:`anju_kit.memory`, so the same repository and handler code runs in component tests without
servers (Cosmic Python's "depend on abstractions"; GHGA's hexkit ports). A Protocol lists only what
callers use: a new caller that needs more adds it here *and* to the double, and the shared behaviour
suites (kit/tests/kit_storage_behaviour.py) hold both to the same answers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from anju_contracts.base import Event
from anju_kit.mongo import CreatedBatch, Doc, HistoryEntry, NewAggregate, OutgoingEvent, Stored
from anju_kit.objectstore import PresignedDownload, PresignedUpload, StoredObject
from anju_kit.upcasting import StateSchema


class AggregateStorage(Protocol):
    """One kind of aggregate with a commit log (:class:`anju_kit.mongo.AggregateStore`, or
    :class:`anju_kit.memory.MemoryAggregateStore`).

    Writes are compare-and-set on the version: ``create`` raises ``AlreadyExists`` when the id is
    taken, ``update`` raises ``VersionConflict`` when ``expected_version`` is no longer the newest and
    ``NotFound`` when there is nothing to update. Events ride in the commit's outbox until
    ``mark_published``.
    """

    @property
    def schema(self) -> StateSchema: ...

    async def ensure_indexes(self) -> None: ...

    async def get(self, doc_id: str) -> Stored | None: ...

    async def projected(self, doc_id: str) -> Stored | None:
        """The state as last projected (one read; may trail a commit in flight): for listings only."""
        ...

    def current_state(self, doc: Mapping[str, Any]) -> Doc:
        """The state a stored document (e.g. from :meth:`applied_entry`) holds, upcast to the schema."""
        ...

    async def history(self, doc_id: str) -> list[Doc]: ...

    async def applied_entry(self, doc_id: str, applied_id: str) -> Doc | None: ...

    async def applied_events(self, doc_id: str, applied_id: str) -> tuple[Event, ...]: ...

    async def create(
        self,
        doc_id: str,
        state: Mapping[str, Any],
        events: Sequence[OutgoingEvent] = (),
        *,
        applied_id: str | None = None,
        history: HistoryEntry | None = None,
    ) -> int: ...

    async def create_many(
        self,
        items: Sequence[NewAggregate],
        *,
        after_commit: Callable[[CreatedBatch], Awaitable[None]] | None = None,
    ) -> CreatedBatch: ...

    async def update(
        self,
        doc_id: str,
        expected_version: int,
        state: Mapping[str, Any],
        events: Sequence[OutgoingEvent] = (),
        *,
        applied_id: str | None = None,
        history: HistoryEntry | None = None,
    ) -> int: ...

    async def unpublished(
        self, doc_id: str | None = None, *, older_than: datetime | None = None, limit: int = 100
    ) -> list[Doc]: ...

    async def pending_outbox(self, doc_id: str) -> list[OutgoingEvent]: ...

    async def mark_published(self, *entry_ids: str) -> None: ...


class MessageInbox(Protocol):
    """Ids of messages already processed (:class:`anju_kit.mongo.Inbox`)."""

    async def seen(self, event_id: str) -> bool: ...

    async def record(self, event_id: str, **info: Any) -> bool:
        """True when recorded now, False when it was already there."""
        ...


class ViewReads(Protocol):
    """A read model's documents by ``_id`` (:class:`anju_kit.views.ViewStore`), e.g. for the due sweeper."""

    async def get(self, doc_id: str) -> Doc | None: ...


class ObjectStorage(Protocol):
    """What evidence and documents need of the object store (:class:`anju_kit.objectstore.ObjectStore`)."""

    async def ensure_bucket(self, bucket: str) -> None: ...

    async def put(self, bucket: str, key: str, data: bytes, content_type: str) -> StoredObject: ...

    async def get(self, bucket: str, key: str, *, version_id: str | None = None) -> bytes: ...

    async def presigned_put(
        self,
        bucket: str,
        key: str,
        *,
        content_type: str,
        expires: timedelta,
        size: int | None = None,
        sha256_hex: str | None = None,
    ) -> PresignedUpload: ...

    async def presigned_get(
        self, bucket: str, key: str, expires: timedelta, *, version_id: str | None = None
    ) -> PresignedDownload: ...

    async def verify_upload(
        self,
        bucket: str,
        key: str,
        *,
        size: int,
        sha256_hex: str,
        allowed_content_types: Collection[str] | None = None,
    ) -> StoredObject: ...
