"""Where a party is reached (RegisterContact): its staff for reminders, its supervisor for escalations.

The full address stays in the notify store (the only place that sends); events carry it masked (XC-09).
"""

from __future__ import annotations

from pydantic import BaseModel, PrivateAttr

from anju_contracts import notify as n
from anju_contracts.base import Event
from anju_contracts.common import PartyRef
from anju_contracts.privacy import mask_personal_data


class ContactPoint(BaseModel):
    display_name: str
    email: str | None = None
    mobile: str | None = None


class Contacts(BaseModel):
    party: PartyRef
    by_audience: dict[n.ContactAudience, ContactPoint] = {}

    _pending: list[Event] = PrivateAttr(default_factory=list)

    def pull_events(self) -> list[Event]:
        events, self._pending = self._pending, []
        return events

    def state(self) -> dict[str, object]:
        return self.model_dump(mode="json")

    def register(self, cmd: n.RegisterContact) -> None:
        point = ContactPoint(display_name=cmd.display_name, email=cmd.email, mobile=cmd.mobile)
        if self.by_audience.get(cmd.audience) == point:
            return  # the same contact again: nothing to store
        self.by_audience[cmd.audience] = point
        self._pending.append(
            n.ContactRegistered(
                party=self.party,
                audience=cmd.audience,
                email=n.mask_email(cmd.email) if cmd.email else None,
                mobile=mask_personal_data(cmd.mobile) if cmd.mobile else None,
            )
        )

    def reach(self, audience: n.ContactAudience) -> ContactPoint | None:
        """The contact of ``audience``; a supervisor not registered falls back to the staff contact."""
        found = self.by_audience.get(audience)
        if found is None and audience is n.ContactAudience.SUPERVISOR:
            return self.by_audience.get(n.ContactAudience.STAFF)
        return found


def party_key(party: PartyRef) -> str:
    return f"{party.role.value}:{party.id}"
