"""Grades, period by period: forced grades, rule bands, quotas, top and bottom places, downgrades
(G1-G7, V1-V5), for the scheme's grade and each further outcome it declares (G5)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from domain.numbers import quantize
from domain.scheme.grading import Affirmation, GradeRule, Grading, Outcome, Quota, Veto
from domain.scheme.model import Scheme
from domain.scoring.ranking import Standing, across_groups, take_with_ties


@dataclass(frozen=True)
class Decisions:
    """One subject's one-vote decisions and prerequisites, as counted facts."""

    vetoes: tuple[str, ...] = ()
    affirmations: tuple[str, ...] = ()
    conditions: frozenset[str] = frozenset()


@dataclass
class Grade:
    """A subject's grade, eligibility and the reasons for both."""

    grade: str | None = None
    eligible: bool = True
    reasons: list[str] = field(default_factory=list)
    forced: bool = False
    graded: bool = True


@dataclass(frozen=True)
class Graded:
    """What one outcome is graded by: its grades and rules, and the decisions acting on it."""

    grading: Grading | None
    vetoes: dict[str, Veto]
    affirmations: dict[str, Affirmation]

    @staticmethod
    def main(scheme: Scheme) -> Graded:
        """The scheme's grade: every veto and affirmation acts on it."""
        return Graded(scheme.grading, scheme.vetoes_by_id, scheme.affirmations_by_id)

    @staticmethod
    def of(scheme: Scheme, outcome: Outcome) -> Graded:
        """A further outcome (G5): the vetoes and affirmations it names (none named: all of them)."""
        vetoes = {k: v for k, v in scheme.vetoes_by_id.items() if outcome.vetoes is None or k in outcome.vetoes}
        affs = scheme.affirmations_by_id
        chosen = {k: a for k, a in affs.items() if outcome.affirmations is None or k in outcome.affirmations}
        return Graded(outcome.grading, vetoes, chosen)


Orders = dict[str, Sequence[Standing]]  # group -> the group's ranking


def grade_period(graded: Graded, orders: Orders, decisions: dict[str, Decisions], ties: str) -> dict[str, Grade]:
    """Every subject of every group, graded; each rule ranks within the group or the whole period (G3/G4)."""
    grades = {s.subject: _decided(graded, decisions.get(s.subject, Decisions())) for o in orders.values() for s in o}
    grading = graded.grading
    if grading is None:
        return grades
    by_group = {g: [s for s in order if grades[s.subject].graded] for g, order in orders.items()}
    for index, rule in enumerate(grading.rules):
        if rule.scope == "period":
            everyone = [s for order in orders.values() for s in order]
            ranked = across_groups(by_group)
            _apply_rule(index, rule, ranked, len(everyone), None, grades, decisions, ties)
            continue
        for group in sorted(orders):
            _apply_rule(index, rule, by_group[group], len(orders[group]), group, grades, decisions, ties)
    for group in sorted(orders):
        for standing in by_group[group]:
            result = grades[standing.subject]
            if result.grade is None:
                result.reasons.append("no grade rule matched")
            acting = _acting(graded, decisions.get(standing.subject, Decisions()))
            _downgrade(grading, result, acting)
            _cap(grading, result, acting)
    return grades


def _acting(graded: Graded, decided: Decisions) -> list[Veto]:
    return [graded.vetoes[v] for v in decided.vetoes if v in graded.vetoes]


def _decided(graded: Graded, decided: Decisions) -> Grade:
    """V1, V2, V4, V5: what one-vote decisions settle before any rule is tried."""
    result = Grade()
    vetoes = _acting(graded, decided)
    for veto in vetoes:
        if veto.ineligible or veto.grade or veto.at_most:
            result.eligible = False
            result.reasons.append(f"veto {veto.id} {veto.title}: not eligible for excellence (V1)")
    if any(v.not_graded for v in vetoes):
        ids = ", ".join(v.id for v in vetoes if v.not_graded)
        result.reasons.append(f"not graded: {ids} (V5)")
        result.graded = False
        return result
    order = graded.grading.grades if graded.grading else []
    forced = [v for v in vetoes if v.grade]
    affs = _affirming(graded, decided, vetoes, result)
    if forced:
        worst = max(forced, key=lambda v: order.index(v.grade or ""))
        result.grade, result.forced = worst.grade, True
        result.reasons.append(f"veto {worst.id} {worst.title}: grade {worst.grade} (V2)")
    elif affs:
        best = min(affs, key=lambda a: order.index(a.grade))
        result.grade, result.forced = best.grade, True
        result.reasons.append(f"affirmation {best.id} {best.title}: grade {best.grade} (V4)")
    return result


def _affirming(graded: Graded, decided: Decisions, vetoes: list[Veto], result: Grade) -> list[Affirmation]:
    """V4: the counted affirmations acting on this outcome whose own conditions hold."""
    out = []
    for aff in (graded.affirmations[a] for a in decided.affirmations if a in graded.affirmations):
        missing = [c for c in aff.requires or [] if c not in decided.conditions]
        if missing:
            result.reasons.append(f"affirmation {aff.id} {aff.title}: prerequisites not met: {', '.join(missing)} (V4)")
        elif aff.unless_vetoed and vetoes:
            ids = ", ".join(v.id for v in vetoes)
            result.reasons.append(f"affirmation {aff.id} {aff.title}: no effect under veto {ids} (V4)")
        else:
            out.append(aff)
    return out


def _apply_rule(
    index: int,
    rule: GradeRule,
    graded: Sequence[Standing],
    everyone: int,
    group: str | None,
    grades: dict[str, Grade],
    decisions: dict[str, Decisions],
    ties: str,
) -> None:
    bottom = {s.subject for s in take_with_ties(list(reversed(graded)), rule.bottom, ties)} if rule.bottom else None
    candidates = [
        s
        for s in graded
        if grades[s.subject].grade is None
        and _qualifies(rule, s, grades[s.subject], decisions.get(s.subject, Decisions()), bottom)
    ]
    label = f"rule {index + 1}: {rule.grade}{_describe(rule)}"
    if rule.quota is not None:
        slots = _slots(rule.quota, everyone if rule.quota.of == "all" else len(graded), group)
        held = sum(1 for s in graded if grades[s.subject].forced and grades[s.subject].grade == rule.grade)
        chosen = take_with_ties(candidates, slots - held, ties)
        label += f", quota {slots} of {len(graded)}" + (f" less {held} forced" if held else "")
        taken = {c.subject for c in chosen}  # a subject stands once in a ranking: its id says which standing
        for s in candidates:
            if s.subject not in taken:
                grades[s.subject].reasons.append(f"{label}: qualified but outside the quota (G2/G3/G7)")
    else:
        chosen = candidates
    for s in chosen:
        grades[s.subject].grade = rule.grade
        grades[s.subject].reasons.append(label)


def _qualifies(rule: GradeRule, s: Standing, grade: Grade, decided: Decisions, bottom: set[str] | None) -> bool:
    total = s.key[0]
    if rule.min is not None and total < rule.min:
        return False
    if rule.below is not None and total >= rule.below:
        return False
    if rule.excellence and not grade.eligible:
        return False
    if any(c not in decided.conditions for c in rule.requires):
        missing = [c for c in rule.requires if c not in decided.conditions]
        grade.reasons.append(f"{rule.grade}: prerequisites not met: {', '.join(missing)} (G5)")
        return False
    return bottom is None or s.subject in bottom


def _describe(rule: GradeRule) -> str:
    parts = [
        f"≥ {rule.min}" if rule.min is not None else "",
        f"< {rule.below}" if rule.below is not None else "",
        f"last {rule.bottom}" if rule.bottom else "",
        "requires " + ", ".join(rule.requires) if rule.requires else "",
        "ranked over the whole period" if rule.scope == "period" else "",
    ]
    text = ", ".join(p for p in parts if p)
    return f" ({text})" if text else ""


def _slots(quota: Quota, size: int, group: str | None) -> int:
    if quota.n is not None:
        return quota.n
    if quota.n_by_group is not None:
        return quota.n_by_group.get(group or "", 0)
    return int(quantize(Decimal(size) * (quota.share or Decimal(0)), 0, quota.round))


def _downgrade(grading: Grading, result: Grade, vetoes: list[Veto]) -> None:
    """V3: each downgrade veto lowers the grade one level (no lower than the last)."""
    levels = sum(v.downgrade for v in vetoes)
    if not levels or result.grade is None:
        return
    index = min(grading.grades.index(result.grade) + levels, len(grading.grades) - 1)
    result.reasons.append(f"downgraded {levels} level(s): {result.grade} → {grading.grades[index]} (V3)")
    result.grade = grading.grades[index]


def _cap(grading: Grading, result: Grade, vetoes: list[Veto]) -> None:
    """V2 (at most): a veto allows no grade better than its cap; a worse grade stands."""
    caps = [v for v in vetoes if v.at_most]
    if not caps or result.grade is None:
        return
    worst = max(caps, key=lambda v: grading.grades.index(v.at_most or ""))
    cap = worst.at_most or ""
    if grading.grades.index(result.grade) < grading.grades.index(cap):
        result.reasons.append(f"veto {worst.id} {worst.title}: at most {cap}, not {result.grade} (V2)")
        result.grade = cap
