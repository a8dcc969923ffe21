"""Writing .xlsx files with XlsxWriter: exact numbers, the formats every sheet shares.

Excel keeps numbers as binary doubles, and writers print them with 16 significant digits
(XlsxWriter and openpyxl both write 0.07 as 0.07000000000000001). An `ExactNumber` is written
as the decimal text of the result instead (0.07, 89.35): Excel reads it to the double nearest
that text and shows exactly it, and a reader gets the same text back.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import xlsxwriter

from domain.numbers import canonical_str


class ExactNumber(float):
    """A Decimal as Excel receives it: the double nearest to it, written as the decimal's own text."""

    text: str

    def __new__(cls, value: Decimal) -> ExactNumber:
        made = super().__new__(cls, value)
        made.text = canonical_str(value)
        return made

    def __format__(self, spec: str) -> str:  # XlsxWriter writes a cell's <v> with f"{number:.16G}"
        return self.text


def number_format(places: int) -> str:
    """A number format showing a scheme's declared places (2: 0.00)."""
    return "0" if places == 0 else "0." + "0" * places


class Book:
    """An in-memory workbook with the shared formats (title, header, text, numbers, dates)."""

    def __init__(self, constant_memory: bool = False) -> None:
        self.buffer = io.BytesIO()
        options = {"in_memory": True, "constant_memory": constant_memory, "strings_to_numbers": False,
                   "strings_to_formulas": False, "strings_to_urls": False}
        self.book = xlsxwriter.Workbook(self.buffer, options)
        border = {"border": 1, "valign": "vcenter", "font_name": "宋体", "font_size": 11}
        self.title = self.book.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter",
                                           "font_name": "宋体"})
        self.header = self.book.add_format({**border, "bold": True, "align": "center", "bg_color": "#E8EEF7",
                                            "text_wrap": True})
        self.required = self.book.add_format({**border, "bold": True, "align": "center", "bg_color": "#FBE3D6",
                                              "text_wrap": True})
        self.text = self.book.add_format({**border, "text_wrap": True})
        self.plain = self.book.add_format({"font_name": "宋体", "font_size": 11, "text_wrap": True,
                                           "valign": "top"})
        self.center = self.book.add_format({**border, "align": "center"})
        self.date = self.book.add_format({**border, "num_format": "yyyy-mm-dd", "align": "center"})
        self._numbers: dict[int, Any] = {}
        self.book.set_properties({"title": "scoreledger", "creator": "scoreledger"})

    def number(self, places: int) -> Any:
        """The right-aligned number format with a scheme's places."""
        if places not in self._numbers:
            self._numbers[places] = self.book.add_format(
                {"border": 1, "num_format": number_format(places), "align": "right", "font_name": "宋体",
                 "font_size": 11})
        return self._numbers[places]

    def sheet(self, name: str) -> Any:
        """A new sheet (names are cut to Excel's 31 characters and made unique)."""
        name = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31] or "Sheet"
        taken = {s.get_name() for s in self.book.worksheets()}
        base, n = name, 2
        while name in taken:
            suffix = f"({n})"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        return self.book.add_worksheet(name)

    def close(self) -> bytes:
        self.book.close()
        return self.buffer.getvalue()


def write_exact(sheet: Any, row: int, column: int, value: Decimal | str | None, cell_format: Any) -> None:
    """A result number in a cell, exactly; an empty cell for no value."""
    if value is None or value == "":
        sheet.write_blank(row, column, None, cell_format)
        return
    sheet.write_number(row, column, ExactNumber(Decimal(value)), cell_format)
