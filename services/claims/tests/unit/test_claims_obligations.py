"""The claim's deadlines as obligations for the notify service's ledger (XC-02): every deadline the
claim opens or ends is also an ObligationOpened / ObligationFulfilled among the step's own events, so
they are stored and published in the same one write (CLM-03, CLM-04, CLM-06)."""

from __future__ import annotations

from datetime import date, datetime

from claims_factories import OWNER, RULES, agreement, at, covered, evidence, not_covered, repaired, surveyed

from anju_contracts import Role
from anju_contracts import claims as c
from anju_contracts.base import Event
from anju_contracts.common import ObligationKind, ObligationOutcome, PartyRef, SubjectRef
from anju_kit.clock import SHANGHAI

INSURER = PartyRef(role=Role.INSURER, id="ins-1")
SUBJECT = SubjectRef(kind="claim", id="clm-1")


def _midnight(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=SHANGHAI)


def _of(events: list[Event], kind: type[Event]) -> list[Event]:
    return [e for e in events if isinstance(e, kind)]


def test_clm03_agreement_opens_the_perform_obligation_owed_by_the_insurer_to_the_owner() -> None:
    claim = covered(decided_at=at(2026, 9, 1))
    claim.record_agreement(agreement(agreed_on=date(2026, 9, 2)), RULES)
    events = claim.pull_events()
    assert [type(e) for e in events] == [c.ObligationOpened, c.AgreementRecorded]
    opened, recorded = events
    assert isinstance(opened, c.ObligationOpened) and isinstance(recorded, c.AgreementRecorded)
    assert opened.obligation_id == "claim.clm-1.perform_compensation.1"
    assert (opened.debtor, opened.creditor, opened.subject) == (
        INSURER,
        PartyRef(role=Role.OWNER, id=OWNER),
        SUBJECT,
    )
    assert (opened.rule_id, opened.kind, opened.obligation) == (
        "CLM-03",
        ObligationKind.OBLIGATION,
        "perform_compensation",
    )
    due = recorded.performance_due
    assert (opened.due_at, opened.last_day, opened.calendar_estimated) == (due.due_at, due.last_day, False)
    assert opened.due_at == _midnight(2026, 9, 15)


def test_clm03_replayed_agreement_opens_one_obligation() -> None:
    claim = covered()
    for _ in range(5):
        claim.record_agreement(agreement(), RULES)
    assert len(_of(claim.pull_events(), c.ObligationOpened)) == 1


def test_clm03_repair_completion_fulfils_the_perform_obligation_and_opens_the_clm06_window() -> None:
    claim = covered()
    claim.record_agreement(agreement(), RULES)
    claim.assign_repair(
        c.AssignRepair(
            claim_id="clm-1", repairer_id="rep-1", repairer_name="r", qualification="q", assigned_on=date(2026, 9, 12)
        )
    )
    claim.pull_events()
    claim.complete_repair(
        c.CompleteRepair(claim_id="clm-1", completed_on=date(2026, 9, 18), summary="重做防水层。"),
        RULES,
        at(2026, 9, 18, 18),
    )
    events = claim.pull_events()
    assert [type(e) for e in events] == [c.ObligationFulfilled, c.ObligationOpened, c.RepairCompleted]
    fulfilled, window, _ = events
    assert isinstance(fulfilled, c.ObligationFulfilled) and isinstance(window, c.ObligationOpened)
    assert fulfilled.obligation_id == "claim.clm-1.perform_compensation.1"
    assert (fulfilled.outcome, fulfilled.rule_id, fulfilled.debtor, fulfilled.subject) == (
        ObligationOutcome.MET,
        "CLM-03",
        INSURER,
        SUBJECT,
    )
    assert (fulfilled.met_on, fulfilled.fulfilled_at) == (date(2026, 9, 18), at(2026, 9, 18, 18))
    # CLM-06: a window (a right of the owner's), never overdue; the ledger shows it until it ends.
    assert (window.rule_id, window.kind, window.obligation_id) == (
        "CLM-06",
        ObligationKind.WINDOW,
        "claim.clm-1.repair_warranty.1",
    )
    assert window.last_day == date(2027, 3, 17)


def test_clm03_only_the_full_payment_fulfils_the_perform_obligation() -> None:
    claim = covered()
    claim.record_agreement(agreement(c.CompensationMode.MONEY, amount_fen=1000), RULES)
    claim.pull_events()
    claim.record_payment(
        c.RecordPayment(claim_id="clm-1", amount_fen=400, paid_on=date(2026, 9, 12), payment_reference="p1"),
        at(2026, 9, 12),
    )
    assert _of(claim.pull_events(), c.ObligationFulfilled) == []
    claim.record_payment(
        c.RecordPayment(claim_id="clm-1", amount_fen=600, paid_on=date(2026, 9, 13), payment_reference="p2"),
        at(2026, 9, 13),
    )
    (fulfilled,) = _of(claim.pull_events(), c.ObligationFulfilled)
    assert isinstance(fulfilled, c.ObligationFulfilled)
    assert (fulfilled.outcome, fulfilled.met_on) == (ObligationOutcome.MET, date(2026, 9, 13))


def test_clm03_waiver_before_performance_cancels_the_perform_obligation() -> None:
    claim = covered()
    claim.record_agreement(agreement(), RULES)
    claim.pull_events()
    claim.record_subrogation(
        c.RecordSubrogation(
            claim_id="clm-1",
            kind=c.SubrogationKind.WAIVER,
            occurred_on=date(2026, 9, 11),
            liable_party=c.LiablePartyKind.CONTRACTOR,
        )
    )
    (cancelled,) = _of(claim.pull_events(), c.ObligationFulfilled)
    assert isinstance(cancelled, c.ObligationFulfilled)
    assert (cancelled.outcome, cancelled.rule_id, cancelled.met_on) == (ObligationOutcome.CANCELLED, "CLM-03", None)


def test_clm04_not_covered_decision_opens_the_notice_obligation_and_the_notice_fulfils_it() -> None:
    claim = surveyed()
    claim.decide(
        c.DecideClaim(
            claim_id="clm-1",
            decision=c.Decision.NOT_COVERED,
            decided_at=at(2026, 9, 8),
            reasons=(c.Reason(code="NOT_A_DEFECT", text="不属于质量缺陷。"),),
        ),
        RULES,
    )
    events = claim.pull_events()
    assert [type(e) for e in events] == [c.ObligationOpened, c.ClaimDecided]
    opened = events[0]
    assert isinstance(opened, c.ObligationOpened)
    assert (opened.rule_id, opened.obligation_id, opened.debtor) == (
        "CLM-04",
        "claim.clm-1.rejection_notice.1",
        INSURER,
    )
    assert opened.due_at == _midnight(2026, 9, 12)
    claim.issue_rejection_notice(evidence("rejection-notice.pdf"), at(2026, 9, 8, 10, 1))
    fulfilled, issued = claim.pull_events()
    assert isinstance(fulfilled, c.ObligationFulfilled) and isinstance(issued, c.RejectionNoticeIssued)
    assert (fulfilled.obligation_id, fulfilled.outcome, fulfilled.fulfilled_at) == (
        "claim.clm-1.rejection_notice.1",
        ObligationOutcome.MET,
        at(2026, 9, 8, 10, 1),
    )


def test_clm04_appraisal_overturning_the_refusal_cancels_the_notice_obligation() -> None:
    claim = not_covered()
    claim.open_dispute(
        c.OpenDispute(claim_id="clm-1", raised_by=c.DisputeParty.OWNER, opened_on=date(2026, 9, 9), statement="鉴定")
    )
    claim.record_appraisal(
        c.RecordAppraisal(
            claim_id="clm-1",
            appraiser_id="apr-1",
            appraiser_name="某鉴定中心",
            qualified=True,
            independent=True,
            jointly_chosen=True,
            appraised_on=date(2026, 9, 10),
            outcome=c.Decision.COVERED,
            summary="防水层施工缺陷。",
        ),
        RULES,
    )
    (cancelled,) = _of(claim.pull_events(), c.ObligationFulfilled)
    assert isinstance(cancelled, c.ObligationFulfilled)
    assert (cancelled.obligation_id, cancelled.outcome) == (
        "claim.clm-1.rejection_notice.1",
        ObligationOutcome.CANCELLED,
    )
    assert cancelled.fulfilled_at == datetime(2026, 9, 10, 12, tzinfo=SHANGHAI)  # the appraisal's day


def test_clm06_the_warranty_window_is_never_fulfilled_nor_overdue() -> None:
    claim = repaired()
    claim.issue_warranty_statement(evidence("warranty.pdf"), at(2026, 9, 18, 18))
    assert claim.fire_overdue(_midnight(2027, 6, 1)) == []
    assert _of(claim.pull_events(), c.ObligationFulfilled) == []


def test_xc02_withdrawal_cancels_open_obligations_once() -> None:
    claim = covered()
    claim.record_agreement(agreement(), RULES)
    claim.pull_events()
    for _ in range(2):
        claim.withdraw(c.WithdrawClaim(claim_id="clm-1", reason="已自行解决"), at(2026, 9, 11))
    events = claim.pull_events()
    assert [type(e) for e in events] == [c.ObligationFulfilled, c.ClaimWithdrawn]
    assert isinstance(events[0], c.ObligationFulfilled) and events[0].outcome is ObligationOutcome.CANCELLED


def test_xc02_an_obligation_opened_again_gets_a_new_id() -> None:
    claim = not_covered()
    claim.issue_rejection_notice(evidence("rejection-notice.pdf"), at(2026, 9, 8, 11))
    for n, outcome in enumerate((c.Decision.COVERED, c.Decision.NOT_COVERED)):
        claim.open_dispute(
            c.OpenDispute(
                claim_id="clm-1", raised_by=c.DisputeParty.BUILDER, opened_on=date(2026, 9, 9 + n), statement=f"异议{n}"
            )
        )
        claim.record_appraisal(
            c.RecordAppraisal(
                claim_id="clm-1",
                appraiser_id="apr-1",
                appraiser_name="某鉴定中心",
                qualified=True,
                independent=True,
                jointly_chosen=True,
                appraised_on=date(2026, 9, 10 + n),
                outcome=outcome,
                summary="鉴定结论。",
            ),
            RULES,
        )
    opened = [
        e.obligation_id for e in _of(claim.pull_events(), c.ObligationOpened) if isinstance(e, c.ObligationOpened)
    ]
    assert opened == ["claim.clm-1.rejection_notice.2"]
