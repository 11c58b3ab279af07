"""Intake rules: who may claim, when, for which part (CLM-01, CLM-02, CLM-06, CLM-10, POL-13)."""

from __future__ import annotations

from datetime import date

import pytest
from claims_factories import OWNER, RULES, UNIT, at, coverage, evidence, repaired, report_cmd

from anju_claims.domain.claim import Claim
from anju_claims.domain.errors import ClaimError
from anju_contracts import claims as c
from anju_contracts.policy import BuildingPart, OwnerRef


def _report(cov=None, warranties=(), **overrides) -> Claim:
    cmd = report_cmd(**overrides)
    return Claim.report(cmd, coverage=cov, warranties=warranties, rules=RULES, received_at=cmd.reported_at)


def _refusal(claim: Claim) -> c.ClaimRefused:
    (event,) = claim.pull_events()
    assert isinstance(event, c.ClaimRefused)
    assert claim.status is c.ClaimStatus.REFUSED
    return event


def test_clm01_owner_of_covered_unit_in_period_may_claim() -> None:
    claim = _report(coverage())
    (event,) = claim.pull_events()
    assert isinstance(event, c.ClaimReported)
    assert (event.policy_id, event.insurer_id, event.owner_id) == ("pol-1", "ins-1", OWNER)
    assert claim.status is c.ClaimStatus.REPORTED and claim.reported_within_period


def test_clm01_someone_not_the_owner_is_refused_with_reason() -> None:
    event = _refusal(_report(coverage(), owner_id="tenant-1"))
    assert (event.rule_id, event.reason_code) == ("CLM-01", "NOT_OWNER")
    assert "房屋所有权人" in event.reason


def test_clm01_new_owner_after_transfer_may_claim_old_may_not() -> None:
    cov = coverage(units={UNIT: [OwnerRef(owner_id="owner-new")]})
    assert _report(cov, owner_id="owner-new").status is c.ClaimStatus.REPORTED
    assert _refusal(_report(cov)).reason_code == "NOT_OWNER"


def test_clm01_unit_without_policy_is_refused() -> None:
    assert _refusal(_report(None)).reason_code == "UNIT_NOT_COVERED"
    assert _refusal(_report(coverage(), unit_id="unit-other")).reason_code == "UNIT_NOT_COVERED"


def test_clm01_report_after_policy_ended_is_refused() -> None:
    event = _refusal(_report(coverage(ended_on=date(2026, 8, 31))))
    assert (event.rule_id, event.reason_code) == ("CLM-01", "POLICY_ENDED")


def test_clm01_liability_not_started_is_refused() -> None:
    cov = coverage(liability_starts_on=None, contractor_warranty_end=None)
    assert _refusal(_report(cov)).reason_code == "POLICY_NOT_IN_FORCE"


def test_clm01_report_time_far_in_the_future_is_bad_input() -> None:
    cmd = report_cmd(reported_at=at(2026, 9, 2))
    with pytest.raises(ClaimError) as err:
        Claim.report(cmd, coverage=coverage(), warranties=(), rules=RULES, received_at=at(2026, 9, 1))
    assert err.value.field == "reported_at"


def test_clm02_hotline_report_keeps_channel_and_evidence() -> None:
    claim = _report(coverage(), evidence=(evidence(),))
    (event,) = claim.pull_events()
    assert isinstance(event, c.ClaimReported)
    assert event.channel is c.ReportChannel.HOTLINE_24H
    assert claim.evidence_keys() == {evidence().key}


def test_clm10_defect_in_contractor_warranty_is_routed_to_contractor() -> None:
    event = _refusal(_report(coverage(), reported_at=at(2026, 6, 30, 23, 59)))
    assert (event.rule_id, event.reason_code) == ("CLM-10", "IN_CONTRACTOR_WARRANTY")
    assert (event.routed_to, event.contractor_id) == ("contractor", "ctr-1")
    assert "施工单位" in event.reason


def test_clm10_first_day_of_liability_goes_to_insurer() -> None:
    assert _report(coverage(), reported_at=at(2026, 7, 1, 0, 1)).status is c.ClaimStatus.REPORTED


@pytest.mark.parametrize(
    ("part", "last_covered_day", "first_refused_day"),
    [
        (BuildingPart.OTHER, date(2028, 6, 30), date(2028, 7, 1)),
        (BuildingPart.WATERPROOFING, date(2031, 6, 30), date(2031, 7, 1)),
        (BuildingPart.INSULATION, date(2031, 6, 30), date(2031, 7, 1)),
        (BuildingPart.FOUNDATION_MAIN_STRUCTURE, date(2036, 6, 30), date(2036, 7, 1)),
    ],
)
def test_pol13_each_part_has_its_own_period(part, last_covered_day, first_refused_day) -> None:
    d = last_covered_day
    assert _report(coverage(), part=part, reported_at=at(d.year, d.month, d.day, 23)).status is c.ClaimStatus.REPORTED
    d = first_refused_day
    event = _refusal(_report(coverage(), part=part, reported_at=at(d.year, d.month, d.day, 9)))
    assert (event.rule_id, event.reason_code) == ("POL-13", "PART_PERIOD_OVER")


def test_pol13_periods_from_the_policy_event_win_over_region_years() -> None:
    cov = coverage(part_ends_on={BuildingPart.OTHER: date(2026, 8, 31)})
    assert _refusal(_report(cov, part=BuildingPart.OTHER)).rule_id == "POL-13"


def test_clm06_same_item_same_location_links_even_after_policy_ended() -> None:
    warranty = repaired(completed_on=date(2026, 9, 18)).repair_warranty()
    assert warranty is not None
    ended = coverage(ended_on=date(2026, 9, 30))
    claim = _report(ended, warranties=(warranty,), claim_id="clm-2", item=" 卫生间 渗漏", reported_at=at(2027, 1, 10))
    (event,) = claim.pull_events()
    assert isinstance(event, c.ClaimReported)
    assert event.linked_claim_id == "clm-1"
    assert not claim.reported_within_period  # so its own repair does not extend the warranty again
    assert claim.repair_warranty() is None


def test_clm06_other_location_or_after_warranty_is_not_linked() -> None:
    warranty = repaired(completed_on=date(2026, 9, 18)).repair_warranty()
    assert warranty is not None
    ended = coverage(ended_on=date(2026, 9, 30))
    other = _report(ended, warranties=(warranty,), location="客厅", reported_at=at(2027, 1, 10))
    assert _refusal(other).reason_code == "POLICY_ENDED"
    late = _report(ended, warranties=(warranty,), reported_at=at(2027, 3, 18))  # warranty ended 03-17 24:00
    assert _refusal(late).reason_code == "POLICY_ENDED"


def test_clm06_link_does_not_override_owner_check() -> None:
    warranty = repaired().repair_warranty()
    assert warranty is not None
    claim = _report(
        coverage(ended_on=date(2026, 9, 30)), warranties=(warranty,), owner_id="x", reported_at=at(2027, 1, 1)
    )
    assert _refusal(claim).reason_code == "NOT_OWNER"


def test_clm01_replayed_report_recognised() -> None:
    claim = _report(coverage())
    assert claim.same_report(report_cmd())
    assert not claim.same_report(report_cmd(location="客厅"))


def test_clm01_backdated_reported_at_does_not_reach_into_an_ended_policy() -> None:
    """The owner says 08-30 (policy still on); the platform received it 09-01, after it ended 08-31."""
    cmd = report_cmd(reported_at=at(2026, 8, 30, 9))
    ended = coverage(ended_on=date(2026, 8, 31))
    claim = Claim.report(cmd, coverage=ended, warranties=(), rules=RULES, received_at=at(2026, 9, 1, 9))
    event = _refusal(claim)
    assert (event.rule_id, event.reason_code) == ("CLM-01", "POLICY_ENDED")
    assert claim.reported_at == at(2026, 9, 1, 9)  # what decided
    assert claim.claimed_reported_at == at(2026, 8, 30, 9)  # kept, as information only


def test_clm01_receipt_time_is_the_reported_time_the_claim_and_its_event_carry() -> None:
    cmd = report_cmd(reported_at=at(2026, 9, 1, 8))
    claim = Claim.report(cmd, coverage=coverage(), warranties=(), rules=RULES, received_at=at(2026, 9, 1, 9))
    (event,) = claim.pull_events()
    assert isinstance(event, c.ClaimReported)
    assert event.reported_at == claim.reported_at == at(2026, 9, 1, 9)
    assert claim.claimed_reported_at == at(2026, 9, 1, 8)


def test_clm01_a_claim_stored_before_claimed_reported_at_existed_still_loads() -> None:
    cmd = report_cmd()
    state = Claim.report(cmd, coverage=coverage(), warranties=(), rules=RULES, received_at=at(2026, 9, 1, 9))
    old = state.model_dump(mode="json", exclude={"claimed_reported_at"})
    loaded = Claim.model_validate(old)
    assert loaded.claimed_reported_at is None and loaded.earliest_report_at == at(2026, 9, 1, 9)


def test_clm02_survey_may_follow_the_claimed_report_time_that_precedes_receipt() -> None:
    """A phoned-in report sent on later by the insurer's system: the survey may lie in between."""
    cmd = report_cmd(reported_at=at(2026, 9, 1, 8))
    claim = Claim.report(cmd, coverage=coverage(), warranties=(), rules=RULES, received_at=at(2026, 9, 2, 9))
    claim.record_survey(
        c.RecordSurvey(claim_id=claim.claim_id, surveyed_at=at(2026, 9, 1, 15), surveyor_id="s", findings="x")
    )
    assert claim.status is c.ClaimStatus.SURVEYED
