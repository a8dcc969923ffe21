"""What every template shares: entry sheets under a title row and a header row, each column with its
drop-down list (data validation against a hidden sheet of lists) or its number rule, an instructions
sheet, and an items sheet for looking an entry up. A filled template imports without edits."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.texts.catalog import text
from service.sheets.columns import letter
from service.sheets.workbook import Book

ROWS = 1000  # entry rows prepared with drop-down lists
FIRST = 2  # the first entry row (0-based): under the title and the header


@dataclass(frozen=True)
class Column:
    """One column of an entry sheet: its field (the heading the importer reads), width, and what it takes."""

    key: str
    heading: str
    width: int
    required: bool = False
    options: tuple[str, ...] = ()
    prompt: str | None = None  # a catalog key: the note shown when the cell is selected
    number: tuple[str, Decimal, Decimal] | None = None  # ("integer" | "decimal", low, high)
    error: str = "template.error_list"


class TemplateBook:
    """A workbook of entry sheets whose lists live on one hidden sheet."""

    def __init__(self) -> None:
        self.book = Book()
        self.lists: list[tuple[str, tuple[str, ...]]] = []

    def source(self, heading: str, options: tuple[str, ...]) -> str:
        """The range of a list on the hidden lists sheet (a list shared by two sheets is written once)."""
        known = [written for _, written in self.lists]
        if options not in known:
            self.lists.append((heading, options))
        column = letter(known.index(options) if options in known else len(self.lists) - 1)
        return f"='{text('template.lists_sheet')}'!${column}$2:${column}${len(options) + 1}"

    def entry_sheet(self, name: str, title: str, columns: list[Column], rows: int = ROWS,
                    prefilled: list[dict[str, Any]] | None = None) -> Any:
        """A sheet to fill: title, header (required columns marked), lists and number rules on every row."""
        sheet = self.book.sheet(name)
        sheet.merge_range(0, 0, 0, len(columns) - 1, title, self.book.title)
        sheet.set_row(0, 30)
        sheet.set_row(1, 32)
        last = FIRST + max(rows, len(prefilled or [])) - 1
        for index, column in enumerate(columns):
            sheet.write_string(1, index, column.heading, self.book.required if column.required else self.book.header)
            sheet.set_column(index, index, column.width, self.book.date if column.key == "occurred_on" else None)
            self._validate(sheet, index, column, last)
        for offset, values in enumerate(prefilled or []):
            for index, column in enumerate(columns):
                if column.key in values:
                    sheet.write(FIRST + offset, index, values[column.key])
        sheet.freeze_panes(FIRST, min(3, len(columns)))
        sheet.autofilter(1, 0, last, len(columns) - 1)
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0, 1)
        return sheet

    def _validate(self, sheet: Any, index: int, column: Column, last: int) -> None:
        shown = {"input_title": column.heading, "input_message": text(column.prompt)} if column.prompt else {}
        error = {"error_title": text("template.error_title"), "error_message": text(column.error)}
        if column.options:
            rule = {"validate": "list", "source": self.source(column.heading, column.options)}
        elif column.number is not None:
            kind, low, high = column.number
            rule = {"validate": kind, "criteria": "between", "minimum": float(low), "maximum": float(high)}
        else:
            return
        sheet.data_validation(FIRST, index, last, index, {**rule, **shown, **error})

    def instructions(self, title: str, lines: list[str]) -> None:
        sheet = self.book.sheet(text("template.instructions_sheet"))
        sheet.set_column(0, 0, 100)
        sheet.write_string(0, 0, title, self.book.title)
        for row, line in enumerate(lines, start=2):
            sheet.write_string(row, 0, line, self.book.plain)

    def table(self, name: str, headings: list[str], rows: list[list[str]], widths: list[int]) -> None:
        """A sheet to look things up in (the items with their articles and rules)."""
        sheet = self.book.sheet(name)
        for index, (heading, width) in enumerate(zip(headings, widths, strict=True)):
            sheet.write_string(0, index, heading, self.book.header)
            sheet.set_column(index, index, width)
        for row, values in enumerate(rows, start=1):
            for index, value in enumerate(values):
                sheet.write_string(row, index, value, self.book.text)
        sheet.freeze_panes(1, 0)

    def close(self) -> bytes:
        """The workbook, its lists on a last, hidden sheet (the importer skips hidden sheets)."""
        sheet = self.book.sheet(text("template.lists_sheet"))
        for index, (heading, options) in enumerate(self.lists):
            sheet.write_string(0, index, text("template.options", heading=heading))
            for row, option in enumerate(options, start=1):
                sheet.write_string(row, index, option)
        sheet.hide()
        return self.book.close()
