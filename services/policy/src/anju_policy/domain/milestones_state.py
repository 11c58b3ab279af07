"""What a project keeps of its milestones after construction (POL-09, POL-10, RSK-07)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from anju_contracts import underwriting as u


class FinalReport(BaseModel):
    """The sealed final risk assessment report (RSK-07), as the risk service announced it."""

    model_config = ConfigDict(extra="forbid")

    key: str
    sha256: str
    sealed_at: datetime


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: date
    document_key: str | None = None
    document_sha256: str | None = None


class Milestones(BaseModel):
    model_config = ConfigDict(extra="forbid")

    final_report: FinalReport | None = None
    completion_filed_on: date | None = None
    contractor_warranty_end: date | None = None  # CLM-10: last day the contractor repairs
    liability_starts_on: date | None = None
    steps: dict[u.MilestoneStep, Step] = Field(default_factory=dict)
