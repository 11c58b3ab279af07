"""REG-10: a credit record (信用信息) of an agency or a practitioner."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from anju_contracts.registry import CreditKind


class CreditRecord(BaseModel):
    record_id: str
    kind: CreditKind
    rule_id: str
    summary: str
    project_id: str | None = None
    recorded_on: date
