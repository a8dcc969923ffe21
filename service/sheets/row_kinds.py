"""Rows that are not findings: a rater's scores (R1-R3), the leading group's decisions (V1-V5, G5), and
retractions and exemptions (D8) of facts already recorded."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.scheme.nodes import RatingItem
from domain.texts.catalog import text
from service.sheets.cells import CellError, as_decimal, canonical_decimal, clean

if TYPE_CHECKING:
    from service.sheets.rows import _Row


def rating(row: _Row, item: RatingItem) -> dict[str, Any] | None:
    """One score; a row of a rating sheet left without a score is skipped (counted, not refused)."""
    if "value" not in row.values and row.reader.header.column_of("value") is not None:
        row.reader.blank_ratings += 1
        return None
    fact: dict[str, Any] = {"type": "rating", "item": item.id}
    subject = row._subject(item)
    if subject is not None:
        fact["subject"] = subject
    bound = row.reader.rater
    if bound is not None and "role" not in row.values:
        fact["role"] = bound[1]  # a rater rates under the role its account is bound to (R1)
    else:
        row._choices(item, fact)
    rater = row.get("rater", clean) or (bound[0] if bound else None)
    if rater is None:
        row.required("rater", clean)
    fact["rater"] = rater
    value = row.required("value", as_decimal)
    if value is not None:
        _score(row, item, value, fact)
    return row._common(fact)


def _score(row: _Row, item: RatingItem, value: Any, fact: dict[str, Any]) -> None:
    """R2: the score on the item's scale; a row that states the scale confirms a low score is meant on it."""
    scale = item.rating.scale
    if value > scale:
        row.problem("value", text("sheets.rating_scale", value=canonical_decimal(value),
                                  scale=canonical_decimal(scale)))
    elif value < 0:
        row.problem("value", text("sheets.negative", value=canonical_decimal(value)))
    stated = row.get("scale", as_decimal)
    if stated is not None and stated != scale:
        row.problem("scale", text("sheets.scale_differs", value=canonical_decimal(stated), item=item.title,
                                  scale=canonical_decimal(scale)))
    elif stated is not None:
        fact["scale_confirmed"] = True
    fact["value"] = canonical_decimal(value)


def decision(row: _Row, kind: str) -> dict[str, Any] | None:
    """A veto, affirmation or condition met, for one subject (recorded by the leading group)."""
    fact: dict[str, Any] = {"type": kind}
    code = row.required(kind, lambda v: row.vocabulary.decision(kind, v))
    subject = row._subject(None)
    fact.update({kind: code, "subject": subject})
    row._common(fact)
    return None if row.failed else fact


def change(row: _Row, kind: str | None) -> dict[str, Any] | None:
    """A retraction (撤销, with its reason) or an exemption (免扣, on a ground the scheme declares) of a fact."""
    kind = kind or ("exemption" if "ground" in row.values else "retraction" if "reason" in row.values else None)
    target = row.required("target", row.vocabulary.fact)
    if kind is None:
        row.required("type", str)
        return None
    fact: dict[str, Any] = {"type": kind, "target": target}
    if kind == "retraction":
        fact["reason"] = row.required("reason", _reason)
    else:
        fact["ground"] = row.required("ground", row.vocabulary.ground)
    row._common(fact)
    return None if row.failed else fact


def _reason(value: Any) -> str:
    written = clean(value)
    if len(written) > 500:
        raise CellError(text("sheets.too_long", max=500))
    return written
