"""Grades within a group: forced grades, rule bands, quotas, bottom-N, downgrades (G1-G7, V1-V5)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from domain.numbers import quantize
from domain.scheme.grading import GradeRule, Grading, Quota
from domain.scheme.model import Scheme
from domain.scoring.ranking import Standing, take_with_ties


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


def grade_group(
    scheme: Scheme, order: Sequence[Standing], group: str, decisions: dict[str, Decisions]
) -> dict[str, Grade]:
    """Every subject of one group, graded; `order` is the group's ranking."""
    grades = {s.subject: _decided(scheme, decisions.get(s.subject, Decisions())) for s in order}
    if scheme.grading is None:
        return grades
    graded = [s for s in order if grades[s.subject].graded]
    for index, rule in enumerate(scheme.grading.rules):
        _apply_rule(scheme, index, rule, graded, len(order), group, grades, decisions)
    for standing in graded:
        result = grades[standing.subject]
        if result.grade is None:
            result.reasons.append("no grade rule matched")
        _downgrade(scheme.grading, result, decisions.get(standing.subject, Decisions()), scheme)
        _cap(scheme.grading, result, decisions.get(standing.subject, Decisions()), scheme)
    return grades


def _decided(scheme: Scheme, decided: Decisions) -> Grade:
    """V1, V2, V4, V5: what one-vote decisions settle before any rule is tried."""
    result = Grade()
    vetoes = [scheme.vetoes_by_id[v] for v in decided.vetoes]
    for veto in vetoes:
        if veto.ineligible or veto.grade or veto.at_most:
            result.eligible = False
            result.reasons.append(f"veto {veto.id} {veto.title}: not eligible for excellence (V1)")
    if any(v.not_graded for v in vetoes):
        ids = ", ".join(v.id for v in vetoes if v.not_graded)
        result.reasons.append(f"not graded: {ids} (V5)")
        result.graded = False
        return result
    order = scheme.grading.grades if scheme.grading else []
    forced = [v for v in vetoes if v.grade]
    if forced:
        worst = max(forced, key=lambda v: order.index(v.grade or ""))
        result.grade, result.forced = worst.grade, True
        result.reasons.append(f"veto {worst.id} {worst.title}: grade {worst.grade} (V2)")
    elif decided.affirmations:
        affs = [scheme.affirmations_by_id[a] for a in decided.affirmations]
        best = min(affs, key=lambda a: order.index(a.grade))
        result.grade, result.forced = best.grade, True
        result.reasons.append(f"affirmation {best.id} {best.title}: grade {best.grade} (V4)")
    return result


def _apply_rule(
    scheme: Scheme,
    index: int,
    rule: GradeRule,
    graded: Sequence[Standing],
    everyone: int,
    group: str,
    grades: dict[str, Grade],
    decisions: dict[str, Decisions],
) -> None:
    bottom = (
        {s.subject for s in take_with_ties(list(reversed(graded)), rule.bottom, scheme.ranking.quota_boundary)}
        if rule.bottom
        else None
    )
    candidates = [
        s
        for s in graded
        if grades[s.subject].grade is None
        and _qualifies(rule, s, grades[s.subject], decisions.get(s.subject, Decisions()), bottom)
    ]
    label = f"rule {index + 1}: {rule.grade}{_describe(rule)}"
    if rule.quota is not None:
        slots = _slots(scheme, rule.quota, everyone if rule.quota.of == "all" else len(graded), group)
        held = sum(1 for s in graded if grades[s.subject].forced and grades[s.subject].grade == rule.grade)
        chosen = take_with_ties(candidates, slots - held, scheme.ranking.quota_boundary)
        label += f", quota {slots} of {len(graded)}" + (f" less {held} forced" if held else "")
        for s in candidates:
            if s not in chosen:
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
    ]
    text = ", ".join(p for p in parts if p)
    return f" ({text})" if text else ""


def _slots(scheme: Scheme, quota: Quota, size: int, group: str) -> int:
    if quota.n is not None:
        return quota.n
    if quota.n_by_group is not None:
        return quota.n_by_group.get(group, 0)
    return int(quantize(Decimal(size) * (quota.share or Decimal(0)), 0, quota.round))


def _downgrade(grading: Grading, result: Grade, decided: Decisions, scheme: Scheme) -> None:
    """V3: each downgrade veto lowers the grade one level (no lower than the last)."""
    levels = sum(scheme.vetoes_by_id[v].downgrade for v in decided.vetoes)
    if not levels or result.grade is None:
        return
    index = min(grading.grades.index(result.grade) + levels, len(grading.grades) - 1)
    result.reasons.append(f"downgraded {levels} level(s): {result.grade} → {grading.grades[index]} (V3)")
    result.grade = grading.grades[index]


def _cap(grading: Grading, result: Grade, decided: Decisions, scheme: Scheme) -> None:
    """V2 (at most): a veto allows no grade better than its cap; a worse grade stands."""
    caps = [scheme.vetoes_by_id[v] for v in decided.vetoes if scheme.vetoes_by_id[v].at_most]
    if not caps or result.grade is None:
        return
    worst = max(caps, key=lambda v: grading.grades.index(v.at_most or ""))
    cap = worst.at_most or ""
    if grading.grades.index(result.grade) < grading.grades.index(cap):
        result.reasons.append(f"veto {worst.id} {worst.title}: at most {cap}, not {result.grade} (V2)")
        result.grade = cap
