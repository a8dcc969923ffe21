"""Chinese paragraphs set as a notice sets them: first line indented two characters, every line but the
last justified, and the line-breaking rules of Chinese typesetting (GB/T 15834 标点符号用法, 避头尾):
no line starts with a closing mark (，。、）》」 …) and none ends with an opening one (（《「 …).

fpdf2 breaks CJK text anywhere (WrapMode.CHAR) and knows none of these rules, so the lines are found
here and each is drawn as one cell, its characters spaced to fill the measure.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fpdf import FPDF

NO_START = set("，。、；：？！）》」』”’】〕…—·%")  # closing marks: never first on a line
NO_END = set("（《「『“‘【〔")  # opening marks: never last on a line
_UNITS = re.compile(r"[A-Za-z0-9.:/?=_\-]+|.", re.DOTALL)  # a number or a word is never split
PT_PER_MM = 72 / 25.4


def lines_of(text: str, width: float, first_width: float, measure: Callable[[str], float]) -> list[str]:
    """The text cut into lines no wider than `width` (the first no wider than `first_width`), obeying 避头尾."""
    lines: list[str] = []
    current: list[str] = []
    for unit in _UNITS.findall(text):
        limit = first_width if not lines else width
        if not current or measure("".join(current) + unit) <= limit:
            current.append(unit)
            continue
        kept, carried = _break(current, unit)
        lines.append("".join(kept))
        current = [*carried, unit]
    return [*lines, "".join(current)] if current else lines


def _break(current: list[str], unit: str) -> tuple[list[str], list[str]]:
    """Where a full line breaks: a closing mark pulls the unit before it down; an opening mark goes down."""
    kept, carried = list(current), []
    while len(kept) > 1 and (carried or [unit])[0][0] in NO_START:
        carried.insert(0, kept.pop())
    while len(kept) > 1 and kept[-1][-1] in NO_END:
        carried.insert(0, kept.pop())
    return kept, carried


def paragraph(pdf: FPDF, text: str, size: float, leading: float, indent_chars: int = 2) -> None:
    """Draw the paragraph at the left margin, across the page's text width."""
    pdf.set_font(size=size)
    pdf.set_char_spacing(0)
    indent = indent_chars * size / PT_PER_MM
    width = pdf.epw
    found = lines_of(text, width, width - indent, pdf.get_string_width)
    spaced = []
    for number, line in enumerate(found):
        left = indent if number == 0 else 0.0
        last = number == len(found) - 1
        slack = 0.0 if last or len(line) < 2 else (width - left - pdf.get_string_width(line)) / (len(line) - 1)
        spaced.append((left, line, slack))
    for left, line, slack in spaced:
        pdf.set_char_spacing(slack * PT_PER_MM)  # Tc is in points
        pdf.set_x(pdf.l_margin + left)
        pdf.cell(width - left, leading, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_char_spacing(0)
