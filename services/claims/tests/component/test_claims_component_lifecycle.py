"""A claim's life through the claims use cases on in-memory ports (no Kafka, MongoDB or MinIO): report,
survey, decision with the owner's documents, dispute and appraisal, payment, repair and its warranty.

Every step goes through ``ClaimsHandlers.execute`` exactly as a Kafka or HTTP command does after the
door, and every answer is checked against what was stored and published.
"""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from claims_memory import INSURER, InMemoryClaims, at, covered, moment, owner, report, reported_and_surveyed

from anju_claims.domain.errors import ClaimError
from anju_contracts import claims as c

S = c.ClaimStatus


async def test_clm04_a_not_covered_decision_issues_the_rejection_notice_then_clm08_appraisal_reverses_it(
    claims: InMemoryClaims,
) -> None:
    await reported_and_surveyed(claims, "c-rej")
    decided = moment(claims, at(2026, 9, 3, 10))
    reasons = (c.Reason(code="NOT_A_DEFECT", text="渗水系空调冷凝水管脱落所致，不属于质量缺陷。"),)
    outcome = await claims.send(
        c.DecideClaim(claim_id="c-rej", decision=c.Decision.NOT_COVERED, decided_at=decided, reasons=reasons)
    )

    claim = outcome.claim
    assert claim.status is S.NOT_COVERED and outcome.version == 4
    # CLM-04: the notice was generated and stored before the one write that records it, and the deadline is met.
    assert claims.renderer.rendered == [("rejection_notice", "c-rej", {"issued_at": decided})]
    notice = claim.rejection_notice
    assert notice is not None and notice.key == "shanghai/prj-pol-1/u-1/c-rej/documents/rejection-notice-1.pdf"
    stored = await claims.evidence.read(notice.key)
    assert hashlib.sha256(stored).hexdigest() == notice.sha256 and stored.startswith(b"%PDF-fake")
    (deadline,) = claim.deadlines
    assert (deadline.rule_id, deadline.state) == ("CLM-04", "met")
    assert [e.type for e in claims.events("c-rej", c.ClaimDecided, c.RejectionNoticeIssued)] == [
        c.ClaimDecided.TYPE,
        c.RejectionNoticeIssued.TYPE,
    ]
    ledger = claims.events("c-rej", c.ObligationOpened, c.ObligationFulfilled)
    assert [(e.type, e.data["rule_id"]) for e in ledger] == [
        (c.ObligationOpened.TYPE, "CLM-04"),
        (c.ObligationFulfilled.TYPE, "CLM-04"),
    ]

    # CLM-08: the owner disputes in writing; an appraiser not chosen jointly is refused, nothing is stored.
    moment(claims, at(2026, 9, 5))
    dispute = c.OpenDispute(
        claim_id="c-rej", raised_by=c.DisputeParty.OWNER, opened_on=date(2026, 9, 5), statement="对核定结论有异议。"
    )
    assert (await claims.send(dispute, owner("o-1", "u-1"))).claim.status is S.DISPUTED
    moment(claims, at(2026, 9, 20))
    appraisal = c.RecordAppraisal(
        claim_id="c-rej",
        appraiser_id="apr-1",
        appraiser_name="某工程质量鉴定所",
        qualified=True,
        independent=True,
        jointly_chosen=False,
        appraised_on=date(2026, 9, 20),
        outcome=c.Decision.COVERED,
        summary="渗水系防水层施工缺陷所致。",
    )
    with pytest.raises(ClaimError) as refused:
        await claims.send(appraisal)
    assert (refused.value.rule_id, refused.value.field) == ("CLM-08", "jointly_chosen")
    assert await claims.version("c-rej") == 5

    reversed_ = await claims.send(appraisal.model_copy(update={"jointly_chosen": True}))
    assert reversed_.claim.status is S.COVERED and reversed_.version == 6
    decided_again = claims.events("c-rej", c.ClaimDecided)[-1]
    assert decided_again.data["by_appraisal"] is True and decided_again.data["decision"] == "covered"
    history = await claims.repo.history("c-rej")
    assert [h["action"] for h in history] == [
        "claims.ReportClaim",
        "claims.ScheduleSurvey",
        "claims.RecordSurvey",
        "claims.DecideClaim",
        "claims.OpenDispute",
        "claims.RecordAppraisal",
    ]
    assert [h["actor"]["id"] for h in history] == ["o-1", "desk-1", "desk-1", "desk-1", "o-1", "desk-1"]


async def test_clm03_a_money_agreement_is_performed_by_its_payment_within_10_days(claims: InMemoryClaims) -> None:
    await covered(claims, "c-pay")
    moment(claims, at(2026, 9, 4))
    agreement = c.RecordAgreement(
        claim_id="c-pay",
        mode=c.CompensationMode.MONEY,
        amount_fen=80_000,
        agreed_on=date(2026, 9, 4),
        money_agreed_by_owner=True,
    )
    agreed = await claims.send(agreement)
    (perform,) = agreed.claim.deadlines
    assert (perform.rule_id, perform.state, perform.last_day) == ("CLM-03", "open", date(2026, 9, 14))
    assert agreed.claim.next_due_at == perform.due_at
    (opened,) = claims.events("c-pay", c.ObligationOpened)  # what the due index and the notify ledger fold
    assert (opened.data["rule_id"], opened.data["last_day"]) == ("CLM-03", "2026-09-14")

    moment(claims, at(2026, 9, 10))
    paid = await claims.send(
        c.RecordPayment(claim_id="c-pay", amount_fen=80_000, paid_on=date(2026, 9, 10), payment_reference="pay-1")
    )
    assert paid.claim.status is S.PAID and paid.claim.deadlines[0].state == "met"
    assert paid.claim.next_due_at is None
    fulfilled = claims.events("c-pay", c.ObligationFulfilled)
    assert [e.data["rule_id"] for e in fulfilled] == ["CLM-03"]
    assert claims.events("c-pay", c.PaymentRecorded)[0].data["fully_paid"] is True
    # Nothing is left in the outbox: every commit was published and marked right after it.
    assert await claims.store.unpublished() == []


async def test_clm06_a_completed_repair_issues_the_warranty_statement_and_links_a_later_report(
    claims: InMemoryClaims,
) -> None:
    await covered(claims, "c-rep")
    moment(claims, at(2026, 9, 4))
    await claims.send(c.RecordAgreement(claim_id="c-rep", amount_fen=500_000, agreed_on=date(2026, 9, 4)))
    await claims.send(
        c.AssignRepair(
            claim_id="c-rep",
            repairer_id="rep-1",
            repairer_name="某防水工程公司",
            qualification="防水防腐保温工程专业承包二级",
            assigned_on=date(2026, 9, 5),
        )
    )
    moment(claims, at(2026, 9, 12, 18))
    done = await claims.send(
        c.CompleteRepair(claim_id="c-rep", completed_on=date(2026, 9, 12), summary="重做防水层，闭水试验合格。")
    )

    assert done.claim.status is S.REPAIRED
    ((kind, claim_id, details),) = claims.renderer.rendered
    assert (kind, claim_id, details["warranty_days"]) == ("repair_warranty_statement", "c-rep", 180)
    warranty = done.claim.warranty_statement
    assert warranty is not None and warranty.key.endswith("/c-rep/documents/repair-warranty-statement.pdf")
    assert str(details["warranty_last_day"]).encode() in await claims.evidence.read(warranty.key)
    assert "u-1" in await claims.hints.units_of_policy("pol-1")  # the hint bulk intake reads

    # CLM-06: the same item at the same place within the warranty is linked to the repair.
    moment(claims, at(2026, 11, 1))
    again = await claims.send(report("c-rep-again"), owner("o-1", "u-1"))
    assert again.claim.status is S.REPORTED and again.claim.linked_claim_id == "c-rep"
    assert claims.events("c-rep-again", c.ClaimReported)[0].data["linked_claim_id"] == "c-rep"


async def test_clm01_a_report_by_someone_not_the_owner_is_stored_refused_with_its_reason(
    claims: InMemoryClaims,
) -> None:
    refused = await claims.send(report("c-not-owner", "u-1", "o-2"), INSURER)
    assert refused.claim.status is S.REFUSED and refused.version == 1
    assert refused.claim.refusal is not None and refused.claim.refusal["reason_code"] == "NOT_OWNER"
    (event,) = claims.events("c-not-owner", c.ClaimRefused)
    assert event.data["rule_id"] == "CLM-01"
    (state,) = claims.events("c-not-owner", c.ClaimStateChanged)
    assert (state.data["status"], state.data["insurer_id"], state.data["version"]) == ("refused", "ins-a", 1)
