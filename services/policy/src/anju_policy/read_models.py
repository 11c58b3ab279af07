"""The policy service's read models: each question as documents read by ``_id`` (anju_kit.views).

* ``policy.ledger`` — POL-12 单独账套: each product line of the region keeps its own ledger of
  premiums booked (the contract's premium, then adjustments to the actual cost, POL-01) and payments
  received. Partition key ``<region>|<line>``; one document per month ``<region>|<line>|<YYYY-MM>``
  holding its entries by id (so a redelivered event changes nothing) with the month's totals per
  insurer, and the head ``<region>|<line>`` holding every month's totals.

Each document has one writer (the partition key's), so no atomic update is needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from anju_contracts import Envelope, topics
from anju_contracts import underwriting as u
from anju_contracts.base import Event
from anju_contracts.common import ObligationOpened
from anju_kit.due import DueHours
from anju_kit.mongo import Doc
from anju_kit.ports import ViewReads
from anju_kit.views import AS_OF, Docs, View
from anju_policy.listings import LISTINGS

ZERO = Decimal("0.00")
KINDS = tuple(k.value for k in u.LedgerEntryKind)


@dataclass(frozen=True)
class Entry:
    entry_id: str
    kind: u.LedgerEntryKind
    line: str
    insurer_id: str
    project_id: str
    amount: Decimal
    on: date

    def doc(self) -> Doc:
        return {
            "id": self.entry_id,
            "kind": self.kind.value,
            "insurer_id": self.insurer_id,
            "project_id": self.project_id,
            "amount_yuan": str(self.amount),
            "on": self.on.isoformat(),
        }


def entry_of(event: Event) -> Entry | None:
    """The ledger entry an event books, if any."""
    match event:
        case u.InsuranceContractSigned():
            return Entry(
                f"premium.{event.project_id}.{event.contract_id}",
                u.LedgerEntryKind.PREMIUM,
                event.product_line,
                event.insurer_id,
                event.project_id,
                event.premium_yuan,
                event.signed_on,
            )
        case u.InsuredAmountAdjusted() if event.booked:
            return Entry(
                f"adjustment.{event.project_id}.{event.adjustment_id}",
                u.LedgerEntryKind.ADJUSTMENT,
                event.product_line,
                event.insurer_id,
                event.project_id,
                event.premium_delta_yuan,
                event.on,
            )
        case u.PremiumPaymentRecorded():
            return Entry(
                f"payment.{event.project_id}.{event.payment_id}",
                u.LedgerEntryKind.PAYMENT,
                event.product_line,
                event.insurer_id,
                event.project_id,
                event.amount_yuan,
                event.paid_on,
            )
    return None


def totals(entries: Iterable[Mapping[str, Any]], insurer_id: str | None = None) -> dict[str, str]:
    """Sums per kind (and premium booked minus paid as ``outstanding``) of ``insurer_id``'s entries (all
    when None)."""
    sums = dict.fromkeys(KINDS, ZERO)
    for item in entries:
        if insurer_id is None or item["insurer_id"] == insurer_id:
            sums[item["kind"]] += Decimal(item["amount_yuan"])
    booked = sums["premium"] + sums["adjustment"]
    return {**{k: str(v) for k, v in sums.items()}, "outstanding": str(booked - sums["payment"])}


class Ledger(View):
    name = "policy.ledger"
    sources = (topics.POLICY.events,)

    def keys(self, envelope: Envelope, event: Event) -> Iterable[str]:
        entry = entry_of(event)
        return [ledger_key(envelope.region, entry.line)] if entry else []

    def reads(self, key: str, event: Event) -> Iterable[str]:
        entry = entry_of(event)
        return [f"{key}|{entry.on:%Y-%m}"] if entry else []

    async def fold(self, docs: Docs, key: str, envelope: Envelope, event: Event) -> None:
        entry = entry_of(event)
        if entry is None:
            return
        month = f"{entry.on:%Y-%m}"
        page_id = f"{key}|{month}"
        page = await docs.get(page_id) or {"entries": []}
        entries = [e for e in page["entries"] if e["id"] != entry.entry_id] + [entry.doc()]
        insurers = sorted({e["insurer_id"] for e in entries})
        docs.put(
            page_id,
            {
                "entries": entries,
                "totals": totals(entries),
                "by_insurer": {i: totals(entries, i) for i in insurers},
            },
        )
        head = await docs.get(key) or {}
        months = {**head.get("months", {}), month: totals(entries)}
        by_insurer = {i: dict(m) for i, m in head.get("by_insurer", {}).items()}
        for insurer in insurers:
            by_insurer.setdefault(insurer, {})[month] = totals(entries, insurer)
        docs.put(key, {**head, "months": dict(sorted(months.items())), "by_insurer": by_insurer})


def ledger_key(region: str, line: str) -> str:
    return f"{region}|{line}"


class ProjectDue(DueHours):
    """``policy.due``: the policy's open obligations by due hour (kit.due.DueHours), each entry naming the
    project (the envelope's key: every policy event is keyed by its project), which the sweeper loads."""

    def aggregate_of(self, envelope: Envelope, event: ObligationOpened) -> str:
        return envelope.key or event.subject.id


DUE = ProjectDue("policy", topics.POLICY.events)
VIEWS: tuple[View, ...] = (Ledger(), DUE, *LISTINGS)


# -- reading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerPage:
    region: str
    line: str
    month: str | None
    entries: list[Doc]
    totals: dict[str, Any]
    as_of: Doc | None


async def read_ledger(
    store: ViewReads, region: str, line: str, month: str | None, *, insurer_id: str | None = None
) -> LedgerPage:
    """A line's ledger (``month`` None: every month's totals), only ``insurer_id``'s share when given."""
    key = ledger_key(region, line)
    head = await store.get(key) or {}
    if month is None:
        months = head.get("months", {}) if insurer_id is None else head.get("by_insurer", {}).get(insurer_id, {})
        return LedgerPage(region, line, None, [], dict(sorted(months.items())), head.get(AS_OF))
    page = await store.get(f"{key}|{month}") or {"entries": []}
    entries = [e for e in page["entries"] if insurer_id is None or e["insurer_id"] == insurer_id]
    return LedgerPage(region, line, month, entries, totals(entries), head.get(AS_OF))
