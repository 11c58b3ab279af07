"""The 质安保 construction safety section (POL-11): a safety incident during construction — a worker's or a
third party's injury or death, rescue costs — is a claim of its own kind, accepted only on a policy whose
line covers that section (qingdao-laoshan's 质安保, not IDI) while the project is in construction.

Pure: the policy facts come from claims' policy read model (PolicyIssued's product line and coverage
sections, the project's stage from PolicyIssued and policy.StageAdvanced).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, PrivateAttr

from anju_claims.domain.coverage import PolicyCoverage
from anju_claims.domain.errors import ClaimError, Conditions
from anju_contracts import ReasonCode
from anju_contracts import claims as c
from anju_contracts.base import Event
from anju_contracts.policy import CoverageSection, ProjectStage

K = c.SafetyIncidentKind
SECTION_OF: dict[c.SafetyIncidentKind, CoverageSection] = {
    K.WORKER_INJURY: CoverageSection.WORKER_INJURY,
    K.WORKER_DEATH: CoverageSection.WORKER_INJURY,  # 从业人员人身伤亡
    K.THIRD_PARTY_INJURY: CoverageSection.THIRD_PARTY_INJURY,
    K.THIRD_PARTY_DEATH: CoverageSection.THIRD_PARTY_INJURY,  # 第三者人身伤亡
    K.RESCUE_COSTS: CoverageSection.RESCUE_COSTS,
}


class SafetyClaim(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim_id: str
    policy_id: str
    project_id: str
    insurer_id: str
    kind: c.SafetyIncidentKind
    section: CoverageSection
    occurred_at: datetime
    reported_at: datetime
    location: str
    description: str
    persons: int
    status: str = "accepted"

    _pending: list[Event] = PrivateAttr(default_factory=list)

    def pull_events(self) -> list[Event]:
        events, self._pending = self._pending, []
        return events

    def state(self) -> dict[str, object]:
        return self.model_dump(mode="json")

    @classmethod
    def report(
        cls, cmd: c.ReportSafetyIncident, coverage: PolicyCoverage | None, *, received_at: datetime
    ) -> SafetyClaim:
        if coverage is None:
            raise ClaimError(ReasonCode.NOT_FOUND, f"policy {cmd.policy_id} not found", field="policy_id")
        section = SECTION_OF[cmd.kind]
        check = Conditions()
        check.require(
            section in coverage.coverage_sections,
            "POL-11",
            "SECTION_NOT_COVERED",
            f"the policy's line ({coverage.product_line or 'idi'}) does not cover {section.value}: "
            "only 质安保 covers construction-time injury, death and rescue costs",
            field="kind",
        )
        check.require(
            coverage.stage is ProjectStage.CONSTRUCTION,
            "POL-11",
            "NOT_IN_CONSTRUCTION",
            "the safety section covers incidents while the project is in construction",
            field="policy_id",
        )
        check.require(
            cmd.occurred_at <= received_at, "POL-11", "IN_THE_FUTURE", "the incident lies ahead", field="occurred_at"
        )
        check.enforce()
        claim = cls(
            claim_id=cmd.claim_id,
            policy_id=cmd.policy_id,
            project_id=coverage.project_id,
            insurer_id=coverage.insurer_id,
            kind=cmd.kind,
            section=section,
            occurred_at=cmd.occurred_at,
            reported_at=received_at,
            location=cmd.location,
            description=cmd.description,
            persons=cmd.persons,
        )
        claim._pending.append(
            c.SafetyIncidentClaimAccepted(
                claim_id=cmd.claim_id,
                policy_id=cmd.policy_id,
                project_id=coverage.project_id,
                insurer_id=coverage.insurer_id,
                kind=cmd.kind,
                section=section.value,
                occurred_at=cmd.occurred_at,
                reported_at=received_at,
                persons=cmd.persons,
            )
        )
        return claim
