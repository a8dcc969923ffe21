"""The points one fact is worth for one party under its item's rule (D1-D11, B1-B6)."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from domain.facts import Bonus, Deduction, Party
from domain.numbers import ZERO, quantize
from domain.scheme.model import Scheme
from domain.scheme.nodes import BonusItem, DeductionItem
from domain.scheme.rules import Steps


def rounded(scheme: Scheme, step: str, value: Decimal) -> Decimal:
    """Round at a declared step; steps the scheme leaves out stay exact."""
    if step in scheme.rounding.at:
        return quantize(value, scheme.rounding.places, scheme.rounding.mode)
    return value


def whole_steps(value: Decimal, unit: Decimal) -> Decimal:
    """How many whole units fit in a value (never rounds up)."""
    return (value / unit).to_integral_value(rounding=ROUND_FLOOR)


def deduction_points(scheme: Scheme, item: DeductionItem, fact: Deduction, party: Party | None) -> tuple[Decimal, str]:
    """Points taken off (a positive amount) and how they were worked out."""
    rule, count = item.deduct, Decimal(fact.count)
    if rule.per is not None:
        base, note = rule.per * count, f"{fact.count} × {rule.per} (D1)"
    elif rule.graded is not None:
        key = fact.attributes[rule.graded.by]
        value = rule.graded.values[key]
        base, note = value * count, f"{fact.count} × {value} for {rule.graded.by}={key} (D6)"
    elif rule.range is not None:
        amount = fact.amount or ZERO
        base, note = amount * count, f"{fact.count} × {amount} decided within {rule.range.min}–{rule.range.max}"
    elif rule.zero_item:
        base, note = item.max or ZERO, f"item voided: all {item.max} points (D5)"
    elif rule.shortfall is not None:
        base, note = _shortfall(scheme, item, fact)
    elif rule.shares is not None and party is not None:
        value = rule.shares[party.role]
        base, note = value * count, f"{fact.count} × {value} as {party.role} (D11)"
    elif rule.repeats is not None:  # consequences are worked out over all reminders of the item (D10)
        return ZERO, f"reminder on matter {fact.matter} (D10)"
    else:  # in_proportion: worked out from another item's facts; validation refuses facts recorded here (D9)
        return ZERO, "worked out from another item (D9)"
    if rule.multiplier is not None:
        key = fact.attributes.get(rule.multiplier.by)
        factor = rule.multiplier.values.get(key, Decimal(1)) if key else Decimal(1)
        if factor != 1:
            base, note = base * factor, f"{note} × {factor} for {rule.multiplier.by}={key} (D7)"
    return base, note


def _shortfall(scheme: Scheme, item: DeductionItem, fact: Deduction) -> tuple[Decimal, str]:
    rule = item.deduct.shortfall
    missed = fact.shortfall or ZERO
    if rule is None or rule.proportional:
        value = rounded(scheme, "scaling", (item.max or ZERO) * missed)
        return value, f"{item.max} × {missed} missed (D9)"
    steps = whole_steps(missed, rule.step or Decimal(1))
    return steps * (rule.points or ZERO), f"{steps} steps of {rule.step} missed × {rule.points} (D9)"


def bonus_points(scheme: Scheme, item: BonusItem, fact: Bonus, party: Party | None) -> tuple[Decimal, str]:
    """Points added and how they were worked out; a joint party gets its share (B6)."""
    rule, count = item.bonus, Decimal(fact.count)
    if rule.per is not None:
        base, note = rule.per * count, f"{fact.count} × {rule.per}"
    elif rule.levels is not None:
        value = rule.levels[fact.level or ""]
        base, note = value * count, f"{fact.count} × {value} at level {fact.level} (B1)"
    elif rule.rank_award is not None:
        base, note = rule.rank_award[fact.rank or ""], f"rank {fact.rank} (B4)"
    elif rule.steps is not None:
        base, note = _steps(rule.steps, fact.amount or ZERO)
    else:
        amount = fact.amount or ZERO
        base, note = amount * count, f"{fact.count} × {amount} decided"
    if party is not None and scheme.joint_credit:
        share = scheme.joint_credit[party.role]
        base, note = rounded(scheme, "shares", base * share), f"{note} × {share} as {party.role} (B6)"
    return base, note


def _steps(steps: Steps, amount: Decimal) -> tuple[Decimal, str]:
    if steps.threshold is None:
        n = whole_steps(amount, steps.unit)
        return n * steps.points, f"{n} × {steps.unit} in {amount} × {steps.points} (B5)"
    if amount < steps.threshold:
        return ZERO, f"{amount} below the threshold {steps.threshold} (B5)"
    n = whole_steps(amount - steps.threshold, steps.unit)
    return steps.base + n * steps.points, f"{steps.base} at {steps.threshold} + {n} × {steps.points} (B5)"
