"""What the scorecard fold looks up for every subject, worked out once per scheme."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from domain.numbers import ZERO, scoring_context
from domain.scheme.model import Scheme
from domain.scheme.nodes import Node, RatingItem, Section
from domain.scheme.offices import recording_office
from domain.scoring.applicability import applies

_PLANS: dict[int, tuple[Scheme, Plan]] = {}
_KEEP = 64


@dataclass
class RatingPlan:
    """R1-R3 constants of one rating item: its roles in order, their weights, the divisor."""

    roles: tuple[str, ...]
    weights: dict[str, Decimal]
    divisor: Decimal  # total weight × scale


@dataclass
class Plan:
    """Node headers, the children that apply to each kind, rating constants and the rounding."""

    scheme: Scheme
    base: dict[str, dict[str, Any]] = field(default_factory=dict)
    ratings: dict[str, RatingPlan] = field(default_factory=dict)
    kids: dict[tuple[str, str], list[Node]] = field(default_factory=dict)
    exponent: Decimal = Decimal(1)
    mode: str = ""
    by_group: bool = False  # some node's office depends on the subject's group (S5 office_by_group)
    group_base: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def header(self, node_id: str, group: str) -> dict[str, Any]:
        """A node's header for a subject of a group: its office is the one recording it for that group."""
        if not self.by_group:
            return self.base[node_id]
        found = self.group_base.get((node_id, group))
        if found is None:
            office = recording_office(self.scheme, node_id, group)
            found = self.group_base[(node_id, group)] = {**self.base[node_id], "office": office}
        return found

    def children(self, section: Section, kind: str) -> list[Node]:
        """The section's children whose applies_to admits the kind, in order."""
        key = (section.id, kind)
        found = self.kids.get(key)
        if found is None:
            found = self.kids[key] = [c for c in section.children if applies(c.applies_to, kind)]
        return found

    def rounded(self, step: str, value: Decimal) -> Decimal:
        """As points.rounded: round at a declared step, in the scheme's places and mode."""
        if step in self.scheme.rounding.at:
            return value.quantize(self.exponent, rounding=self.mode)
        return value


def plan_for(scheme: Scheme) -> Plan:
    """The scheme's plan (kept for the last few schemes scored)."""
    found = _PLANS.get(id(scheme))
    if found is not None and found[0] is scheme:
        return found[1]
    if len(_PLANS) >= _KEEP:
        _PLANS.clear()
    with scoring_context():
        plan = _build(scheme)
    _PLANS[id(scheme)] = (scheme, plan)
    return plan


def _build(scheme: Scheme) -> Plan:
    plan = Plan(scheme)
    plan.exponent = Decimal(1).scaleb(-scheme.rounding.places)
    plan.mode = scheme.rounding.mode.decimal_mode
    plan.by_group = any(node.office_by_group for node in scheme.nodes.values())
    for node in scheme.nodes.values():
        plan.base[node.id] = {
            "id": node.id,
            "title": node.title,
            "article": node.article,
            "office": scheme.offices_of.get(node.id),
            "weight": node.weight,
        }
        if isinstance(node, RatingItem):
            weights = node.rating.roles
            total = sum(weights.values(), ZERO)
            plan.ratings[node.id] = RatingPlan(tuple(weights), weights, total * node.rating.scale)
    return plan
