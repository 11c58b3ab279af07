"""POL-08 through the registry's answer, completion milestones with the builder's Chinese documents in the
object store (POL-09, POL-10), overdue obligations swept from the due view (XC-02), unit owners (XC-09)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from policy_factories import BUILDER, INSURER, assignment_refused, at, contract, issue, payment, select_agency
from policy_memory import BUCKET, InMemoryPolicy

from anju_contracts import Refusal
from anju_contracts import underwriting as u
from anju_contracts.policy import LiabilityPeriodStarted, ProjectStage, UnitOwnersChanged
from anju_contracts.risk import FinalReportSealed
from anju_kit.clock import FrozenClock


async def issued(policy: InMemoryPolicy, project_id: str = "prj-1") -> None:
    await policy.registered(project_id, INSURER)
    await policy.agency_assigned(project_id)
    await policy.send(contract(project_id), INSURER)
    loaded = await policy.repo.get(project_id)
    assert loaded is not None
    await policy.send(payment(loaded.aggregate.premium, project_id=project_id), INSURER)
    await policy.send(issue(project_id, on=date(2026, 3, 25)), INSURER)


async def filed(policy: InMemoryPolicy, on: date = date(2026, 9, 30)) -> None:
    await issued(policy)
    await policy.send(u.AdvanceStage(project_id="prj-1", stage=ProjectStage.CONSTRUCTION, on=date(2026, 4, 1)), BUILDER)
    await policy.deliver(
        FinalReportSealed(
            project_id="prj-1", report_key="k/final.pdf", report_sha256="c" * 64, sealed_at=at(2026, 9, 1)
        ),
        "risk",
    )
    for stage, day in (
        (ProjectStage.COMPLETION_ACCEPTANCE, on - timedelta(days=10)),
        (ProjectStage.COMPLETION_FILING, on),
    ):
        await policy.send(u.AdvanceStage(project_id="prj-1", stage=stage, on=day), BUILDER)


async def test_pol08_a_registry_refusal_reaches_the_insurer_with_its_rule_ids(policy: InMemoryPolicy) -> None:
    await policy.registered("prj-1", INSURER)
    selected = await policy.send(select_agency("prj-1"), INSURER)
    assert [e.TYPE for e in selected.events] == ["policy.AgencySelected", "registry.AssignTeam"]
    assert [e.type for e in policy.published if e.type == "registry.AssignTeam"] == ["registry.AssignTeam"]
    command = next(e for e in policy.published if e.type == "registry.AssignTeam")
    assert command.actor == INSURER and command.key == "prj-1"  # relayed in the selecting insurer's name
    await policy.deliver(assignment_refused("prj-1"), "registry")
    again = await policy.deliver(assignment_refused("prj-1"), "registry")
    assert again is not None and again.duplicate  # a redelivered answer changes nothing
    loaded = await policy.repo.get("prj-1")
    assert loaded is not None
    shown = loaded.aggregate.state()["assignment"]  # what GET /v1/policy/projects/prj-1 returns
    assert shown["status"] == "refused"
    assert [(f["rule_id"], f["code"]) for f in shown["failed"]] == [
        ("REG-04", "CONFLICT_OF_INTEREST"),
        ("REG-03", "LEAD_OVERLOADED"),
    ]
    with pytest.raises(Refusal) as refused:
        await policy.send(contract(), INSURER)
    assert refused.value.rule_id == "POL-08"


async def test_pol09_completion_filing_publishes_the_liability_period_for_claims(policy: InMemoryPolicy) -> None:
    await filed(policy)
    started = [e.payload(LiabilityPeriodStarted) for e in policy.published if e.type == LiabilityPeriodStarted.TYPE]
    assert len(started) == 1 and started[0].liability_starts_on == date(2028, 9, 30)
    assert started[0].contractor_warranty_end == date(2028, 9, 29)


async def test_pol10_the_user_notice_and_coverage_statement_are_made_as_chinese_pdfs(policy: InMemoryPolicy) -> None:
    await filed(policy)
    done = await policy.send(
        u.RecordMilestone(project_id="prj-1", step=u.MilestoneStep.USER_DOCUMENTS_DELIVERED, on=date(2026, 10, 8)),
        INSURER,
    )
    assert [e.TYPE for e in done.events] == ["policy.MilestoneRecorded", "policy.ObligationFulfilled"]
    prefix = "shanghai/policy/project/prj-1/documents/"
    for name in ("user-notice.pdf", "coverage-statement.pdf"):
        pdf = await policy.objects.get(BUCKET, prefix + name)
        assert pdf.startswith(b"%PDF")


async def test_xc02_policy_obligations_become_overdue_on_time_once(policy: InMemoryPolicy, clock: FrozenClock) -> None:
    await filed(policy)
    # Sweep an hour after the later deadline (a step recorded late is filed under the hour it was
    # recorded in, kit.due; the first sweep looks 30 days back).
    opened = [e.payload(u.ObligationOpened) for e in policy.published if e.type == u.ObligationOpened.TYPE]
    clock.set(max(o.due_at for o in opened if o.rule_id in ("POL-07", "POL-10")) + timedelta(hours=1))
    assert await policy.handlers.sweep_overdue(grace=timedelta(minutes=1)) == 2  # POL-07 upload, POL-10 documents
    assert await policy.handlers.sweep_overdue(grace=timedelta(minutes=1)) == 0  # fired once
    overdue = [e.payload(u.ObligationOverdue) for e in policy.published if e.type == u.ObligationOverdue.TYPE]
    assert [o.rule_id for o in overdue] == ["POL-07", "POL-10"]


async def test_xc09_the_builder_registers_buyers_published_masked(policy: InMemoryPolicy) -> None:
    await issued(policy)
    buyers = u.RegisterUnitOwners(
        project_id="prj-1",
        unit_id="prj-1-u-1",
        sale_contract_no="HT-2028-0001",
        buyers=(u.UnitBuyer(name="张三", id_number="310101199001011234"),),
        on=date(2028, 9, 1),
    )
    done = await policy.handlers.register_owners(BUILDER, buyers, event_id="6f1c1a0e-0000-4000-8000-000000000001")
    assert [e.TYPE for e in done.events] == ["policy.UnitOwnersChanged"]
    published = next(e for e in policy.published if e.type == UnitOwnersChanged.TYPE)
    assert "310101199001011234" not in published.model_dump_json()
    assert published.payload(UnitOwnersChanged).owners[0].id_number_masked == "310***********1234"


async def test_xc05_listings_by_stage_an_insurers_a_builders_and_the_regions(policy: InMemoryPolicy) -> None:
    from policy_factories import OTHER_INSURER

    from anju_policy.listings import ByBuilder, ByInsurer, ByRegion, read_projects

    await policy.registered("prj-1", INSURER)
    await policy.registered("prj-2", INSURER)
    await policy.send(u.AdvanceStage(project_id="prj-2", stage=ProjectStage.CONSTRUCTION, on=date(2026, 9, 1)), BUILDER)
    region = await read_projects(policy.views.store(ByRegion.name), "shanghai", stage=None, offset=0, limit=10)
    assert region.total == 2 and region.by_stage == {"design": 1, "construction": 1}
    building = await read_projects(
        policy.views.store(ByRegion.name), "shanghai", stage=ProjectStage.CONSTRUCTION, offset=0, limit=10
    )
    assert [p["project_id"] for p in building.items] == ["prj-2"]  # moved, not duplicated
    mine = await read_projects(policy.views.store(ByInsurer.name), "ins-a", stage=None, offset=0, limit=1)
    assert mine.total == 2 and len(mine.items) == 1  # a bounded page
    other = await read_projects(
        policy.views.store(ByInsurer.name), OTHER_INSURER.insurer_id or "", stage=None, offset=0, limit=10
    )
    assert other.total == 0
    built = await read_projects(policy.views.store(ByBuilder.name), "org-bld-1", stage=None, offset=0, limit=10)
    assert {p["project_id"] for p in built.items} == {"prj-1", "prj-2"}
