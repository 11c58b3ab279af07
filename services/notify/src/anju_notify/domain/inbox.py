"""A party's inbox marks (MarkInboxRead): the inbox itself is a read model of the reminders and
escalations; what the party has read is recorded here, one aggregate per party, and folded back into
the inbox listing (``notify.inbox``: tallies ``unread`` / ``read``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, PrivateAttr

from anju_contracts import notify as n
from anju_contracts.base import Event
from anju_contracts.common import PartyRef


class InboxReads(BaseModel):
    party: PartyRef
    marks: int = 0  # how many marks were recorded (the marks themselves are events, not state)

    _pending: list[Event] = PrivateAttr(default_factory=list)

    def pull_events(self) -> list[Event]:
        events, self._pending = self._pending, []
        return events

    def state(self) -> dict[str, object]:
        return self.model_dump(mode="json")

    def mark_read(self, cmd: n.MarkInboxRead, *, at: datetime) -> None:
        self.marks += 1
        self._pending.append(
            n.InboxItemsRead(party=self.party, item_ids=tuple(dict.fromkeys(cmd.item_ids)), read_at=at)
        )
