"""SAF-07: the authority's quarterly checklist of a safety risk-control agency, pre-filled from what the
risk service recorded of the agency's projects that quarter (``risk.SafetyQuarterRecorded``). Pure.

Each check point gets a suggestion — met, not met, or nothing (the platform records nothing for it, e.g.
the agency's internal rules or complaints) — with the recorded basis. The authority confirms or corrects
every line and submits the answers with ``registry.SubmitSafetyChecklistScore``; the suggestion is never
a score by itself. Adverse findings (missed major hazards, accidents) are the authority's to count.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from anju_kit.regions import AgencyChecklist

Standing = Mapping[str, Any]  # one project's risk.SafetyQuarterRecorded data


@dataclass(frozen=True)
class DraftLine:
    point_id: str
    text_zh: str
    suggested: bool | None  # None: the platform recorded nothing to judge it by
    basis: str


def _all(projects: Sequence[Standing], test: Callable[[Standing], bool]) -> bool | None:
    return all(test(p) for p in projects) if projects else None


def _sum(projects: Sequence[Standing], name: str) -> int:
    return sum(int(p.get(name, 0)) for p in projects)


def _rules(projects: Sequence[Standing]) -> dict[str, tuple[bool | None, str]]:
    n = len(projects)
    l1, l1_ok = _sum(projects, "level_1_hazards"), _sum(projects, "level_1_reported_same_day")
    l2, l2_ok = _sum(projects, "level_2_accident_risk"), _sum(projects, "level_2_reported")
    due, on_time = _sum(projects, "reports_due"), _sum(projects, "reports_on_time")
    escalated = _sum(projects, "rectifications_escalated")
    inspected = _all(projects, lambda p: p["inspections"] >= p["inspections_required"])
    return {
        "2.1": (_all(projects, lambda p: p["plan"]), f"{n} 个项目均有一项目一方案"),
        "2.2": (_all(projects, lambda p: p["sources_identified"]), "风险识别记录（首次识别）"),
        "2.3": (inspected, "各项目本季度检查次数不少于风险等级要求"),
        "2.4": (_all(projects, lambda p: p["level_1_2_unchecked"] == 0), "一、二级风险源未核查数"),
        "2.5": (_all(projects, lambda p: p["high_risk_work_unchecked"] == 0), "危大工程未核查数"),
        "2.6": (_all(projects, lambda p: p["full_coverage"] >= p["full_coverage_required"]), "季度全覆盖检查"),
        "3.1": (_all(projects, lambda p: p["plan"]), "项目风险等级（高、中、低）已评定"),
        "4.1": (_all(projects, lambda p: p["training_current"]), "半年内覆盖全员的安全教育培训"),
        "4.2": (_all(projects, lambda p: p["training_current"]), "培训覆盖全部管理人员和作业人员"),
        "5.1": (_all(projects, lambda p: p["drills"] > 0), "应急预案随演练记录提交"),
        "5.2": (_all(projects, lambda p: p["drills"] > 0), "演练及总结评估记录"),
        "6.1": (l1_ok == l1 if n else None, f"一级隐患 {l1} 项，当天上报 {l1_ok} 项"),
        "6.2": (l2_ok == l2 if n else None, f"可能引发事故的二级隐患 {l2} 项，上报 {l2_ok} 项"),
        "6.3": (None, f"整改拒绝或拖延已上报 {escalated} 项（监理闭合情况由主管部门核实）"),
        "7a.1": (on_time == due if n else None, f"应出具成果 {due} 份，按时出具 {on_time} 份"),
        "7a.2": (on_time == due if n else None, f"按时上报承保机构和属地建设主管部门 {on_time}/{due}"),
    }


def prefill(checklist: AgencyChecklist, projects: Sequence[Standing]) -> list[DraftLine]:
    """One line per check point of the region's checklist, in its order."""
    known = _rules(projects)
    lines = []
    for item in checklist.items:
        for point in item.points:
            suggested, basis = known.get(point.id, (None, "平台无相应记录，由主管部门核实"))
            lines.append(DraftLine(point.id, point.text_zh, suggested, basis))
    return lines
