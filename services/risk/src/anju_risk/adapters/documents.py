"""The risk reports in Chinese — what each says; ``anju_kit.documents`` lays them out.

* 竣工最终风险评估报告 — the final risk assessment report (RSK-07), generated from the recorded
  findings only: the plan, every issue with its rectification and closing, the critical processes,
  the part acceptances, and the insurer's conclusion.

Rendering is deterministic (the PDF's creation date is the sealing instant), so re-rendering after a
retry of the same step stores the same bytes under the same key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from anju_contracts import risk as r
from anju_kit.clock import SHANGHAI
from anju_kit.documents import NOTO_SANS_SC, Block, Document, Fields, FontFace, Heading, Items, Paragraph, render_pdf
from anju_risk.domain.risk_file import RiskFile

SEVERITY = {r.IssueSeverity.SERIOUS: "严重", r.IssueSeverity.GENERAL: "一般"}
STATUS = {r.IssueStatus.OPEN: "待整改", r.IssueStatus.RECTIFIED: "待复查", r.IssueStatus.CLOSED: "已销项"}
FINAL_REPORT = "final-risk-assessment.pdf"


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _moment(t: datetime) -> str:
    local = t.astimezone(SHANGHAI)
    return f"{_day(local.date())} {local:%H:%M}"


@dataclass(frozen=True)
class ReportRenderer:
    font_path: Path = NOTO_SANS_SC.path
    font_index: int = NOTO_SANS_SC.index

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
                        f"责任单位 {i.responsible_unit_id}；整改 {len(i.rectifications)} 次；{STATUS[i.status]}"
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
