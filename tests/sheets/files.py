"""Spreadsheets as they arrive: written the way Excel and WPS write them."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import xlsxwriter


def csv_bytes(rows: list[list[Any]], encoding: str) -> bytes:
    """A CSV file as Excel saves it: "CSV" on Chinese Windows is GBK, "CSV UTF-8" starts with a BOM."""
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def real_world_xlsx(title: str, header: list[str], rows: list[list[Any]], merges: list[str] = (),
                    trailing_blank: int = 3) -> bytes:
    """A sheet with a merged title row, a header, data rows (dates as dates or serials), merged cells, blank rows."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("扣分登记")
    dated = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.merge_range(0, 0, 0, len(header) - 1, title)
    sheet.write_row(1, 0, header)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            if isinstance(value, date):
                sheet.write_datetime(r, c, value, dated)
            elif value is not None:
                sheet.write(r, c, value)
    for merge in merges:  # e.g. "B3:B5" holding the value of B3
        first = merge.split(":")[0]
        row, col = int(first[1:]) - 1, ord(first[0]) - 65
        sheet.merge_range(merge, rows[row - 2][col])
    for extra in range(trailing_blank):
        sheet.write_blank(2 + len(rows) + extra, 0, None, book.add_format({"border": 1}))
    book.close()
    return out.getvalue()
