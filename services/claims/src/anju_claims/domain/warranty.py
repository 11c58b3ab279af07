"""CLM-06: after a repair, the same item at the same location is warranted for 180 days, even after the
policy ended, provided the original report was made within the insurance period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from anju_contracts.policy import BuildingPart


@dataclass(frozen=True)
class RepairWarranty:
    claim_id: str
    unit_id: str
    part: BuildingPart
    item: str
    location: str
    ends_at: datetime  # exclusive: 24:00 of the warranty's last day


def same_wording(a: str, b: str) -> bool:
    """Item and location match when equal apart from whitespace and letter case (全角 spaces too)."""
    return "".join(a.split()).casefold() == "".join(b.split()).casefold()


def find_warranty(
    warranties: Sequence[RepairWarranty],
    unit_id: str,
    part: BuildingPart,
    item: str,
    location: str,
    reported_at: datetime,
) -> RepairWarranty | None:
    """The repair warranty this report falls under, if any (the latest-ending one wins)."""
    matching = [
        w
        for w in warranties
        if w.unit_id == unit_id
        and w.part is part
        and same_wording(w.item, item)
        and same_wording(w.location, location)
        and reported_at < w.ends_at
    ]
    return max(matching, key=lambda w: w.ends_at) if matching else None
