"""Field checks of deductions and bonuses against their item's rule (D6, D7, D9, D10, D11, B1, B4, B5, B6)."""

from __future__ import annotations

from domain.facts import Bonus, Deduction
from domain.scheme.model import Scheme
from domain.scheme.nodes import BonusItem, DeductionItem


def deduction_fields(item: DeductionItem, fact: Deduction) -> list[tuple[str, str]]:
    rule, out = item.deduct, []
    for attr_rule in (rule.graded, rule.multiplier):
        value = fact.attributes.get(attr_rule.by) if attr_rule else None
        if attr_rule is rule.graded and attr_rule is not None and value is None:
            out.append(
                (
                    f"attributes.{attr_rule.by}",
                    f"item {item.id} needs attribute {attr_rule.by!r}: one of {sorted(attr_rule.values)}",
                )
            )
        elif attr_rule is not None and value is not None and value not in attr_rule.values:
            out.append((f"attributes.{attr_rule.by}", f"{value!r} is not one of {sorted(attr_rule.values)}"))
    if rule.range is not None:
        out += _amount_in(rule.range.min, rule.range.max, fact.amount, item.id)
    if rule.shortfall is not None and fact.shortfall is None:
        out.append(("shortfall", f"item {item.id} needs the shortfall, a fraction from 0 to 1 (D9)"))
    if rule.in_proportion is not None:
        source = rule.in_proportion.item
        told = f"item {item.id} is worked out from the pieces recorded on {source} (D9): record them there"
        out.append(("item", told))
    if rule.repeats is not None and fact.matter is None:
        out.append(("matter", f"item {item.id} needs the matter the reminder concerns (D10)"))
    if rule.shares is not None:
        roles = [p.role for p in fact.parties or []]
        if not roles or any(r not in rule.shares for r in roles):
            out.append(
                (
                    "parties",
                    f"item {item.id} shares liability: give parties with roles from {sorted(rule.shares)} (D11)",
                )
            )
    elif fact.parties is not None:
        out.append(("parties", f"item {item.id} deducts from one subject; give subject"))
    return out


def bonus_fields(scheme: Scheme, item: BonusItem, fact: Bonus) -> list[tuple[str, str]]:
    rule, out = item.bonus, []
    if rule.levels is not None and fact.level not in rule.levels:
        out.append(("level", f"item {item.id} needs a level, one of {sorted(rule.levels)} (B1)"))
    if rule.rank_award is not None and fact.rank not in rule.rank_award:
        out.append(("rank", f"item {item.id} needs a rank, one of {sorted(rule.rank_award)} (B4)"))
    if rule.steps is not None and fact.amount is None:
        out.append(("amount", f"item {item.id} needs the amount the step scale counts (B5)"))
    if rule.range is not None:
        out += _amount_in(rule.range.min, rule.range.max, fact.amount, item.id)
    if fact.parties is not None:
        shares = scheme.joint_credit or {}
        if not shares or any(p.role not in shares for p in fact.parties):
            out.append(
                ("parties", f"joint credit needs roles from {sorted(shares) or 'joint_credit (not declared)'} (B6)")
            )
    return out


def _amount_in(low: object, high: object, amount: object, item_id: str) -> list[tuple[str, str]]:
    if amount is None:
        return [("amount", f"item {item_id} needs an amount from {low} to {high}")]
    if not (low <= amount <= high):  # type: ignore[operator]
        return [("amount", f"amount {amount} is outside {low} to {high} for item {item_id}")]
    return []
