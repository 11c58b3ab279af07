"""Unit owners (房屋所有权人) from the sale contracts, stored protected (XC-09).

The full ID number is never kept: a keyed hash identifies the person (the same buyer of two units is one
owner) and the opaque ``owner_id`` derived from it is what owner tokens and events carry, beside a masked
number and a masked name for display.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from anju_contracts.policy import OwnerRef
from anju_kit.privacy import mask_id_number, mask_name, protected_hash

OWNER_ID_PREFIX = "own-"


class UnitOwner(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner_id: str
    name_masked: str
    id_number_masked: str
    id_number_hash: str

    def ref(self) -> OwnerRef:
        return OwnerRef(owner_id=self.owner_id, id_number_masked=self.id_number_masked)


def protect(name: str, id_number: str, secret: str) -> UnitOwner:
    """What is kept of a buyer: never the full number (XC-09)."""
    number = id_number.upper()
    digest = protected_hash(number, secret)
    return UnitOwner(
        owner_id=f"{OWNER_ID_PREFIX}{digest[:24]}",
        name_masked=mask_name(name),
        id_number_masked=mask_id_number(number),
        id_number_hash=digest,
    )
