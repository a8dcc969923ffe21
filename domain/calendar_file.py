"""An administrator's calendar file (P6): one year's public holidays and make-up working days.

The file is YAML 1.2 or JSON (JSON is read as YAML), one year per file, transcribing the
State Council's holiday arrangement (国务院办公厅关于某年部分节假日安排的通知)::

    year: 2027
    source: 国办发明电〔2026〕N号          # optional, kept for the audit trail
    holidays: [2027-01-01, 2027-05-01, ...]  # every day off, weekends inside a holiday block may be listed
    workdays: [2027-02-20]                   # weekend days worked in lieu (调休上班)

A year supplied by a file is fully defined by it: a weekday works unless it is listed as a
holiday, a weekend day rests unless it is listed as a workday.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path as FsPath
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from domain.errors import InvalidInput, Problem
from domain.yamltext import Lines, Loc, dotted, line_of, read_yaml

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Fixed-date statutory holidays (全国年节及纪念日放假办法): 元旦 1/1, 劳动节 5/1, 国庆节 10/1-10/3.
# A file missing one of them is almost certainly a transcription slip or a file for another year.
_STATUTORY = ((1, 1, "元旦"), (5, 1, "劳动节"), (10, 1, "国庆节"), (10, 2, "国庆节"), (10, 3, "国庆节"))


class CalendarFileInvalid(InvalidInput):
    """Raised when an administrator's calendar file is unreadable or fails validation."""


def _iso_date(value: Any) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError(f"{value!r} is not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date of the calendar") from None


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class _CalendarYearShape(BaseModel):
    """The fields of a calendar file, before the checks that relate them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int = Field(strict=True, ge=1949, le=2999, description="The calendar year the file defines.")
    source: str | None = Field(None, description="The notice the dates come from, e.g. 国办发明电〔2026〕N号.")
    holidays: tuple[IsoDate, ...] = Field(description="Every day off of the year's public holidays.")
    workdays: tuple[IsoDate, ...] = Field((), description="Weekend days worked in lieu (调休上班).")


class CalendarYear(_CalendarYearShape):
    """One year of the mainland working calendar as the administrator supplies it."""

    @model_validator(mode="after")
    def _consistent(self) -> CalendarYear:
        problems = consistency_problems(self)
        if problems:
            raise ValueError("\n".join(f"{dotted(loc)}: {message}" for loc, message in problems))
        return self

    def is_working_day(self, d: date) -> bool:
        """Whether d (a date of this year) is a working day under this file."""
        if d.year != self.year:
            raise ValueError(f"{d.isoformat()} is not in {self.year}")
        if d in self.workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays


def consistency_problems(cal: _CalendarYearShape) -> list[tuple[Loc, str]]:
    """Every date in the year, none listed twice nor both ways, workdays on weekends, statutory days off."""
    problems: list[tuple[Loc, str]] = []
    for key in ("holidays", "workdays"):
        seen: set[date] = set()
        for i, d in enumerate(getattr(cal, key)):
            if d.year != cal.year:
                problems.append(((key, i), f"{d.isoformat()} is not in {cal.year}"))
            if d in seen:
                problems.append(((key, i), f"{d.isoformat()} is listed twice"))
            seen.add(d)
    holidays = set(cal.holidays)
    for i, d in enumerate(cal.workdays):
        if d in holidays:
            problems.append((("workdays", i), f"{d.isoformat()} is listed both as a holiday and as a workday"))
        elif d.weekday() < 5:
            problems.append(
                (
                    ("workdays", i),
                    f"{d.isoformat()} is a {_WEEKDAYS[d.weekday()]}: list only weekend days worked in lieu",
                )
            )
    for m, day, name in _STATUTORY:
        if date(cal.year, m, day) not in holidays:
            problems.append(
                (("holidays",), f"{date(cal.year, m, day).isoformat()} ({name}) is a statutory holiday, not listed")
            )
    return problems


def load_calendar_file(path: str | FsPath) -> CalendarYear:
    """Load and validate one calendar file; raises CalendarFileInvalid listing every problem."""
    try:
        text = FsPath(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CalendarFileInvalid(f"cannot read calendar file {path}", [Problem("", str(exc))]) from None
    return load_calendar_text(text, source=str(path))


def load_calendar_text(text: str, source: str = "<calendar>") -> CalendarYear:
    """Parse YAML or JSON text into a validated CalendarYear; raises CalendarFileInvalid."""
    title = f"{source}: the calendar file is invalid (expected year, holidays, workdays; see docs/calendar.md)"
    data, lines, problems = read_yaml(text, source, CalendarFileInvalid, kind="YAML or JSON")
    if problems:
        raise CalendarFileInvalid(title, problems)
    try:
        shape = _CalendarYearShape.model_validate(data)
    except ValidationError as exc:
        raise CalendarFileInvalid(title, _problems(exc, lines)) from None
    related = consistency_problems(shape)
    if related:
        raise CalendarFileInvalid(title, [Problem(dotted(loc), msg, line_of(loc, lines)) for loc, msg in related])
    return CalendarYear.model_validate(shape.model_dump())


def _problems(exc: ValidationError, lines: Lines) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        problems.append(Problem(dotted(loc), error["msg"].removeprefix("Value error, "), line_of(loc, lines)))
    return problems
