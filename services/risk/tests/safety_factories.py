"""Builders of construction-safety commands (SAF-*) for every risk test level; shaoxing's region file."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from risk_factories import CONTRACTOR_ORG, LEAD_ID, PROJECT, ref

from anju_contracts import safety as s
from anju_contracts.common import EvidenceRef

SAFETY_REGION = "shaoxing"


def sref(name: str, project_id: str = PROJECT, region: str = SAFETY_REGION) -> EvidenceRef:
    return ref(name, project_id, region=region)


def safety_plan(project_id: str = PROJECT, **over: Any) -> s.SubmitSafetyPlan:
    values: dict[str, Any] = {
        "project_id": project_id,
        "plan_id": "spl-1",
        "lead_id": LEAD_ID,
        "grade": s.RiskGrade.MEDIUM,
        "grade_reason": "深基坑与高大模板并存，周边有既有建筑",
        "scope": "施工全过程事故预防技术服务",
    }
    return s.SubmitSafetyPlan(**(values | over))


def sources(project_id: str = PROJECT, identified_on: date = date(2026, 7, 3)) -> s.IdentifyRiskSources:
    return s.IdentifyRiskSources(
        project_id=project_id,
        identification_id="idf-1",
        identified_on=identified_on,
        sources=(
            s.IdentifiedSource(source_id="src-pit", type_code="deep-excavation", location="1号楼 基坑"),
            s.IdentifiedSource(source_id="src-hoist", type_code="hoist", location="2号楼 施工升降机"),
            s.IdentifiedSource(source_id="src-power", type_code="temporary-power", location="生活区 配电箱"),
        ),
    )


def inspection(
    inspection_id: str, inspected_on: date, *checked: str, full: bool = False, project_id: str = PROJECT
) -> s.RecordSafetyInspection:
    return s.RecordSafetyInspection(
        project_id=project_id,
        inspection_id=inspection_id,
        inspected_on=inspected_on,
        full_coverage=full,
        checked_source_ids=checked,
    )


def hazard(
    level: int,
    found_at: datetime,
    *,
    hazard_id: str = "hz-1",
    project_id: str = PROJECT,
    rectify_by: date | None = None,
    region: str = SAFETY_REGION,
    **over: Any,
) -> s.RaiseHazard:
    values: dict[str, Any] = {
        "project_id": project_id,
        "hazard_id": hazard_id,
        "level": level,
        "location": "1号楼 基坑 北侧",
        "responsible_unit_id": CONTRACTOR_ORG,
        "description": "基坑北侧支护桩顶位移超预警值，坑边堆载",
        "rectify_by": rectify_by or found_at.date(),
        "stop_work": s.StopWork.PARTIAL if level == 1 else None,
        "found_at": found_at,
        "evidence": (sref(f"{hazard_id}-photo.jpg", project_id, region),),
    }
    return s.RaiseHazard(**(values | over))


def hazard_fix(
    hazard_id: str = "hz-1", project_id: str = PROJECT, region: str = SAFETY_REGION
) -> s.SubmitHazardRectification:
    return s.SubmitHazardRectification(
        project_id=project_id,
        hazard_id=hazard_id,
        note="已卸载坑边堆土，增设监测点",
        before=(sref(f"{hazard_id}-before.jpg", project_id, region),),
        after=(sref(f"{hazard_id}-after.jpg", project_id, region),),
    )


def training(training_id: str, held_on: date, *, workers_trained: int = 120) -> s.RecordSafetyTraining:
    return s.RecordSafetyTraining(
        project_id=PROJECT,
        training_id=training_id,
        held_on=held_on,
        topics="深基坑、临时用电安全",
        managers_total=12,
        managers_trained=12,
        workers_total=120,
        workers_trained=workers_trained,
        evidence=(sref(f"{training_id}-sign-in.jpg"),),
    )
