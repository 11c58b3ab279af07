"""The policy service's use cases end to end on in-memory ports: the letter through the object store,
pricing, contracts, 见费出单, the upload obligation, access (XC-05), history (XC-04), the ledger (POL-12)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from policy_factories import (
    BUILDER,
    INSURER,
    OTHER_BUILDER,
    OTHER_INSURER,
    REGULATOR,
    contract,
    issue,
    letter_ref,
    payment,
    select_agency,
)
from policy_memory import InMemoryPolicy

from anju_contracts import ReasonCode, Refusal
from anju_contracts import underwriting as u
from anju_contracts.policy import PolicyIssued, ProjectStage
from anju_policy.read_models import read_ledger

FULL = Decimal("752456.25")


async def contracted(policy: InMemoryPolicy, project_id: str = "prj-1") -> None:
    await policy.registered(project_id, INSURER)
    await policy.agency_assigned(project_id)
    await policy.send(contract(project_id), INSURER)


async def test_pol06_issue_refused_with_one_yuan_outstanding_then_accepted_when_paid(policy: InMemoryPolicy) -> None:
    await contracted(policy)
    await policy.send(payment(FULL - 1, "pay-1"), INSURER)
    with pytest.raises(Refusal) as refused:
        await policy.send(issue(), INSURER)
    assert refused.value.rule_id == "POL-06" and "1.00 yuan" in refused.value.detail
    await policy.send(payment("1.00", "pay-2"), INSURER)
    done = await policy.send(issue(), INSURER)
    assert [e.TYPE for e in done.events] == ["policy.PolicyIssued", "policy.ObligationOpened"]
    issued = [e for e in policy.published if e.type == PolicyIssued.TYPE]
    assert len(issued) == 1 and issued[0].key == "prj-1"
    # claims' read model takes it as it took insurers' PolicyIssued before (compatible extension)
    event = issued[0].payload(PolicyIssued)
    assert event.product == "IDI" and event.product_line == "idi" and len(event.units) == 2


async def test_pol04_a_letter_not_in_the_object_store_is_refused(policy: InMemoryPolicy) -> None:
    from policy_factories import register

    with pytest.raises(Refusal) as refused:
        await policy.send(register("prj-x"), INSURER)  # cites a letter nobody uploaded
    assert refused.value.reason_code == "EVIDENCE_MISSING"
    ref = await policy.upload_letter("prj-x", INSURER)
    forged = letter_ref("prj-x", key=ref.key, sha256="b" * 64, size=ref.size)
    cmd = register("prj-x")
    cmd = cmd.model_copy(
        update={
            "quotation": cmd.quotation.model_copy(
                update={"letter": u.QuotationLetter(document=forged, signed_by_business_head=True, sealed=True)}
            )
        }
    )
    with pytest.raises(Refusal) as mismatch:
        await policy.send(cmd, INSURER)
    assert mismatch.value.reason_code == "CHECKSUM_MISMATCH"
    assert await policy.repo.get("prj-x") is None


async def test_pol04_a_quote_by_wechat_is_refused_and_nothing_is_stored(policy: InMemoryPolicy) -> None:
    from policy_factories import quotation, register

    with pytest.raises(Refusal) as refused:
        await policy.send(register("prj-w", quotation=quotation(channel=u.QuoteChannel.WECHAT)), INSURER)
    assert refused.value.rule_id == "POL-04"
    assert await policy.repo.get("prj-w") is None


async def test_pol05_contract_refused_after_construction_drawing_design(policy: InMemoryPolicy) -> None:
    await policy.registered("prj-1", INSURER)
    await policy.agency_assigned("prj-1")
    await policy.send(
        u.AdvanceStage(project_id="prj-1", stage=ProjectStage.CONSTRUCTION_DRAWING_DESIGN, on=date(2026, 5, 6)), BUILDER
    )
    with pytest.raises(Refusal) as refused:
        await policy.send(contract(), INSURER)
    assert refused.value.rule_id == "POL-05"


async def test_pol09_a_backward_stage_is_refused_with_the_rule(policy: InMemoryPolicy) -> None:
    await policy.registered("prj-1", INSURER)
    await policy.send(u.AdvanceStage(project_id="prj-1", stage=ProjectStage.CONSTRUCTION, on=date(2026, 9, 1)), INSURER)
    with pytest.raises(Refusal) as refused:
        await policy.send(u.AdvanceStage(project_id="prj-1", stage=ProjectStage.DESIGN, on=date(2026, 9, 2)), BUILDER)
    assert refused.value.rule_id == "POL-09"


async def test_xc05_insurer_builder_and_regulator_each_see_what_is_theirs(policy: InMemoryPolicy) -> None:
    from anju_policy import access

    await policy.registered("prj-1", INSURER)
    loaded = await policy.repo.get("prj-1")
    assert loaded is not None
    project = loaded.aggregate
    assert (
        access.can_read(INSURER, project) and access.can_read(BUILDER, project) and access.can_read(REGULATOR, project)
    )
    assert not access.can_read(OTHER_INSURER, project) and not access.can_read(OTHER_BUILDER, project)
    for stranger in (OTHER_INSURER, OTHER_BUILDER):
        with pytest.raises(Refusal) as refused:
            await policy.send(select_agency(), stranger)
        assert refused.value.reason_code == ReasonCode.NOT_FOUND  # not yours answers like not there
    with pytest.raises(Refusal) as missing:
        await policy.send(select_agency("prj-none"), INSURER)
    assert missing.value.reason_code == ReasonCode.NOT_FOUND
    with pytest.raises(Refusal) as builder:
        await policy.send(select_agency(), BUILDER)  # the builder sees it, but contracts are the insurer's
    assert builder.value.reason_code == ReasonCode.FORBIDDEN


async def test_xc04_every_change_is_in_the_history_with_its_actor(policy: InMemoryPolicy) -> None:
    await policy.registered("prj-1", INSURER)
    await policy.send(
        u.AdvanceStage(project_id="prj-1", stage=ProjectStage.CONSTRUCTION_DRAWING_DESIGN, on=date(2026, 5, 6)), BUILDER
    )
    entries = await policy.repo.history("prj-1")
    assert [e["actor"]["id"] for e in entries] == [INSURER.id, BUILDER.id]


async def test_pol12_each_product_line_keeps_its_own_ledger(policy: InMemoryPolicy) -> None:
    await contracted(policy)
    await policy.send(payment("500000.00", "pay-1"), INSURER)
    adjust = u.AdjustInsuredAmount(
        project_id="prj-1", adjustment_id="adj-1", actual_cost_yuan=Decimal("48000000.00"), on=date(2027, 3, 1)
    )
    await policy.send(adjust, INSURER)
    months = await read_ledger(policy.views.store("policy.ledger"), "shanghai", "idi", None)
    assert months.totals["2026-03"] == {
        "premium": str(FULL),
        "adjustment": "0.00",
        "payment": "500000.00",
        "outstanding": "252456.25",
    }
    assert months.totals["2027-03"]["adjustment"] == "-32456.25"
    theirs = await read_ledger(policy.views.store("policy.ledger"), "shanghai", "idi", "2026-03", insurer_id="ins-b")
    assert theirs.entries == []
    other_line = await read_ledger(policy.views.store("policy.ledger"), "shanghai", "quality_safety", None)
    assert other_line.totals == {}
