"""The bureau and city workloads: units scored on deductions, bonuses and ratings at realistic rates.

Each unit has a level that sets its ratings and how often offices find something against it, so
totals spread and every grade of the scheme occurs. Deductions and bonuses are drawn over the
scheme's own items with the fields each rule needs (D1, D6, range, B1, B5); some share a situation
within a highest-only scope (D4/B2), some are exempted (D8) where the scheme allows it, corrected or
retracted; joint bonuses name a lead and a co-unit (B6); rank awards go to three units (B4); one
unit is vetoed. Several raters of a role are averaged (R3).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from domain.scheme.model import Scheme
from domain.scheme.nodes import BonusItem, DeductionItem, RatingItem
from domain.scoring.applicability import applicable_ids

ROLE_RATERS = {"principal": 1, "main": 1, "assessor": 1}  # one rater; other roles: `many`


class Offices:
    """Units of one period and the facts recorded about them, in log order."""

    def __init__(self, scheme: Scheme, subjects: list[dict[str, Any]], seed: int, rates: dict[str, float]):
        self.scheme, self.subjects, self.rng, self.rates = scheme, subjects, random.Random(seed), rates
        self.level = {s["id"]: self.rng.uniform(0.0, 1.0) for s in subjects}
        self.plain: list[dict[str, Any]] = []  # single-subject deductions nothing amends (appeals, what-if)
        self.n = 0

    def facts(self) -> Iterator[dict[str, Any]]:
        amendable: list[dict[str, Any]] = []
        for subject in self.subjects:
            for fact in self._unit(subject):
                if fact["type"] == "deduction" and "subject" in fact:
                    amendable.append(fact)
                yield fact
        yield from self._joint()
        yield from self._amend(amendable)
        yield from self._veto()

    def _id(self, stream: str) -> str:
        self.n += 1
        return f"{stream}:f{self.n:06d}"

    def _unit(self, subject: dict[str, Any]) -> Iterator[dict[str, Any]]:
        rng, sid, level = self.rng, subject["id"], self.level[subject["id"]]
        items = [self.scheme.items[i] for i in sorted(applicable_ids(self.scheme, subject["kind"]))
                 if i in self.scheme.items]
        for item in items:
            if isinstance(item, RatingItem):
                yield from self._ratings(item, sid, level)
        deductions = [i for i in items if isinstance(i, DeductionItem) and i.deduct.in_proportion is None]
        bonuses = [i for i in items if isinstance(i, BonusItem) and i.bonus.rank_award is None]
        for _ in range(_poisson(rng, self.rates["deductions"] * (1.6 - level))):
            yield self._deduction(rng.choice(deductions), sid)
        for _ in range(_poisson(rng, self.rates["bonuses"] * (0.4 + level))):
            yield self._bonus(rng.choice(bonuses), sid)

    def _ratings(self, item: RatingItem, sid: str, level: float) -> Iterator[dict[str, Any]]:
        scale = item.rating.scale
        for role in sorted(item.rating.roles):
            for k in range(ROLE_RATERS.get(role, int(self.rates["many"]))):
                mean = self.rates["rated"] + self.rates["spread"] * level
                share = min(1.0, max(0.0, self.rng.gauss(mean, 0.04)))
                value = (scale * Decimal(str(round(share, 3)))).quantize(Decimal("0.1"))
                yield {"id": self._id(sid), "type": "rating", "item": item.id, "subject": sid, "role": role,
                       "rater": f"{role}-{k + 1}", "value": str(value)}

    def _deduction(self, item: DeductionItem, sid: str) -> dict[str, Any]:
        rng, rule = self.rng, item.deduct
        fact: dict[str, Any] = {"id": self._id(sid), "type": "deduction", "item": item.id, "subject": sid,
                                "evidence": f"记录{self.n}"}
        attributes = {a.by: rng.choice(sorted(a.values)) for a in (rule.graded, rule.multiplier) if a is not None}
        if attributes:
            fact["attributes"] = attributes
        if rule.range is not None:
            low, high = float(rule.range.min), float(rule.range.max)
            fact["amount"] = str(Decimal(str(round(rng.uniform(low, min(high, low + 4)), 1))))
        if rule.per is not None and rng.random() < 0.15:
            fact["count"] = 2
        if rng.random() < 0.08:
            fact["situation"] = f"sit-{sid}-{rng.randint(1, 3)}"  # D4: the same situation found twice
        return fact

    def _bonus(self, item: BonusItem, sid: str) -> dict[str, Any]:
        rng, rule = self.rng, item.bonus
        fact: dict[str, Any] = {"id": self._id(sid), "type": "bonus", "item": item.id, "subject": sid,
                                "evidence": f"文件{self.n}"}
        if rule.levels is not None:
            fact["level"] = rng.choice(sorted(rule.levels))
        if rule.range is not None:
            fact["amount"] = str(Decimal(str(round(rng.uniform(float(rule.range.min), float(rule.range.max)), 1))))
        elif rule.steps is not None:
            fact["amount"] = str(rng.randint(2, 30) * 500_000)
        if rng.random() < 0.05:
            fact["situation"] = f"won-{sid}-{rng.randint(1, 2)}"  # B2: one achievement recorded under two items
        return fact

    def _joint(self) -> Iterator[dict[str, Any]]:
        """B6 joint credit (a lead and a co-unit) where the scheme shares credit; B4 rank awards."""
        rng, units = self.rng, [s["id"] for s in self.subjects]
        shared = self.scheme.joint_credit
        items = [i for i in self.scheme.items.values() if isinstance(i, BonusItem) and i.bonus.per is not None]
        if shared and items and len(units) > 1:
            roles = sorted(shared)
            for _ in range(len(units) // 4):
                lead, co = rng.sample(units, 2)
                yield {"id": self._id("joint"), "type": "bonus", "item": rng.choice(items).id,
                       "parties": [{"subject": lead, "role": roles[-1]}, {"subject": co, "role": roles[0]}]}
        for item in (i for i in self.scheme.items.values() if isinstance(i, BonusItem) and i.bonus.rank_award):
            for rank, unit in zip(sorted(item.bonus.rank_award or {}), rng.sample(units, min(3, len(units))),
                                  strict=False):
                yield {"id": self._id("joint"), "type": "bonus", "item": item.id, "subject": unit, "rank": rank}

    def _amend(self, deductions: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """About 3% corrected (count or amount), 2% retracted, 3% exempted where the item allows (D8)."""
        rng = self.rng
        rng.shuffle(deductions)
        grounds = sorted(self.scheme.exemption_grounds)
        for i, fact in enumerate(deductions):
            stream = fact["subject"]
            item = self.scheme.items[fact["item"]]
            draw = rng.random()
            if draw < 0.03:
                fixed = {**fact, "id": self._id(stream), "corrects": fact["id"]}
                fixed.pop("situation", None)
                if isinstance(item, DeductionItem) and item.deduct.range is not None:
                    fixed["amount"] = str(item.deduct.range.min)  # decided at the lowest on review
                else:
                    fixed["count"] = 1
                yield fixed
            elif draw < 0.05:
                yield {"id": self._id(stream), "type": "retraction", "target": fact["id"], "reason": "复核后撤销"}
            elif draw < 0.08 and grounds and isinstance(item, DeductionItem) and item.exemptible:
                ground = grounds[i % len(grounds)]
                yield {"id": self._id(stream), "type": "exemption", "target": fact["id"], "ground": ground}
            elif "situation" not in fact:
                self.plain.append(fact)

    def appeals(self) -> list[dict[str, Any]]:
        """One unit in 25 appeals a deduction after publication; every other appeal is upheld (retracted)."""
        out = []
        for i, fact in enumerate(self.plain[: max(2, len(self.subjects) // 25)]):
            appeal: dict[str, Any] = {"subject": fact["subject"], "contested": fact["id"], "outcome": "rejected"}
            if i % 2 == 0:
                appeal["outcome"] = "upheld"
                appeal["correction"] = {"id": f"{fact['subject']}:appeal{i}", "type": "retraction",
                                        "target": fact["id"], "reason": "申诉成立"}
            out.append(appeal)
        return out

    def whatif(self) -> dict[str, Any]:
        changed = self.plain[-1]
        return {"id": f"{changed['subject']}:whatif", "type": "retraction", "target": changed["id"],
                "reason": "复核拟撤销", "recorded_by": "复核组"}

    def probe(self, n: int) -> dict[str, Any]:
        """A fresh finding like one already recorded (the same item, unit and fields)."""
        fact = self.plain[-2 - n]
        return {**{k: v for k, v in fact.items() if k != "situation"}, "id": f"{fact['subject']}:probe{n}"}

    def _veto(self) -> Iterator[dict[str, Any]]:
        vetoes = [v.id for v in self.scheme.vetoes if not v.not_graded]
        if vetoes:
            unit = self.rng.choice(self.subjects)["id"]
            yield {"id": self._id(unit), "type": "veto", "veto": self.rng.choice(vetoes), "subject": unit}


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count (Knuth's method: the means here are small)."""
    limit, k, p = pow(2.718281828459045, -mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
