"""The wording of spreadsheets and the printed 公示, from the catalog: column headings by field,
periods and dates as a notice writes them (2021年第一季度, 2021年4月30日)."""

from __future__ import annotations

from datetime import date

from domain.texts.catalog import text
from domain.texts.zh.sheets import SHEETS

#: field -> its column heading (column.subject -> 被考核单位)
COLUMNS: dict[str, str] = {k.removeprefix("column."): v for k, v in SHEETS.items() if k.startswith("column.")}
#: an appeal's status -> the appeal register's word for it
OUTCOMES: dict[str, str] = {k.removeprefix("register."): v for k, v in SHEETS.items() if k.startswith("register.")}


def chinese_date(day: date) -> str:
    """A date as people write it on a notice: 2021年4月30日."""
    return text("date.zh", year=day.year, month=day.month, day=day.day)


def period_name(code: str) -> str:
    """2021-Q1 -> 2021年第一季度; 2021-H2 -> 2021年下半年; 2021 -> 2021年度."""
    year = code[:4]
    if "-Q" in code:
        return text("periodname.quarter", year=year, quarter="一二三四"[int(code[-1]) - 1])
    if "-H" in code:
        return text("periodname.half", year=year, half="上下"[int(code[-1]) - 1])
    return text("periodname.year", year=year)
