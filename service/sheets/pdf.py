"""The 公示 as a PDF: A4 portrait, a serif Chinese face, a fully bordered list, the proof and its QR code.

Rendered with fpdf2 (pure Python) and Noto Serif SC from a wheel (pylopdf-fonts-zh-cn), embedded
as a subset: it needs no browser, no system font and no network, so an intranet machine with only
Python prints the same bytes' worth of notice as any other. SCORELEDGER_PDF_FONT is not needed.
"""

from __future__ import annotations

from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from domain.texts.catalog import text
from service.sheets.pdf_text import paragraph
from service.sheets.publication import Notice

FACE = "serif"
MARGIN = 20.0  # mm
QR_SIZE = 34.0  # mm, the quiet zone included
QUIET_ZONE = 4  # modules of white around the code


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
    widths = (12, 34, *([18] * sections), 18, 14, 0)
    widths = (*widths[:-1], pdf.epw - sum(widths[:-1]))
    align = ("CENTER", "LEFT", *(["RIGHT"] * (sections + 1)), "CENTER", "LEFT")
    with pdf.table(col_widths=widths, text_align=align, borders_layout="ALL", line_height=6.5,
                   headings_style=FontFace(fill_color=(242, 242, 242)), first_row_as_headings=True,
                   padding=1) as table:
        header = table.row()
        for heading in notice.columns:
            header.cell(heading, align="CENTER")
        for entry in notice.rows:
            row = table.row()
            for value in (str(entry.rank), entry.name, *entry.sections, entry.total, entry.grade, entry.remark):
                row.cell(value)


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
