"""The 公示 as a PDF: A4 portrait, a serif Chinese face, a fully bordered list, the proof and its QR code.

Rendered with fpdf2 (pure Python) and Noto Serif SC from a wheel (pylopdf-fonts-zh-cn), embedded
as a subset: it needs no browser, no system font and no network, so an intranet machine with only
Python prints the same bytes' worth of notice as any other. SCORELEDGER_PDF_FONT is not needed.
"""

from __future__ import annotations

from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from service.sheets.publication import Notice
from service.sheets.texts import TEXTS, text

FACE = "serif"
MARGIN = 20.0  # mm


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
    pdf.set_font(FACE, size=12)
    pdf.multi_cell(0, 7.5, "\u3000\u3000" + notice.paragraph, align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.cell(0, 8, notice.annex, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _table(pdf, notice)
    _signature(pdf, notice)
    _proof(pdf, notice)
    return bytes(pdf.output())


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
    proof, size = notice.proof, 30.0
    if pdf.get_y() + size + 8 > pdf.h - MARGIN:
        pdf.add_page()
    pdf.ln(6)
    top = pdf.get_y()
    pdf.set_draw_color(120, 120, 120)
    pdf.line(MARGIN, top, pdf.w - MARGIN, top)
    _qr(pdf, proof.verify_url, MARGIN, top + 3, size)
    pdf.set_xy(MARGIN + size + 5, top + 3)
    pdf.set_font(FACE, size=10)
    lines = [
        TEXTS["publication.proof"],
        text("publication.proof_text", position=proof.position, scheme=proof.scheme, version=proof.version,
             events=proof.events),
        f"{TEXTS['publication.root']}：{proof.merkle_root}",
        f"{TEXTS['publication.fingerprint']}：{proof.fingerprint or TEXTS['publication.unsigned']}",
        f"{TEXTS['publication.verify_at']}：{proof.verify_url}",
    ]
    for line in lines:
        pdf.set_x(MARGIN + size + 5)
        pdf.multi_cell(pdf.w - MARGIN - pdf.get_x(), 5, line, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT,
                       wrapmode="CHAR")


def _qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    """The QR code drawn as vector squares (crisp at any print resolution)."""
    code = segno.make(url, error="m", micro=False)
    rows = list(code.matrix_iter(scale=1, border=0))
    module = size / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x + c * module, y + r * module, module, module, style="F")


def publication_html(notice: Notice, pdf_url: str) -> str:
    """The notice as a print-ready page (A4, the browser's own print), drawn from the same Notice as the PDF."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(loader=PackageLoader("service.sheets", "templates"), autoescape=select_autoescape())
    qr = segno.make(notice.proof.verify_url, error="m", micro=False).svg_inline(scale=4, border=0)
    proof = notice.proof
    proof_text = text("publication.proof_text", position=proof.position, scheme=proof.scheme, version=proof.version,
                      events=proof.events)
    return environment.get_template("publication.html").render(n=notice, qr=qr, texts=TEXTS, proof_text=proof_text,
                                                                pdf_url=pdf_url)
