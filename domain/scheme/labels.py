"""Chinese names of the codes facts carry (levels, ranks, severities, finders, roles), and which
codes each item takes: what forms, templates and spreadsheets offer and accept.

A scheme may declare `labels`, e.g. `level: {title: 级别, values: {city: 市级, province: 省级}}`;
a code without a label is shown and accepted as itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from domain.scheme.base import Code, Strict, Text
from domain.scheme.nodes import BonusItem, DeductionItem, RatingItem


class ValueLabels(Strict):
    """The Chinese name of one attribute of facts and of each of its values."""

    title: Text = Field(description="The attribute's name as people say it, e.g. 级别.")
    values: dict[Code, Text] = Field(default_factory=dict, description="Each value's name, e.g. city: 市级.")


@dataclass(frozen=True)
class Choice:
    """One attribute an item's facts must (or may) carry, with the codes it takes.

    `field` is where the value goes in a fact: `level`, `rank`, `role`, or `attributes.<name>`."""

    field: str
    attribute: str
    codes: tuple[str, ...]
    required: bool = True


def item_choices(item: DeductionItem | BonusItem | RatingItem) -> list[Choice]:
    """The coded attributes a fact on this item carries (B1 level, B4 rank, D6/D7 attributes, R1 role)."""
    if isinstance(item, RatingItem):
        return [Choice("role", "role", tuple(item.rating.roles))]
    if isinstance(item, BonusItem):
        rule = item.bonus
        out = [Choice("level", "level", tuple(rule.levels))] if rule.levels else []
        return out + ([Choice("rank", "rank", tuple(rule.rank_award))] if rule.rank_award else [])
    out = []
    if item.deduct.graded is not None:
        graded = item.deduct.graded
        out.append(Choice(f"attributes.{graded.by}", graded.by, tuple(graded.values)))
    if item.deduct.multiplier is not None:
        by = item.deduct.multiplier.by
        out.append(Choice(f"attributes.{by}", by, tuple(item.deduct.multiplier.values), required=False))
    return out


def attribute_codes(items: list[DeductionItem | BonusItem | RatingItem]) -> dict[str, set[str]]:
    """Every coded attribute the items use, with all the codes it takes."""
    codes: dict[str, set[str]] = {}
    for item in items:
        for choice in item_choices(item):
            codes.setdefault(choice.attribute, set()).update(choice.codes)
        rule = item.deduct if isinstance(item, DeductionItem) else None
        if rule is not None and rule.shares:
            codes.setdefault("role", set()).update(rule.shares)
    return codes
