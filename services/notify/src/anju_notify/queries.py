"""The ledger's questions, each answered by a few ``_id`` reads of its read model (anju_kit.listing):
the head (counts of every page), then only the pages that hold what is shown."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from anju_contracts.common import PartyRef
from anju_kit.listing import items_in_head, read_listed, tallies
from anju_kit.ports import ViewReads
from anju_kit.views import AS_OF
from anju_notify.read_models import ALL, OPEN_TALLIES, TALLIES, party_listing


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int
    counts: dict[str, Any]
    as_of: dict[str, Any] | None


async def _shelves(
    store: ViewReads, listing: str, bucket: str, wanted: tuple[str, ...], offset: int, limit: int
) -> Page:
    head = await store.get(listing) or {}
    shown = await read_listed(store, listing, head, bucket=bucket, tallies_wanted=wanted, offset=offset, limit=limit)
    return Page(shown.items, shown.total, tallies(head).get(bucket, {}), head.get(AS_OF))


async def by_debtor(
    store: ViewReads,
    region: str,
    debtor: PartyRef,
    *,
    rule_id: str,
    states: tuple[str, ...] = OPEN_TALLIES,
    offset: int = 0,
    limit: int = 50,
) -> Page:
    """A debtor's obligations of one rule in ``states`` (default: open ones)."""
    return await _shelves(store, party_listing(region, debtor), rule_id, states, offset, limit)


async def debtor_report(store: ViewReads, region: str, debtor: PartyRef) -> dict[str, Any]:
    """Per rule, how many of a debtor's obligations are in each tally: filed on time, late, not yet
    (open / overdue / escalated) — the regulator's view of an insurer or an agency. One read."""
    head = await store.get(party_listing(region, debtor)) or {}
    return {"by_rule": tallies(head), "as_of": head.get(AS_OF)}


async def filings_report(
    debtors: ViewReads, by_debtor: ViewReads, region: str, rules: tuple[str, ...], roles: tuple[str, ...]
) -> dict[str, Any]:
    """Per insurer and per agency (``roles``), per filing rule: filed on time, late, not yet filed (open,
    overdue, escalated), cancelled or waived — one head read per debtor, read at once."""
    listed = (await debtors.get(region) or {}).get("debtors", [])
    wanted = [d for d in listed if d.split(":", 1)[0] in roles]
    heads = await asyncio.gather(*(by_debtor.get(f"{region}|{d}") for d in wanted))
    report = {}
    for debtor, head in zip(wanted, heads, strict=True):
        counts = {rule: shelves for rule, shelves in tallies(head or {}).items() if rule in rules}
        if counts:
            report[debtor] = counts
    return report


async def by_rule(
    store: ViewReads, region: str, rule_id: str, *, states: tuple[str, ...], offset: int = 0, limit: int = 50
) -> Page:
    return await _shelves(store, f"{region}|{rule_id}", ALL, states, offset, limit)


async def by_week(
    store: ViewReads,
    region: str,
    week: str,
    *,
    states: tuple[str, ...] = OPEN_TALLIES,
    offset: int = 0,
    limit: int = 50,
) -> Page:
    return await _shelves(store, f"{region}|{week}", ALL, states, offset, limit)


async def by_subject(store: ViewReads, kind: str, subject_id: str) -> Page:
    head = await store.get(f"{kind}:{subject_id}") or {}
    items = items_in_head(head)
    return Page(items, len(items), {}, head.get(AS_OF))


async def inbox(
    store: ViewReads, region: str, party: PartyRef, month: str, *, offset: int = 0, limit: int = 50
) -> Page:
    return await _shelves(store, party_listing(region, party), month, ("unread", "read"), offset, limit)


__all__ = [
    "TALLIES",
    "Page",
    "by_debtor",
    "by_rule",
    "by_subject",
    "by_week",
    "debtor_report",
    "filings_report",
    "inbox",
]
