"""The 质安保 construction safety section (POL-11): a safety incident is a claim of its own kind, accepted on
a 质安保 policy (qingdao-laoshan's region file) while the project is in construction, refused with the
rule on an IDI policy (shanghai's) or outside construction. Claims learn the line from PolicyIssued and
the stage from policy.StageAdvanced."""

from __future__ import annotations

from datetime import date

import pytest
from claims_memory import CORE, INSURER, InMemoryClaims, at, wrap

from anju_contracts import Actor, ReasonCode, Refusal, Role
from anju_contracts import claims as c
from anju_contracts import underwriting as u
from anju_contracts.policy import PolicyIssued, PolicyUnit, ProjectStage
from anju_kit.regions import Product, default_regions_dir, load_region


async def issue(claims: InMemoryClaims, policy_id: str, region: str, line: Product, stage: ProjectStage) -> None:
    sections = load_region(region, default_regions_dir()).policy.coverage_sections[line]
    event = PolicyIssued(
        policy_id=policy_id,
        project_id=f"prj-{policy_id}",
        insurer_id="ins-a",
        product="质安保" if line is Product.QUALITY_SAFETY else "IDI",
        issued_on=date(2026, 3, 1),
        units=(PolicyUnit(unit_id=f"{policy_id}-u-1"),),
        product_line=line.value,
        coverage_sections=tuple(sections),
        stage=stage,
    )
    await claims.handlers.project_policy_event(wrap(event, CORE, key=policy_id), event)


async def advance(claims: InMemoryClaims, policy_id: str, stage: ProjectStage, previous: ProjectStage) -> None:
    event = u.StageAdvanced(
        project_id=f"prj-{policy_id}", stage=stage, previous=previous, on=date(2026, 6, 1), policy_id=policy_id
    )
    await claims.handlers.project_policy_event(wrap(event, CORE, key=f"prj-{policy_id}"), event)


def incident(
    claim_id: str, policy_id: str, kind: c.SafetyIncidentKind = c.SafetyIncidentKind.WORKER_INJURY
) -> c.ReportSafetyIncident:
    return c.ReportSafetyIncident(
        claim_id=claim_id,
        policy_id=policy_id,
        kind=kind,
        occurred_at=at(2026, 8, 28, 14),
        location="3号楼脚手架",
        description="一名工人高处坠落受伤，送医治疗",
        persons=1,
    )


async def report(claims: InMemoryClaims, cmd: c.ReportSafetyIncident, actor: Actor = INSURER) -> object:
    return await claims.handlers.report_safety(wrap(cmd, actor, key=cmd.claim_id), cmd)


async def test_pol11_safety_incident_claim_accepted_during_construction_on_qingdao_laoshan(
    claims: InMemoryClaims,
) -> None:
    await issue(claims, "pol-q", "qingdao-laoshan", Product.QUALITY_SAFETY, ProjectStage.DESIGN)
    await advance(claims, "pol-q", ProjectStage.CONSTRUCTION, ProjectStage.CONSTRUCTION_DRAWING_DESIGN)
    for n, kind in enumerate(c.SafetyIncidentKind):
        await report(claims, incident(f"sc-{n}", "pol-q", kind))
    accepted = [
        e.payload(c.SafetyIncidentClaimAccepted)
        for e in claims.published
        if e.type == c.SafetyIncidentClaimAccepted.TYPE
    ]
    assert [a.section for a in accepted] == [
        "worker_injury",
        "worker_injury",
        "third_party_injury",
        "third_party_injury",
        "rescue_costs",
    ]
    again = await report(claims, incident("sc-0", "pol-q"))
    assert again.duplicate  # type: ignore[attr-defined]


async def test_pol11_safety_incident_refused_on_an_idi_policy_with_the_rule(claims: InMemoryClaims) -> None:
    await issue(claims, "pol-i", "shanghai", Product.IDI, ProjectStage.CONSTRUCTION)
    with pytest.raises(Refusal) as refused:
        await report(claims, incident("sc-i", "pol-i"))
    assert refused.value.rule_id == "POL-11"
    assert [f.code for f in refused.value.failures] == ["SECTION_NOT_COVERED"]
    assert not [e for e in claims.published if e.type == c.SafetyIncidentClaimAccepted.TYPE]


async def test_pol11_safety_incident_refused_once_construction_is_over(claims: InMemoryClaims) -> None:
    await issue(claims, "pol-q", "qingdao-laoshan", Product.QUALITY_SAFETY, ProjectStage.CONSTRUCTION)
    await advance(claims, "pol-q", ProjectStage.COMPLETION_ACCEPTANCE, ProjectStage.CONSTRUCTION)
    await advance(claims, "pol-q", ProjectStage.CONSTRUCTION, ProjectStage.DESIGN)  # a late old event: ignored
    with pytest.raises(Refusal) as refused:
        await report(claims, incident("sc-late", "pol-q"))
    assert [f.code for f in refused.value.failures] == ["NOT_IN_CONSTRUCTION"]


async def test_xc05_another_insurers_safety_claim_answers_not_found(claims: InMemoryClaims) -> None:
    await issue(claims, "pol-q", "qingdao-laoshan", Product.QUALITY_SAFETY, ProjectStage.CONSTRUCTION)
    other = Actor(id="desk-9", role=Role.INSURER, region=INSURER.region, insurer_id="ins-b")
    with pytest.raises(Refusal) as refused:
        await report(claims, incident("sc-x", "pol-q"), other)
    assert refused.value.reason_code == ReasonCode.NOT_FOUND
