"""G6: a year's grade from its quarters' grades; C4 roll-ups go through score_period."""

from __future__ import annotations

from collections.abc import Sequence

from domain.errors import FactsInvalid, Problem
from domain.facts import Fact, Subject
from domain.scheme.grading import YearGrading, YearRule
from domain.scheme.model import Scheme
from domain.scheme.periods import period_kind, period_parts
from domain.scoring.engine import score_period
from domain.scoring.results import PeriodResult, YearResult, YearSubjectResult


def score_year(scheme: Scheme, subjects: Sequence[Subject], facts: Sequence[Fact], year: str) -> YearResult:
    """Score each quarter of the year that has facts, then apply the scheme's year rules."""
    if scheme.year is None or scheme.period.kind != "quarter" or period_kind(year) != "year":
        raise FactsInvalid(f"scheme {scheme.scheme} has no year rules over quarters for {year!r}", [])
    quarters = [q for q in period_parts(year, "quarter") if any(f.period == q for f in facts)]
    stray = [f for f in facts if f.period not in period_parts(year, "quarter")]
    if stray:
        problems = [Problem(f"fact {f.id}", f"period {f.period} is not a quarter of {year}") for f in stray]
        raise FactsInvalid(f"facts outside the quarters of {year}", problems)
    results = [score_period(scheme, subjects, [f for f in facts if f.period == q], q) for q in quarters]
    rows = [_year_of(scheme.year, s.id, results) for s in sorted(subjects, key=lambda s: s.id)]
    return YearResult(scheme=scheme.scheme, scheme_hash=scheme.content_hash, year=year, subjects=rows, quarters=results)


def _year_of(rules: YearGrading, subject: str, quarters: list[PeriodResult]) -> YearSubjectResult:
    return _graded(rules, subject, {q.period: q.subject(subject).grade for q in quarters})


def _graded(rules: YearGrading, subject: str, grades: dict[str, str | None]) -> YearSubjectResult:
    grade, flags, ruled_out, reasons = rules.default, [], [], [f"default {rules.default}"]
    for index, rule in enumerate(rules.rules):
        if not _holds(rule, list(grades.values())):
            continue
        reasons.append(f"rule {index + 1}: {_describe(rule)}")
        if rule.flag:
            flags.append(rule.flag)
        if rule.not_grade:
            ruled_out.append(rule.not_grade)
        if rule.grade:
            grade = rule.grade
    if grade in ruled_out:
        grade = rules.default
    return YearSubjectResult(
        subject=subject, quarter_grades=grades, grade=grade, flags=flags, ruled_out=ruled_out, reasons=reasons
    )


def _holds(rule: YearRule, grades: list[str | None]) -> bool:
    if rule.all_quarters:
        return len(grades) == 4 and all(g == rule.count for g in grades)
    return sum(1 for g in grades if g == rule.count) >= (rule.at_least or 0)


def _describe(rule: YearRule) -> str:
    when = f"all four quarters {rule.count}" if rule.all_quarters else f"{rule.at_least}+ quarters {rule.count}"
    then = [
        f"grade {rule.grade}" if rule.grade else "",
        f"flag {rule.flag}" if rule.flag else "",
        f"not {rule.not_grade}" if rule.not_grade else "",
    ]
    return f"{when} → {', '.join(t for t in then if t)} (G6)"


def year_of_quarters(scheme: Scheme, quarters: dict[str, dict[str, str | None]]) -> list[YearSubjectResult]:
    """G6 over quarters scored one by one (a ledger's periods: quarter -> subject -> grade); each
    subject graded in every one of them gets its year grade."""
    if scheme.year is None:
        raise FactsInvalid(f"scheme {scheme.scheme} has no year rules", [])
    everywhere = set.intersection(*(set(q) for q in quarters.values())) if quarters else set()
    return [_graded(scheme.year, s, {p: q[s] for p, q in quarters.items()}) for s in sorted(everywhere)]
