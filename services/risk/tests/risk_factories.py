"""Builders of risk commands, facts, actors and rules for every risk test level."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from anju_contracts import Actor, Role
from anju_contracts import risk as r
from anju_contracts.common import EvidenceRef
from anju_contracts.underwriting import ParticipantRole
from anju_kit.calendar import PrcCalendar
from anju_kit.clock import SHANGHAI
from anju_kit.regions import default_regions_dir, load_region
from anju_risk.domain.facts import ProjectFacts
from anju_risk.domain.rules import RiskRules, rules_from_region

REGION = "shanghai"
PROJECT = "prj-1"
INSURER_ID = "ins-a"
AGENCY_ID = "agy-1"
LEAD_ID = "prc-lead"
ENGINEER_ID = "prc-eng"
CONTRACTOR_ORG = "org-con"
SUPERVISOR_ORG = "org-sup"
BUILDER_ORG = "org-bld"
DESIGNER_ORG = "org-dsn"
LAB_ORG = "org-lab"

INSURER = Actor(id="desk-1", role=Role.INSURER, region=REGION, insurer_id=INSURER_ID)
OTHER_INSURER = Actor(id="desk-9", role=Role.INSURER, region=REGION, insurer_id="ins-b")
LEAD = Actor(id=LEAD_ID, role=Role.PRACTITIONER, region=REGION, agency_id=AGENCY_ID)
ENGINEER = Actor(id=ENGINEER_ID, role=Role.PRACTITIONER, region=REGION, agency_id=AGENCY_ID)
NOT_ON_TEAM = Actor(id="prc-other", role=Role.PRACTITIONER, region=REGION, agency_id=AGENCY_ID)
OTHER_AGENCY = Actor(id="prc-x", role=Role.PRACTITIONER, region=REGION, agency_id="agy-9")
AGENCY = Actor(id="agy-admin", role=Role.AGENCY, region=REGION, agency_id=AGENCY_ID)
CONTRACTOR = Actor(id="con-user", role=Role.CONTRACTOR, region=REGION, organisation_id=CONTRACTOR_ORG)
SUPERVISOR = Actor(id="sup-user", role=Role.CONTRACTOR, region=REGION, organisation_id=SUPERVISOR_ORG)
BUILDER = Actor(id="bld-user", role=Role.BUILDER, region=REGION, organisation_id=BUILDER_ORG)
DESIGNER = Actor(id="dsn-user", role=Role.CONTRACTOR, region=REGION, organisation_id=DESIGNER_ORG)
LAB = Actor(id="lab-user", role=Role.CONTRACTOR, region=REGION, organisation_id=LAB_ORG)
OWNER = Actor(id="own-1", role=Role.OWNER, region=REGION, unit_ids=("u-101",))
REGULATOR = Actor(id="reg-1", role=Role.REGULATOR, region=REGION)

PARTICIPANTS = {
    BUILDER_ORG: ParticipantRole.BUILDER,
    CONTRACTOR_ORG: ParticipantRole.CONTRACTOR,
    SUPERVISOR_ORG: ParticipantRole.SUPERVISOR,
    DESIGNER_ORG: ParticipantRole.DESIGNER,
    LAB_ORG: ParticipantRole.TESTING_LAB,
}


def at(y: int, m: int, d: int, hh: int = 10) -> datetime:
    return datetime(y, m, d, hh, tzinfo=SHANGHAI)


def rules(region: str = REGION) -> RiskRules:
    return rules_from_region(
        load_region(region, default_regions_dir()), PrcCalendar(default_regions_dir() / "holidays")
    )


def facts(project_id: str = PROJECT, **over: Any) -> ProjectFacts:
    values: dict[str, Any] = {
        "project_id": project_id,
        "insurer_id": INSURER_ID,
        "participants": PARTICIPANTS,
        "agency_id": AGENCY_ID,
        "lead_id": LEAD_ID,
        "member_ids": frozenset({LEAD_ID, ENGINEER_ID}),
        "team_active": True,
    }
    return ProjectFacts(**(values | over))


def content(name: str) -> bytes:
    return f"JPEG bytes of {name}".encode()


def ref(name: str, project_id: str = PROJECT, *, content_type: str = "image/jpeg", region: str = REGION) -> EvidenceRef:
    """An EvidenceRef of ``content(name)`` as a ticket would key it (component tests upload it there)."""
    data = content(name)
    return EvidenceRef(
        key=f"{region}/risk/project/{project_id}/evidence/0000-{name}",
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content_type=content_type,
    )


def plan(project_id: str = PROJECT, **over: Any) -> r.SubmitRiskPlan:
    values: dict[str, Any] = {
        "project_id": project_id,
        "lead_id": LEAD_ID,
        "staff_ids": (LEAD_ID, ENGINEER_ID),
        "scope": "地基基础、主体结构、防水保温工程的质量风险管理",
        "objects": ("1号楼", "2号楼"),
        "schedule": (r.ScheduleItem(name="基础阶段", starts_on=date(2026, 10, 12), ends_on=date(2027, 1, 31)),),
        "key_nodes": ("基础验收", "主体封顶"),
        "critical_processes": (
            r.CriticalProcess(process_id="proc-wp", name="地下室防水施工", part="地下室防水"),
            r.CriticalProcess(process_id="proc-st", name="主体结构混凝土浇筑", part="主体结构"),
        ),
    }
    return r.SubmitRiskPlan(**(values | over))


def issue(
    issue_id: str = "iss-1",
    *,
    severity: r.IssueSeverity = r.IssueSeverity.SERIOUS,
    location: str = "1号楼 地下室 B2 北侧外墙",
    part: str = "地下室防水",
    process_id: str | None = "proc-wp",
    rectify_by: date = date(2026, 10, 15),
    project_id: str = PROJECT,
    evidence: tuple[EvidenceRef, ...] | None = None,
) -> r.RaiseRiskIssue:
    return r.RaiseRiskIssue(
        project_id=project_id,
        issue_id=issue_id,
        severity=severity,
        location=location,
        part=part,
        process_id=process_id,
        responsible_unit_id=CONTRACTOR_ORG,
        description="施工缝渗水，止水钢板搭接不足",
        rectify_by=rectify_by,
        evidence=evidence or (ref(f"{issue_id}-photo.jpg", project_id),),
    )


def rectification(issue_id: str = "iss-1", project_id: str = PROJECT) -> r.SubmitRectification:
    return r.SubmitRectification(
        project_id=project_id,
        issue_id=issue_id,
        note="凿除后重新设置止水钢板并注浆",
        before=(ref(f"{issue_id}-before.jpg", project_id),),
        after=(ref(f"{issue_id}-after.jpg", project_id),),
    )


def review(
    issue_id: str = "iss-1",
    decision: r.ReviewDecision = r.ReviewDecision.CLOSE,
    rectify_by: date | None = None,
    project_id: str = PROJECT,
) -> r.ReviewRectification:
    return r.ReviewRectification(
        project_id=project_id, issue_id=issue_id, decision=decision, comment="复查结论", rectify_by=rectify_by
    )


def kickoff(project_id: str = PROJECT, held_on: date = date(2026, 9, 30)) -> r.RecordKickoffBriefing:
    return r.RecordKickoffBriefing(
        project_id=project_id, held_on=held_on, minutes=ref("minutes.pdf", project_id, content_type="application/pdf")
    )


def seal(project_id: str = PROJECT) -> r.SealFinalReport:
    return r.SealFinalReport(project_id=project_id, conclusion="风险问题均已整改销项，关键工序均已闭合。")


def pdf(name: str, project_id: str = PROJECT) -> EvidenceRef:
    return ref(name, project_id, content_type="application/pdf")


def notice(
    inspection_id: str = "spi-1",
    scheduled_on: date = date(2026, 10, 16),
    kind: r.SpecialInspectionKind = r.SpecialInspectionKind.HOUSEHOLD_ACCEPTANCE,
    project_id: str = PROJECT,
) -> r.NotifySpecialInspection:
    return r.NotifySpecialInspection(
        project_id=project_id, inspection_id=inspection_id, kind=kind, scheduled_on=scheduled_on, scope="1号楼"
    )


def completion(
    inspection_id: str = "spi-1", completed_on: date = date(2026, 10, 16), project_id: str = PROJECT
) -> r.CompleteSpecialInspection:
    return r.CompleteSpecialInspection(
        project_id=project_id,
        inspection_id=inspection_id,
        completed_on=completed_on,
        findings=(
            r.UnitFinding(unit_id="u-101", building="1号楼", result=r.UnitResult.PASSED),
            r.UnitFinding(unit_id="u-102", building="1号楼", result=r.UnitResult.FAILED, note="卫生间地面积水"),
        ),
    )


def design_issue(
    design_issue_id: str = "dsg-1",
    severity: r.IssueSeverity = r.IssueSeverity.SERIOUS,
    drawing: str = "结施-05 地下室底板配筋图",
    project_id: str = PROJECT,
) -> r.RaiseDesignIssue:
    return r.RaiseDesignIssue(
        project_id=project_id,
        design_issue_id=design_issue_id,
        severity=severity,
        drawing=drawing,
        designer_id=DESIGNER_ORG,
        description="底板抗浮验算未计入最不利水位",
        evidence=(pdf(f"{design_issue_id}.pdf", project_id),),
    )


def certificate(project_id: str = PROJECT) -> r.RecordDrawingReviewCertificate:
    return r.RecordDrawingReviewCertificate(
        project_id=project_id,
        certificate_no="沪施审(2026)第0815号",
        issued_on=date(2026, 10, 9),
        certificate=pdf("审查合格书.pdf", project_id),
    )


def lab_plan(project_id: str = PROJECT) -> r.ConfirmTestingPlan:
    return r.ConfirmTestingPlan(
        project_id=project_id,
        lab_id=LAB_ORG,
        scope="外墙饰面砖粘结强度",
        planned_tests=10,
        document=pdf("检测计划.pdf"),
    )


def commission(test_id: str = "tst-1", project_id: str = PROJECT) -> r.CommissionTest:
    return r.CommissionTest(project_id=project_id, test_id=test_id, item="外墙饰面砖粘结强度", location="1号楼 南立面")


def emergency(emergency_id: str = "emg-1", occurred_at: datetime | None = None) -> r.DeclareEmergency:
    return r.DeclareEmergency(
        project_id=PROJECT,
        emergency_id=emergency_id,
        kind=r.EmergencyKind.EXTREME_WEATHER,
        occurred_at=occurred_at or at(2026, 10, 9, 6),
        description="台风过境，基坑周边积水",
    )
