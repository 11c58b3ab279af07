"""The risk reports in Chinese — what each says; ``anju_kit.documents`` lays them out.

* 竣工最终风险评估报告 — the final risk assessment report (RSK-07), generated from the recorded
  findings only: the plan, every issue with its rectification and closing, the critical processes,
  the part acceptances, and the insurer's conclusion.

* the agency's reports of RSK-03 — design risk assessment, initial risk analysis, process inspection,
  stage risk assessment, special inspection (分户验收 / 预看房, RSK-08) and revisit — each from the
  findings the file records for it (design issues, the plan, risk issues, processes, testing, the
  inspection's unit results) and the agency's summary.

Rendering is deterministic (the PDF's creation date is the sealing instant), so re-rendering after a
retry of the same step stores the same bytes under the same key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from anju_contracts import risk as r
from anju_contracts import safety as sf
from anju_kit.clock import SHANGHAI
from anju_kit.documents import NOTO_SANS_SC, Block, Document, Fields, FontFace, Heading, Items, Paragraph, render_pdf
from anju_risk.domain import safety_reports
from anju_risk.domain.risk_file import RiskFile

SEVERITY = {r.IssueSeverity.SERIOUS: "严重", r.IssueSeverity.GENERAL: "一般"}
STATUS = {r.IssueStatus.OPEN: "待整改", r.IssueStatus.RECTIFIED: "待复查", r.IssueStatus.CLOSED: "已销项"}
FINAL_REPORT = "final-risk-assessment.pdf"
K = r.RiskReportKind
TITLES = {
    K.DESIGN_RISK_ASSESSMENT: "设计风险管理评估报告",
    K.INITIAL_RISK_ANALYSIS: "初步风险分析报告",
    K.PROCESS_INSPECTION: "过程检查报告",
    K.STAGE_RISK_ASSESSMENT: "阶段风险评估报告",
    K.REVISIT_RISK_ASSESSMENT: "回访风险评估报告",
}
SPECIAL_TITLES = {
    r.SpecialInspectionKind.HOUSEHOLD_ACCEPTANCE: "分户验收专项检查报告",
    r.SpecialInspectionKind.PRE_VIEWING: "预看房质量问题专项检查报告",
}
UNIT_RESULT = {r.UnitResult.PASSED: "合格", r.UnitResult.FAILED: "不合格"}
LEVEL = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
HAZARD_STATUS = {sf.HazardStatus.OPEN: "待整改", sf.HazardStatus.RECTIFIED: "待复查", sf.HazardStatus.CLOSED: "已闭合"}
GRADE = {sf.RiskGrade.HIGH: "高度风险", sf.RiskGrade.MEDIUM: "中度风险", sf.RiskGrade.LOW: "低度风险"}
STOP_WORK = {sf.StopWork.FULL: "停工", sf.StopWork.PARTIAL: "局部停工"}


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _moment(t: datetime) -> str:
    local = t.astimezone(SHANGHAI)
    return f"{_day(local.date())} {local:%H:%M}"


@dataclass(frozen=True)
class ReportRenderer:
    font_path: Path = NOTO_SANS_SC.path
    font_index: int = NOTO_SANS_SC.index

    def risk_report(self, risk_file: RiskFile, cmd: r.GenerateRiskReport, *, issued_at: datetime) -> bytes:
        """An agency report of RSK-03 from the file's recorded findings for its kind."""
        title = TITLES.get(cmd.kind, "风险评估报告")
        plan = risk_file.plan
        body: list[Block] = [
            Fields(
                [
                    ("项目编号", risk_file.project_id),
                    ("报告编号", cmd.report_id),
                    ("保险公司", risk_file.insurer_id),
                    ("风险管理机构", risk_file.agency_id),
                    ("项目风险管理负责人", plan.lead_id if plan else None),
                ]
            )
        ]
        if cmd.kind is K.SPECIAL_INSPECTION and cmd.inspection_id is not None:
            found = risk_file.special_inspections[cmd.inspection_id]
            title = SPECIAL_TITLES[found.kind]
            body += [
                Fields(
                    [
                        ("检查范围", found.scope),
                        ("建设单位通知日期", _day(found.notified_on) + ("（逾期通知）" if found.late else "")),
                        ("计划日期", _day(found.scheduled_on)),
                        ("完成日期", _day(found.completed_on) if found.completed_on else None),
                    ]
                ),
                Heading("一、分户检查结果"),
                Items(
                    [
                        f"{f.building} {f.unit_id}：{UNIT_RESULT[f.result]}" + (f"；{f.note}" if f.note else "")
                        for f in found.findings
                    ]
                ),
            ]
        elif cmd.kind is K.DESIGN_RISK_ASSESSMENT:
            design = list(risk_file.design.issues.values())
            body.append(Heading("一、设计质量风险"))
            body.append(
                Items(
                    [
                        f"[{SEVERITY[i.severity]}] {i.drawing}：{i.description}；设计单位 {i.designer_id}；"
                        f"回复 {len(i.answers)} 次；{STATUS[i.status]}"
                        for i in design
                    ]
                )
                if design
                else Paragraph("未发现设计质量风险。", indent=True)
            )
        elif cmd.kind is K.INITIAL_RISK_ANALYSIS and plan is not None:
            body += [
                Heading("一、风险管理范围与对象"),
                Paragraph(plan.scope, indent=True),
                Items(plan.objects),
                Heading("二、关键节点与关键工序"),
                Items([*plan.key_nodes, *(f"{p.name}（{p.part}）" for p in risk_file.processes.values())]),
            ]
        else:
            issues = list(risk_file.issues.values())
            body.append(Heading("一、风险问题及整改情况"))
            body.append(
                Items(
                    [
                        f"[{SEVERITY[i.severity]}] {i.location}（{i.part}）：{i.description}；{STATUS[i.status]}"
                        for i in issues
                    ]
                )
                if issues
                else Paragraph("本期未发现风险问题。", indent=True)
            )
            testing = risk_file.testing
            if testing.plan is not None:
                body.append(Heading("二、风险管理检测"))
                body.append(
                    Paragraph(
                        f"建设单位验收检测 {testing.builder_tests} 项，风险管理检测 {len(testing.tests)} 项。",
                        indent=True,
                    )
                )
        body += [Heading("评估结论"), Paragraph(cmd.summary, indent=True)]
        document = Document(
            title=title,
            created_at=issued_at,
            body=body,
            closing=Fields([("风险管理机构（盖章）", risk_file.agency_id), ("出具时间", _moment(issued_at))]),
        )
        return render_pdf(document, FontFace(self.font_path, self.font_index))

    def final_report(self, risk_file: RiskFile, *, conclusion: str, sealed_at: datetime) -> bytes:
        """竣工最终风险评估报告 (RSK-07) from the file's recorded findings."""
        plan = risk_file.plan
        body: list[Block] = [
            Fields(
                [
                    ("项目编号", risk_file.project_id),
                    ("保险公司", risk_file.insurer_id),
                    ("风险管理机构", risk_file.agency_id),
                    ("项目风险管理负责人", plan.lead_id if plan else None),
                    ("风险管理计划版本", str(plan.revision) if plan else None),
                ]
            ),
            Heading("一、风险问题及整改销项情况"),
        ]
        issues = list(risk_file.issues.values())
        if issues:
            body.append(
                Items(
                    [
                        f"[{SEVERITY[i.severity]}] {i.location}（{i.part}）：{i.description}；"
                        f"责任单位 {i.responsible_unit_id}；整改 {i.rounds} 次；{STATUS[i.status]}"
                        + (f"（{_moment(i.closed_at)}）" if i.closed_at else "")
                        for i in issues
                    ]
                )
            )
        else:
            body.append(Paragraph("本项目未发现风险问题。", indent=True))
        body.append(Heading("二、关键工序闭合情况"))
        processes = list(risk_file.processes.values())
        body.append(
            Items(
                [f"{p.name}（{p.part}）：{_day(p.closed_on) + '闭合' if p.closed_on else '未闭合'}" for p in processes]
            )
            if processes
            else Paragraph("风险管理计划未列关键工序。", indent=True)
        )
        if risk_file.acceptances:
            body.append(Heading("三、分部分项验收"))
            body.append(
                Items(
                    [f"{a.part}：{_day(a.accepted_on)} 监理单位 {a.supervisor_id} 验收" for a in risk_file.acceptances]
                )
            )
        body += [Heading("评估结论"), Paragraph(conclusion, indent=True)]
        document = Document(
            title="竣工最终风险评估报告",
            created_at=sealed_at,
            body=body,
            closing=Fields([("保险公司（盖章）", risk_file.insurer_id), ("出具时间", _moment(sealed_at))]),
        )
        return render_pdf(document, FontFace(self.font_path, self.font_index))

    def safety_report(self, risk_file: RiskFile, cmd: sf.IssueSafetyReport, *, issued_at: datetime) -> bytes:
        """SAF-04: the period's 隐患排查及问题整改清单 and 风险评估报告 from what the file records for it."""
        work = risk_file.safety
        first, last = safety_reports.days_of(cmd.period_key)
        period_zh = safety_reports.PERIOD_ZH[cmd.period]
        hazards = [work.hazards[h] for h in safety_reports.hazards_in(risk_file, cmd.period_key)]
        inspections = [i for q in work.quarters.values() for i in q.inspections if first <= i.inspected_on <= last]
        body: list[Block] = [
            Fields(
                [
                    ("项目编号", risk_file.project_id),
                    ("报告编号", cmd.report_id),
                    ("报告期间", f"{_day(first)}至{_day(last)}"),
                    ("承保机构", risk_file.insurer_id),
                    ("风控机构", risk_file.agency_id),
                    ("项目风险等级", GRADE[work.plan.grade] if work.plan else None),
                ]
            ),
            Heading("一、隐患排查及问题整改清单"),
            Items(
                [
                    f"[{LEVEL[h.level]}] {h.location}：{h.description}；责任单位 {h.responsible_unit_id}；"
                    f"整改期限 {_day(h.rectify_by)}；{HAZARD_STATUS[h.status]}"
                    + (f"；{STOP_WORK[h.stop_work]}意见" if h.stop_work else "")
                    + ("；已上报承保机构和属地建设主管部门" if len(h.reported) == 2 else "")
                    for h in hazards
                ]
            )
            if hazards
            else Paragraph("本期未发现隐患。", indent=True),
            Heading("二、风险源核查"),
            Items(
                [
                    f"{_day(i.inspected_on)} {'全覆盖检查' if i.full_coverage else '巡查'}：核查风险源 "
                    + ("、".join(work.sources[x].name_zh for x in i.checked_source_ids) or "无")
                    for i in inspections
                ]
            )
            if inspections
            else Paragraph("本期无现场检查记录。", indent=True),
            Heading("三、安全生产分析和风险评估"),
            Paragraph(cmd.summary, indent=True),
        ]
        document = Document(
            title=f"{period_zh}隐患排查及问题整改清单与风险评估报告",
            created_at=issued_at,
            body=body,
            closing=Fields([("风控机构（盖章）", risk_file.agency_id), ("出具时间", _moment(issued_at))]),
        )
        return render_pdf(document, FontFace(self.font_path, self.font_index))

    def agency_safety_report(
        self,
        agency_id: str,
        period_key: str,
        hazards: list[dict[str, Any]],
        *,
        insurer_id: str | None,
        at: datetime,
        total: int | None = None,
    ) -> bytes:
        """SAF-04 per agency: the period's hazards across the agency's projects (an insurer's copy holds its
        own projects only), counted by level and status, each with its project and state. ``total``: how
        many the period holds when ``hazards`` are only the first of them (one report has an upper bound);
        the report then says so instead of passing for the whole period."""
        total = len(hazards) if total is None else max(total, len(hazards))
        first, last = safety_reports.days_of(period_key)
        period_zh = safety_reports.PERIOD_ZH[safety_reports.period_of(period_key)]
        projects = sorted({h["project_id"] for h in hazards})
        by_level = [
            f"{LEVEL[level]}：{sum(1 for h in hazards if h['level'] == level)} 项，其中未闭合 "
            f"{sum(1 for h in hazards if h['level'] == level and h['status'] != sf.HazardStatus.CLOSED.value)} 项"
            for level in sorted(LEVEL)
        ]
        rows = [
            f"[{LEVEL[h['level']]}] 项目 {h['project_id']}：{h.get('location') or ''}；发现日期 "
            f"{_day(date.fromisoformat(h['found_on']))}；责任单位 {h.get('responsible_unit_id') or '—'}；"
            f"{HAZARD_STATUS[sf.HazardStatus(h['status'])]}"
            + (f"；{STOP_WORK[sf.StopWork(h['stop_work'])]}意见" if h.get("stop_work") else "")
            for h in sorted(hazards, key=lambda h: (h["level"], h["project_id"], h["hazard_id"]))
        ]
        body: list[Block] = [
            Fields(
                [
                    ("风控机构", agency_id),
                    ("报告期间", f"{_day(first)}至{_day(last)}"),
                    ("承保机构", insurer_id or "全部"),
                    ("涉及项目", f"{len(projects)} 个"),
                    ("隐患总数", f"{total} 项"),
                ]
            ),
            *(
                [
                    Paragraph(
                        f"本期隐患共 {total} 项，超过单份报告上限：以下统计与清单仅含前 {len(hazards)} 项，"
                        "完整清单请按期间分页查询。",
                        indent=True,
                    )
                ]
                if total > len(hazards)
                else []
            ),
            Heading("一、隐患分级统计"),
            Items(by_level),
            Heading("二、隐患排查及问题整改清单"),
            Items(rows) if rows else Paragraph("本期未发现隐患。", indent=True),
        ]
        document = Document(
            title=f"风控机构{period_zh}隐患排查及问题整改汇总清单",
            created_at=at,
            body=body,
            closing=Fields([("风控机构", agency_id), ("生成时间", _moment(at))]),
        )
        return render_pdf(document, FontFace(self.font_path, self.font_index))
