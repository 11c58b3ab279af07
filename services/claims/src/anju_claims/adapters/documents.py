"""Chinese documents for owners, as PDF (fpdf2 with the Noto Sans CJK SC face from fonts-noto-cjk).

* 不予赔偿通知书 — the rejection notice with its reasons (CLM-04, CLM-07), telling the owner about
  appraisal (CLM-08);
* 维修完成及保修说明 — the repair completion and warranty statement (CLM-06).

Rendering is deterministic (fixed creation date = the business event's time), so re-rendering after a
retry stores the same bytes under the same key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from fpdf import FPDF

from anju_claims.domain.claim import Claim
from anju_claims.domain.coverage import PART_NAMES
from anju_contracts.claims import Exclusion
from anju_kit.clock import SHANGHAI

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
    font_path: Path
    font_index: int = 2

    def _pdf(self, title: str, at: datetime) -> FPDF:
        pdf = FPDF(format="A4")
        pdf.set_creation_date(at)
        pdf.set_title(title)
        pdf.set_author("Anju 安居")
        pdf.add_font("cjk", fname=str(self.font_path), collection_font_number=self.font_index)
        pdf.set_auto_page_break(auto=True, margin=18)
        pdf.add_page()
        pdf.set_font("cjk", size=18)
        pdf.cell(0, 14, title, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=11)
        return pdf

    @staticmethod
    def _line(pdf: FPDF, text: str) -> None:
        pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")

    def _header(self, pdf: FPDF, claim: Claim, address: str | None) -> None:
        self._line(pdf, f"案件编号：{claim.claim_id}")
        self._line(pdf, f"保单号：{claim.policy_id or '—'}    项目：{claim.project_id or '—'}")
        self._line(pdf, f"房屋：{address or claim.unit_id}    房屋所有权人编号：{claim.owner_id}")
        self._line(pdf, f"报案时间：{_moment(claim.reported_at)}")
        self._line(pdf, f"缺陷部位：{PART_NAMES[claim.part]}    项目：{claim.item}    位置：{claim.location}")
        pdf.ln(3)

    def rejection_notice(self, claim: Claim, *, issued_at: datetime, address: str | None = None) -> bytes:
        """不予赔偿通知书 (CLM-04): the reasons, the exclusion if any, and the way to appraisal (CLM-08)."""
        pdf = self._pdf("不予赔偿通知书", issued_at)
        self._line(pdf, "尊敬的房屋所有权人：")
        self._header(pdf, claim, address)
        decided = _moment(claim.decided_at) if claim.decided_at else "—"
        self._line(
            pdf,
            f"经现场查勘及核定（核定时间：{decided}），贵方报案的上述事项不属于保险责任，本公司不予赔偿。理由如下：",
        )
        for number, reason in enumerate(claim.reasons, start=1):
            self._line(pdf, f"{number}. {reason.text}（{reason.code}）")
        if claim.exclusion is not None:
            self._line(pdf, f"免责事由：{EXCLUSION_NAMES[claim.exclusion]}。本公司已取得相应证据，证据材料已存档备查。")
        pdf.ln(3)
        self._line(
            pdf,
            "如对上述核定结果有异议，贵方可以书面形式提出争议鉴定申请，由争议各方协商共同委托具有相应资质、"
            "且与争议各方无利益关联的第三方鉴定机构进行鉴定。",
        )
        self._line(pdf, "依据：《中华人民共和国保险法》第二十四条；本通知书自核定之日起3日内送达。")
        pdf.ln(6)
        self._line(pdf, f"保险公司：{claim.insurer_id or '—'}")
        self._line(pdf, f"出具时间：{_moment(issued_at)}")
        return bytes(pdf.output())

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
        pdf = self._pdf("维修完成及保修说明", issued_at)
        self._line(pdf, "尊敬的房屋所有权人：")
        self._header(pdf, claim, address)
        completed = _day(claim.repair_completed_on) if claim.repair_completed_on else "—"
        self._line(pdf, f"维修单位：{claim.repairer_name or '—'}（{claim.repairer_id or '—'}）")
        self._line(pdf, f"维修完成日期：{completed}")
        self._line(pdf, f"维修内容：{claim.repair_summary or '—'}")
        pdf.ln(3)
        self._line(
            pdf,
            f"自维修完成之日起，同一部位的同一维修项目给予{warranty_days}天的保修期，"
            f"至{_day(warranty_last_day)}24时止。保修期内该项目再次出现问题的，请及时报案，本公司负责维修。",
        )
        self._line(pdf, "只要原报案发生在保险责任期限内，该保修期不受保单到期终止的影响。")
        pdf.ln(6)
        self._line(pdf, f"保险公司：{claim.insurer_id or '—'}")
        self._line(pdf, f"出具时间：{_moment(issued_at)}")
        return bytes(pdf.output())
