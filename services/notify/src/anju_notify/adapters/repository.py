"""The ledger and the contacts on the kit's aggregate store: an insert-only commit log per obligation
(compare-and-set on ``version``, outbox, applied event ids, history with actor, XC-04), read by ``_id``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from anju_kit.mongo import Doc, HistoryEntry, OutgoingEvent
from anju_kit.ports import AggregateStorage
from anju_kit.repository import AggregateRepository, Loaded
from anju_kit.upcasting import StateSchema
from anju_notify.channels.sealing import AddressSeal
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


SEALED = "sealed:"  # marks an address stored encrypted; one without it was stored before sealing


class ContactRepository(AggregateRepository[Contacts]):
    """A party's contacts with every e-mail address and mobile number stored encrypted (XC-09): the
    commit log and its projection keep them sealed with ``ANJU_CHANNEL_ADDRESS_KEY``; they are opened
    only in memory, to hand a message to a channel."""

    def __init__(self, store: AggregateStorage, seal: AddressSeal | None = None) -> None:
        self.seal = seal or AddressSeal()
        super().__init__(store, self._opened)

    def _points(self, state: Doc, change: Any) -> Doc:
        points = {
            audience: {k: (change(v) if k in ("email", "mobile") and v else v) for k, v in point.items()}
            for audience, point in state.get("by_audience", {}).items()
        }
        return {**state, "by_audience": points}

    def _sealed(self, contacts: Contacts) -> Doc:
        return self._points(contacts.state(), lambda v: SEALED + self.seal.seal(v))

    def _opened(self, state: Doc) -> Contacts:
        def open_(v: str) -> str:
            return self.seal.open(v.removeprefix(SEALED)) if v.startswith(SEALED) else v

        return Contacts.model_validate(self._points(state, open_))

    async def add(
        self,
        doc_id: str,
        aggregate: Contacts,
        events: Sequence[OutgoingEvent],
        *,
        applied_id: str,
        history: HistoryEntry,
    ) -> int:
        return await self.store.create(doc_id, self._sealed(aggregate), events, applied_id=applied_id, history=history)

    async def save(
        self,
        doc_id: str,
        aggregate: Contacts,
        loaded: Loaded[Contacts],
        events: Sequence[OutgoingEvent],
        *,
        applied_id: str,
        history: HistoryEntry,
    ) -> int:
        return await self.store.update(
            doc_id, loaded.version, self._sealed(aggregate), events, applied_id=applied_id, history=history
        )


class InboxRepository(AggregateRepository[InboxReads]):
    def __init__(self, store: AggregateStorage) -> None:
        super().__init__(store, InboxReads.model_validate)
