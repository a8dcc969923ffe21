"""S4 periods and P1-P6 publication data; period codes like 2026, 2026-H1, 2026-Q3."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Literal, Self

from pydantic import Field, model_validator

from domain.numbers import RoundingMode
from domain.scheme.base import Strict, Text, Whole

PeriodKind = Literal["quarter", "half", "year"]
_FINENESS = {"year": 0, "half": 1, "quarter": 2}
_PATTERNS = {"year": r"^(\d{4})$", "half": r"^(\d{4})-H([12])$", "quarter": r"^(\d{4})-Q([1-4])$"}


class PeriodSpec(Strict):
    """S4: the scoring period, and C4 parts whose facts accumulate into it."""

    kind: PeriodKind
    parts: PeriodKind | None = Field(None, description="C4: finer periods whose facts roll up.")
    facts_dated: Literal["before_end"] | None = Field(
        None,
        description="When a fact's matter may have happened: within its period (default), or any day up to "
        "the period's end (before_end: ZZ counts a case in the year of the accountability decision).",
    )

    @model_validator(mode="after")
    def _parts_finer(self) -> Self:
        if self.parts is not None and _FINENESS[self.parts] <= _FINENESS[self.kind]:
            raise ValueError(f"parts ({self.parts}) must be finer than the period ({self.kind})")
        return self


def period_kind(code: str) -> PeriodKind | None:
    """The kind of a period code, or None when the code is malformed."""
    for kind, pattern in _PATTERNS.items():
        if re.match(pattern, code):
            return kind  # type: ignore[return-value]
    return None


def period_parts(code: str, kind: PeriodKind) -> list[str]:
    """The codes of the parts of a period: 2026 -> 2026-H1, 2026-H2."""
    year = code[:4]
    if kind == "half":
        return [f"{year}-H1", f"{year}-H2"] if period_kind(code) == "year" else [code]
    if kind == "quarter":
        own = period_kind(code)
        if own == "year":
            return [f"{year}-Q{q}" for q in range(1, 5)]
        if own == "half":
            first = 1 if code.endswith("H1") else 3
            return [f"{year}-Q{first}", f"{year}-Q{first + 1}"]
    return [code]


def period_dates(code: str) -> tuple[date, date]:
    """The first and last day of a period code: 2026-Q2 -> 2026-04-01, 2026-06-30."""
    year, kind = int(code[:4]), period_kind(code)
    if kind == "year":
        return date(year, 1, 1), date(year, 12, 31)
    months = 6 if kind == "half" else 3
    first = (int(code[-1]) - 1) * months + 1
    last = first + months - 1
    end = date(year + 1, 1, 1) if last == 12 else date(year, last + 1, 1)
    return date(year, first, 1), end - timedelta(days=1)


def previous_period(code: str) -> str:
    """The period before a period, of the same kind: 2026-Q1 -> 2025-Q4, 2026-H2 -> 2026-H1, 2026 -> 2025."""
    kind, year = period_kind(code), int(code[:4])
    if kind == "quarter":
        quarter = int(code[-1])
        return f"{year}-Q{quarter - 1}" if quarter > 1 else f"{year - 1:04d}-Q4"
    if kind == "half":
        return f"{year}-H1" if code.endswith("H2") else f"{year - 1:04d}-H2"
    if kind == "year":
        return f"{year - 1:04d}"
    raise ValueError(f"{code!r} is not a period code")


class Rounding(Strict):
    """Declared rounding: places and mode, and the steps where it applies."""

    places: Whole = Field(2, ge=0, le=6)
    mode: RoundingMode = RoundingMode.half_up
    at: list[Literal["ratings", "weights", "shares", "scaling", "total"]] = Field(
        default_factory=lambda: ["ratings", "weights", "shares", "scaling", "total"],
        description="Steps whose results are rounded; other results stay exact.",
    )


class Publication(Strict):
    """P1-P6: publication and appeal windows, counted in mainland working days."""

    publicity_working_days: Whole | None = Field(None, ge=0, description="P1: publication period.")
    appeal_window_working_days: Whole = Field(3, ge=1, description="P2: days to appeal after publication.")
    decision_window_working_days: Whole = Field(3, ge=1, description="P4: days to decide after acceptance.")
    calendar: Literal["mainland"] = Field("mainland", description="P6: working days with holidays and 调休.")
    listed_grades: list[Text] | None = Field(
        None,
        min_length=1,
        description="P1: the grades the 公示 lists (QF 三.(二)5: only those graded 好); absent: every subject.",
    )
