"""Folding policy events into the claims read model (pure; the adapter stores the result)."""

from __future__ import annotations

from anju_claims.domain.coverage import PolicyCoverage
from anju_claims.domain.errors import ClaimError
from anju_contracts import ReasonCode
from anju_contracts.base import Event
from anju_contracts.policy import LiabilityPeriodStarted, PolicyEnded, PolicyIssued, UnitOwnersChanged
from anju_contracts.underwriting import StageAdvanced


def apply_policy_event(current: PolicyCoverage | None, event: Event) -> PolicyCoverage:
    """The read model after ``event``. Replaying an event gives the same result (idempotent)."""
    if isinstance(event, PolicyIssued):
        units = {unit.unit_id: list(unit.owners) for unit in event.units}
        line = {
            "product_line": event.product_line,
            "coverage_sections": list(event.coverage_sections),
            "stage": event.stage if current is None or event.stage is not None else current.stage,
        }
        if current is None:
            return PolicyCoverage(
                policy_id=event.policy_id,
                project_id=event.project_id,
                insurer_id=event.insurer_id,
                units=units,
                **line,
            )
        # Re-issue (correction): units and insurer are replaced, milestones kept.
        return current.model_copy(
            update={"project_id": event.project_id, "insurer_id": event.insurer_id, "units": units, **line}
        )
    if current is None:
        raise ClaimError(
            ReasonCode.NOT_FOUND,
            f"policy {getattr(event, 'policy_id', '?')} is unknown: PolicyIssued must come first",
            field="policy_id",
        )
    if isinstance(event, UnitOwnersChanged):
        if not current.covers_unit(event.unit_id):
            raise ClaimError(
                ReasonCode.NOT_FOUND, f"unit {event.unit_id} is not on policy {event.policy_id}", field="unit_id"
            )
        return current.model_copy(update={"units": {**current.units, event.unit_id: list(event.owners)}})
    if isinstance(event, LiabilityPeriodStarted):
        if event.contractor_warranty_end >= event.liability_starts_on:
            raise ClaimError(
                ReasonCode.VALIDATION_FAILED,
                "the contractor warranty ends before the liability period starts (POL-09)",
                field="contractor_warranty_end",
            )
        return current.model_copy(
            update={
                "liability_starts_on": event.liability_starts_on,
                "contractor_id": event.contractor_id,
                "contractor_warranty_end": event.contractor_warranty_end,
                "part_ends_on": {period.part: period.ends_on for period in event.coverage},
            }
        )
    if isinstance(event, StageAdvanced):
        if current.stage is not None and current.stage.order > event.stage.order:
            return current  # a late, older stage never moves the project back
        return current.model_copy(update={"stage": event.stage})
    if isinstance(event, PolicyEnded):
        return current.model_copy(update={"ended_on": event.ended_on})
    raise ClaimError(ReasonCode.UNKNOWN_TYPE, f"{event.TYPE} is not a policy event claims reads")
