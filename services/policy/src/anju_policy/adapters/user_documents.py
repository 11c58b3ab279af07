"""The builder's documents after completion (POL-10), in Chinese: 用户告知书 (user notice) and 责任范围说明书
(coverage statement), laid out by ``anju_kit.documents``. Deterministic: the PDF's creation date is the
filing day, so a retried step stores the same bytes under the same key."""

from __future__ import annotations

from datetime import date, datetime, time

from anju_contracts.policy import BuildingPart
from anju_kit.clock import SHANGHAI
from anju_kit.documents import Block, Document, Fields, Items, Paragraph, Space, render_pdf
from anju_policy.domain.project import Project

PART_NAMES: dict[BuildingPart, str] = {
    BuildingPart.FOUNDATION_MAIN_STRUCTURE: "地基基础和主体结构",
    BuildingPart.INSULATION: "保温工程",
    BuildingPart.WATERPROOFING: "防水工程",
    BuildingPart.OTHER: "其他部位",
}


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _facts(project: Project) -> Fields:
    ms = project.milestones
    return Fields(
        [
            ("项目名称", project.name),
            ("项目地址", project.location),
            ("保单号", project.policy_id or "—"),
            ("竣工备案日期", _day(ms.completion_filed_on) if ms.completion_filed_on else "—"),
            ("施工单位保修期至", _day(ms.contractor_warranty_end) if ms.contractor_warranty_end else "—"),
            ("保险责任开始日期", _day(ms.liability_starts_on) if ms.liability_starts_on else "—"),
        ]
    )


def _render(title: str, project: Project, body: list[Block]) -> bytes:
    filed = project.milestones.completion_filed_on or date(2000, 1, 1)
    created = datetime.combine(filed, time(9), tzinfo=SHANGHAI)
    closing = Fields([("保险公司", project.insurer_id), ("出具日期", _day(filed))])
    return render_pdf(Document(title=title, created_at=created, body=body, closing=closing))


def user_notice(project: Project) -> bytes:
    """用户告知书 (POL-10)."""
    body: list[Block] = [
        Paragraph("致建设单位及全体房屋所有权人："),
        _facts(project),
        Space(),
        Paragraph(
            "本项目已投保住宅工程质量潜在缺陷保险。竣工备案之日起两年内为施工单位保修期，期间发现的质量缺陷由施工单位负责维修；"
            "保修期满后进入保险责任期间，房屋所有权人可向保险公司报案索赔。",
            indent=True,
        ),
        Paragraph("报案方式：保险公司24小时报案电话或安居平台业主端。", indent=True),
    ]
    return _render("用户告知书", project, body)


def coverage_statement(project: Project, years: dict[BuildingPart, int]) -> bytes:
    """责任范围说明书 (POL-10, POL-13): each building part's period from the liability start."""
    body: list[Block] = [
        Paragraph("致建设单位："),
        _facts(project),
        Space(),
        Paragraph("保险责任范围及各部位保险期间如下：", indent=True),
        Items([f"{PART_NAMES[part]}：自保险责任开始之日起{years[part]}年" for part in BuildingPart]),
        Paragraph("因房屋所有权人自身原因、第三方责任或合同约定的不可抗力造成的损失，不属于保险责任。", indent=True),
    ]
    return _render("责任范围说明书", project, body)
