"""The owner's documents of a claim, in Chinese — what each says; ``anju_kit.documents`` lays them out.

* 不予赔偿通知书 — the rejection notice with its reasons (CLM-04, CLM-07), telling the owner about
  appraisal (CLM-08);
* 维修完成及保修说明 — the repair completion and warranty statement (CLM-06).

Rendering is deterministic (the PDF's creation date is ``issued_at``), so re-rendering after a
retry stores the same bytes under the same key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from anju_claims.domain.claim import Claim
from anju_claims.domain.coverage import PART_NAMES
from anju_contracts.claims import Exclusion
from anju_kit.clock import SHANGHAI
from anju_kit.documents import NOTO_SANS_SC, Block, Document, Fields, FontFace, Items, Paragraph, Space, render_pdf

EXCLUSION_NAMES: dict[Exclusion, str] = {
    Exclusion.OWNER_CAUSE: "房屋所有权人自身原因",
    Exclusion.THIRD_PARTY: "第三方责任",
    Exclusion.FORCE_MAJEURE: "保险合同约定的不可抗力",
}


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _moment(t: datetime) -> str:
    local = t.astimezone(SHANGHAI)
    return f"{_day(local.date())} {local:%H:%M}"


@dataclass(frozen=True)
class DocumentRenderer:
    font_path: Path = NOTO_SANS_SC.path
    font_index: int = NOTO_SANS_SC.index

    def _render(self, title: str, claim: Claim, issued_at: datetime, body: list[Block]) -> bytes:
        closing = Fields([("保险公司", claim.insurer_id), ("出具时间", _moment(issued_at))])
        document = Document(title=title, created_at=issued_at, body=body, closing=closing)
        return render_pdf(document, FontFace(self.font_path, self.font_index))

    @staticmethod
    def _case(claim: Claim, address: str | None) -> list[Block]:
        """The salutation and the facts of the case every owner's document starts with."""
        facts = Fields(
            [
                ("案件编号", claim.claim_id),
                ("保单号", claim.policy_id),
                ("项目编号", claim.project_id),
                ("房屋", address or claim.unit_id),
                ("房屋所有权人编号", claim.owner_id),
                ("报案时间", _moment(claim.reported_at)),
                ("缺陷部位", PART_NAMES[claim.part]),
                ("缺陷项目", claim.item),
                ("位置", claim.location),
            ]
        )
        return [Paragraph("尊敬的房屋所有权人："), facts, Space()]

    def rejection_notice(self, claim: Claim, *, issued_at: datetime, address: str | None = None) -> bytes:
        """不予赔偿通知书 (CLM-04): the reasons, the exclusion if any, and the way to appraisal (CLM-08)."""
        decided = _moment(claim.decided_at) if claim.decided_at else "—"
        body = self._case(claim, address)
        body.append(
            Paragraph(
                f"经现场查勘及核定（核定时间：{decided}），贵方报案的上述事项不属于保险责任，本公司不予赔偿。理由如下：",
                indent=True,
            )
        )
        body.append(Items([f"{reason.text}（{reason.code}）" for reason in claim.reasons]))
        if claim.exclusion is not None:
            body.append(
                Paragraph(
                    f"免责事由：{EXCLUSION_NAMES[claim.exclusion]}。本公司已取得相应证据，证据材料已存档备查。",
                    indent=True,
                )
            )
        body += [
            Space(),
            Paragraph(
                "如对上述核定结果有异议，贵方可以书面形式提出争议鉴定申请，由争议各方协商共同委托具有相应资质、"
                "且与争议各方无利益关联的第三方鉴定机构进行鉴定。",
                indent=True,
            ),
            Paragraph("依据：《中华人民共和国保险法》第二十四条；本通知书自核定之日起3日内送达。", indent=True),
        ]
        return self._render("不予赔偿通知书", claim, issued_at, body)

    def repair_warranty_statement(
        self,
        claim: Claim,
        *,
        issued_at: datetime,
        warranty_last_day: date,
        warranty_days: int,
        address: str | None = None,
    ) -> bytes:
        """维修完成及保修说明 (CLM-06)."""
        completed = _day(claim.repair_completed_on) if claim.repair_completed_on else "—"
        repairer = f"{claim.repairer_name or '—'}（{claim.repairer_id or '—'}）"
        body = self._case(claim, address)
        body += [
            Fields([("维修单位", repairer), ("维修完成日期", completed), ("维修内容", claim.repair_summary)]),
            Space(),
            Paragraph(
                f"自维修完成之日起，同一部位的同一维修项目给予{warranty_days}天的保修期，"
                f"至{_day(warranty_last_day)}24时止。保修期内该项目再次出现问题的，请及时报案，本公司负责维修。",
                indent=True,
            ),
            Paragraph("只要原报案发生在保险责任期限内，该保修期不受保单到期终止的影响。", indent=True),
        ]
        return self._render("维修完成及保修说明", claim, issued_at, body)
