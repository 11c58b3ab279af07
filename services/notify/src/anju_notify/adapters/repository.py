"""The ledger and the contacts on the kit's aggregate store: an insert-only commit log per obligation
(compare-and-set on ``version``, outbox, applied event ids, history with actor, XC-04), read by ``_id``."""

from __future__ import annotations

from anju_kit.ports import AggregateStorage
from anju_kit.repository import AggregateRepository, Loaded
from anju_kit.upcasting import StateSchema
from anju_notify.domain.contact import Contacts
from anju_notify.domain.inbox import InboxReads
from anju_notify.domain.obligation import Obligation

OBLIGATION_SCHEMA = StateSchema("obligation", version=1)
CONTACTS_SCHEMA = StateSchema("contacts", version=1)
INBOX_SCHEMA = StateSchema("inbox_reads", version=1)

LoadedObligation = Loaded[Obligation]
LoadedContacts = Loaded[Contacts]
LoadedInbox = Loaded[InboxReads]


class ObligationRepository(AggregateRepository[Obligation]):
    def __init__(self, store: AggregateStorage) -> None:
        super().__init__(store, Obligation.model_validate)


class ContactRepository(AggregateRepository[Contacts]):
    def __init__(self, store: AggregateStorage) -> None:
        super().__init__(store, Contacts.model_validate)


class InboxRepository(AggregateRepository[InboxReads]):
    def __init__(self, store: AggregateStorage) -> None:
        super().__init__(store, InboxReads.model_validate)
