"""A claim from survey to repair or payment, on the legal clock (CLM-02 … CLM-09, XC-01)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from claims_factories import (
    RULES,
    agreement,
    at,
    covered,
    evidence,
    not_covered,
    repaired,
    reported,
    step_events,
    surveyed,
)

from anju_claims.domain.errors import ClaimError
from anju_contracts import ReasonCode
from anju_contracts import claims as c
from anju_kit.clock import SHANGHAI


def _midnight(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=SHANGHAI)


def test_clm02_survey_is_scheduled_then_recorded() -> None:
    claim = reported()
    claim.schedule_survey(c.ScheduleSurvey(claim_id="clm-1", scheduled_at=at(2026, 9, 3, 14), surveyor_id="srv-1"))
    claim.record_survey(
        c.RecordSurvey(
            claim_id="clm-1",
            surveyed_at=at(2026, 9, 3, 15),
            surveyor_id="srv-1",
            findings="渗漏",
            evidence=(evidence(),),
        )
    )
    types = [type(e) for e in claim.pull_events()]
    assert types == [c.SurveyScheduled, c.SurveyRecorded]
    assert claim.status is c.ClaimStatus.SURVEYED


def test_clm02_no_decision_before_the_survey() -> None:
    claim = reported()
    with pytest.raises(ClaimError) as err:
        claim.decide(c.DecideClaim(claim_id="clm-1", decision=c.Decision.COVERED, decided_at=at(2026, 9, 2)), RULES)
    assert err.value.reason_code == "INVALID_STATE"
    assert claim.pull_events() == [] and claim.status is c.ClaimStatus.REPORTED


def test_clm03_payment_due_ten_days_after_agreement() -> None:
    claim = covered(decided_at=at(2026, 9, 1))
    claim.record_agreement(agreement(agreed_on=date(2026, 9, 2)), RULES)
    (event,) = step_events(claim)
    assert isinstance(event, c.AgreementRecorded)
    due = event.performance_due
    # 10 days → Saturday 09-12, a rest day: the period ends on Monday 09-14 at 24:00 (Civil Code, XC-01).
    assert (due.rule_id, due.last_day, due.due_at) == ("CLM-03", date(2026, 9, 14), _midnight(2026, 9, 15))
    assert claim.next_due_at == _midnight(2026, 9, 15)


def test_clm03_adjusted_sunday_workday_is_not_rolled_over() -> None:
    claim = covered()
    claim.record_agreement(agreement(agreed_on=date(2026, 9, 10)), RULES)
    (event,) = step_events(claim)
    assert isinstance(event, c.AgreementRecorded)
    # 09-20-2026 is a Sunday but an adjusted workday (调休) before National Day: the period ends that day.
    assert event.performance_due.last_day == date(2026, 9, 20)


def test_clm03_same_agreement_replayed_100_times_is_one_obligation() -> None:
    claim = covered()
    for _ in range(100):
        claim.record_agreement(agreement(), RULES)
    assert len(step_events(claim)) == 1
    assert len([d for d in claim.deadlines if d.rule_id == "CLM-03"]) == 1
    with pytest.raises(ClaimError) as err:
        claim.record_agreement(agreement(amount_fen=1), RULES)
    assert err.value.reason_code == ReasonCode.CONFLICT


def test_clm03_overdue_fires_exactly_once() -> None:
    claim = covered()
    claim.record_agreement(agreement(), RULES)
    claim.pull_events()
    assert claim.fire_overdue(_midnight(2026, 9, 21) - timedelta(microseconds=1)) == []
    (overdue,) = claim.fire_overdue(_midnight(2026, 9, 21))
    assert overdue.deadline.rule_id == "CLM-03"
    assert claim.fire_overdue(_midnight(2026, 9, 23)) == []
    assert claim.next_due_at is None


def test_clm03_repair_completion_meets_the_deadline() -> None:
    claim = repaired(completed_on=date(2026, 9, 18))
    perform = next(d for d in claim.deadlines if d.rule_id == "CLM-03")
    assert perform.state == "met" and perform.met_on == date(2026, 9, 18)
    assert claim.fire_overdue(_midnight(2026, 12, 1)) == []


def test_clm03_full_payment_meets_the_deadline_partial_does_not() -> None:
    claim = covered()
    claim.record_agreement(agreement(c.CompensationMode.MONEY, amount_fen=1000), RULES)
    claim.record_payment(
        c.RecordPayment(claim_id="clm-1", amount_fen=400, paid_on=date(2026, 9, 12), payment_reference="p1"),
        at(2026, 9, 12),
    )
    assert claim.status is c.ClaimStatus.AGREED
    claim.record_payment(
        c.RecordPayment(claim_id="clm-1", amount_fen=600, paid_on=date(2026, 9, 13), payment_reference="p2"),
        at(2026, 9, 13),
    )
    claim.record_payment(
        c.RecordPayment(claim_id="clm-1", amount_fen=600, paid_on=date(2026, 9, 13), payment_reference="p2"),
        at(2026, 9, 13),
    )
    events = [e for e in claim.pull_events() if isinstance(e, c.PaymentRecorded)]
    assert [e.fully_paid for e in events] == [False, True]
    assert claim.status in {c.ClaimStatus.PAID} and claim.next_due_at is None


def test_clm04_not_covered_needs_reasons() -> None:
    claim = surveyed()
    with pytest.raises(ClaimError) as err:
        claim.decide(c.DecideClaim(claim_id="clm-1", decision=c.Decision.NOT_COVERED, decided_at=at(2026, 9, 8)), RULES)
    assert (err.value.rule_id, err.value.field) == ("CLM-04", "reasons")


def test_clm04_rejection_notice_due_three_days_and_met_when_issued() -> None:
    claim = not_covered(decided_at=at(2026, 9, 8))
    notice = next(d for d in claim.deadlines if d.rule_id == "CLM-04")
    assert (notice.last_day, notice.due_at) == (date(2026, 9, 11), _midnight(2026, 9, 12))
    doc = evidence("rejection-notice.pdf")
    claim.issue_rejection_notice(doc, at(2026, 9, 8, 10, 1))
    claim.issue_rejection_notice(doc, at(2026, 9, 8, 10, 2))  # idempotent
    (event,) = step_events(claim)
    assert isinstance(event, c.RejectionNoticeIssued) and event.reasons[0].code == "NOT_A_DEFECT"
    assert claim.fire_overdue(_midnight(2026, 9, 20)) == []


def test_xc01_rejection_notice_counts_through_national_day() -> None:
    claim = surveyed()
    claim.decide(
        c.DecideClaim(
            claim_id="clm-1",
            decision=c.Decision.NOT_COVERED,
            decided_at=at(2026, 9, 30, 16),
            reasons=(c.Reason(code="NOT_A_DEFECT", text="不属于质量缺陷。"),),
        ),
        RULES,
    )
    (event,) = step_events(claim)
    assert isinstance(event, c.ClaimDecided) and event.rejection_notice_due is not None
    due = event.rejection_notice_due
    # 3 days → 10-03, inside the National Day holiday → next working day 10-08, due at its 24:00.
    assert (due.last_day, due.due_at, due.calendar_estimated) == (date(2026, 10, 8), _midnight(2026, 10, 9), False)


def test_xc01_unknown_calendar_year_is_flagged_estimated() -> None:
    claim = covered(decided_at=at(2026, 9, 8))
    claim.record_agreement(agreement(agreed_on=date(2099, 3, 2)), RULES)
    (event,) = step_events(claim)
    assert isinstance(event, c.AgreementRecorded) and event.performance_due.calendar_estimated


def test_clm05_money_only_where_agreed() -> None:
    claim = covered()
    with pytest.raises(ClaimError) as err:
        claim.record_agreement(agreement(c.CompensationMode.MONEY, money_agreed_by_owner=False), RULES)
    assert (err.value.rule_id, err.value.field) == ("CLM-05", "money_agreed_by_owner")
    assert claim.agreement is None and claim.deadlines == []


def test_clm05_repair_agreement_refuses_payment_money_agreement_refuses_repairer() -> None:
    claim = covered()
    claim.record_agreement(agreement(), RULES)
    with pytest.raises(ClaimError) as err:
        claim.record_payment(
            c.RecordPayment(claim_id="clm-1", amount_fen=1, paid_on=date(2026, 9, 12), payment_reference="p"),
            at(2026, 9, 12),
        )
    assert err.value.rule_id == "CLM-05"
    money = covered()
    money.record_agreement(agreement(c.CompensationMode.MONEY), RULES)
    with pytest.raises(ClaimError) as err:
        money.assign_repair(
            c.AssignRepair(
                claim_id="clm-1", repairer_id="r", repairer_name="r", qualification="q", assigned_on=date(2026, 9, 12)
            )
        )
    assert err.value.rule_id == "CLM-05"


def test_clm06_warranty_ends_180_days_after_repair_completion() -> None:
    claim = repaired(completed_on=date(2026, 9, 18))
    warranty = next(d for d in claim.deadlines if d.rule_id == "CLM-06")
    assert warranty.kind == "window" and warranty.last_day == date(2027, 3, 17)
    assert claim.fire_overdue(_midnight(2027, 6, 1)) == []  # a window never fires
    doc = evidence("warranty.pdf")
    claim.issue_warranty_statement(doc, at(2026, 9, 18, 18))
    (event,) = claim.pull_events()
    assert isinstance(event, c.RepairWarrantyStatementIssued) and event.warranty_end.rule_id == "CLM-06"


def test_clm07_exclusion_needs_the_insurers_evidence() -> None:
    claim = surveyed()
    cmd = c.DecideClaim(
        claim_id="clm-1",
        decision=c.Decision.NOT_COVERED,
        decided_at=at(2026, 9, 8),
        reasons=(c.Reason(code="OWNER_ALTERATION", text="业主自行改动防水层。"),),
        exclusion=c.Exclusion.OWNER_CAUSE,
    )
    with pytest.raises(ClaimError) as err:
        claim.decide(cmd, RULES)
    assert (err.value.rule_id, err.value.field) == ("CLM-07", "exclusion_evidence")
    claim.decide(cmd.model_copy(update={"exclusion_evidence": (evidence("alteration.jpg"),)}), RULES)
    assert claim.status is c.ClaimStatus.NOT_COVERED and claim.exclusion is c.Exclusion.OWNER_CAUSE


def _appraisal(**overrides) -> c.RecordAppraisal:
    values = {
        "claim_id": "clm-1",
        "appraiser_id": "apr-1",
        "appraiser_name": "某鉴定中心",
        "qualified": True,
        "independent": True,
        "jointly_chosen": True,
        "appraised_on": date(2026, 10, 20),
        "outcome": c.Decision.COVERED,
        "summary": "防水层施工缺陷。",
    }
    values.update(overrides)
    return c.RecordAppraisal(**values)


def test_clm08_dispute_then_appraisal_overturns_the_refusal() -> None:
    claim = not_covered()
    claim.open_dispute(
        c.OpenDispute(
            claim_id="clm-1", raised_by=c.DisputeParty.OWNER, opened_on=date(2026, 10, 9), statement="申请鉴定"
        )
    )
    with pytest.raises(ClaimError) as err:
        claim.record_appraisal(_appraisal(independent=False), RULES)
    assert (err.value.rule_id, err.value.field) == ("CLM-08", "independent")
    claim.record_appraisal(_appraisal(), RULES)
    assert claim.status is c.ClaimStatus.COVERED
    events = step_events(claim)
    assert [type(e) for e in events] == [c.DisputeOpened, c.AppraisalRecorded, c.ClaimDecided]
    assert all(d.state != "open" for d in claim.deadlines if d.rule_id == "CLM-04")
    claim.record_agreement(agreement(agreed_on=date(2026, 10, 21)), RULES)  # the claim goes on


def test_clm08_appraisal_against_cover_opens_a_rejection_notice_deadline() -> None:
    claim = covered()
    claim.open_dispute(
        c.OpenDispute(claim_id="clm-1", raised_by=c.DisputeParty.BUILDER, opened_on=date(2026, 9, 9), statement="异议")
    )
    claim.record_appraisal(_appraisal(outcome=c.Decision.NOT_COVERED, appraised_on=date(2026, 9, 14)), RULES)
    decided = claim.pull_events()[-1]
    assert isinstance(decided, c.ClaimDecided) and decided.by_appraisal
    assert decided.rejection_notice_due is not None and decided.rejection_notice_due.last_day == date(2026, 9, 17)


def test_clm09_waiver_before_payment_releases_the_insurer() -> None:
    claim = covered()
    claim.record_agreement(agreement(), RULES)
    step_events(claim)
    claim.record_subrogation(
        c.RecordSubrogation(
            claim_id="clm-1",
            kind=c.SubrogationKind.WAIVER,
            occurred_on=date(2026, 9, 11),
            liable_party=c.LiablePartyKind.CONTRACTOR,
        )
    )
    (event,) = step_events(claim)
    assert isinstance(event, c.SubrogationRecorded) and event.insurer_released
    assert claim.status is c.ClaimStatus.NOT_LIABLE and claim.next_due_at is None


def test_clm09_waiver_after_repair_does_not_release_recovery_needs_performance() -> None:
    open_claim = covered()
    with pytest.raises(ClaimError) as err:
        open_claim.record_subrogation(
            c.RecordSubrogation(
                claim_id="clm-1",
                kind=c.SubrogationKind.RECOVERY,
                occurred_on=date(2026, 9, 11),
                liable_party=c.LiablePartyKind.DESIGNER,
            )
        )
    assert err.value.rule_id == "CLM-09"
    claim = repaired()
    claim.record_subrogation(
        c.RecordSubrogation(
            claim_id="clm-1",
            kind=c.SubrogationKind.WAIVER,
            occurred_on=date(2026, 9, 20),
            liable_party=c.LiablePartyKind.SUPPLIER,
        )
    )
    claim.record_subrogation(
        c.RecordSubrogation(
            claim_id="clm-1",
            kind=c.SubrogationKind.RECOVERY,
            occurred_on=date(2026, 9, 25),
            liable_party=c.LiablePartyKind.CONTRACTOR,
            amount_fen=100,
        )
    )
    waiver, recovery = claim.pull_events()
    assert isinstance(waiver, c.SubrogationRecorded) and not waiver.insurer_released
    assert isinstance(recovery, c.SubrogationRecorded) and recovery.builder_cooperation_requested
    assert claim.status is c.ClaimStatus.REPAIRED


def test_xc02_withdrawal_cancels_open_obligations() -> None:
    claim = covered()
    claim.record_agreement(agreement(), RULES)
    claim.withdraw(c.WithdrawClaim(claim_id="clm-1", reason="已自行解决"), at(2026, 9, 11))
    claim.withdraw(c.WithdrawClaim(claim_id="clm-1", reason="已自行解决"), at(2026, 9, 11))
    assert [type(e) for e in step_events(claim)] == [c.AgreementRecorded, c.ClaimWithdrawn]
    assert claim.next_due_at is None
    with pytest.raises(ClaimError):
        claim.attach_evidence(c.AttachEvidence(claim_id="clm-1", evidence=evidence("late.jpg")))


def test_xc08_evidence_attached_once_by_key() -> None:
    claim = reported()
    cmd = c.AttachEvidence(claim_id="clm-1", evidence=evidence("crack.jpg"), stage=c.EvidenceStage.REPORT)
    claim.attach_evidence(cmd)
    claim.attach_evidence(cmd)
    assert len(claim.pull_events()) == 1 and evidence("crack.jpg").key in claim.evidence_keys()


def test_xc04_state_survives_a_round_trip_through_its_document() -> None:
    from anju_claims.domain.claim import Claim

    claim = repaired()
    again = Claim.model_validate(claim.model_dump(mode="json"))
    assert again == claim and again.next_due_at == claim.next_due_at
    assert again.repair_warranty() == claim.repair_warranty()
    assert again.deadlines[0].due_at.utcoffset() == timedelta(hours=8)


def test_clm04_clm07_a_refusal_lists_every_rule_it_breaks() -> None:
    """XC-07: a not-covered decision without reasons and an exclusion without evidence is refused once,
    naming both rules, so the insurer fixes both in one round."""
    claim = surveyed()
    cmd = c.DecideClaim(
        claim_id="clm-1", decision=c.Decision.NOT_COVERED, decided_at=at(2026, 9, 8), exclusion=c.Exclusion.OWNER_CAUSE
    )
    with pytest.raises(ClaimError) as err:
        claim.decide(cmd, RULES)
    assert (err.value.rule_id, err.value.field) == ("CLM-04", "reasons")
    assert [(f.rule_id, f.subject_id) for f in err.value.failures] == [
        ("CLM-04", "reasons"),
        ("CLM-07", "exclusion_evidence"),
    ]
    assert [p.field for p in err.value.problems] == ["reasons", "exclusion_evidence"]
    assert not claim.pull_events() and claim.status is c.ClaimStatus.SURVEYED


def test_clm08_every_unmet_appraiser_condition_is_listed() -> None:
    claim = not_covered()
    claim.open_dispute(
        c.OpenDispute(
            claim_id="clm-1", raised_by=c.DisputeParty.OWNER, opened_on=date(2026, 10, 9), statement="申请鉴定"
        )
    )
    with pytest.raises(ClaimError) as err:
        claim.record_appraisal(_appraisal(qualified=False, jointly_chosen=False), RULES)
    assert [(f.rule_id, f.code) for f in err.value.failures] == [
        ("CLM-08", "APPRAISER_UNQUALIFIED"),
        ("CLM-08", "APPRAISER_NOT_JOINTLY_CHOSEN"),
    ]
