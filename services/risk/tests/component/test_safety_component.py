"""Construction safety through the risk use cases on in-memory ports: the service runs quality only
(shanghai), safety only (shaoxing) or both (qingdao-laoshan, 质安保) and refuses a command of a part the
region does not sell with a typed rejection (XC-06); on shaoxing, a level-1 hazard found at 23:00 with a
photo uploaded and verified, reported that day, rectified and closed (SAF-03); the quarter's coverage
raised by the sweeper before the quarter ends (SAF-02); who may act (XC-05)."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader
from risk_factories import CONTRACTOR, ENGINEER, INSURER, LEAD, OTHER_AGENCY, PROJECT, REGULATOR, SUPERVISOR, plan
from risk_memory import InMemoryRisk
from safety_factories import hazard, inspection, safety_plan, sources

from anju_contracts import Actor, Refusal
from anju_contracts import safety as s
from anju_kit.clock import SHANGHAI, FrozenClock
from anju_risk import access
from anju_risk.bootstrap import build
from anju_risk.config import RiskSettings
from anju_risk.entrypoints import safety_http
from anju_risk.read_models import (
    AGENCY_HAZARDS,
    HAZARDS,
    SAFETY_COVERAGE,
    read_agency_hazards,
    read_issues,
    read_safety_coverage,
)


def in_region(actor: Actor, region: str) -> Actor:
    return actor.model_copy(update={"region": region})


async def running(region: str, at: datetime) -> InMemoryRisk:
    risk = InMemoryRisk(FrozenClock(at), region=region)
    await risk.evidence.ensure_bucket()
    await risk.insured()
    return risk


@pytest.mark.parametrize("region", ["shanghai", "hangzhou", "shaoxing", "qingdao-laoshan"])
def test_xc06_the_service_builds_for_quality_only_safety_only_or_both(region: str) -> None:
    _service, handlers = build(RiskSettings.load(region=region))
    assert handlers.rules.quality_offered is (region != "shaoxing")
    assert (handlers.rules.safety is not None) is (region in ("shaoxing", "qingdao-laoshan"))


async def test_xc06_a_command_of_a_part_the_region_does_not_sell_is_refused_typed() -> None:
    shaoxing = await running("shaoxing", datetime(2026, 7, 1, 10, tzinfo=SHANGHAI))
    with pytest.raises(Refusal) as refused:
        await shaoxing.send(plan(), in_region(LEAD, "shaoxing"))
    assert (refused.value.reason_code, refused.value.rule_id) == ("PRODUCT_NOT_OFFERED", "XC-06")
    shanghai = await running("shanghai", datetime(2026, 7, 1, 10, tzinfo=SHANGHAI))
    with pytest.raises(Refusal) as refused:
        await shanghai.send(safety_plan(), LEAD)
    assert (refused.value.reason_code, refused.value.rule_id) == ("PRODUCT_NOT_OFFERED", "XC-06")
    assert shanghai.published == [] and shaoxing.published == []  # nothing half-applied


async def test_saf01_qingdao_laoshan_one_project_carries_quality_and_safety_work_in_one_file() -> None:
    region = "qingdao-laoshan"
    risk = await running(region, datetime(2026, 7, 1, 10, tzinfo=SHANGHAI))
    lead = in_region(LEAD, region)
    await risk.send(plan(), lead)  # RSK-01: the quality plan
    await risk.send(safety_plan(), lead)  # SAF-01: the safety plan, beside it
    loaded = await risk.repo.get(PROJECT)
    assert loaded is not None and loaded.aggregate.plan is not None and loaded.aggregate.safety.plan is not None


async def test_saf03_level1_found_at_2300_photo_verified_reported_that_day_rectified_and_closed() -> None:
    region = "shaoxing"
    found = datetime(2026, 7, 20, 23, 0, tzinfo=SHANGHAI)
    risk = await running(region, found)
    lead, engineer, contractor = (in_region(a, region) for a in (LEAD, ENGINEER, CONTRACTOR))
    await risk.send(safety_plan(), lead)
    await risk.send(sources(), engineer)
    photo = await risk.upload("基坑位移.jpg", engineer)
    with pytest.raises(Refusal) as refused:
        await risk.send(hazard(1, found, evidence=(photo.model_copy(update={"sha256": "0" * 64}),)), engineer)
    assert refused.value.reason_code == "CHECKSUM_MISMATCH"  # evidence stored and verified, not just referenced
    await risk.send(hazard(1, found, source_id="src-pit", evidence=(photo,), rectify_by=date(2026, 7, 22)), engineer)
    opened = [
        e for e in risk.published if e.type == "risk.ObligationOpened" and "hazard_report" in e.data["obligation"]
    ]
    assert {e.data["due_at"] for e in opened} == {"2026-07-21T00:00:00+08:00"}  # 24:00 of the finding's day

    risk.clock.set(found + timedelta(minutes=40))  # type: ignore[attr-defined]
    await risk.send(s.ReportHazard(project_id=PROJECT, hazard_id="hz-1", recipients=tuple(s.Recipient)), engineer)
    before = await risk.upload("整改前.jpg", contractor)
    after = await risk.upload("整改后.jpg", contractor)
    fix = s.SubmitHazardRectification(
        project_id=PROJECT, hazard_id="hz-1", note="已卸载", before=(before,), after=(after,)
    )
    with pytest.raises(Refusal):
        await risk.send(fix, in_region(SUPERVISOR, region))  # level 1: the responsible unit rectifies
    await risk.send(fix, contractor)
    close = s.ReviewHazardRectification(project_id=PROJECT, hazard_id="hz-1", decision=s.HazardDecision.CLOSE)
    with pytest.raises(Refusal):
        await risk.send(close, contractor)  # only the agency closes
    await risk.send(close, engineer)
    types = [e.type for e in risk.published]
    assert types.count("risk.ObligationFulfilled") >= 3  # both reports and the rectification
    reported = next(e for e in risk.published if e.type == "risk.HazardReported")
    assert reported.data["on_time"] is True
    standing = [e.data for e in risk.published if e.type == "risk.SafetyQuarterRecorded"][-1]  # SAF-07's feed
    assert (standing["quarter"], standing["level_1_hazards"], standing["level_1_reported_same_day"]) == ("2026Q3", 1, 1)
    assert standing["level_1_2_unchecked"] == 2 and standing["plan"] and standing["sources_identified"]
    listed = await read_issues(risk.views.store(HAZARDS.name), PROJECT, statuses=["closed"])  # risk.hazards
    assert [(i["hazard_id"], i["level"], i["stop_work"]) for i in listed.items] == [("hz-1", 1, "partial")]
    history = await risk.repo.history(PROJECT)
    assert {h["actor"]["id"] for h in history} >= {LEAD.id, ENGINEER.id, CONTRACTOR.id}  # XC-04


async def test_saf02_the_sweeper_raises_an_uncovered_quarter_before_it_ends() -> None:
    region = "shaoxing"
    risk = await running(region, datetime(2026, 7, 6, 10, tzinfo=SHANGHAI))
    lead, engineer = in_region(LEAD, region), in_region(ENGINEER, region)
    await risk.send(safety_plan(grade=s.RiskGrade.LOW), lead)
    await risk.send(sources(identified_on=date(2026, 7, 6)), engineer)
    await risk.send(inspection("ins-1", date(2026, 7, 6), "src-pit", full=True), engineer)
    risk.clock.set(datetime(2026, 9, 16, 0, 30, tzinfo=SHANGHAI))  # type: ignore[attr-defined]
    assert await risk.handlers.sweep_overdue(grace=timedelta(seconds=0)) >= 1
    flagged = [e for e in risk.published if e.type == "risk.SafetyCoverageFlagged"]
    assert [e.data["unchecked_source_ids"] for e in flagged] == [["src-hoist"]]
    assert await risk.handlers.sweep_overdue(grace=timedelta(seconds=0)) == 0  # once
    # the regulator's quarter listing (a read model by _id): the project, uncovered, with what is left
    page = await read_safety_coverage(risk.views.store(SAFETY_COVERAGE.name), "2026Q3", statuses=["uncovered"])
    assert [(i["project_id"], i["unchecked_source_ids"]) for i in page.items] == [(PROJECT, ["src-hoist"])]
    mine = await read_safety_coverage(risk.views.store(SAFETY_COVERAGE.name), "agy-1:2026Q3", statuses=["uncovered"])
    assert mine.total == 1


async def test_xc05_who_may_act_on_safety_work() -> None:
    region = "shaoxing"
    risk = await running(region, datetime(2026, 7, 1, 10, tzinfo=SHANGHAI))
    await risk.send(safety_plan(), in_region(LEAD, region))
    with pytest.raises(Refusal) as refused:
        await risk.send(sources(), in_region(OTHER_AGENCY, region))
    assert refused.value.reason_code == "NOT_FOUND"  # not yours reads like not there
    with pytest.raises(Refusal) as refused:
        await risk.send(sources(), in_region(CONTRACTOR, region))
    assert refused.value.reason_code == "FORBIDDEN"
    with pytest.raises(Refusal) as refused:
        await risk.send(s.ApproveRecordsDestruction(project_id=PROJECT, reason="x"), in_region(LEAD, region))
    assert refused.value.reason_code == "FORBIDDEN"  # only the insurer approves (SAF-05)
    with pytest.raises(Refusal) as refused:
        await risk.send(s.ApproveRecordsDestruction(project_id=PROJECT, reason="x"), in_region(INSURER, region))
    assert refused.value.rule_id == "SAF-05"  # not completed: kept
    facts = await risk.handlers.project_facts(PROJECT)
    assert access.can_read(in_region(REGULATOR, region), facts)


async def test_saf04_the_months_hazard_list_and_risk_report_is_a_chinese_pdf_delivered_to_insurer_and_authority() -> (
    None
):
    region = "shaoxing"
    found = datetime(2026, 7, 20, 15, 0, tzinfo=SHANGHAI)
    risk = await running(region, found)
    lead, engineer = in_region(LEAD, region), in_region(ENGINEER, region)
    await risk.send(safety_plan(), lead)
    await risk.send(sources(), engineer)
    photo = await risk.upload("基坑位移.jpg", engineer)
    await risk.send(hazard(1, found, evidence=(photo,), rectify_by=date(2026, 7, 22)), engineer)
    risk.clock.set(datetime(2026, 8, 4, 10, tzinfo=SHANGHAI))  # type: ignore[attr-defined]
    report = s.IssueSafetyReport(
        project_id=PROJECT,
        report_id="rpt-2026-07",
        period=s.ReportPeriod.MONTHLY,
        period_key="2026-07",
        summary="本月发现一级隐患 1 项，已局部停工整改。",
    )
    outcome = await risk.send(report, engineer)
    assert outcome.risk_file is not None
    issued = next(e for e in risk.published if e.type == "risk.SafetyReportIssued")
    assert issued.data["on_time"] is True and issued.data["hazards"] == 1
    fulfilled = [e.data["obligation"] for e in risk.published if e.type == "risk.ObligationFulfilled"]
    assert {"safety_report_insurer", "safety_report_authority"} <= set(fulfilled)
    stored = await risk.evidence.read(issued.data["document"]["key"])
    text = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(stored)).pages).replace("\x00", "").split())
    assert "月度隐患排查及问题整改清单与风险评估报告" in text and "一级" in text and "局部停工" in text
    assert (await risk.send(report, engineer)).duplicate  # the same report again: nothing new


async def test_saf04_an_agency_s_period_hazards_across_its_projects_as_a_pdf_for_insurer_and_authority() -> None:
    region = "shaoxing"
    found = datetime(2026, 8, 3, 10, 0, tzinfo=SHANGHAI)
    risk = await running(region, found)
    engineer = in_region(ENGINEER, region)
    await risk.send(safety_plan(), in_region(LEAD, region))
    await risk.send(sources(), engineer)
    photo = await risk.upload("临边.jpg", engineer)
    await risk.send(hazard(3, found, evidence=(photo,), rectify_by=date(2026, 8, 10)), engineer)
    store = risk.views.store(AGENCY_HAZARDS.name)
    for period in ("2026-08", "2026Q3", "2026"):  # the month, the quarter and the year of the finding's day
        listed = await read_agency_hazards(store, "agy-1", period, statuses=["open"])
        assert [(i["project_id"], i["level"], i["insurer_id"]) for i in listed.items] == [(PROJECT, 3, "ins-a")]
    assert (await read_agency_hazards(store, "agy-1", "2026-07", statuses=["open"])).total == 0

    # XC-05: the agency and the authority read it whole; an insurer gets its own projects' copy only
    assert safety_http._scope(in_region(LEAD, region), "agy-1") is None
    assert safety_http._scope(in_region(REGULATOR, region), "agy-1") is None
    assert safety_http._scope(in_region(INSURER, region), "agy-1") == "ins-a"
    with pytest.raises(Refusal):
        safety_http._scope(in_region(OTHER_AGENCY, region), "agy-1")
    items = (await read_agency_hazards(store, "agy-1", "2026Q3", statuses=["open"])).items
    pdf = risk.handlers.renderer.agency_safety_report("agy-1", "2026Q3", items, insurer_id="ins-a", at=found)
    text = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\x00", "").split())
    for expected in ("季度隐患排查及问题整改汇总清单", "三级：1项", PROJECT, "2026年7月1日至2026年9月30日", "ins-a"):
        assert expected in text, expected
