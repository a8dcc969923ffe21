"""Reading an uploaded file into sheets of cells: .xlsx/.xls with python-calamine, CSV in any
encoding Excel and WPS write (UTF-8, UTF-8 with BOM, UTF-16 with BOM, GBK/GB18030).

Cells keep their place (row and column as in the spreadsheet) so that every problem can name
them. A merged range (a unit spanning several rows) gives its value to every cell it covers.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from domain.texts.catalog import text

WORKBOOKS = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
TEXTS = {".csv", ".txt", ".tsv"}
ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "gbk": "gb18030", "gb2312": "gb18030", "gb18030": "gb18030",
             "utf-16": "utf-16"}


class FileUnreadable(ValueError):
    """Raised when the upload is not a spreadsheet this service reads (message in Chinese)."""


@dataclass
class Sheet:
    """One sheet's cells, rows and columns counted from 0 as in the spreadsheet."""

    name: str
    rows: list[list[Any]]
    encoding: str | None = None
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


def read_sheets(data: bytes, filename: str, encoding: str | None = None) -> list[Sheet]:
    """Every sheet of a workbook, or the one sheet of a CSV file."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix in WORKBOOKS or (not suffix and data[:2] == b"PK"):
        return _workbook(data)
    if suffix in TEXTS or not suffix:
        return [_csv(data, PurePath(filename or "").stem or text("sheets.default_sheet"), encoding)]
    raise FileUnreadable(text("sheets.unknown_format", suffix=suffix))


def _workbook(data: bytes) -> list[Sheet]:
    import python_calamine as calamine

    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in book.sheets_metadata:
            if meta.visible != calamine.SheetVisibleEnum.Visible or meta.typ != calamine.SheetTypeEnum.WorkSheet:
                continue  # hidden helper sheets (a template's lists) and charts hold no records
            name = meta.name
            found = book.get_sheet_by_name(name)
            rows = found.to_python(skip_empty_area=False)
            merged = list(found.merged_cell_ranges or [])
            sheets.append(Sheet(name, _filled(rows, merged), merged=merged))
        return sheets
    except Exception as exc:  # calamine raises its own kinds for zip, XML and password problems
        raise FileUnreadable(text("sheets.unreadable", reason=type(exc).__name__)) from None


def _filled(rows: list[list[Any]], merged: list[tuple[tuple[int, int], tuple[int, int]]]) -> list[list[Any]]:
    """Give a merged range's value to every cell in it (calamine leaves all but the first empty)."""
    for (top, left), (bottom, right) in merged:
        if top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            for c in range(left, min(right, len(rows[r]) - 1) + 1):
                rows[r][c] = value
    return rows


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text of a CSV file and the encoding used: a byte-order mark wins, then the one chosen,
    then UTF-8 if the bytes are valid UTF-8, else GB18030 (the superset of GBK that Excel on
    Chinese Windows writes)."""
    marks = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
    for mark, name in marks:
        if data.startswith(mark):
            return data.decode(name), name
    chosen = ENCODINGS.get((encoding or "").lower().replace("_", "-"))
    candidates = [chosen] if chosen else ["utf-8", "gb18030"]
    for name in candidates:
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    raise FileUnreadable(text("sheets.bad_encoding", encoding=chosen or "UTF-8 / GBK"))


def _csv(data: bytes, name: str, encoding: str | None) -> Sheet:
    content, used = decode(data, encoding)
    sample = content[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    rows: list[list[Any]] = [list(row) for row in csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)]
    return Sheet(name, rows, encoding=used)
