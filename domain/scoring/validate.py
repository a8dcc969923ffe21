"""Facts checked against the scheme, the period and each other, before any scoring.

Every problem is reported at once, each located by the fact's position (and line). The rules
are those of admission (domain/scoring/vetting.py), applied to the facts in the order given.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from domain.errors import FactsInvalid, Problem
from domain.facts import Fact, Subject
from domain.scheme.model import Scheme
from domain.scheme.periods import period_kind, period_parts
from domain.scoring.vetting import Vetting


def allowed_periods(scheme: Scheme, period: str) -> set[str]:
    """Fact periods that count for a period: itself, and its parts (C4) when it is a whole."""
    kind = period_kind(period)
    if kind == scheme.period.kind and scheme.period.parts:
        return {period, *period_parts(period, scheme.period.parts)}
    return {period}


def check_period(scheme: Scheme, period: str) -> None:
    """Refuse a period code that is malformed or not of the scheme's kind (or its parts)."""
    kind = period_kind(period)
    if kind is None or kind not in {scheme.period.kind, scheme.period.parts}:
        wanted = scheme.period.kind + (f" or {scheme.period.parts}" if scheme.period.parts else "")
        raise FactsInvalid(f"period {period!r} is not a {wanted} of scheme {scheme.scheme}", [])


def check_facts(
    scheme: Scheme,
    subjects: Sequence[Subject],
    facts: Sequence[Fact],
    period: str,
    lines: Sequence[int] | None = None,
) -> None:
    """Raise FactsInvalid listing every fact that does not fit.

    Facts are admitted in the order given, except that a fact naming another of the batch comes after
    it: the order of a file never decides whether it checks."""
    check_period(scheme, period)
    kinds = {s.id: s.kind for s in subjects}
    vetting = Vetting(scheme, kinds.get, allowed_periods(scheme, period))
    twice = [sid for sid, n in Counter(s.id for s in subjects).items() if n > 1]
    found = [(0, "subject", f"subject {sid!r} is registered twice") for sid in twice]
    for i in _targets_first(facts):
        found += [(i, field, message) for field, message in vetting.admit(facts[i])]
    found.sort(key=lambda f: f[0])
    problems = [
        Problem(f"facts[{i}]{'.' + field if field else ''} ({facts[i].id})", msg, lines[i] if lines else None)
        for i, field, msg in found
    ]
    if problems:
        raise FactsInvalid(f"{len(problems)} problem(s) in the facts for {period}", problems)


def _targets_first(facts: Sequence[Fact]) -> list[int]:
    """Indexes of the facts in the order given, each fact's target (within the batch) moved before it."""
    index = {f.id: i for i, f in reversed(list(enumerate(facts)))}
    order: list[int] = []
    placed: set[int] = set()
    for start in range(len(facts)):
        chain, i = [], start
        while i is not None and i not in placed and i not in chain:
            chain.append(i)
            named = getattr(facts[i], "target", None) or getattr(facts[i], "corrects", None)
            i = index.get(named) if named is not None else None
        for i in reversed(chain):
            placed.add(i)
            order.append(i)
    return order
