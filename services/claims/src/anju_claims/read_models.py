"""The claims' read models: each question a page or an integrator asks, as documents read by ``_id``.

The listings fold ``claims.ClaimStateChanged`` (the claim as it stands after each change, published in the same
write), so no view reads a claim and a late or repeated event never moves an item backwards (the
highest version wins):

* ``claims.by_unit`` — one household, one file (XC-03): every claim of a unit, on document ``<unit>``;
* ``claims.by_owner`` — an owner's claims, on document ``<owner>``;
* ``claims.by_insurer`` — an insurer's claims by report month and status, listing ``<insurer>``;
* ``claims.by_region`` — the regulator's list and counts, the same shape for the whole region;

The insurer's and the region's are ``anju_kit.listing`` pages: at most 100 summaries per report month
and status, and a head with the count of every page — the tallies by month and status. A unit's and an
owner's claims are few: their items sit on the one document (``keep_in_head``).
* ``claims.due`` — the legal clock's due index: opened obligations by due hour (kit.due.DueHours).

Each document has one writer (kit.views: the partition key is the unit, owner, insurer or region).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from anju_contracts import Envelope, topics
from anju_contracts import claims as c
from anju_contracts.base import Event
from anju_kit.clock import SHANGHAI
from anju_kit.due import DueHours
from anju_kit.listing import keep_in_head, keep_listed, location_id, pages_to_read
from anju_kit.mongo import Doc
from anju_kit.views import Docs, View

ALL = "all"  # the bucket of a listing without months


def summary(state: c.ClaimStateChanged) -> dict[str, Any]:
    """What a listing shows of a claim (the full claim is one ``_id`` read away)."""
    return {
        "claim_id": state.claim_id,
        "status": state.status.value,
        "unit_id": state.unit_id,
        "owner_id": state.owner_id,
        "insurer_id": state.insurer_id,
        "policy_id": state.policy_id,
        "project_id": state.project_id,
        "reported_at": state.reported_at.isoformat(),
        "next_due": state.next_due.model_dump(mode="json") if state.next_due else None,
    }


def report_month(state: c.ClaimStateChanged) -> str:
    return state.reported_at.astimezone(SHANGHAI).strftime("%Y-%m")


class _ClaimListing(View):
    version = 2  # v2: bounded pages per month and status (anju_kit.listing); v1 held a month in one document
    sources = (topics.CLAIMS.events,)
    small = False  # a listing the domain keeps small: its items on its head (one document per change)

    def key_of(self, envelope: Envelope, state: c.ClaimStateChanged) -> str | None:
        raise NotImplementedError

    def bucket_of(self, state: c.ClaimStateChanged) -> str:
        return ALL

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        if not isinstance(event, c.ClaimStateChanged):
            return []
        key = self.key_of(envelope, event)
        return [key] if key else []

    def reads(self, key: str, event: Event) -> Iterable[str]:
        if self.small or not isinstance(event, c.ClaimStateChanged):
            return []
        return [location_id(key, event.claim_id)]

    def reads_after(self, key: str, event: Event, read: Callable[[str], Doc | None]) -> Iterable[str]:
        if self.small or not isinstance(event, c.ClaimStateChanged):
            return []
        bucket, status = self.bucket_of(event), event.status.value
        return pages_to_read(read, listing=key, bucket=bucket, tally=status, item_id=event.claim_id)

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        assert isinstance(event, c.ClaimStateChanged)
        if self.small:
            status = event.status.value
            await keep_in_head(
                docs, listing=key, item_id=event.claim_id, version=event.version, tally=status, item=summary(event)
            )
            return
        await keep_listed(
            docs,
            listing=key,
            bucket=self.bucket_of(event),
            item_id=event.claim_id,
            version=event.version,
            tally=event.status.value,
            item=summary(event),
        )


class ByUnit(_ClaimListing):
    name = "claims.by_unit"
    version = 3  # v3: the unit's claims on one document (a household has a handful)
    small = True

    def key_of(self, envelope: Envelope, state: c.ClaimStateChanged) -> str | None:
        return state.unit_id


class ByOwner(_ClaimListing):
    name = "claims.by_owner"
    version = 3  # v3: the owner's claims on one document (an owner has a few units)
    small = True

    def key_of(self, envelope: Envelope, state: c.ClaimStateChanged) -> str | None:
        return state.owner_id


class ByInsurer(_ClaimListing):
    name = "claims.by_insurer"

    def key_of(self, envelope: Envelope, state: c.ClaimStateChanged) -> str | None:
        return state.insurer_id  # a report refused for want of a policy has no insurer to list it

    def bucket_of(self, state: c.ClaimStateChanged) -> str:
        return report_month(state)


class ByRegion(_ClaimListing):
    name = "claims.by_region"

    def key_of(self, envelope: Envelope, state: c.ClaimStateChanged) -> str | None:
        return envelope.region

    def bucket_of(self, state: c.ClaimStateChanged) -> str:
        return report_month(state)


# The legal clock's due index (XC-02): opened obligations by the hour they fall due, swept by ``_id``.
DUE = DueHours("claims", topics.CLAIMS.events)

VIEWS: tuple[View, ...] = (ByUnit(), ByOwner(), ByInsurer(), ByRegion(), DUE)
