"""Stages, contracts, 见费出单 and the regulator upload on the pure domain (POL-05 … POL-11)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from policy_factories import at, contract, issue, payment, register, rules, select_agency, team_assigned

from anju_contracts import Role
from anju_contracts import underwriting as u
from anju_contracts.policy import CoverageSection, PolicyIssued, ProjectStage
from anju_kit.clock import SHANGHAI
from anju_policy.domain import agency
from anju_policy.domain.errors import PolicyError
from anju_policy.domain.project import Project

FULL = Decimal("752456.25")  # the shanghai premium of the standard project (test_policy_quotation)


def contracted(region: str = "shanghai", line: str = "idi") -> Project:
    project = Project.register(register(line=line), rules(region))
    agency.select_agency(project, select_agency())
    agency.team_assigned(project, team_assigned())
    project.sign_insurance_contract(contract())
    project.pull_events()
    return project


def test_pol09_stages_only_move_forward_each_with_its_date() -> None:
    project = Project.register(register(), rules())
    project.advance(ProjectStage.CONSTRUCTION_DRAWING_DESIGN, date(2026, 5, 6))
    project.advance(ProjectStage.CONSTRUCTION, date(2026, 9, 1))
    assert project.stage_dates[ProjectStage.CONSTRUCTION] == date(2026, 9, 1)
    with pytest.raises(PolicyError) as backward:
        project.advance(ProjectStage.DESIGN, date(2026, 9, 2))
    assert backward.value.rule_id == "POL-09" and backward.value.field == "stage"
    with pytest.raises(PolicyError) as early:
        project.advance(ProjectStage.COMPLETION_ACCEPTANCE, date(2026, 8, 1))
    assert early.value.rule_id == "POL-09"
    assert project.stage is ProjectStage.CONSTRUCTION


def test_pol05_insurance_contract_refused_after_the_design_stage() -> None:
    project = Project.register(register(), rules())
    agency.select_agency(project, select_agency())
    agency.team_assigned(project, team_assigned())
    project.advance(ProjectStage.CONSTRUCTION_DRAWING_DESIGN, date(2026, 5, 6))
    with pytest.raises(PolicyError) as error:
        project.sign_insurance_contract(contract())
    assert [f.code for f in error.value.failures] == ["AFTER_DESIGN_STAGE"]
    assert error.value.rule_id == "POL-05"


def test_pol08_insurance_contract_refused_without_the_risk_management_contract() -> None:
    project = Project.register(register(), rules())
    with pytest.raises(PolicyError) as error:
        project.sign_insurance_contract(contract())
    assert error.value.rule_id == "POL-08"
    agency.select_agency(project, select_agency())
    agency.team_assigned(project, team_assigned())
    project.sign_insurance_contract(contract())
    assert project.contract is not None


def test_pol06_issue_refused_with_one_yuan_outstanding() -> None:
    project = contracted()
    project.record_payment(payment(FULL - 1, "pay-1"))
    with pytest.raises(PolicyError) as error:
        project.issue(issue(), rules(), at=at(2026, 9, 30))
    assert error.value.rule_id == "POL-06"
    assert "1.00 yuan" in error.value.detail
    assert project.policy_id is None and project.pull_events()[-1].TYPE == "policy.PremiumPaymentRecorded"


def test_pol06_issue_accepted_once_the_full_premium_is_paid_in_parts() -> None:
    project = contracted()
    project.record_payment(payment(FULL - 1, "pay-1"))
    project.record_payment(payment("1.00", "pay-2"))
    project.record_payment(payment("1.00", "pay-2"))  # the same payment again is not counted twice
    assert project.outstanding == 0
    project.issue(issue(), rules(), at=at(2026, 9, 30))
    types = [e.TYPE for e in project.pull_events()]
    assert types[-2:] == ["policy.PolicyIssued", "policy.ObligationOpened"]


def test_pol06_payments_before_the_contract_are_refused() -> None:
    project = Project.register(register(), rules())
    with pytest.raises(PolicyError):
        project.record_payment(payment("100.00"))


def test_pol07_issue_opens_the_regulator_upload_within_three_working_days() -> None:
    project = contracted()
    project.record_payment(payment(FULL))
    project.pull_events()
    project.issue(issue(on=date(2026, 9, 30)), rules(), at=at(2026, 9, 30))
    issued, opened = project.pull_events()
    assert isinstance(issued, PolicyIssued) and isinstance(opened, u.ObligationOpened)
    assert [x.unit_id for x in issued.units] == ["prj-1-u-1", "prj-1-u-2"]
    # SPEC Time: 3 working days from 2026-09-30 → 10-08, 10-09, 10-10 (adjusted Saturday workday)
    assert opened.due_at == datetime(2026, 10, 11, 0, 0, tzinfo=SHANGHAI)
    assert opened.last_day == date(2026, 10, 10) and opened.rule_id == "POL-07"
    assert (opened.debtor.role, opened.debtor.id) == (Role.INSURER, "ins-a")
    assert (opened.creditor.role, opened.creditor.id) == (Role.REGULATOR, "shanghai")
    project.record_regulator_upload(
        u.RecordRegulatorUpload(project_id="prj-1", uploaded_on=date(2026, 10, 8)), at=at(2026, 10, 8)
    )
    uploaded, fulfilled = project.pull_events()
    assert isinstance(uploaded, u.PolicyUploadedToRegulator)
    assert isinstance(fulfilled, u.ObligationFulfilled)
    assert fulfilled.obligation_id == opened.obligation_id and fulfilled.met_on == date(2026, 10, 8)


def test_pol06_a_second_policy_on_the_project_is_a_conflict() -> None:
    project = contracted()
    project.record_payment(payment(FULL))
    project.issue(issue(), rules(), at=at(2026, 9, 30))
    project.issue(issue(), rules(), at=at(2026, 9, 30))  # the same issue again: nothing new
    with pytest.raises(PolicyError) as error:
        project.issue(issue(policy_id="pol-2"), rules(), at=at(2026, 9, 30))
    assert error.value.reason_code == "CONFLICT"


def test_pol11_quality_safety_covers_defects_and_construction_injury_and_rescue() -> None:
    project = contracted("qingdao-laoshan", "quality_safety")
    project.record_payment(payment(project.premium))
    project.issue(issue(), rules("qingdao-laoshan"), at=at(2026, 9, 30))
    issued = next(e for e in project.pull_events() if isinstance(e, PolicyIssued))
    assert issued.product == "质安保" and issued.product_line == "quality_safety"
    assert set(issued.coverage_sections) == {
        CoverageSection.LATENT_DEFECTS,
        CoverageSection.WORKER_INJURY,
        CoverageSection.THIRD_PARTY_INJURY,
        CoverageSection.RESCUE_COSTS,
    }


def test_pol12_shaoxing_writes_its_safety_liability_line_with_its_own_base_rate() -> None:
    project = contracted("shaoxing", "safety_liability")
    assert project.product_line.value == "safety_liability"
    assert project.quote is not None and project.quote.base_rate == Decimal("0.002")
