"""SAF-07 fed by real data: the risk service's per-project quarter standings folded per agency and quarter
(``registry.safety_quarters``; a late older standing changes nothing), the shaoxing checklist pre-filled
from them line by line, and the authority's confirmation — its corrections included — scored beside it."""

from __future__ import annotations

from typing import Any

from registry_standings import standing

from anju_contracts import Envelope
from anju_contracts import safety as sf
from anju_contracts.registry import ChecklistAnswer, SafetyChecklistScored
from anju_kit.auth import service_actor
from anju_kit.memory import MemoryViews
from anju_registry.domain.checklist_prefill import prefill
from anju_registry.safety_feed import SAFETY_QUARTERS, registry_quarter


async def folded(*events: sf.SafetyQuarterRecorded) -> list[dict[str, Any]]:
    views = MemoryViews((SAFETY_QUARTERS,))
    for event in events:
        envelope = Envelope.wrap(
            event, region="shaoxing", producer="risk", actor=service_actor("risk", "shaoxing"), key=event.project_id
        )
        await views.publish(sf.SafetyQuarterRecorded.TOPIC or "", envelope)
    doc = await views.store(SAFETY_QUARTERS.name).get("ag-sx:2026-Q3")
    assert doc is not None
    return list(doc["projects"].values())


async def test_saf07_the_quarters_checklist_is_prefilled_from_what_the_platform_recorded(region: Any) -> None:
    checklist = region("shaoxing").safety.agency_checklist
    newer = standing("prj-b", 7, level_1_2_unchecked=1)  # one level-2 source left unchecked on project b
    projects = await folded(standing("prj-a", 4), newer, standing("prj-b", 5))  # v5 arrives late: ignored
    assert sorted(p["version"] for p in projects) == [4, 7]
    lines = {line.point_id: line for line in prefill(checklist, projects)}
    assert [p.id for item in checklist.items for p in item.points] == list(lines)  # every point, in order
    assert lines["2.1"].suggested is True and lines["6.1"].suggested is True
    assert lines["2.4"].suggested is False  # SAF-02: not every level-1/2 source checked
    assert "一级隐患 2 项，当天上报 2 项" in lines["6.1"].basis
    assert lines["1.1"].suggested is None  # nothing recorded: the authority answers it


async def test_saf07_the_authority_confirms_or_corrects_each_line_and_the_score_stands_beside_the_draft(
    agency: Any, region: Any, today: Any
) -> None:
    checklist = region("shaoxing").safety.agency_checklist
    lines = prefill(checklist, await folded(standing("prj-a", 4, level_1_reported_same_day=0)))
    # the authority takes every suggestion, answers the lines the platform cannot judge, corrects 7b.1
    confirmed = tuple(
        ChecklistAnswer(point_id=line.point_id, met=line.suggested if line.suggested is not None else True)
        for line in lines
    )
    corrected = tuple(a if a.point_id != "7b.1" else ChecklistAnswer(point_id="7b.1", met=False) for a in confirmed)
    a = agency(
        agency_id="ag-sx",
        region_code="shaoxing",
        path="other",
        supervision_grade=None,
        licence_number=None,
        description="风控机构",
    )
    assert (
        a.score_safety_checklist(
            quarter=registry_quarter("2026Q3"), answers=corrected, findings=(), checklist=checklist, today=today
        )
        == []
    )
    scored = next(e for e in a.pull_events() if isinstance(e, SafetyChecklistScored))
    assert set(scored.unmet_point_ids) == {"6.1", "7b.1"}  # the recorded late report, and the correction
    assert a.checklist_scores["2026-Q3"] == scored.score


def test_saf07_risk_quarters_are_named_as_the_registry_names_them() -> None:
    assert registry_quarter("2026Q3") == "2026-Q3"


async def test_saf07_a_standing_of_a_project_whose_id_holds_a_dot_is_folded_like_any_other() -> None:
    """An Identifier may hold '.', which the store refuses in a field name: the standing of "prj.2026.1" was
    dead-lettered by the view's writer and never reached the checklist. Its field name is escaped now."""
    projects = await folded(standing("prj.2026.1", 3, level_1_2_unchecked=1), standing("prj.2026.1", 2))
    assert [(p["version"], p["level_1_2_unchecked"]) for p in projects] == [(3, 1)]  # folded once, newest kept
