"""One subject's scorecard: the tree folded bottom-up over its lines (S1, D2, D3, B3, C1, C2, R1-R3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from domain.facts import Subject
from domain.numbers import ZERO
from domain.scheme.model import Scheme
from domain.scheme.nodes import Basis, BonusItem, DeductionItem, Item, Node, RatingItem, Section
from domain.scheme.rules import InProportion
from domain.scoring.applicability import applies
from domain.scoring.lines import Entry, Key
from domain.scoring.plan import plan_for
from domain.scoring.results import Line, NodeResult, trusted

_DEDUCT_RULES = {
    "per": "D1",
    "graded": "D6",
    "range": "D1",
    "zero_item": "D5",
    "shortfall": "D9",
    "repeats": "D10",
    "shares": "D11",
    "in_proportion": "D9",
}
_BONUS_RULES = {"per": "B1", "levels": "B1", "rank_award": "B4", "steps": "B5", "range": "B1"}


class Scorecard:
    """Folds the scheme's tree for one subject over that subject's lines."""

    def __init__(self, scheme: Scheme, subject: Subject, lines: dict[Key, list[Entry]]):
        self.scheme, self.subject, self.lines = scheme, subject, lines
        self.plan = plan_for(scheme)

    def build(self) -> NodeResult:
        result = self.node(self.scheme.tree)
        if result is None:
            return NodeResult(id=self.scheme.tree.id, title=self.scheme.tree.title, rules=[], raw=ZERO, applied=ZERO)
        return result

    def node(self, node: Node) -> NodeResult | None:
        if not applies(node.applies_to, self.subject.kind):
            return None
        if isinstance(node, Section):
            return self.section(node)
        return self.item(node)

    def _base(self, node: Node) -> dict[str, object]:
        return self.plan.base[node.id]

    def item(self, item: Item) -> NodeResult:
        lines = [e.line for e in self.lines.get((self.subject.id, item.id), [])]
        if isinstance(item, RatingItem):
            return self.rating(item, lines)
        if isinstance(item, DeductionItem) and item.deduct.in_proportion is not None:
            lines = [self.in_proportion(item, item.deduct.in_proportion)]
        raw = sum((line.points for line in lines if line.status == "counted"), ZERO)
        bound = min((b for b in (item.cap, item.max) if b is not None), default=None)
        applied = raw if bound is None else max(min(raw, bound), -bound)
        rules = self._item_rules(item, lines, applied != raw)
        cut_facts = _beyond(lines, bound) if applied != raw and bound is not None else []
        return _node(
            self.plan.header(item.id, self.subject.group),
            _ITEM,
            rules=rules,
            max=item.max,
            raw=raw,
            applied=applied,
            cut=raw - applied,
            cut_facts=cut_facts,
            lines=lines,
        )

    def in_proportion(self, item: DeductionItem, rule: InProportion) -> Line:
        """D9: max × (quota − pieces done) / quota, the pieces being the counted facts of another item."""
        hits = [e for e in self.lines.get((self.subject.id, rule.item), []) if e.line.status == "counted"]
        done = sum(e.count for e in hits)
        short = max(rule.quota - done, 0)
        points = self.plan.rounded("scaling", (item.max or ZERO) * short / rule.quota)
        values = {
            "facts": [f for e in hits for f in e.line.facts],
            "points": -points,
            "status": "counted",
            "recorded_by": sorted({r for e in hits for r in e.line.recorded_by}),
            "note": f"{done} of {rule.quota} recorded on {rule.item}: {item.max} × {short}/{rule.quota} short (D9)",
            "by": [],
            "occurred_on": None,
        }
        return trusted(Line, values, _WORKED_OUT)

    def _item_rules(self, item: Item, lines: list[Line], capped: bool) -> list[str]:
        if isinstance(item, DeductionItem):
            rules = [_DEDUCT_RULES[item.deduct.way]] + (["D7"] if item.deduct.multiplier else [])
            rules += ["D5", "D10"] if item.deduct.void_at is not None else []
            rules += ["D8"] if any(line.status == "exempted" for line in lines) else []
            rules += ["D4"] if any(line.status == "superseded" for line in lines) else []
        elif isinstance(item, BonusItem):
            rules = [_BONUS_RULES[item.bonus.way]] + (["D9"] if item.bonus.beyond_quota is not None else [])
            rules += ["B6"] if any("(B6)" in (line.note or "") for line in lines) else []
            rules += ["B2"] if any(line.status == "superseded" for line in lines) else []
        else:
            rules = []
        voids = isinstance(item, DeductionItem) and item.deduct.void_at is not None  # its max is D5, not a cap
        return rules + (["B3"] if (capped and not voids) or item.cap is not None else [])

    def rating(self, item: RatingItem, lines: list[Line]) -> NodeResult:
        """R1-R3: average each role's ratings, weight the roles, convert to the item's max."""
        plan = self.plan.ratings[item.id]
        by_role: dict[str, list[Decimal]] = {role: [] for role in plan.roles}
        for line in lines:
            if line.status == "counted":
                by_role[(line.note or "").split(" ", 1)[0]].append(line.points)
        weights, weighted, missing = plan.weights, ZERO, []
        for role, values in by_role.items():
            if values:
                weighted += weights[role] * sum(values, ZERO) / len(values)
            else:
                missing.append(role)
        value = self.plan.rounded("ratings", weighted * item.max / plan.divisor)
        return _node(
            self.plan.header(item.id, self.subject.group),
            _RATING,
            rules=["R1", "R2", "R3"],
            max=item.max,
            raw=value,
            applied=value,
            incomplete=[f"no rating from role {r}" for r in sorted(missing)],
            lines=lines,
        )

    def section(self, section: Section) -> NodeResult | None:
        kids = self.plan.children(section, self.subject.kind)
        built = [self.section(c) if isinstance(c, Section) else self.item(c) for c in kids]
        children = [r for r in built if r is not None]
        if not children:
            return None
        if section.basis is Basis.sum:
            return self._sum(section, children)
        return self._bounded(section, children)

    def _sum(self, section: Section, children: list[NodeResult]) -> NodeResult:
        rounded, total, overflow, weighted = self.plan.rounded, ZERO, ZERO, False
        for c in children:
            if c.weight:
                total += rounded("weights", c.applied * c.weight)
                weighted = True
            else:
                total += c.applied
            overflow += c.overflow
        rules = (["C2"] if weighted else ["C1"]) + self._scope_rules(section)
        return _node(
            self.plan.header(section.id, self.subject.group),
            _SUM,
            rules=rules,
            max=section.max,
            raw=total,
            applied=total,
            overflow=overflow,
            children=children,
        )

    def _bounded(self, section: Section, children: list[NodeResult]) -> NodeResult:
        base = section.max if section.basis is Basis.deduct and section.max is not None else ZERO
        raw = base + sum((c.applied for c in children), ZERO)
        floor, top = section.effective_floor(), section.max
        applied = raw if top is None else min(raw, top)
        overflow = ZERO
        if floor is not None and applied < floor:
            if section.overflow == "total":
                overflow = applied - floor
            applied = floor
        cut = raw - applied - overflow
        rules = (
            (["D2"] + (["D3"] if section.overflow == "total" else []))
            if section.basis is Basis.deduct
            else (["B3"] if top is not None else [])
        )
        lines = [line for c in children for line in _all_lines(c)]
        limit = (top - (floor or ZERO)) if section.basis is Basis.deduct and top is not None else top
        cut_facts = _beyond(lines, limit) if cut != ZERO and limit is not None else []
        return _node(
            self.plan.header(section.id, self.subject.group),
            _BOUNDED,
            rules=rules + self._scope_rules(section),
            max=top,
            raw=raw,
            applied=applied,
            cut=cut,
            overflow=overflow,
            cut_facts=cut_facts,
            children=children,
        )

    @staticmethod
    def _scope_rules(section: Section) -> list[str]:
        return ["D4", "B2"] if section.highest_only else []


_WORKED_OUT = {"facts", "points", "status", "recorded_by", "note"}
_HEADER = {"id", "title", "article", "office", "weight"}
_ITEM = {*_HEADER, "rules", "max", "raw", "applied", "cut", "cut_facts", "lines"}
_RATING = {*_HEADER, "rules", "max", "raw", "applied", "incomplete", "lines"}
_SUM = {*_HEADER, "rules", "max", "raw", "applied", "overflow", "children"}
_BOUNDED = {*_HEADER, "rules", "max", "raw", "applied", "cut", "overflow", "cut_facts", "children"}


def _node(
    base: dict[str, Any],
    given: set[str],
    *,
    rules: list[str],
    max: Decimal | None,
    raw: Decimal,
    applied: Decimal,
    cut: Decimal = ZERO,
    overflow: Decimal = ZERO,
    cut_facts: list[str] | None = None,
    incomplete: list[str] | None = None,
    lines: list[Line] | None = None,
    children: list[NodeResult] | None = None,
) -> NodeResult:
    """NodeResult(**base, ...) without validation: every number here is already a Decimal, every list fresh."""
    values = {
        "id": base["id"],
        "title": base["title"],
        "article": base["article"],
        "office": base["office"],
        "rules": rules,
        "max": max,
        "raw": raw,
        "applied": applied,
        "cut": cut,
        "overflow": overflow,
        "weight": base["weight"],
        "cut_facts": [] if cut_facts is None else cut_facts,
        "incomplete": [] if incomplete is None else incomplete,
        "lines": [] if lines is None else lines,
        "children": [] if children is None else children,
    }
    return trusted(NodeResult, values, given)


def _all_lines(node: NodeResult) -> list[Line]:
    return node.lines + [line for child in node.children for line in _all_lines(child)]


def _beyond(lines: list[Line], limit: Decimal) -> list[str]:
    """Facts whose counted points fall beyond a limit, taking lines in (occurred_on, fact id) order."""
    taken, out = ZERO, []
    for line in sorted(lines, key=lambda line: (line.occurred_on or date.min, line.facts[0] if line.facts else "")):
        if line.status != "counted" or line.points == ZERO:
            continue
        taken += abs(line.points)
        if taken > limit:
            out.extend(line.facts)
    return out
