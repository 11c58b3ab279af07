"""What every commit publishes of its aggregate's state (event-carried state transfer, #10).

The unit of work appends the event this module makes to the commit's domain events, in the same write,
so the registry's read models (:mod:`anju_registry.read_models`) fold states and never read an
aggregate. Each carries only what the questions asked of the registry need and nothing personal: the
state events go on ``anju.registry.events.v1``, which insurers read (XC-09).
"""

from __future__ import annotations

from collections.abc import Sequence

from anju_contracts import registry as r
from anju_contracts.base import Event
from anju_registry.domain.agency import Agency
from anju_registry.domain.aggregate import Aggregate
from anju_registry.domain.practitioner import Practitioner
from anju_registry.domain.team import Team

STATE_EVENTS: tuple[type[Event], ...] = (r.AgencyStateChanged, r.PractitionerStateChanged, r.TeamStateChanged)


def state_event(aggregate: Aggregate, version: int) -> Event | None:
    """The state event of ``aggregate`` stored at ``version`` (None: no read model needs its kind)."""
    match aggregate:
        case Agency():
            return r.AgencyStateChanged(
                agency_id=aggregate.agency_id,
                version=version,
                status=aggregate.status,
                name=aggregate.name,
                path=aggregate.evidence.path,
                nominated_by=aggregate.nominated_by,
                watch_listed=aggregate.watch_listed,
                key_supervision=aggregate.key_supervision,
                strikes=aggregate.strikes,
            )
        case Practitioner():
            return r.PractitionerStateChanged(
                practitioner_id=aggregate.practitioner_id,
                version=version,
                agency_id=aggregate.agency_id,
                status=aggregate.status,
            )
        case Team():
            return r.TeamStateChanged(
                project_id=aggregate.project_id,
                version=version,
                status=aggregate.status,
                agency_id=aggregate.agency_id,
                lead_id=aggregate.lead_id,
                former_lead_ids=tuple(dict.fromkeys(c.old_lead_id for c in aggregate.lead_changes)),
            )
    return None  # insurers: read by id only


def business_events(events: Sequence[Event]) -> tuple[Event, ...]:
    """The events a command reports to its sender: its domain events, without the state event."""
    return tuple(e for e in events if not isinstance(e, STATE_EVENTS))
