"""What the HTTP API shows of a claim (OpenAPI response models)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from anju_claims.domain.claim import Agreement, AttachedEvidence, Claim, Payment
from anju_claims.domain.coverage import PolicyCoverage
from anju_claims.domain.rules import ClaimsRules
from anju_contracts import claims as c
from anju_contracts.policy import BuildingPart


class DeadlineView(BaseModel):
    rule_id: str
    obligation: str
    kind: str
    due_at: datetime = Field(description="Absolute end (24:00 Asia/Shanghai of last_day).")
    last_day: date
    calendar_estimated: bool
    state: str
    overdue_reported: bool


class ClaimView(BaseModel):
    claim_id: str
    version: int = Field(description="Send as If-Match to change the claim only if nobody else did.")
    status: c.ClaimStatus
    unit_id: str
    owner_id: str
    policy_id: str | None
    project_id: str | None
    insurer_id: str | None
    part: BuildingPart
    item: str
    location: str
    description: str
    reported_at: datetime = Field(description="When the platform received the report; it decides coverage (CLM-01).")
    claimed_reported_at: datetime | None = Field(
        default=None, description="The report time the sender stated; information only, never deciding (CLM-01)."
    )
    channel: c.ReportChannel
    linked_claim_id: str | None = Field(description="Earlier repair whose CLM-06 warranty covers this report.")
    refusal: dict[str, str | None] | None = Field(description="Why the report was refused (CLM-01, CLM-10, POL-13).")
    decision: c.Decision | None
    decided_at: datetime | None
    reasons: list[c.Reason]
    exclusion: c.Exclusion | None
    agreement: Agreement | None
    repairer_id: str | None
    repairer_name: str | None
    repair_completed_on: date | None
    payments: list[Payment]
    dispute_open: bool
    deadlines: list[DeadlineView]
    evidence: list[AttachedEvidence]
    rejection_notice: c.EvidenceRef | None
    warranty_statement: c.EvidenceRef | None

    @classmethod
    def of(cls, claim: Claim, version: int) -> ClaimView:
        data: dict[str, Any] = claim.model_dump()
        data["deadlines"] = [d.model_dump() for d in claim.deadlines]
        fields = set(cls.model_fields) - {"version"}
        return cls(version=version, **{k: v for k, v in data.items() if k in fields})


class ClaimSummary(BaseModel):
    """A claim as listings show it; ``GET /v1/claims/{claim_id}`` has the whole of it."""

    claim_id: str
    version: int
    status: c.ClaimStatus
    unit_id: str
    owner_id: str
    insurer_id: str | None
    policy_id: str | None
    project_id: str | None
    reported_at: datetime
    next_due: c.DeadlineInfo | None = Field(description="The earliest open legal deadline (XC-01).")


class AsOf(BaseModel):
    """The last change the answer includes: listings trail the claims by the read model's lag."""

    event_id: str
    occurred_at: datetime


class ClaimList(BaseModel):
    items: list[ClaimSummary] = Field(
        description="Earliest open deadline first, then newest report first (within this page of the month)."
    )
    unit_id: str | None = Field(default=None, description="Set when the list is one household's file (XC-03).")
    month: str | None = Field(default=None, description="The report month (YYYY-MM) this page lists.")
    months: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="Every report month with claims, and how many per status (newest first)."
    )
    total: int | None = Field(
        default=None, description="A month's page: how many claims the month holds (of the status asked)."
    )
    offset: int = Field(default=0, description="A month's page: the position of its first item in the month.")
    as_of: AsOf | None = Field(default=None, description="None: nothing listed yet.")


class UploadTicketView(BaseModel):
    key: str = Field(description="Object key to cite when attaching the evidence.")
    url: str = Field(description="Presigned PUT URL (short-lived).")
    method: str
    headers: dict[str, str] = Field(description="Headers the PUT must carry unchanged (type, size, checksum).")
    expires_at: datetime


class HistoryView(BaseModel):
    version: int
    action: str
    actor: dict[str, Any]
    at: datetime
    details: dict[str, Any]
    caused_by: str | None


class DocumentLink(BaseModel):
    key: str
    url: str
    expires_at: datetime


class PartCoverage(BaseModel):
    part: BuildingPart
    ends_on: date | None = Field(description="Last covered day of the part (POL-13); None before liability starts.")


class UnitCoverageView(BaseModel):
    """A unit's policy as the household file shows it (XC-03): the policy, the liability period and each
    building part's last covered day."""

    unit_id: str
    policy_id: str
    project_id: str
    insurer_id: str
    product_line: str | None
    liability_starts_on: date | None
    contractor_warranty_end: date | None = Field(description="Defects until this day go to the contractor (CLM-10).")
    ended_on: date | None
    parts: list[PartCoverage]

    @classmethod
    def of(cls, coverage: PolicyCoverage, unit_id: str, rules: ClaimsRules) -> UnitCoverageView:
        return cls(
            unit_id=unit_id,
            policy_id=coverage.policy_id,
            project_id=coverage.project_id,
            insurer_id=coverage.insurer_id,
            product_line=coverage.product_line,
            liability_starts_on=coverage.liability_starts_on,
            contractor_warranty_end=coverage.contractor_warranty_end,
            ended_on=coverage.ended_on,
            parts=[PartCoverage(part=p, ends_on=coverage.part_last_day(p, rules)) for p in BuildingPart],
        )
