"""The registry's read models (issue #10): every listing or count it answers is a few documents read
by ``_id``, folded by one writer from the state events every commit publishes (anju_kit.views).

* ``registry.pool`` — key ``status:<status>``: the agencies of that status with the fields the pool
  shows (REG-01; the regulator may list any status).
* ``registry.roster`` — key ``agency:<agency_id>``: the agency's practitioners in the talent database
  (approved, REG-02), the people it may staff projects with.
* ``registry.lead_projects`` — key ``lead:<practitioner_id>``: the projects the practitioner leads with
  an active team (REG-03's load, read on the write path).
* ``registry.agency_leads`` — key ``agency:<agency_id>``: the same, for all of an agency's practitioners
  in one document (the eligible list).

A document keeps its items by id, each with the ``version`` of the aggregate state it came from, and
a state no newer than the one kept is ignored. An item that leaves (another status, a lead replaced)
stays as a tombstone (``member: false``) with its version, so an older state arriving late cannot bring
it back: folds are idempotent and do not depend on arrival order. A state event carries its aggregate's
whole standing (an agency's status, every lead a team had), so each view routes it to every document it
may enter or leave, without ever reading the aggregate.

Staleness: a view trails the registry's commits by its writer's lag (the relay's publish, the router,
the writer: usually well under a second; as long as an outage lasts when the writer is down). Every
listing answers the ``_as_of`` of the documents it read (event id and time of the last change folded).
REG-03's check on the write path reads ``registry.lead_projects`` too; what the lag means for it, and
why no stricter guard, is at ``RegistryHandlers.lead_load``.

Not a view: whether another practitioner holds an ID number (实名制, REG-02). Its view would have to
be fed the identity hash, and state events go on a topic insurers read (XC-09); it also wants an exact
answer. It is an insert-only claim kept on the command path (anju_registry.adapters.identities).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from anju_contracts import Envelope, topics
from anju_contracts import registry as r
from anju_contracts.base import Event
from anju_kit.mongo import Doc
from anju_kit.views import AS_OF, Docs, View, ViewStore

ITEMS = "items"


def with_item(doc: Doc | None, item_id: str, version: int, fields: Mapping[str, Any] | None) -> Doc | None:
    """``doc`` with ``item_id`` at ``version``: a member with ``fields``, or (None) a tombstone.

    None when ``doc`` holds that item at ``version`` or newer already (a redelivery, or a late replay)."""
    items = {item["id"]: item for item in (doc or {}).get(ITEMS, [])}
    kept = items.get(item_id)
    if kept is not None and kept["version"] >= version:
        return None
    items[item_id] = {"id": item_id, "version": version, "member": fields is not None, **(fields or {})}
    return {**(doc or {}), ITEMS: sorted(items.values(), key=lambda item: item["id"])}


async def keep(docs: Docs, key: str, item_id: str, version: int, fields: Mapping[str, Any] | None) -> None:
    changed = with_item(await docs.get(key), item_id, version, fields)
    if changed is not None:
        docs.put(key, changed)


class Pool(View):
    """The agencies of each status (the regional pool is ``status:admitted``)."""

    name = "registry.pool"
    sources = (topics.REGISTRY.events,)

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        # Every status document: the one it is in now gains it, any it was in loses it.
        return [pool_key(status) for status in r.AgencyStatus] if isinstance(event, r.AgencyStateChanged) else []

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, r.AgencyStateChanged)
        fields = event.model_dump(mode="json", exclude={"agency_id", "version"})
        member = key == pool_key(event.status)
        await keep(docs, key, event.agency_id, event.version, fields if member else None)


class Roster(View):
    """The practitioners of each agency in the talent database."""

    name = "registry.roster"
    sources = (topics.REGISTRY.events,)

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        # A practitioner never changes agency (handlers refuse another agency's practitioner id).
        return [roster_key(event.agency_id)] if isinstance(event, r.PractitionerStateChanged) else []

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, r.PractitionerStateChanged)
        member = event.status is r.PractitionerStatus.APPROVED
        await keep(docs, key, event.practitioner_id, event.version, {} if member else None)


class LeadProjects(View):
    """The projects each practitioner leads with an active team."""

    name = "registry.lead_projects"
    sources = (topics.REGISTRY.events,)

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        if not isinstance(event, r.TeamStateChanged):
            return []
        leads = [*event.former_lead_ids, *([event.lead_id] if event.lead_id else [])]
        return [lead_key(lead) for lead in leads]

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, r.TeamStateChanged)
        leads = event.status is r.TeamStatus.ACTIVE and event.lead_id is not None and key == lead_key(event.lead_id)
        await keep(docs, key, event.project_id, event.version, {} if leads else None)


class AgencyLeads(View):
    """Per agency, which of its practitioners lead which projects with an active team: an eligible list
    reads the load of every practitioner of the agency in one document (REG-03)."""

    name = "registry.agency_leads"
    sources = (topics.REGISTRY.events,)

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        # An active team's agency never changes (a team is assigned once; then only its lead changes).
        if isinstance(event, r.TeamStateChanged) and event.agency_id is not None:
            return [roster_key(event.agency_id)]
        return []

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, r.TeamStateChanged)
        active = event.status is r.TeamStatus.ACTIVE
        for lead in dict.fromkeys([*event.former_lead_ids, *([event.lead_id] if event.lead_id else [])]):
            leads = active and lead == event.lead_id
            await keep(docs, key, f"{lead}|{event.project_id}", event.version, {"lead_id": lead} if leads else None)


def pool_key(status: str) -> str:
    return f"status:{status}"


def roster_key(agency_id: str) -> str:
    return f"agency:{agency_id}"


def lead_key(practitioner_id: str) -> str:
    return f"lead:{practitioner_id}"


VIEWS: tuple[type[View], ...] = (Pool, Roster, LeadProjects, AgencyLeads)


# -- reading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """The members of one view document, by id, and how fresh it is (None: nothing folded yet)."""

    items: list[Doc]
    as_of: Doc | None

    @property
    def ids(self) -> list[str]:
        return [str(item["id"]) for item in self.items]

    def count(self, *, except_id: str | None = None) -> int:
        return sum(1 for item_id in self.ids if item_id != except_id)


@dataclass(frozen=True)
class ReadModels:
    """The registry's questions, each answered by ``_id`` look-ups of its views' documents."""

    stores: Mapping[str, ViewStore]  # the ViewSet's: readers see the generation it serves

    async def _listed(self, view: str, key: str) -> Listed:
        doc = await self.stores[view].get(key)
        if doc is None:
            return Listed([], None)
        return Listed([item for item in doc.get(ITEMS, []) if item["member"]], doc.get(AS_OF))

    async def pool(self, status: r.AgencyStatus) -> Listed:
        """The agencies whose status is ``status`` (items: the AgencyStateChanged fields and ``version``)."""
        return await self._listed(Pool.name, pool_key(status))

    async def roster(self, agency_id: str) -> Listed:
        """The agency's practitioners in the talent database (items: ids and ``version``)."""
        return await self._listed(Roster.name, roster_key(agency_id))

    async def lead_projects(self, practitioner_id: str) -> Listed:
        """The projects ``practitioner_id`` leads with an active team."""
        return await self._listed(LeadProjects.name, lead_key(practitioner_id))

    async def agency_leads(self, agency_id: str) -> Listed:
        """Which of the agency's practitioners lead which projects (items ``<lead>|<project>``)."""
        return await self._listed(AgencyLeads.name, roster_key(agency_id))
