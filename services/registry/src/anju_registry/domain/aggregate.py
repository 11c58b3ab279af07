"""Base for the registry's aggregates: plain Pydantic state plus the events a change recorded."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr

from anju_contracts.base import Event


class Aggregate(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    _pending: list[Event] = PrivateAttr(default_factory=list)

    def _record(self, event: Event) -> None:
        self._pending.append(event)

    def pull_events(self) -> list[Event]:
        """The events recorded since the last pull (saved with the state, then published)."""
        events, self._pending = self._pending, []
        return events

    def state(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
