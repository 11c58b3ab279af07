"""GET /v1/claims: who sees which claims, answered from the read models (anju_claims.read_models).

Each answer is a few documents read by ``_id`` — never a query over the claims (the local store would
read them all) — and says as of which change it is (``as_of``): listings trail the claims by the read
model's lag, while a command's own answer is the claim itself (read your writes).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from anju_claims.entrypoints.views import AsOf, ClaimList, ClaimSummary
from anju_claims.read_models import ByInsurer, ByOwner, ByRegion, ByUnit
from anju_contracts import Actor, Role
from anju_contracts import claims as c
from anju_kit.listing import items_in_head, read_listed, tallies
from anju_kit.views import AS_OF, ViewSet, ViewStore


async def list_claims(
    views: ViewSet,
    actor: Actor,
    *,
    region: str,
    unit_id: str | None,
    status: c.ClaimStatus | None,
    month: str | None,
    offset: int = 0,
    limit: int,
) -> ClaimList:
    if unit_id is not None:
        return await _unit_file(views.store(ByUnit.name), actor, unit_id, status, limit)
    if actor.role is Role.OWNER:
        page = await _small(views.store(ByOwner.name), actor.id)
        items = [i for i in page.items if i["unit_id"] in actor.unit_ids]
        return _answer(items, status, limit, as_of=page.as_of)
    if actor.role in (Role.INSURER, Role.SYSTEM) and actor.insurer_id is not None:
        return await _monthly(views.store(ByInsurer.name), actor.insurer_id, status, month, offset, limit)
    if actor.role is Role.REGULATOR or actor.role is Role.SYSTEM:
        return await _monthly(views.store(ByRegion.name), region, status, month, offset, limit)
    return ClaimList(items=[])


async def _unit_file(
    store: ViewStore, actor: Actor, unit_id: str, status: c.ClaimStatus | None, limit: int
) -> ClaimList:
    """One household, one file (XC-03): every claim of the unit the actor may read."""
    if actor.role is Role.OWNER and unit_id not in actor.unit_ids:
        return ClaimList(items=[], unit_id=unit_id)
    page = await _small(store, unit_id)
    items = page.items
    if actor.role is Role.REGULATOR or (actor.role is Role.SYSTEM and actor.insurer_id is None):
        pass
    elif actor.role in (Role.INSURER, Role.SYSTEM):
        items = [i for i in items if i["insurer_id"] == actor.insurer_id]
    elif actor.role is not Role.OWNER:
        items = []
    answer = _answer(items, status, limit, as_of=page.as_of)
    return answer.model_copy(update={"unit_id": unit_id, "items": sorted(answer.items, key=_by_report)})


async def _monthly(
    store: ViewStore, listing: str, status: c.ClaimStatus | None, month: str | None, offset: int, limit: int
) -> ClaimList:
    """One report month of an insurer's or the region's claims: the head (every month's tallies) and the
    pages that hold items ``offset`` to ``offset + limit`` of the month (of one status, if asked)."""
    head = await store.get(listing) or {}
    months = dict(sorted(tallies(head).items(), reverse=True))
    shown = month or next(iter(months), None)
    if shown is None:
        return ClaimList(items=[], months=months, as_of=_as_of(head))
    wanted = [status.value] if status is not None else None
    got = await read_listed(store, listing, head, bucket=shown, tallies_wanted=wanted, offset=offset, limit=limit)
    answer = _answer(got.items, status, limit, as_of=_as_of(head))
    return answer.model_copy(update={"month": shown, "months": months, "total": got.total, "offset": offset})


class _Page:
    def __init__(self, items: list[dict[str, Any]], as_of: AsOf | None) -> None:
        self.items, self.as_of = items, as_of


async def _small(store: ViewStore, listing: str) -> _Page:
    """Every claim of a small listing (a unit's, an owner's): one document."""
    head = await store.get(listing) or {}
    return _Page(items_in_head(head), _as_of(head))


def _as_of(doc: dict[str, Any]) -> AsOf | None:
    found = doc.get(AS_OF)
    return AsOf.model_validate(found) if found else None


def _answer(items: list[dict[str, Any]], status: c.ClaimStatus | None, limit: int, *, as_of: AsOf | None) -> ClaimList:
    wanted = [i for i in items if status is None or i["status"] == status.value]
    wanted.sort(key=_by_due)
    return ClaimList(items=[ClaimSummary.model_validate(i) for i in wanted[:limit]], as_of=as_of)


def _by_due(item: dict[str, Any]) -> tuple[float, float]:
    due = (item.get("next_due") or {}).get("due_at")
    due_at = datetime.fromisoformat(due).timestamp() if due else float("inf")
    return (due_at, -datetime.fromisoformat(item["reported_at"]).timestamp())


def _by_report(item: ClaimSummary) -> datetime:
    return item.reported_at
