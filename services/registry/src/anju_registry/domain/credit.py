"""REG-10: a credit record (信用信息) of an agency or a practitioner."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from anju_contracts.registry import CreditKind, CreditRecordAdded, CreditSubject


class CreditRecord(BaseModel):
    record_id: str
    kind: CreditKind
    rule_id: str
    summary: str
    project_id: str | None = None
    recorded_on: date


def new_credit_record(
    subject: CreditSubject,
    subject_id: str,
    existing: int,
    *,
    kind: CreditKind,
    rule_id: str,
    summary: str,
    project_id: str | None,
    today: date,
) -> tuple[CreditRecord, CreditRecordAdded]:
    """REG-10: the next credit record of an agency or practitioner, and the event that publishes it."""
    record = CreditRecord(
        record_id=f"{subject_id}.credit.{existing + 1}",  # ":" is no Identifier character
        kind=kind,
        rule_id=rule_id,
        summary=summary,
        project_id=project_id,
        recorded_on=today,
    )
    event = CreditRecordAdded(
        record_id=record.record_id,
        subject=subject,
        subject_id=subject_id,
        kind=kind,
        rule_id=rule_id,
        summary=summary,
        project_id=project_id,
        recorded_on=today,
    )
    return record, event
