"""What a recording form asks for an item, taken from the scheme; and the facts its rows make.

Attributes (rank, severity, finder ...), levels and ranks are choices from the scheme; amounts,
shortfalls and matters are asked only where the item's rule needs them (D6, D7, D9, D10, B1, B4, B5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.scheme.model import Scheme
from domain.scheme.nodes import BonusItem, DeductionItem
from domain.scheme.offices import group_lookup, records_for
from domain.texts.catalog import text
from domain.texts.zh import WORDS


@dataclass(frozen=True)
class Field:
    """One input of a form row: its form name, label, kind and choices (code, label)."""

    name: str
    label: str
    kind: str = "text"
    options: list[tuple[str, str]] = field(default_factory=list)
    hint: str = ""


def _choices(codes: Any, values: dict[str, Any] | None = None, optional: bool = False) -> list[tuple[str, str]]:
    first = [("", "—")] if optional else []
    return first + [(c, text("field.points_option", label=WORDS.get(c, c), points=values[c]) if values
                     else WORDS.get(c, c)) for c in codes]


def fields_for(scheme: Scheme, item_id: str) -> list[Field]:
    """The inputs an item needs besides subject, count, date and evidence."""
    item = scheme.items.get(item_id)
    out: list[Field] = []
    if isinstance(item, DeductionItem):
        rule = item.deduct
        if rule.graded:
            out.append(Field(f"attributes.{rule.graded.by}", WORDS.get(rule.graded.by, rule.graded.by), "select",
                             _choices(rule.graded.values, rule.graded.values)))
        if rule.multiplier:
            out.append(Field(f"attributes.{rule.multiplier.by}", WORDS.get(rule.multiplier.by, rule.multiplier.by),
                             "select", _choices(rule.multiplier.values, None, optional=True)))
        if rule.range:
            hint = text("field.range_hint", min=rule.range.min, max=rule.range.max)
            out.append(Field("amount", text("field.amount_range"), "number", hint=hint))
        if rule.shortfall:
            out.append(Field("shortfall", text("field.shortfall"), "number", hint=text("field.shortfall_hint")))
        if rule.repeats:
            out.append(Field("matter", text("field.matter"), "text"))
        if rule.shares:
            out.append(_parties_field(scheme, list(rule.shares)))
    elif isinstance(item, BonusItem):
        rule_b = item.bonus
        if rule_b.levels:
            out.append(Field("level", text("field.level"), "select", _choices(rule_b.levels, rule_b.levels)))
        if rule_b.rank_award:
            ranks = [(r, text("field.rank_option", rank=r, points=p)) for r, p in rule_b.rank_award.items()]
            out.append(Field("rank", text("field.rank"), "select", ranks))
        if rule_b.steps or rule_b.range:
            out.append(Field("amount", text("field.amount"), "number"))
        if scheme.joint_credit:
            out.append(_parties_field(scheme, list(scheme.joint_credit)))
    return out


def _parties_field(scheme: Scheme, roles: list[str]) -> Field:
    """D11/B6: one finding shared by several people or units, written as the sheets take it
    (service/sheets/parties.py): `张三（带班领导）、李四（值班组员）`, a 科室 standing for its members."""
    labels = (scheme.labels or {}).get("role")  # the words the sheets accept too: the scheme's labels, else codes
    named = "、".join(labels.values.get(r, r) if labels else r for r in roles)
    return Field("parties", text("field.parties"), "wide", hint=text("field.parties_hint", roles=named))


def recordable_items(
    scheme: Scheme, offices: tuple[str, ...], subjects: dict[str, dict[str, Any]]
) -> list[tuple[str, str, str]]:
    """(id, label, kind) of the deduction and bonus items the offices record (S5) for some subject of the
    period (by its group where the office depends on it), in scheme order."""
    out = []
    groups = {group_lookup(subjects)(s) for s in subjects} or {None}
    for item_id, item in scheme.items.items():
        if isinstance(item, (DeductionItem, BonusItem)) and records_for(scheme, offices, item_id, groups):
            kind = text("kind.deduction" if isinstance(item, DeductionItem) else "kind.bonus")
            out.append((item_id, text("field.item_option", item=item_id, title=item.title, kind=kind,
                                      article=item.article or ""), kind))
    return out


def recordable_subjects(scheme: Scheme, offices: tuple[str, ...], subjects: dict[str, dict[str, Any]],
                        items: list[str]) -> list[dict[str, Any]]:
    """The subjects for which the offices record one of the items (S5, by the subject's group)."""
    group_of = group_lookup(subjects)
    return [s for key, s in subjects.items() if any(records_for(scheme, offices, i, [group_of(key)]) for i in items)]


ROW_FIELDS = ("item", "subject", "count", "occurred_on", "situation", "evidence", "amount", "shortfall", "matter",
              "level", "rank")


def fact_from_row(scheme: Scheme, row: dict[str, str]) -> dict[str, Any] | None:
    """The fact one filled row makes (None for a blank row); values stay as typed, checks come later."""
    item_id = row.get("item", "").strip()
    if not item_id:
        return None
    item = scheme.items.get(item_id)
    fact: dict[str, Any] = {"type": "bonus" if isinstance(item, BonusItem) else "deduction", "item": item_id,
                            "subject": row.get("subject", "").strip() or None}
    count = row.get("count", "").strip()
    fact["count"] = int(count) if count.isdigit() else (count or 1)
    for name in ("occurred_on", "situation", "evidence", "amount", "shortfall", "matter", "level", "rank"):
        value = row.get(name, "").strip()
        if value:
            fact[name] = value
    attributes = {k.split(".", 1)[1]: v.strip() for k, v in row.items() if k.startswith("attributes.") and v.strip()}
    if attributes:
        fact["attributes"] = attributes
    return {k: v for k, v in fact.items() if v is not None}
