"""Chinese A4 documents as PDF: the one renderer for every service's notices and reports.

A document is plain data — a title, body blocks (headings, paragraphs, key/value fields, lists),
closing lines for the issuer — and ``render_pdf(document)`` lays it out on A4 pages with a
"第 1 页 共 2 页" page footer, in one CJK face (Noto Sans CJK SC from the Debian package
fonts-noto-cjk unless told otherwise)::

    pdf = render_pdf(Document(
        title="不予赔偿通知书",
        created_at=issued_at,
        body=[Paragraph("尊敬的房屋所有权人："), Fields([("案件编号", claim_id)]), Items(reasons)],
        closing=Fields([("保险公司", insurer), ("出具时间", "2026年9月8日 10:01")]),
    ))

Lines break the Chinese way (``anju_kit.linebreak``: no "，" at a line's start, Latin runs whole).
Same document, same bytes: ``created_at`` is written as the PDF's creation date (nothing reads
the wall clock), so a retried step stores exactly what the first attempt stored.

Why the face is shared: fpdf2's ``add_font`` parses the font for every document (Noto Sans CJK
has 65,535 glyphs: ~0.3 s), and its output step subsets the parsed font *in place*, so one parsed
font cannot simply serve the next document (fpdf2's own ``deepcopy`` of a font shares that parsed
font too). Here each face is parsed and measured once per process, under a lock; every document
gets its own light copy of the measurements and a fresh, lazily read font object over the same
in-memory bytes, so documents rendered at once in threads (``asyncio.to_thread``) share nothing
they write to.
"""

from __future__ import annotations

import copy
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import Align
from fpdf.fonts import SubsetMap, TTFFont

from anju_kit.linebreak import break_lines

__all__ = [
    "NOTO_SANS_SC",
    "Block",
    "Document",
    "Fields",
    "FontFace",
    "Heading",
    "Items",
    "Paragraph",
    "Space",
    "render_pdf",
]


@dataclass(frozen=True)
class FontFace:
    """A font file and the face in it (``index`` counts faces in a .ttc/.otc collection)."""

    path: Path
    index: int = 0


# Debian/Ubuntu fonts-noto-cjk; face 2 of the collection is Simplified Chinese (SC).
NOTO_SANS_SC = FontFace(Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), index=2)


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    """Wrapped text; ``indent`` starts it two characters in (首行缩进), as formal letters do."""

    text: str
    indent: bool = False


@dataclass(frozen=True)
class Fields:
    """Key/value rows in two columns ("案件编号：…"); a value of None prints as "—"."""

    rows: Sequence[tuple[str, str | None]]


@dataclass(frozen=True)
class Items:
    """A list with a hanging indent: "1." "2." … when ``numbered``, "·" otherwise."""

    items: Sequence[str]
    numbered: bool = True


@dataclass(frozen=True)
class Space:
    mm: float = 3.0


Block = Heading | Paragraph | Fields | Items | Space


@dataclass(frozen=True)
class Document:
    title: str
    created_at: datetime  # the PDF's creation date: fixes the bytes (use the business event's time)
    body: Sequence[Block]
    closing: Fields | None = None  # issuer, date of issue: after the body, set apart
    author: str = "Anju 安居"


def render_pdf(document: Document, font: FontFace = NOTO_SANS_SC) -> bytes:
    """The document as PDF bytes. Thread-safe; the first call per face and process also loads the face (~0.7 s).

    Raises FileNotFoundError, naming the file and how to install it, when the font is missing.
    """
    pdf = _Pdf(document)
    _shared_face(font).attach(pdf)
    _Layout(pdf).document(document)
    return bytes(pdf.output())


# -- layout ------------------------------------------------------------------------------------

_FAMILY = "anju-cjk"
_MARGIN = 20.0  # mm, all sides; the page footer sits inside the bottom margin
_BODY_PT = 11.0
_LINE = 7.0  # mm per body line
_EMPTY = "—"
_INDENT = "\u3000\u3000"  # two ideographic spaces: 首行缩进两字符
# Stands for the page count until output. fpdf2 replaces it in *all* text, so not its default "{nb}",
# which free text (an insurer's reasons) could contain; private-use characters are not expected there.
_PAGES = "\ue000nb\ue000"


class _Pdf(FPDF):
    def __init__(self, document: Document) -> None:
        super().__init__(format="A4")
        self.set_creation_date(document.created_at)
        self.set_title(document.title)
        self.set_author(document.author)
        self.set_lang("zh-CN")  # readers and text extraction pick the right language
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(auto=True, margin=_MARGIN)
        self.alias_nb_pages(_PAGES)

    def footer(self) -> None:
        self.set_y(-_MARGIN + 6)
        self.set_font(_FAMILY, size=9)
        self.cell(0, 5, f"第 {self.page_no()} 页  共 {_PAGES} 页", align=Align.C)


class _Layout:
    """Lines are broken here (``anju_kit.linebreak``) and each is drawn as one cell, so fpdf2's own
    wrapping, which knows nothing of Chinese rules, never runs."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf

    def document(self, document: Document) -> None:
        pdf = self.pdf
        pdf.add_page()
        pdf.set_font(_FAMILY, size=18)
        self.lines([(pdf.l_margin, pdf.epw, document.title)], 12, align=Align.C)
        pdf.ln(4)
        pdf.set_font(_FAMILY, size=_BODY_PT)
        for block in document.body:
            self.block(block)
        if document.closing is not None:
            pdf.ln(6)
            self.fields(document.closing)

    def block(self, block: Block) -> None:
        pdf = self.pdf
        match block:
            case Heading(text):
                pdf.ln(2)
                pdf.set_font(_FAMILY, size=13)
                self.lines([(pdf.l_margin, pdf.epw, text)], 9)
                pdf.set_font(_FAMILY, size=_BODY_PT)
            case Paragraph(text, indent):
                self.lines([(pdf.l_margin, pdf.epw, _INDENT + text if indent else text)], _LINE, keep=False)
            case Fields():
                self.fields(block)
            case Items(items, numbered):
                markers = [f"{n}." if numbered else "·" for n in range(1, len(items) + 1)]
                width = self._fit(markers)
                for marker, text in zip(markers, items, strict=True):
                    self.row(marker, text, width)
            case Space(mm):
                pdf.ln(mm)

    def fields(self, fields: Fields) -> None:
        labels = [f"{label}：" for label, _ in fields.rows]
        width = min(self._fit(labels), self.pdf.epw * 0.4)  # a long label wraps rather than squeezing the value
        for label, (_, value) in zip(labels, fields.rows, strict=True):
            self.row(label, _EMPTY if value is None else value, width)

    def row(self, left: str, right: str, left_width: float) -> None:
        x = self.pdf.l_margin
        self.lines([(x, left_width, left), (x + left_width, self.pdf.epw - left_width, right)], _LINE)

    def lines(
        self, columns: Sequence[tuple[float, float, str]], height: float, *, align: Align = Align.L, keep: bool = True
    ) -> None:
        """Texts side by side (x, width, text), broken into lines of ``height`` mm.

        ``keep``: start on a new page rather than split, unless longer than a page.
        """
        pdf = self.pdf
        room = [width - 2 * pdf.c_margin for _, width, _ in columns]
        broken = [break_lines(text, r, pdf.get_string_width) for (_, _, text), r in zip(columns, room, strict=True)]
        count = max(len(lines) for lines in broken)
        if keep and pdf.get_y() + count * height > pdf.page_break_trigger and count * height <= pdf.eph:
            pdf.add_page()
        for n in range(count):
            if pdf.get_y() + height > pdf.page_break_trigger:
                pdf.add_page()
            y = pdf.get_y()
            for (x, width, _), lines in zip(columns, broken, strict=True):
                if n < len(lines):
                    pdf.set_xy(x, y)
                    pdf.cell(width, height, lines[n], align=align)
            pdf.set_y(y + height)

    def _fit(self, texts: Sequence[str]) -> float:
        """The width of a column that holds the widest of ``texts`` on one line."""
        widest = max((self.pdf.get_string_width(text) for text in texts), default=0.0)
        return widest + 2 * self.pdf.c_margin + 1  # a cell pads both sides; 1 mm apart from the next column


# -- the shared face ---------------------------------------------------------------------------

_LOCK = threading.Lock()
_FACES: dict[FontFace, _SharedFace] = {}


def _shared_face(face: FontFace) -> _SharedFace:
    shared = _FACES.get(face)
    if shared is None:
        with _LOCK:  # one load per face, however many threads ask at once
            shared = _FACES.get(face)
            if shared is None:
                shared = _SharedFace.load(face)
                _FACES[face] = shared  # only a successful load is kept: an installed font is found next time
    return shared


# The tables fpdf2 needs to subset a CID-keyed CFF face: for such a face it embeds the CFF table
# alone, so reading cmap/hmtx/vmtx/GSUB… for every document would be wasted work.
_CFF_CID_TABLES = frozenset({"CFF ", "head", "maxp"})


class _SharedFace:
    """One face, parsed and measured once; ``attach`` gives a document its own font object."""

    def __init__(self, template: TTFFont, data: bytes) -> None:
        self._template = template
        self._data = data

    @classmethod
    def load(cls, face: FontFace) -> _SharedFace:
        if not face.path.is_file():
            raise FileNotFoundError(
                f"CJK font for Chinese PDF documents not found: {face.path} (face {face.index}). "
                "Install the Noto CJK fonts (Debian/Ubuntu package fonts-noto-cjk) with "
                "deploy/local/system-deps.sh, or point the service's font path setting at a CJK font."
            )
        holder = FPDF()
        holder.add_font(_FAMILY, fname=face.path, collection_font_number=face.index)
        template = holder.fonts[_FAMILY]
        assert isinstance(template, TTFFont)
        template.ttfont.close()  # its measurements are what is kept; documents read `data`
        if template.color_font is not None:
            raise ValueError(f"{face.path}: colour fonts are not supported for documents")
        reader = ttLib.TTFont(face.path, fontNumber=face.index, lazy=True, recalcTimestamp=False)
        try:
            if template.is_cff and template.is_cid_keyed:
                for tag in set(reader.keys()) - _CFF_CID_TABLES - {"GlyphOrder"}:
                    del reader[tag]
            buffer = io.BytesIO()
            reader.save(buffer)  # tables never decompiled are copied as they are: fast
        finally:
            reader.close()
        return cls(template, buffer.getvalue())

    def attach(self, pdf: FPDF) -> None:
        """What ``pdf.add_font`` would do, without parsing the font again.

        Shallow-copies the template and replaces everything fpdf2 writes to while it lays out and
        outputs one document; the rest (cmap, glyph ids, names, metrics) is read-only and shared.
        """
        font = copy.copy(self._template)
        font.i = len(pdf.fonts) + 1
        font.ttfont = ttLib.TTFont(io.BytesIO(self._data), lazy=True, recalcTimestamp=False)  # subset in place
        font.desc = copy.copy(self._template.desc)  # output sets its name, font file and object id
        font.cw = self._template.cw.copy()  # a defaultdict: a lookup of a missing char inserts
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
        font.subset = SubsetMap(font)
        pdf.fonts[_FAMILY] = font
        if font.is_cff and font.is_cid_keyed:
            pdf._set_min_pdf_version("1.6")  # as add_font does for such a face
