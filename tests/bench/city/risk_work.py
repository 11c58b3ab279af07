"""A city project's risk file on the risk service, as its commands (pure: derived from the plan).

Risk learns the project from policy's ``ProjectRegistered`` and its team from the registry's
``TeamAssigned``; then the team's lead submits the plan (RSK-01), the insurer records the kick-off with
its minutes (RSK-02) and one unannounced inspection (RSK-10), the lead raises the project's risk issues
(RSK-04) — the plan's ``issues_per_project`` (250 at full scale), one in fifty serious — the contractor rectifies most with before/after
photos and the lead closes them (销项, RSK-05), the lead closes the critical processes and the insurer
seals the final report (RSK-07: one Chinese PDF per project, ~1.3 s of one core). Issues, rectifications
and reviews go in batches of at most 50 (``RaiseRiskIssues`` …): each is one write of the file, where one
command per issue step was ~700 writes of a file growing to ~380 KB.

Evidence is required on every issue and rectification (at least one reference), and risk verifies an
object only the first time a file cites it: one photo per project (and one before/after pair) serves all
its issues. Risk's legal clock runs on today's dates: kick-off today, rectification due in a week.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import TypeVar

from anju_contracts import Actor, Envelope, Role
from anju_contracts import risk as r
from anju_contracts.base import Command
from anju_contracts.common import EvidenceRef
from tests.bench.city.plan import CityPlan
from tests.bench.city.projects import contractor, contractor_org, insurer_system, registered_on

PROCESSES = (("proc-wp", "卫生间防水施工", "防水工程"), ("proc-st", "主体结构钢筋隐蔽验收", "主体结构"))
LOCATIONS = ("卫生间地面", "外墙窗台", "地下室外墙", "屋面女儿墙", "楼梯间墙面", "阳台地面")
DEFECTS = (
    ("防水工程", "防水层搭接宽度不足，局部空鼓"),
    ("主体结构", "钢筋保护层厚度不足，箍筋间距偏大"),
    ("保温工程", "保温板粘结面积不足，锚栓数量偏少"),
    ("装饰装修", "墙面抹灰空鼓开裂"),
)


class IssueFate(StrEnum):
    CLOSED = "closed"  # rectified and closed (销项)
    RECTIFIED = "rectified"  # rectified, the agency has not reviewed it yet
    OPEN = "open"  # raised, not rectified yet


def fate(j: int) -> IssueFate:
    """Of 250 issues: 25 open, 10 rectified awaiting review, 215 closed (5 serious); the same mix for fewer."""
    if j % 10 == 3:
        return IssueFate.OPEN
    if j % 25 == 7:
        return IssueFate.RECTIFIED
    return IssueFate.CLOSED


def serious(j: int) -> bool:
    """One in fifty; all closed (RSK-07: the final report is sealed only when no serious issue is open)."""
    return j % 50 == 0


def expected_issues(plan: CityPlan) -> dict[str, int]:
    per: dict[str, int] = {}
    for j in range(plan.issues_per_project):
        per[fate(j).value] = per.get(fate(j).value, 0) + 1
    return {f"risk issues {k}": v * plan.projects for k, v in sorted(per.items())}


def lead(plan: CityPlan, p: int) -> Actor:
    """The team's lead acts for the agency on the project (anju_risk.access.on_team)."""
    lead_id, _, _ = plan.team(p)
    return Actor(id=lead_id, role=Role.PRACTITIONER, region=plan.region, agency_id=plan.agency_id(plan.agency_of(p)))


@dataclass(frozen=True)
class Evidence:
    """The project's uploaded objects: the kick-off minutes, one issue photo, a before/after pair."""

    minutes: EvidenceRef
    photo: EvidenceRef
    before: EvidenceRef
    after: EvidenceRef


def uploads(p: int) -> dict[str, tuple[str, bytes, str]]:
    """name -> (file name, content, content type), by who uploads: minutes the insurer, photo the lead,
    before/after the contractor."""
    tag = f"{p:05d}".encode()
    return {
        "minutes": ("交底会纪要.pdf", "%PDF-1.7 质量风险管理交底会纪要 ".encode() + tag, "application/pdf"),
        "photo": ("问题照片.jpg", b"\xff\xd8 issue photo " + tag, "image/jpeg"),
        "before": ("整改前.jpg", b"\xff\xd8 before " + tag, "image/jpeg"),
        "after": ("整改后.jpg", b"\xff\xd8 after " + tag, "image/jpeg"),
    }


def file_commands(plan: CityPlan, p: int, evidence: Evidence, today: date) -> list[tuple[Command, Actor]]:
    """Plan, kick-off, inspection, every issue and its rectification and review, the processes closed."""
    project_id, by_lead, insurer, unit = plan.project_id(p), lead(plan, p), insurer_system(plan, p), contractor(plan, p)
    lead_id, _, members = plan.team(p)
    start = registered_on(plan, p) + timedelta(days=31)
    out: list[tuple[Command, Actor]] = [
        (
            r.SubmitRiskPlan(
                project_id=project_id,
                lead_id=lead_id,
                staff_ids=(lead_id, *members),
                scope="主体结构、防水、保温工程的质量风险管理",
                objects=tuple(f"{b}号楼" for b in range(1, 8)),
                schedule=(r.ScheduleItem(name="主体施工阶段", starts_on=start, ends_on=start + timedelta(days=400)),),
                key_nodes=("主体封顶", "竣工验收"),
                critical_processes=tuple(r.CriticalProcess(process_id=i, name=n, part=x) for i, n, x in PROCESSES),
            ),
            by_lead,
        ),
        (r.RecordKickoffBriefing(project_id=project_id, held_on=today, minutes=evidence.minutes), insurer),
        (
            r.RecordUnannouncedInspection(
                project_id=project_id,
                inspection_id=f"{project_id}-fly-1",
                inspected_on=today,
                findings="飞行检查：现场质量风险管理记录齐全，问题已按期整改。",
                evidence=(evidence.minutes,),
            ),
            insurer,
        ),
    ]
    out += issue_commands(project_id, p, plan.issues_per_project, evidence, today, by_lead, unit)
    out += [
        (r.CloseProcess(project_id=project_id, process_id=process_id, closed_on=today), by_lead)
        for process_id, _, _ in PROCESSES
    ]
    return out


def issue_commands(
    project_id: str, p: int, count: int, evidence: Evidence, today: date, by_lead: Actor, unit: Actor
) -> list[tuple[Command, Actor]]:
    """The project's issues as the inspections find them, in batches of at most 50 (RSK-04, RSK-05): every
    issue raised first, then the rectified ones by their responsible unit, then the lead's 销项 pass — the
    order the file needs (a rectification names a raised issue, a review a rectified one), and every serious
    issue closed before the processes close and the report is sealed (RSK-07)."""
    found = [_found(p, j, evidence, today) for j in range(count)]
    rectified = [f for j, f in enumerate(found) if fate(j) is not IssueFate.OPEN]
    closed = [f.issue_id for j, f in enumerate(found) if fate(j) is IssueFate.CLOSED]
    out: list[tuple[Command, Actor]] = [
        (r.RaiseRiskIssues(project_id=project_id, issues=tuple(batch)), by_lead) for batch in _batches(found)
    ]
    by_unit: dict[str, list[r.IssueFound]] = {}
    for f in rectified:  # a unit rectifies only its own issues (XC-05): one unit's in a batch
        by_unit.setdefault(f.responsible_unit_id, []).append(f)
    assert set(by_unit) <= {unit.organisation_id}, "the plan's issues are the contractor's"
    done = "按整改通知返工处理并自检合格"
    for issues in by_unit.values():
        out += [
            (
                r.SubmitRectifications(
                    project_id=project_id,
                    rectifications=tuple(
                        r.RectificationDone(
                            issue_id=f.issue_id, note=done, before=(evidence.before,), after=(evidence.after,)
                        )
                        for f in batch
                    ),
                ),
                unit,
            )
            for batch in _batches(issues)
        ]
    reviews = [
        r.RectificationReview(issue_id=i, decision=r.ReviewDecision.CLOSE, comment="复查合格，销项") for i in closed
    ]
    out += [
        (r.ReviewRectifications(project_id=project_id, reviews=tuple(batch)), by_lead) for batch in _batches(reviews)
    ]
    return out


T = TypeVar("T")


def _batches(entries: Sequence[T]) -> list[Sequence[T]]:
    size = r.MAX_ISSUES_PER_BATCH
    return [entries[k : k + size] for k in range(0, len(entries), size)]


def _found(p: int, j: int, evidence: Evidence, today: date) -> r.IssueFound:
    part, description = DEFECTS[j % len(DEFECTS)]
    grave = serious(j)
    return r.IssueFound(
        issue_id=f"iss-{j:03d}",
        severity=r.IssueSeverity.SERIOUS if grave else r.IssueSeverity.GENERAL,
        location=f"{j % 7 + 1}号楼 {j % 18 + 1}层 {LOCATIONS[j % len(LOCATIONS)]}",
        part=part,
        process_id=PROCESSES[0][0] if grave else None,
        responsible_unit_id=contractor_org(p),
        description=description,
        rectify_by=today + timedelta(days=7),
        evidence=(evidence.photo,),
    )


def seal(plan: CityPlan, p: int) -> tuple[Command, Actor]:
    return (
        r.SealFinalReport(project_id=plan.project_id(p), conclusion="严重问题均已整改销项，关键工序均已闭合。"),
        insurer_system(plan, p),
    )


def envelopes(plan: CityPlan, p: int, step: str, commands: list[tuple[Command, Actor]]) -> list[Envelope]:
    """Keyed by project id (one partition: in order); event ids from the plan (a re-send applies once)."""
    project_id = plan.project_id(p)
    return [
        Envelope.wrap(
            command,
            region=plan.region,
            producer="city-seed",
            actor=actor,
            key=project_id,
            event_id=plan.event_id("risk", project_id, step, k, command.TYPE),
        )
        for k, (command, actor) in enumerate(commands)
    ]
