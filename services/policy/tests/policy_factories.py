"""Builders of policy commands and region rules for every policy test level."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from anju_contracts import Actor, FailedCondition, Role
from anju_contracts import registry as r
from anju_contracts import underwriting as u
from anju_contracts.common import EvidenceRef
from anju_contracts.policy import DeliveryStandard, FloatingComponent, ProjectStage, ResidentialType
from anju_kit.calendar import PrcCalendar
from anju_kit.clock import SHANGHAI
from anju_kit.regions import default_regions_dir, load_region
from anju_policy.domain.rules import PolicyRules, rules_from_region

REGION = "shanghai"
INSURER_ID = "ins-a"
BUILDER_ORG = "org-bld-1"
CORE = Actor(id="ins-core", role=Role.SYSTEM, region=REGION, insurer_id=INSURER_ID)
INSURER = Actor(id="desk-1", role=Role.INSURER, region=REGION, insurer_id=INSURER_ID)
OTHER_INSURER = Actor(id="desk-9", role=Role.INSURER, region=REGION, insurer_id="ins-b")
REGULATOR = Actor(id="reg-1", role=Role.REGULATOR, region=REGION)
BUILDER = Actor(id="bld-user", role=Role.BUILDER, region=REGION, organisation_id=BUILDER_ORG)
OTHER_BUILDER = Actor(id="bld-9", role=Role.BUILDER, region=REGION, organisation_id="org-bld-9")
AREA = Decimal("10000.00")


def at(y: int, m: int, d: int, hh: int = 10) -> datetime:
    return datetime(y, m, d, hh, tzinfo=SHANGHAI)


def rules(code: str = REGION) -> PolicyRules:
    return rules_from_region(load_region(code, default_regions_dir()), PrcCalendar(default_regions_dir() / "holidays"))


def letter_ref(project_id: str = "prj-1", key: str | None = None, **over: Any) -> EvidenceRef:
    values: dict[str, Any] = {
        "key": key or f"{REGION}/policy/project/{project_id}/evidence/0000-报价函.pdf",
        "sha256": "a" * 64,
        "size": 1024,
        "content_type": "application/pdf",
    }
    return EvidenceRef(**(values | over))


def factors(value: str = "1.00", **over: str) -> dict[FloatingComponent, Decimal]:
    out = {c: Decimal(value) for c in FloatingComponent}
    out.update({FloatingComponent(k): Decimal(v) for k, v in over.items()})
    return out


def quotation(
    quote_id: str = "q-1",
    *,
    channel: u.QuoteChannel = u.QuoteChannel.FORMAL_LETTER,
    letter: EvidenceRef | None = None,
    signed: bool = True,
    sealed: bool = True,
    area: Decimal = AREA,
    decoration: bool = True,
    with_letter: bool = True,
    factor_values: dict[FloatingComponent, Decimal] | None = None,
) -> u.Quotation:
    doc = u.QuotationLetter(document=letter or letter_ref(), signed_by_business_head=signed, sealed=sealed)
    return u.Quotation(
        quote_id=quote_id,
        channel=channel,
        letter=doc if with_letter else None,
        declared_area_m2=area,
        decoration_cost_included=decoration,
        factors=factor_values or factors(),
    )


def register(project_id: str = "prj-1", *, line: str = "idi", **over: Any) -> u.RegisterProject:
    values: dict[str, Any] = {
        "project_id": project_id,
        "insurer_id": INSURER_ID,
        "product_line": line,
        "name": "某某花园",
        "location": "浦东新区某路88号",
        "residential_type": ResidentialType.COMMERCIAL,
        "delivery_standard": DeliveryStandard.FITTED,
        "prefabrication_rate": Decimal("0.40"),
        "plot_ratio": Decimal("2.5"),
        "true_building_area_m2": AREA,
        "units": (
            u.ProjectUnit(unit_id=f"{project_id}-u-1", address="1号楼101室"),
            u.ProjectUnit(unit_id=f"{project_id}-u-2", address="1号楼102室"),
        ),
        "participants": (
            u.Participant(role=u.ParticipantRole.BUILDER, organisation_id=BUILDER_ORG, group_id="grp-bld"),
            u.Participant(role=u.ParticipantRole.DESIGNER, organisation_id="org-des-1"),
            u.Participant(role=u.ParticipantRole.CONTRACTOR, organisation_id="org-con-1", group_id="grp-con"),
            u.Participant(role=u.ParticipantRole.SUPERVISOR, organisation_id="org-sup-1"),
            u.Participant(role=u.ParticipantRole.TESTING_LAB, organisation_id="org-lab-1"),
        ),
        "stage": ProjectStage.DESIGN,
        "stage_on": date(2026, 3, 2),
        "quotation": quotation(letter=letter_ref(project_id)),
    }
    return u.RegisterProject(**(values | over))


def select_agency(project_id: str = "prj-1", agency_id: str = "ag-1") -> u.SelectAgency:
    return u.SelectAgency(
        project_id=project_id,
        agency_id=agency_id,
        lead_id="pr-lead-1",
        member_ids=("pr-eng-1",),
        first_period_fee_yuan=Decimal("30000.00"),
        signed_on=date(2026, 3, 10),
    )


def team_assigned(project_id: str = "prj-1", agency_id: str = "ag-1") -> r.TeamAssigned:
    return r.TeamAssigned(
        project_id=project_id, agency_id=agency_id, insurer_id=INSURER_ID, lead_id="pr-lead-1", member_ids=("pr-eng-1",)
    )


def assignment_refused(project_id: str = "prj-1", agency_id: str = "ag-1") -> r.AssignmentRefused:
    return r.AssignmentRefused(
        project_id=project_id,
        agency_id=agency_id,
        command_type="registry.AssignTeam",
        failed=(
            FailedCondition(rule_id="REG-04", code="CONFLICT_OF_INTEREST", message="agency related to the contractor"),
            FailedCondition(rule_id="REG-03", code="LEAD_OVERLOADED", message="the lead runs 10 projects"),
        ),
    )


def risk_contract(project_id: str = "prj-1") -> u.RecordRiskManagementContract:
    return u.RecordRiskManagementContract(
        project_id=project_id, agency_id="ag-1", first_period_fee_yuan=Decimal("30000.00"), signed_on=date(2026, 3, 10)
    )


def contract(project_id: str = "prj-1") -> u.SignInsuranceContract:
    return u.SignInsuranceContract(project_id=project_id, contract_id="ctr-1", signed_on=date(2026, 3, 12))


def payment(amount: Decimal | str, payment_id: str = "pay-1", project_id: str = "prj-1") -> u.RecordPremiumPayment:
    return u.RecordPremiumPayment(
        project_id=project_id, payment_id=payment_id, amount_yuan=Decimal(amount), paid_on=date(2026, 3, 20)
    )


def issue(project_id: str = "prj-1", *, policy_id: str = "pol-1", on: date = date(2026, 9, 30)) -> u.IssuePolicy:
    return u.IssuePolicy(project_id=project_id, policy_id=policy_id, issued_on=on)
