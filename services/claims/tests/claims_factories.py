"""Builders for claims unit tests: a policy read model, rules from the SPEC defaults, and commands."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from anju_claims.domain.claim import Claim
from anju_claims.domain.coverage import PolicyCoverage
from anju_claims.domain.rules import ClaimsRules
from anju_contracts import claims as c
from anju_contracts.base import Event
from anju_contracts.policy import BuildingPart, OwnerRef
from anju_kit.calendar import PrcCalendar
from anju_kit.clock import SHANGHAI

CALENDAR = PrcCalendar()
# The region defaults of SPEC (CLM-03 10 days, CLM-04 3 days, CLM-06 180 days, POL-13 10/5/5/2 years).
RULES = ClaimsRules(
    calendar=CALENDAR,
    performance_days=10,
    rejection_notice_days=3,
    repair_warranty_days=180,
    coverage_years={
        BuildingPart.FOUNDATION_MAIN_STRUCTURE: 10,
        BuildingPart.INSULATION: 5,
        BuildingPart.WATERPROOFING: 5,
        BuildingPart.OTHER: 2,
    },
)
SHA = "ab" * 32
UNIT = "unit-3-1202"
OWNER = "owner-7f3a"


def step_events(claim: Claim) -> list[Event]:
    """The claim's pending events without the obligation ledger's (XC-02), which tests name on their own."""
    return [e for e in claim.pull_events() if not isinstance(e, c.ObligationOpened | c.ObligationFulfilled)]


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def coverage(**overrides: Any) -> PolicyCoverage:
    values: dict[str, Any] = {
        "policy_id": "pol-1",
        "project_id": "prj-1",
        "insurer_id": "ins-1",
        "units": {UNIT: [OwnerRef(owner_id=OWNER, id_number_masked="3101**********1234")]},
        "liability_starts_on": date(2026, 7, 1),
        "contractor_id": "ctr-1",
        "contractor_warranty_end": date(2026, 6, 30),
    }
    values.update(overrides)
    return PolicyCoverage(**values)


def evidence(name: str = "photo-1.jpg") -> c.EvidenceRef:
    return c.EvidenceRef(key=f"shanghai/prj-1/{UNIT}/clm-1/{name}", sha256=SHA, size=1000, content_type="image/jpeg")


def report_cmd(**overrides: Any) -> c.ReportClaim:
    values: dict[str, Any] = {
        "claim_id": "clm-1",
        "unit_id": UNIT,
        "owner_id": OWNER,
        "part": BuildingPart.WATERPROOFING,
        "item": "卫生间渗漏",
        "location": "主卧卫生间地面",
        "description": "主卧卫生间地面渗水至楼下。",
        "reported_at": at(2026, 9, 1, 9),
        "channel": c.ReportChannel.HOTLINE_24H,
    }
    values.update(overrides)
    return c.ReportClaim(**values)


def reported(cov: PolicyCoverage | None = None, **overrides: Any) -> Claim:
    cmd = report_cmd(**overrides)
    assert cmd.reported_at is not None
    claim = Claim.report(cmd, coverage=cov or coverage(), warranties=(), rules=RULES, received_at=cmd.reported_at)
    claim.pull_events()
    return claim


def surveyed(**overrides: Any) -> Claim:
    claim = reported(**overrides)
    claim.schedule_survey(
        c.ScheduleSurvey(claim_id=claim.claim_id, scheduled_at=at(2026, 9, 3, 14), surveyor_id="srv-1")
    )
    claim.record_survey(
        c.RecordSurvey(
            claim_id=claim.claim_id, surveyed_at=at(2026, 9, 3, 15), surveyor_id="srv-1", findings="防水层破损。"
        )
    )
    claim.pull_events()
    return claim


def covered(decided_at: datetime | None = None) -> Claim:
    claim = surveyed()
    claim.decide(
        c.DecideClaim(claim_id=claim.claim_id, decision=c.Decision.COVERED, decided_at=decided_at or at(2026, 9, 8)),
        RULES,
    )
    claim.pull_events()
    return claim


def not_covered(decided_at: datetime | None = None) -> Claim:
    claim = surveyed()
    claim.decide(
        c.DecideClaim(
            claim_id=claim.claim_id,
            decision=c.Decision.NOT_COVERED,
            decided_at=decided_at or at(2026, 9, 8),
            reasons=(c.Reason(code="NOT_A_DEFECT", text="经查勘，不属于质量缺陷。"),),
        ),
        RULES,
    )
    claim.pull_events()
    return claim


def agreement(mode: c.CompensationMode = c.CompensationMode.REPAIR, **overrides: Any) -> c.RecordAgreement:
    values: dict[str, Any] = {
        "claim_id": "clm-1",
        "mode": mode,
        "amount_fen": 1_250_000,
        "agreed_on": date(2026, 9, 10),
        "money_agreed_by_owner": mode is c.CompensationMode.MONEY,
    }
    values.update(overrides)
    return c.RecordAgreement(**values)


def repaired(completed_on: date = date(2026, 9, 18)) -> Claim:
    claim = covered()
    claim.record_agreement(agreement(), RULES)
    claim.assign_repair(
        c.AssignRepair(
            claim_id=claim.claim_id,
            repairer_id="rep-1",
            repairer_name="某防水工程公司",
            qualification="防水防腐保温工程专业承包二级",
            assigned_on=date(2026, 9, 12),
        )
    )
    claim.complete_repair(
        c.CompleteRepair(claim_id=claim.claim_id, completed_on=completed_on, summary="重做防水层，闭水试验合格。"),
        RULES,
        at(2026, 9, 18, 18),
    )
    claim.pull_events()
    return claim
