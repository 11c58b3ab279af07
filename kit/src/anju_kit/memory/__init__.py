"""In-memory doubles of the kit's stores, for component tests: a service's repositories and use cases run
unchanged on them, with no Kafka, database or object store (integration tests use the real servers).

Each satisfies the Protocol its callers depend on (:mod:`anju_kit.ports`, :class:`anju_kit.due.DueNotes`);
the shared behaviour suites in kit/tests run the doubles and the real adapters through the same checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anju_kit.memory.aggregates import MemoryAggregateStore
from anju_kit.memory.due import MemoryDueIndex
from anju_kit.memory.inbox import MemoryInbox
from anju_kit.memory.objects import MemoryObjects

__all__ = ["MemoryAggregateStore", "MemoryDueIndex", "MemoryInbox", "MemoryObjects"]

if TYPE_CHECKING:
    from anju_kit.due import DueIndex, DueNotes
    from anju_kit.mongo import AggregateStore, Inbox
    from anju_kit.objectstore import ObjectStore
    from anju_kit.ports import AggregateStorage, MessageInbox, ObjectStorage

    def _same_ports(
        store: AggregateStore,
        memory_store: MemoryAggregateStore,
        due: DueIndex,
        memory_due: MemoryDueIndex,
        inbox: Inbox,
        memory_inbox: MemoryInbox,
        objects: ObjectStore,
        memory_objects: MemoryObjects,
    ) -> None:
        """Never called: mypy proves here that each double and its real adapter fit the same Protocol."""
        stores: tuple[AggregateStorage, ...] = (store, memory_store)
        dues: tuple[DueNotes, ...] = (due, memory_due)
        inboxes: tuple[MessageInbox, ...] = (inbox, memory_inbox)
        object_stores: tuple[ObjectStorage, ...] = (objects, memory_objects)
        del stores, dues, inboxes, object_stores
