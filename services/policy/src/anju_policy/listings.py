"""The policy's listings (read models, anju_kit.views + anju_kit.listing): an insurer's projects, a
builder's projects, the region's projects for the regulator — each by stage, in bounded pages, read by
``_id`` only. They fold ``policy.ProjectListed`` (event-carried state: no view reads a project), and the
highest ``revision`` wins, so a late or repeated event never moves a project back.

* ``policy.by_insurer`` — listing ``<insurer id>``;
* ``policy.by_builder`` — listing ``<builder organisation id>``;
* ``policy.by_region`` — listing ``<region>`` (the regulator sees the whole region, XC-05).

Each listing has one bucket (``all``) and one tally per stage; its head holds the count of every page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from anju_contracts import Actor, Envelope, Role, topics
from anju_contracts import underwriting as u
from anju_contracts.base import Event
from anju_contracts.policy import ProjectStage
from anju_kit.listing import keep_listed, location_id, read_listed, tallies
from anju_kit.ports import ViewReads
from anju_kit.views import AS_OF, Docs, View

ALL = "all"


def summary(event: u.ProjectListed) -> dict[str, Any]:
    return {
        "project_id": event.project_id,
        "name": event.name,
        "insurer_id": event.insurer_id,
        "builder_id": event.builder_id,
        "product_line": event.product_line,
        "stage": event.stage.value,
        "stage_on": event.stage_on.isoformat(),
    }


class _ProjectListing(View):
    sources = (topics.POLICY.events,)

    def key_of(self, envelope: Envelope, event: u.ProjectListed) -> str | None:
        raise NotImplementedError

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        if not isinstance(event, u.ProjectListed):
            return []
        key = self.key_of(envelope, event)
        return [key] if key else []

    def reads(self, key: str, event: Event) -> Iterable[str]:
        return [location_id(key, event.project_id)] if isinstance(event, u.ProjectListed) else []

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, u.ProjectListed)
        await keep_listed(
            docs,
            listing=key,
            bucket=ALL,
            item_id=event.project_id,
            version=event.revision,
            tally=event.stage.value,
            item=summary(event),
        )


class ByInsurer(_ProjectListing):
    name = "policy.by_insurer"

    def key_of(self, envelope: Envelope, event: u.ProjectListed) -> str | None:
        return event.insurer_id


class ByBuilder(_ProjectListing):
    name = "policy.by_builder"

    def key_of(self, envelope: Envelope, event: u.ProjectListed) -> str | None:
        return event.builder_id


class ByRegion(_ProjectListing):
    name = "policy.by_region"

    def key_of(self, envelope: Envelope, event: u.ProjectListed) -> str | None:
        return envelope.region


LISTINGS: tuple[View, ...] = (ByInsurer(), ByBuilder(), ByRegion())


@dataclass(frozen=True)
class ProjectPage:
    items: list[dict[str, Any]]
    total: int
    by_stage: dict[str, int]
    as_of: dict[str, Any] | None


def listing_of(actor: Actor, region: str) -> tuple[str, str] | None:
    """(view name, listing key) of what ``actor`` may list (XC-05); None: nothing."""
    if actor.role in (Role.INSURER, Role.SYSTEM) and actor.insurer_id is not None:
        return ByInsurer.name, actor.insurer_id
    if actor.role is Role.BUILDER and actor.organisation_id is not None:
        return ByBuilder.name, actor.organisation_id
    if actor.role is Role.REGULATOR or actor.role is Role.SYSTEM:
        return ByRegion.name, region
    return None


async def read_projects(
    store: ViewReads, listing: str, *, stage: ProjectStage | None, offset: int, limit: int
) -> ProjectPage:
    head = await store.get(listing) or {}
    shown = await read_listed(
        store, listing, head, bucket=ALL, tallies_wanted=[stage.value] if stage else None, offset=offset, limit=limit
    )
    return ProjectPage(shown.items, shown.total, tallies(head).get(ALL, {}), head.get(AS_OF))
