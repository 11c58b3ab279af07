"""A risk service's SAF-07 quarter standing of one project (``risk.SafetyQuarterRecorded``), as the
registry's checklist pre-fill folds it: one builder for the unit and the integration tests."""

from __future__ import annotations

from typing import Any

from anju_contracts import safety as sf


def standing(project_id: str, version: int, **over: Any) -> sf.SafetyQuarterRecorded:
    values: dict[str, Any] = {
        "project_id": project_id,
        "agency_id": "ag-sx",
        "quarter": "2026Q3",
        "version": version,
        "plan": True,
        "sources_identified": True,
        "inspections": 2,
        "inspections_required": 2,
        "full_coverage": 1,
        "full_coverage_required": 1,
        "level_1_2_unchecked": 0,
        "high_risk_work_unchecked": 0,
        "level_1_hazards": 1,
        "level_1_reported_same_day": 1,
        "level_2_accident_risk": 0,
        "level_2_reported": 0,
        "level_3_4_hazards": 2,
        "rectifications_escalated": 0,
        "training_current": True,
        "drills": 1,
        "reports_due": 1,
        "reports_on_time": 1,
    }
    return sf.SafetyQuarterRecorded(**(values | over))
