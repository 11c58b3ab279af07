"""Per-PDF time of ``anju_kit.documents`` against its own baseline, measured in the same run.

The baseline is fpdf2's stock way — ``add_font`` (the font parsed again) for every PDF — which is
what services did before the kit shared the face; both render the same claims rejection notice and
produce the same bytes. Wall and CPU time are printed (CPU is steadier on a busy machine). Measures,
asserts nothing::

    .venv/bin/python tools/documents_timing.py [count]     # default 20 PDFs each
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime

from fpdf import FPDF

from anju_kit import documents
from anju_kit.clock import SHANGHAI
from anju_kit.documents import Document, Fields, FontFace, Items, Paragraph, Space, render_pdf


def _notice(minute: int) -> Document:
    return Document(
        title="不予赔偿通知书",
        created_at=datetime(2026, 9, 8, 10, minute, tzinfo=SHANGHAI),
        body=[
            Paragraph("尊敬的房屋所有权人："),
            Fields([("案件编号", "clm-1"), ("保单号", "pol-1"), ("房屋", "unit-3-1202"), ("缺陷部位", "防水工程")]),
            Space(),
            Paragraph("经现场查勘及核定，贵方报案的上述事项不属于保险责任，本公司不予赔偿。理由如下：", indent=True),
            Items(["经查勘，渗水系空调冷凝水管脱落所致，不属于质量缺陷。（NOT_A_DEFECT）"]),
            Paragraph(
                "如对上述核定结果有异议，贵方可以书面形式提出争议鉴定申请，由争议各方协商共同委托具有相应资质、"
                "且与争议各方无利益关联的第三方鉴定机构进行鉴定。",
                indent=True,
            ),
        ],
        closing=Fields([("保险公司", "ins-1"), ("出具时间", f"2026年9月8日 10:{minute:02d}")]),
    )


def _time(count: int) -> tuple[list[float], list[float], bytes]:
    wall: list[float] = []
    cpu: list[float] = []
    data = b""
    for n in range(count):
        started, used = time.perf_counter(), time.process_time()
        data = render_pdf(_notice(1 + n % 3))
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return wall, cpu, data


class _StockFace:
    """fpdf2's own way: the font file parsed again for every PDF."""

    def __init__(self, face: FontFace) -> None:
        self.face = face

    def attach(self, pdf: FPDF) -> None:
        pdf.add_font(documents._FAMILY, fname=self.face.path, collection_font_number=self.face.index)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    shared = documents._shared_face
    setattr(documents, "_shared_face", _StockFace)  # noqa: B010  # the baseline, then the kit from a cold cache
    before = _time(count)
    setattr(documents, "_shared_face", shared)  # noqa: B010
    documents._FACES.clear()
    after = _time(count)
    for name, (wall, cpu, data) in (("stock add_font per PDF", before), ("kit, face parsed once", after)):
        print(
            f"{name:<24} n={count}  first {wall[0]:5.0f} ms   then median {statistics.median(wall[1:]):4.0f} ms wall "
            f"/ {statistics.median(cpu[1:]):4.0f} ms CPU per PDF   ({len(data)} bytes)"
        )
    ratio = statistics.median(after[1][1:]) / statistics.median(before[1][1:])
    print(f"per-PDF CPU after / before: {ratio:.2f}; same bytes both ways: {before[2] == after[2]}")


if __name__ == "__main__":
    main()
