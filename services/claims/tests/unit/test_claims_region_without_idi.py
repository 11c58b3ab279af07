"""XC-06: claims run in a region that writes no IDI (shaoxing's 安责险 alone), where a building part's
defect is never covered (POL-13 has no years there; POL-11: the product covers construction safety)."""

from __future__ import annotations

from datetime import date

from claims_factories import OWNER, UNIT, coverage

from anju_claims.domain.rules import rules_from_region
from anju_contracts.policy import BuildingPart
from anju_kit.calendar import PrcCalendar
from anju_kit.regions import default_regions_dir, load_region


def test_xc06_pol11_claims_start_in_shaoxing_and_refuse_a_defect_no_product_there_covers() -> None:
    rules = rules_from_region(load_region("shaoxing", default_regions_dir()), PrcCalendar())
    assert rules.coverage_years is None
    refused = coverage().check_report(UNIT, OWNER, BuildingPart.WATERPROOFING, date(2027, 3, 1), rules)
    assert refused is not None and (refused.reason_code, refused.rule_id) == ("PART_NOT_COVERED", "POL-11")
    assert coverage().part_last_day(BuildingPart.WATERPROOFING, rules) is None
