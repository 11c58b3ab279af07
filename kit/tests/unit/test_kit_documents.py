"""Chinese A4 documents (issue 9): deterministic bytes, real Chinese text, the face parsed once per process."""

from __future__ import annotations

import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import fpdf.fpdf
import pypdf
import pytest
from fpdf import FPDF
from fpdf.fonts import TTFFont

from anju_kit import documents
from anju_kit.clock import SHANGHAI
from anju_kit.documents import (
    NOTO_SANS_SC,
    Document,
    Fields,
    FontFace,
    Heading,
    Items,
    Paragraph,
    Space,
    render_pdf,
)

pytestmark = pytest.mark.skipif(
    not NOTO_SANS_SC.path.is_file(), reason="needs fonts-noto-cjk (deploy/local/system-deps.sh)"
)

ISSUED = datetime(2026, 9, 8, 10, 1, tzinfo=SHANGHAI)


def _notice(created_at: datetime = ISSUED, reasons: int = 2) -> Document:
    return Document(
        title="不予赔偿通知书",
        created_at=created_at,
        body=[
            Paragraph("尊敬的房屋所有权人："),
            Fields(
                [
                    ("案件编号", "clm-1"),
                    ("保单号", None),
                    ("房屋", "浦东新区某路100弄3号1202室"),
                    ("备注", "原文{nb}照录"),
                ]
            ),
            Space(),
            Paragraph("经现场查勘及核定，贵方报案的上述事项不属于保险责任，本公司不予赔偿。理由如下：", indent=True),
            Items([f"理由{n}：渗水系空调冷凝水管脱落所致，不属于质量缺陷。" for n in range(1, reasons + 1)]),
            Heading("争议鉴定"),
            Paragraph("如对上述核定结果有异议，贵方可以书面形式提出争议鉴定申请。", indent=True),
        ],
        closing=Fields([("保险公司", "ins-1"), ("出具时间", "2026年9月8日 10:01")]),
    )


def _text(data: bytes) -> list[str]:
    """Each page's text without whitespace (pypdf spaces CJK glyphs apart)."""
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return ["".join(page.extract_text().replace("\x00", "").split()) for page in pages]


@pytest.fixture
def fresh_faces(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An empty face cache, as in a new process."""
    monkeypatch.setattr(documents, "_FACES", {})
    yield


def test_same_document_same_bytes_and_the_creation_date_is_the_given_one() -> None:
    first = render_pdf(_notice())
    assert render_pdf(_notice()) == first
    assert render_pdf(_notice(created_at=ISSUED.replace(minute=2))) != first
    reader = pypdf.PdfReader(io.BytesIO(first))
    assert reader.metadata is not None and reader.metadata.title == "不予赔偿通知书"
    assert str(reader.metadata["/CreationDate"]) == "D:20260908100100+08'00'"


def test_chinese_text_is_extractable_and_the_face_is_embedded() -> None:
    data = render_pdf(_notice())
    (page,) = _text(data)
    for expected in (
        "不予赔偿通知书",
        "案件编号：clm-1",
        "保单号：—",
        "1.理由1",
        "2.理由2",
        "争议鉴定",
        "出具时间：2026年9月8日",
    ):
        assert expected in page, expected
    assert page.endswith("第1页共1页")
    resources: Any = pypdf.PdfReader(io.BytesIO(data)).pages[0]["/Resources"]
    (font,) = resources["/Font"].values()
    (descendant,) = font.get_object()["/DescendantFonts"]
    descriptor = descendant.get_object()["/FontDescriptor"].get_object()
    assert "NotoSansCJK" in descriptor["/FontName"] and "/FontFile3" in descriptor  # a subset, embedded


def test_long_documents_break_pages_and_count_them() -> None:
    pages = _text(render_pdf(_notice(reasons=60)))
    assert len(pages) >= 2
    assert [page[-len("第1页共9页") :] for page in pages] == [
        f"第{n}页共{len(pages)}页" for n in range(1, len(pages) + 1)
    ]
    assert "出具时间" in pages[-1]


# A TrueType (glyf) face takes the other path: fpdf2 embeds the whole subset font, not only CFF.
DEJAVU = FontFace(Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))


@pytest.mark.parametrize("face", [NOTO_SANS_SC, DEJAVU], ids=["cff-cid", "truetype"])
def test_bytes_equal_what_fpdf2_makes_when_it_parses_the_font_itself(
    face: FontFace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The shared face is an optimisation only: the stock add_font path must give the very same PDF.
    # (This guards an fpdf2 upgrade that writes to more of the font object per document.)
    if not face.path.is_file():
        pytest.skip(f"{face.path} not installed")
    shared = render_pdf(_notice(reasons=3), face)

    def stock(self: object, pdf: FPDF) -> None:
        pdf.add_font(documents._FAMILY, fname=face.path, collection_font_number=face.index)

    monkeypatch.setattr(documents._SharedFace, "attach", stock)
    assert render_pdf(_notice(reasons=3), face) == shared


def test_the_face_is_parsed_once_however_many_threads_render(
    fresh_faces: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[Path] = []

    class CountingFont(TTFFont):
        def __init__(self, pdf: FPDF, path: Path, *args: Any, **kwargs: Any) -> None:
            parsed.append(path)
            super().__init__(pdf, path, *args, **kwargs)

    monkeypatch.setattr(fpdf.fpdf, "TTFFont", CountingFont)
    docs = [_notice(created_at=ISSUED.replace(minute=m)) for m in (1, 2, 3, 1, 2, 3)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        together = list(pool.map(render_pdf, docs))
    assert together == [render_pdf(doc) for doc in docs]  # nothing shared leaks between documents
    assert together[0] == together[3] != together[1]
    assert parsed == [NOTO_SANS_SC.path]


def test_a_missing_font_says_which_and_how_to_install_it_and_is_not_remembered(fresh_faces: None) -> None:
    missing = FontFace(Path("/nonexistent/NotoSansCJK-Regular.ttc"), 2)
    for _ in range(2):
        with pytest.raises(FileNotFoundError) as caught:
            render_pdf(_notice(), missing)
        assert "/nonexistent/NotoSansCJK-Regular.ttc" in str(caught.value)
        assert "fonts-noto-cjk" in str(caught.value) and "deploy/local/system-deps.sh" in str(caught.value)
    assert missing not in documents._FACES
