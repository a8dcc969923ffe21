"""Charts drawn on the server as SVG (the `bars` macro): distributions, section breakdowns, totals over time.

Each function turns rows of a read model into {title, max, rows, lines, quota}; the macro draws it.
Geometry only: the numbers shown are the model's own canonical text.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, Decimal
from typing import Any

from domain.scheme.model import Scheme
from domain.texts.catalog import text


def _top(values: Sequence[Decimal], floor: Decimal = Decimal(10)) -> Decimal:
    """A round upper bound for the axis."""
    high = max([floor, *values])
    return (high / 10).to_integral_value(rounding=ROUND_CEILING) * 10


def distribution(title: str, rows: Sequence[Any], scheme: Scheme | None) -> dict[str, Any]:
    """A group's totals in rank order, with the grade rules' thresholds and the quota line (G1, G2)."""
    rules = scheme.grading.rules if scheme and scheme.grading else []
    lines = [{"at": r.min, "label": text("chart.threshold", grade=r.grade, min=r.min)}
             for r in rules if r.min is not None]
    top = _top([r.total for r in rows] + [line["at"] for line in lines])
    bars = [{"label": f"{r.rank}. {r.name}", "value": max(r.total, Decimal(0)),
             "mark": "good" if r.grade is not None and r.grade == _best(scheme) else ("low" if not r.eligible else "")}
            for r in rows]
    quota = None
    for rule in rules:
        if rule.quota is not None:
            given = sum(1 for r in rows if r.grade == rule.grade)
            quota = {"after": given, "label": text("chart.quota", grade=rule.grade, n=given)}
            break
    return {"title": title, "max": top, "rows": bars, "lines": lines, "quota": quota}


def _best(scheme: Scheme | None) -> str | None:
    return scheme.grading.grades[0] if scheme and scheme.grading else None


def sections(title: str, card: Any) -> dict[str, Any]:
    """A scorecard's top-level sections: points applied against each section's maximum."""
    rows = [{"label": c.title, "value": c.applied, "mark": "good" if c.max is not None and c.applied >= c.max else ""}
            for c in card.children]
    return {"title": title, "max": _top([c.max or c.applied for c in card.children]), "rows": rows, "lines": []}


def over_time(title: str, totals: Sequence[tuple[str, Decimal]]) -> dict[str, Any]:
    """A subject's totals across periods, oldest first."""
    rows = [{"label": period, "value": total, "mark": "self"} for period, total in totals]
    return {"title": title, "max": _top([t for _, t in totals]), "rows": rows, "lines": []}
