"""Cell values as people type them, turned into exact values: dates, counts, numbers, text.

Excel stores numbers as binary doubles; a cell holding 89.35 reads back as the double nearest
to it, whose shortest decimal form is the 89.35 the person typed (up to 15 significant digits),
so numbers are taken through that form and never through the double's exact binary value.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.texts.catalog import text

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 (Excel's 1900 leap-year bug is before March 1900)
_SERIALS = range(20_000, 80_000)  # 1954 to 2119: a plain number in a date column outside this is no date
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_COUNT = re.compile(r"^(\d+)(?:\.0+)?\s*(?:次|人次|项|个|篇|件)?$")


class CellError(ValueError):
    """Raised when a cell's value cannot be read as what its column holds (message in Chinese)."""


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean(value: Any) -> str:
    """A cell as text: full-width forms folded (NFKC), surrounding and doubled spaces removed."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, float):
        value = repr(value)
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


def squeezed(value: Any) -> str:
    """Text with every space removed, for matching names and headings."""
    return "".join(clean(value).split())


def as_date(value: Any) -> date:
    """A date from a date cell, an Excel serial number, or text like 2021-03-05, 2021.3.5, 2021年3月5日."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and int(value) in _SERIALS:
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(text("sheets.not_a_date", value=clean(value)))
    written = squeezed(value)
    found = _DATE.match(written) or _COMPACT.match(written)
    if found is None:
        if written.isascii() and written.isdigit() and int(written) in _SERIALS:
            return EXCEL_EPOCH + timedelta(days=int(written))
        raise CellError(text("sheets.not_a_date", value=clean(value)))
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        raise CellError(text("sheets.not_a_date", value=clean(value))) from None


def as_count(value: Any, maximum: int = 10_000) -> int:
    """A whole count: 3, 3.0, "3", "3次"; never 3.5 or 0."""
    if isinstance(value, bool):
        raise CellError(text("sheets.not_a_count", value=value))
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(text("sheets.not_a_count", value=clean(value)))
        value = int(value)
    found = _COUNT.match(squeezed(value))
    if found is None:
        raise CellError(text("sheets.not_a_count", value=clean(value)))
    count = int(found[1])
    if not 1 <= count <= maximum:
        raise CellError(text("sheets.count_range", max=maximum, value=count))
    return count


def as_decimal(value: Any) -> Decimal:
    """An exact number: a double through its shortest decimal form, text as written (分 allowed)."""
    if isinstance(value, bool):
        raise CellError(text("sheets.not_a_number", value=value))
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    written = squeezed(value).removesuffix("分")
    try:
        number = Decimal(written)
    except InvalidOperation:
        raise CellError(text("sheets.not_a_number", value=clean(value))) from None
    if not number.is_finite():
        raise CellError(text("sheets.not_a_number", value=clean(value)))
    return number


def as_code(value: Any) -> str:
    """A code typed in a cell: 1 stays "1" (not "1.0"), spaces removed."""
    return squeezed(value)


def canonical_decimal(number: Decimal) -> str:
    """The plain text of a number without exponent or trailing zeros, as the ledger stores it."""
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")
