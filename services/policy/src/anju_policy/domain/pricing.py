"""Quotation pricing (POL-01 … POL-03), from the region file's ``policy.pricing`` alone.

    estimated insured amount = true area × unit cost (residential type) × delivery-standard factor
                               × prefabrication-rate band × plot-ratio band            (POL-01)
    premium = insured amount × the line's base rate × floating factor                 (POL-02)
    floating factor = the product of its components, each and the product within region bounds

Money is ``Decimal`` yuan rounded half-up to fen; the floating factor to four places.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from anju_contracts import FailedCondition
from anju_contracts.policy import DeliveryStandard, FloatingComponent, ResidentialType
from anju_kit.regions import Band, Pricing, Product
from anju_policy.domain.errors import failed

FEN = Decimal("0.01")
FACTOR_PLACES = Decimal("0.0001")


def yuan(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ProjectFacts:
    """What the estimate reads of a project (POL-01)."""

    residential_type: ResidentialType
    delivery_standard: DeliveryStandard
    prefabrication_rate: Decimal
    plot_ratio: Decimal
    true_building_area_m2: Decimal


@dataclass(frozen=True)
class Priced:
    insured_amount: Decimal
    base_rate: Decimal
    floating_factor: Decimal
    premium: Decimal


def band(bands: Sequence[Band], value: Decimal) -> Decimal:
    """The factor of the highest band whose lower bound ``value`` reaches."""
    return [b.factor for b in bands if value >= b.at_least][-1]


def estimate_amount(facts: ProjectFacts, pricing: Pricing) -> Decimal:
    """POL-01: the design-stage estimate of the insured amount."""
    return yuan(
        facts.true_building_area_m2
        * pricing.unit_cost_yuan_per_m2[facts.residential_type]
        * pricing.delivery_standard_factor[facts.delivery_standard]
        * band(pricing.prefabrication_rate_bands, facts.prefabrication_rate)
        * band(pricing.plot_ratio_bands, facts.plot_ratio)
    )


def floating_factor(
    factors: Mapping[FloatingComponent, Decimal], pricing: Pricing
) -> tuple[Decimal, list[FailedCondition]]:
    """POL-02: the product of the components, and every component or total outside the region's bounds."""
    failures: list[FailedCondition] = []
    total = Decimal(1)
    for component in FloatingComponent:
        value = factors.get(component)
        bounds = pricing.floating_components[component]
        if value is None:
            failures.append(
                failed("POL-02", "FACTOR_MISSING", f"the {component.value} component is missing", component)
            )
            continue
        if not bounds.min <= value <= bounds.max:
            failures.append(
                failed(
                    "POL-02",
                    "FACTOR_OUT_OF_BOUNDS",
                    f"{component.value} must lie within the region's bounds",
                    component,
                )
            )
        total *= value
    total = total.quantize(FACTOR_PLACES, rounding=ROUND_HALF_UP)
    limits = pricing.floating_total
    if not failures and not limits.min <= total <= limits.max:
        failures.append(
            failed("POL-02", "FLOATING_FACTOR_OUT_OF_BOUNDS", "the product of the components is out of bounds")
        )
    return total, failures


def price(amount: Decimal, line: Product, factor: Decimal, pricing: Pricing) -> tuple[Priced, list[FailedCondition]]:
    """POL-02 premium for ``amount``, and POL-03's market floor."""
    base = pricing.base_rates[line]
    premium = yuan(amount * base * factor)
    priced = Priced(insured_amount=amount, base_rate=base, floating_factor=factor, premium=premium)
    failures: list[FailedCondition] = []
    if premium < yuan(amount * pricing.market_floor_rate):
        failures.append(failed("POL-03", "BELOW_MARKET_FLOOR", "the premium is below the region's market floor"))
    return priced, failures


def scope_failures(facts: ProjectFacts, declared_area_m2: Decimal, decoration_included: bool) -> list[FailedCondition]:
    """POL-03: the declared area is the true area; decoration cost is not excluded from a fitted project."""
    failures: list[FailedCondition] = []
    if declared_area_m2 < facts.true_building_area_m2:
        failures.append(
            failed(
                "POL-03",
                "AREA_BELOW_TRUE_AREA",
                "the declared area is below the true building area",
                "declared_area_m2",
            )
        )
    elif declared_area_m2 != facts.true_building_area_m2:
        failures.append(
            failed(
                "POL-03", "AREA_NOT_TRUE_AREA", "the declared area is not the true building area", "declared_area_m2"
            )
        )
    if facts.delivery_standard is DeliveryStandard.FITTED and not decoration_included:
        failures.append(
            failed(
                "POL-03",
                "DECORATION_EXCLUDED",
                "decoration cost may not be excluded from the insured amount",
                "decoration_cost_included",
            )
        )
    return failures
