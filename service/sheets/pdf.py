"""The 公示 as a PDF: A4 portrait, a serif Chinese face, a fully bordered list, the proof and its QR code.

Rendered with fpdf2 (pure Python) and Noto Serif SC from a wheel (pylopdf-fonts-zh-cn), embedded
as a subset: it needs no browser, no system font and no network, so an intranet machine with only
Python prints the same bytes' worth of notice as any other. SCORELEDGER_PDF_FONT is not needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import segno
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from domain.texts.catalog import text
from service.sheets.pdf_text import lines_of, paragraph
from service.sheets.publication import Notice

FACE = "serif"
MARGIN = 20.0  # mm
QR_SIZE = 34.0  # mm, the quiet zone included
QUIET_ZONE = 4  # modules of white around the code
CELL_LINE = 6.5  # mm, a line of the list's text
CELL_PAD = 1.0  # mm inside a cell's border, above, below and beside its text
HEADING_FILL = (242, 242, 242)


def font_path() -> Path:
    import pylopdf_fonts_zh_cn

    return Path(pylopdf_fonts_zh_cn.serif_path())


def _document(title: str) -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, MARGIN)
    pdf.add_font(FACE, "", str(font_path()))
    pdf.set_title(title)
    pdf.set_creator("scoreledger")
    pdf.add_page()
    return pdf


def publication_pdf(notice: Notice) -> bytes:
    """The notice as a print-ready PDF."""
    pdf = _document(notice.title)
    pdf.set_font(FACE, size=18)
    pdf.multi_cell(0, 11, notice.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    _paragraph(pdf, notice.paragraph)
    pdf.ln(3)
    pdf.set_font(FACE, size=12)
    pdf.cell(0, 8, notice.annex, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _table(pdf, notice)
    if notice.listed:
        pdf.set_font(FACE, size=10)
        pdf.cell(0, 7, notice.listed, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _signature(pdf, notice)
    _proof(pdf, notice)
    return bytes(pdf.output())


def _paragraph(pdf: FPDF, body: str) -> None:
    """The notice's paragraph: justified, 避头尾, its first line indented two characters (首行缩进两字)."""
    pdf.set_font(FACE, size=12)
    paragraph(pdf, body, 12.0, 7.5)


def _table(pdf: FPDF, notice: Notice) -> None:
    pdf.set_font(FACE, size=10)
    sections = len(notice.columns) - 5
    widths = [12.0, 34.0, *([18.0] * sections), 18.0, 14.0]
    widths.append(pdf.epw - sum(widths))
    align = ("C", "L", *(["R"] * (sections + 1)), "C", "L")
    grid = _Grid(pdf, widths, align, notice.columns)
    for entry in notice.rows:
        grid.row((str(entry.rank), entry.name, *entry.sections, entry.total, entry.grade, entry.remark))
    grid.end()
    pdf.set_xy(pdf.l_margin, grid.y)


class _Grid:
    """The list as a fully bordered table, drawn with fpdf2's lowest calls (text, line, rect): its heading
    shaded and repeated at the top of every page (never left alone at the foot of one), a cell's text wrapped in
    its column (避头尾, pdf_text.lines_of), a row never split across pages unless it is taller than a page (then
    its lines are carried over, under the heading again). fpdf2's own table() lays out every cell as a
    multi_cell, ~1.9 ms of CPU a row: a province's 公示 (78,836 rows) was minutes of CPU for its table alone
    (issue 12; BENCHMARKS.md, sixteenth round)."""

    def __init__(self, pdf: FPDF, widths: list[float], align: tuple[str, ...], heading: list[str]):
        self.pdf, self.widths, self.align = pdf, widths, align
        self.lefts = [pdf.l_margin + sum(widths[:i]) for i in range(len(widths))]
        self.right = pdf.l_margin + sum(widths)
        self.y = pdf.get_y()
        self.heading = [self._lines(value, width) for value, width in zip(heading, widths, strict=True)]
        self.heading_height = _height(self.heading)
        self.started = False  # the heading is drawn with the first row, on the page that row goes to

    def row(self, values: tuple[str, ...]) -> None:
        cells = [self._lines(value, width) for value, width in zip(values, self.widths, strict=True)]
        room = self.pdf.page_break_trigger - self.pdf.t_margin - self.heading_height - 2 * CELL_PAD
        most = max(int(room // CELL_LINE), 1)  # lines of one row a page holds under its heading
        tallest = max(len(lines) for lines in cells)
        for start in range(0, tallest, most):  # one part but for a row taller than a page
            part = [lines[start:start + most] or [""] for lines in cells]
            self._place(_height(part))
            self._draw(part, self.align)

    def end(self) -> None:
        """A list without rows still shows its heading."""
        if not self.started:
            self._place(0.0)

    def _place(self, height: float) -> None:
        """Room for a row of `height` below the heading: a new page (and the heading on it) when there is none."""
        pdf = self.pdf
        below = self.heading_height if not self.started else 0.0
        if self.y + below + height > pdf.page_break_trigger and (self.started or self.y > pdf.t_margin):
            pdf.add_page()
            self.y, self.started = pdf.t_margin, False
        if not self.started:
            self._draw(self.heading, ("C",) * len(self.heading), shaded=True)
            self.started = True

    def _draw(self, cells: list[list[str]], align: tuple[str, ...], shaded: bool = False) -> None:
        pdf = self.pdf
        height = _height(cells)
        top, bottom = self.y, self.y + height
        if shaded:
            pdf.set_fill_color(*HEADING_FILL)
            pdf.rect(self.lefts[0], top, self.right - self.lefts[0], height, style="DF")
            pdf.set_fill_color(0)  # text() colours its text apart when fill and text colours differ
        else:
            pdf.rect(self.lefts[0], top, self.right - self.lefts[0], height)
        for left in self.lefts[1:]:
            pdf.line(left, top, left, bottom)
        rise = 0.3 * pdf.font_size  # fpdf2's own baseline in a cell: its middle, lowered by 0.3 of the font size
        for lines, left, width, side in zip(cells, self.lefts, self.widths, align, strict=True):
            first = top + (height - len(lines) * CELL_LINE) / 2  # the cell's lines centred in the row
            for number, line in enumerate(lines):
                used = pdf.get_string_width(line) if side != "L" else 0.0
                x = left + CELL_PAD if side == "L" else (
                    left + width - CELL_PAD - used if side == "R" else left + (width - used) / 2)
                pdf.text(x, first + number * CELL_LINE + CELL_LINE / 2 + rise, line)
        self.y = bottom

    def _lines(self, value: str, width: float) -> list[str]:
        room = width - 2 * CELL_PAD
        if not value or self.pdf.get_string_width(value) <= room:
            return [value]
        measure = self.pdf.get_string_width
        return [piece for line in lines_of(value, room, room, measure) for piece in _chars(line, room, measure)]


def _height(cells: list[list[str]]) -> float:
    return max(len(lines) for lines in cells) * CELL_LINE + 2 * CELL_PAD


def _chars(line: str, room: float, measure: Any) -> list[str]:
    """A line still wider than its cell (one long word or number) broken between characters, as fpdf2 does."""
    pieces: list[str] = []
    while measure(line) > room and len(line) > 1:
        cut = next((n for n in range(2, len(line) + 1) if measure(line[:n]) > room), len(line)) - 1
        pieces.append(line[:cut])
        line = line[cut:]
    return [*pieces, line]


def _signature(pdf: FPDF, notice: Notice) -> None:
    pdf.ln(8)
    pdf.set_font(FACE, size=12)
    pdf.cell(0, 8, notice.signer, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, 8, notice.signed_on, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _proof(pdf: FPDF, notice: Notice) -> None:
    proof = notice.proof
    if pdf.get_y() + QR_SIZE + 8 > pdf.h - MARGIN:
        pdf.add_page()
    pdf.ln(6)
    top = pdf.get_y()
    pdf.set_draw_color(120, 120, 120)
    pdf.line(MARGIN, top, pdf.w - MARGIN, top)
    qr(pdf, proof.verify_url, MARGIN, top + 2, QR_SIZE)
    left = MARGIN + QR_SIZE + 3
    pdf.set_xy(left, top + 3)
    pdf.set_font(FACE, size=10)
    for line in proof_lines(notice):
        pdf.set_x(left)
        pdf.multi_cell(pdf.w - MARGIN - left, 5, line, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT,
                       wrapmode=WrapMode.CHAR)


def proof_lines(notice: Notice) -> list[str]:
    """The proof beside the QR code, line by line (the print page shows the same lines)."""
    proof = notice.proof
    return [
        text("notice.proof"),
        text("notice.proof_text", position=proof.position, scheme=proof.scheme, version=proof.version,
             events=proof.events),
        f"{text('notice.root')}：{proof.merkle_root}",
        f"{text('notice.fingerprint')}：{proof.fingerprint or text('notice.unsigned')}",
        f"{text('notice.verify_at')}：{proof.verify_url}",
    ]


def qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    """The QR code drawn as vector squares (crisp at any print resolution), inside its quiet zone of four
    modules (ISO/IEC 18004), so nothing printed beside it runs into the code."""
    code = segno.make(url, error="m", micro=False)
    rows = list(code.matrix_iter(scale=1, border=QUIET_ZONE))
    module = size / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x + c * module, y + r * module, module, module, style="F")


def qr_svg(url: str) -> str:
    """The QR code as inline SVG for the print page: a viewBox (no fixed size, so CSS sizes it without
    cutting it off) and the quiet zone inside it."""
    svg: str = segno.make(url, error="m", micro=False).svg_inline(border=QUIET_ZONE, omitsize=True)
    return svg
