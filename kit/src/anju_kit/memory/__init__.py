"""In-memory doubles of the kit's stores, for component tests: a service's repositories and use cases run
unchanged on them, with no Kafka, database or object store (integration tests use the real servers).

Each satisfies the Protocol its callers depend on (:mod:`anju_kit.ports`); the shared behaviour suites in
kit/tests run the doubles and the real adapters through the same checks. ``MemoryViews`` folds published
events into a service's read models with the views' own code (the due sweeper reads them, too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anju_kit.memory.aggregates import MemoryAggregateStore
from anju_kit.memory.inbox import MemoryInbox
from anju_kit.memory.objects import MemoryObjects
from anju_kit.memory.views import MemoryViews, MemoryViewStore

__all__ = ["MemoryAggregateStore", "MemoryInbox", "MemoryObjects", "MemoryViewStore", "MemoryViews"]

if TYPE_CHECKING:
    from anju_kit.mongo import AggregateStore, Inbox
    from anju_kit.objectstore import ObjectStore
    from anju_kit.ports import AggregateStorage, MessageInbox, ObjectStorage, ViewReads
    from anju_kit.views import ViewStore

    def _same_ports(
        store: AggregateStore,
        memory_store: MemoryAggregateStore,
        view: ViewStore,
        memory_view: MemoryViewStore,
        inbox: Inbox,
        memory_inbox: MemoryInbox,
        objects: ObjectStore,
        memory_objects: MemoryObjects,
    ) -> None:
        """Never called: mypy proves here that each double and its real adapter fit the same Protocol."""
        stores: tuple[AggregateStorage, ...] = (store, memory_store)
        views: tuple[ViewReads, ...] = (view, memory_view)
        inboxes: tuple[MessageInbox, ...] = (inbox, memory_inbox)
        object_stores: tuple[ObjectStorage, ...] = (objects, memory_objects)
        del stores, views, inboxes, object_stores
