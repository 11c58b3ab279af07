"""Quotation rules on the pure domain (POL-01 … POL-04, XC-06)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from policy_factories import factors, quotation, register, rules

from anju_contracts import underwriting as u
from anju_contracts.policy import ProjectStage
from anju_policy.domain.errors import PolicyError
from anju_policy.domain.project import Project


def registered(region: str = "shanghai", **over: object) -> Project:
    project = Project.register(register(**over), rules(region))  # type: ignore[arg-type]
    project.pull_events()
    return project


def refusal(error: pytest.ExceptionInfo[PolicyError]) -> set[str]:
    return {f"{f.rule_id} {f.code}" for f in error.value.failures}


def test_pol01_design_stage_amount_is_estimated_from_the_region_factors() -> None:
    project = Project.register(register(), rules("shanghai"))
    events = project.pull_events()
    assert [e.TYPE for e in events] == ["policy.ProjectRegistered", "policy.QuotationRecorded", "policy.ProjectListed"]
    quoted = events[1]
    assert isinstance(quoted, u.QuotationRecorded)
    # 10 000 m² × 3 500 (commercial) × 1.30 (精装) × 1.05 (prefab ≥ 40 %) × 1.05 (plot ratio ≥ 2.5)
    assert quoted.insured_amount_yuan == Decimal("50163750.00")
    assert quoted.amount_basis == "estimate"


def test_pol02_premium_is_amount_times_base_rate_times_floating_factor() -> None:
    q = quotation(factor_values=factors(risk_level="1.20", qualifications="0.90"))
    project = registered(quotation=q)
    assert project.quote is not None
    assert project.quote.floating_factor == Decimal("1.0800")
    # 50 163 750 × 0.015 × 1.08 = 812 652.75
    assert project.quote.premium == Decimal("812652.75")


def test_pol02_a_component_outside_the_region_bounds_is_refused() -> None:
    with pytest.raises(PolicyError) as error:
        registered(quotation=quotation(factor_values=factors(credit_records="1.40")))
    assert refusal(error) == {"POL-02 FACTOR_OUT_OF_BOUNDS"}


def test_pol02_the_product_of_the_components_is_bounded_too() -> None:
    low = factors("0.90")  # each within 0.80-1.25, product 0.5905 below the total's 0.70
    with pytest.raises(PolicyError) as error:
        registered(quotation=quotation(factor_values=low))
    assert refusal(error) == {"POL-02 FLOATING_FACTOR_OUT_OF_BOUNDS"}


def test_pol03_a_declared_area_below_the_true_area_is_refused() -> None:
    with pytest.raises(PolicyError) as error:
        registered(quotation=quotation(area=Decimal("9999.00")))
    assert refusal(error) == {"POL-03 AREA_BELOW_TRUE_AREA"}


def test_pol03_excluded_decoration_cost_is_refused() -> None:
    with pytest.raises(PolicyError) as error:
        registered(quotation=quotation(decoration=False))
    assert refusal(error) == {"POL-03 DECORATION_EXCLUDED"}


def test_pol03_a_premium_below_the_market_floor_is_refused() -> None:
    base = rules("shanghai")
    strict = dataclasses.replace(base, pricing=base.pricing.model_copy(update={"market_floor_rate": Decimal("0.02")}))
    with pytest.raises(PolicyError) as error:
        Project.register(register(), strict)
    assert refusal(error) == {"POL-03 BELOW_MARKET_FLOOR"}


@pytest.mark.parametrize("channel", [c for c in u.QuoteChannel if c is not u.QuoteChannel.FORMAL_LETTER])
def test_pol04_a_quote_by_any_other_channel_is_refused(channel: u.QuoteChannel) -> None:
    with pytest.raises(PolicyError) as error:
        registered(quotation=quotation(channel=channel))
    assert refusal(error) == {"POL-04 NOT_A_FORMAL_LETTER"}


def test_pol04_the_letter_is_signed_by_the_business_head_sealed_and_uploaded() -> None:
    with pytest.raises(PolicyError) as error:
        registered(quotation=quotation(signed=False, sealed=False))
    assert refusal(error) == {"POL-04 LETTER_NOT_SIGNED", "POL-04 LETTER_NOT_SEALED"}
    with pytest.raises(PolicyError) as missing:
        registered(quotation=quotation(with_letter=False))
    assert refusal(missing) == {"POL-04 LETTER_MISSING"}


def test_pol01_adjustment_to_the_actual_cost_has_its_own_record() -> None:
    project = registered()
    adjust = u.AdjustInsuredAmount(
        project_id="prj-1", adjustment_id="adj-1", actual_cost_yuan=Decimal("48000000.00"), on=date(2027, 6, 1)
    )
    project.adjust_insured_amount(adjust, rules())
    [event] = project.pull_events()
    assert isinstance(event, u.InsuredAmountAdjusted)
    assert event.insured_amount_yuan == Decimal("48000000.00")
    assert event.premium_yuan == Decimal("720000.00")
    assert event.premium_delta_yuan == Decimal("-32456.25")
    assert project.quote is not None and project.quote.amount_basis == "actual_cost"
    project.adjust_insured_amount(adjust, rules())  # the same adjustment again: nothing new
    assert project.pull_events() == [] and len(project.adjustments) == 1


def test_xc06_two_regions_price_the_same_project_differently_because_of_their_files() -> None:
    shanghai, hangzhou = registered("shanghai"), registered("hangzhou")
    assert shanghai.quote is not None and hangzhou.quote is not None
    assert shanghai.quote.insured_amount == Decimal("50163750.00")
    # 10 000 × 3 200 × 1.25 × 1.03 (prefab ≥ 35 %) × 1.00 (plot ratio below 3.0)
    assert hangzhou.quote.insured_amount == Decimal("41200000.00")
    assert (shanghai.quote.premium, hangzhou.quote.premium) == (Decimal("752456.25"), Decimal("494400.00"))


def test_xc06_a_product_line_the_region_does_not_write_is_refused() -> None:
    with pytest.raises(PolicyError) as error:
        registered("shanghai", line="quality_safety")
    assert error.value.rule_id == "XC-06"


def test_pol04_a_new_quote_before_the_contract_replaces_the_old_one() -> None:
    project = registered()
    project.submit_quotation(quotation("q-2", factor_values=factors(risk_level="1.10")), rules())
    assert project.quote is not None and project.quote.quote_id == "q-2" and project.quotes == 2
    assert project.stage is ProjectStage.DESIGN
