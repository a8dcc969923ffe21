"""Deterministic workloads from a seed: subjects and facts that fit any scheme.

Used for the demo quarter, the benchmarks and property tests; the same seed always
gives the same facts.
"""

from __future__ import annotations

import random
from decimal import Decimal

from domain.facts import Bonus, Deduction, Fact, Party, Rating, Retraction, Subject, VetoDecision
from domain.scheme.model import Scheme
from domain.scheme.nodes import BonusItem, DeductionItem, RatingItem
from domain.scoring.applicability import applicable_ids

RECORDERS = ["办公室", "人事教育科", "咨询指导科", "督查科"]


def subjects_for(scheme: Scheme, count: int, names: list[str] | None = None, groups: int = 1) -> list[Subject]:
    kinds = sorted(scheme.subject_kinds)
    group_codes = sorted(scheme.groups) if scheme.groups else [f"g{g + 1}" for g in range(groups)]
    return [
        Subject(
            id=f"s{i + 1:03d}",
            name=names[i] if names and i < len(names) else f"单位{i + 1}",
            group=group_codes[i % len(group_codes)],
            kind=kinds[i % len(kinds)],
        )
        for i in range(count)
    ]


def facts_for(scheme: Scheme, subjects: list[Subject], period: str, seed: int, per_subject: int = 12) -> list[Fact]:
    """Ratings from every role, plus deductions, bonuses, a veto and a retraction at random."""
    rng = random.Random(seed)
    facts: list[Fact] = []
    ranks_left: dict[str, list[str]] = {}
    for subject in subjects:
        ids = applicable_ids(scheme, subject.kind)
        items = [scheme.items[i] for i in sorted(ids) if i in scheme.items]
        for item in items:
            if isinstance(item, RatingItem):
                facts += _ratings(rng, item, subject, period, len(facts))
        pool = [i for i in items if isinstance(i, (DeductionItem, BonusItem)) and not _worked_out(i)]
        for _ in range(per_subject if pool else 0):
            fact = _one(rng, scheme, rng.choice(pool), subject, period, f"{period}-{len(facts):06d}", ranks_left)
            if fact is not None:
                facts.append(fact)
    if scheme.vetoes and subjects:
        veto = rng.choice(scheme.vetoes)
        facts.append(
            VetoDecision(
                id=f"{period}-{len(facts):06d}",
                period=period,
                recorded_by="领导小组",
                veto=veto.id,
                subject=rng.choice(subjects).id,
            )
        )
    deductions = [f for f in facts if isinstance(f, Deduction)]
    if deductions:
        target = rng.choice(deductions)
        facts.append(
            Retraction(
                id=f"{period}-{len(facts):06d}",
                period=period,
                recorded_by=target.recorded_by,
                target=target.id,
                reason="复核后撤销",
            )
        )
    return facts


def _worked_out(item: DeductionItem | BonusItem) -> bool:
    """Items scored from other items' facts take none of their own (D9 in_proportion)."""
    return isinstance(item, DeductionItem) and item.deduct.in_proportion is not None


def _ratings(rng: random.Random, item: RatingItem, subject: Subject, period: str, start: int) -> list[Fact]:
    out: list[Fact] = []
    for role in sorted(item.rating.roles):
        for k in range(1 if role in ("principal", "main", "assessor") else 3):
            scale = item.rating.scale
            value = (scale * Decimal(rng.randint(70, 100)) / 100).quantize(Decimal("0.1"))
            out.append(
                Rating(
                    id=f"{period}-{start + len(out):06d}",
                    period=period,
                    recorded_by="督查科",
                    item=item.id,
                    subject=subject.id,
                    role=role,
                    rater=f"{role}-{k + 1}",
                    value=value,
                )
            )
    return out


def _one(
    rng: random.Random,
    scheme: Scheme,
    item: DeductionItem | BonusItem,
    subject: Subject,
    period: str,
    fact_id: str,
    ranks_left: dict[str, list[str]],
) -> Fact | None:
    office = scheme.offices_of.get(item.id)
    recorder = scheme.offices.get(office, office) if office else rng.choice(RECORDERS)
    base = {"id": fact_id, "period": period, "recorded_by": recorder, "item": item.id, "evidence": f"ev-{fact_id}"}
    if isinstance(item, DeductionItem):
        rule = item.deduct
        if rule.shares is not None:
            base["parties"] = [Party(subject=subject.id, role=sorted(rule.shares)[0])]
        else:
            base["subject"] = subject.id
        attrs = {}
        for attr in (rule.graded, rule.multiplier):
            if attr is not None:
                attrs[attr.by] = rng.choice(sorted(attr.values))
        extra = {"count": rng.randint(1, 2) if rule.per is not None else 1, "attributes": attrs}
        if rule.range is not None:
            extra["amount"] = rule.range.min
        if rule.shortfall is not None:
            extra["shortfall"] = Decimal(rng.randint(0, 20)) / 100
        if rule.repeats is not None:
            extra["matter"] = f"m{rng.randint(1, 3)}"
        if rng.random() < 0.1:
            extra["situation"] = f"sit-{subject.id}"
        return Deduction(**base, **extra)
    rule_b = item.bonus
    base["subject"] = subject.id
    if rule_b.rank_award is not None:
        left = ranks_left.setdefault(item.id, sorted(rule_b.rank_award))
        if not left:
            return None
        return Bonus(**base, rank=left.pop(0))
    extra_b: dict[str, object] = {}
    if rule_b.levels is not None:
        extra_b["level"] = rng.choice(sorted(rule_b.levels))
    if rule_b.steps is not None or rule_b.range is not None:
        extra_b["amount"] = rule_b.range.min if rule_b.range else Decimal(rng.randint(0, 20)) * 500000
    return Bonus(**base, **extra_b)
