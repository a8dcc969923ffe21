"""Periods carry over: opening the next period copies the previous one's subjects and groups (S2, S4).

The copies are SubjectRegistered events of the new period, appended with it in one transaction, each
with who opened the period and when; a subject left out (`leave_out`) is simply not copied, and later
changes are registrations of their own, as ever.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.errors import FactsInvalid, Problem
from domain.ledger.ids import period_id
from domain.ledger.period import Period
from domain.scheme.model import Scheme
from domain.scheme.periods import period_kind, previous_period
from service.errors import NotFound


def carry_subjects(
    ledger: Any, period: Period, scheme: Scheme, leave_out: Sequence[str], actor: str, at: str
) -> tuple[str, list[str]]:
    """Register in `period` the subjects of the period before it (less `leave_out`): its code and their ids.

    The period before a quarter is the quarter before; before a half-year, the half before; before a year,
    its own last quarter or half-year when one is a period (C4: the year after its parts), else the year
    before."""
    year = period.code[:4]
    candidates = [f"{year}-Q4", f"{year}-H2"] if period_kind(period.code) == "year" else []
    candidates.append(previous_period(period.code))
    found = [(c, ledger.maybe(period_id(c, ledger.bureau))) for c in candidates]
    source, earlier = next(((c, p) for c, p in found if p is not None), (candidates[-1], None))
    if earlier is None:
        tried = " or ".join(candidates)
        raise NotFound(f"period {tried} does not exist: there are no subjects to carry over into {period.code}")
    subjects = list(earlier.subjects.values())
    unknown = sorted(set(leave_out) - {s["id"] for s in subjects})
    problems = [Problem("leave_out", f"subject {s!r} is not registered in {source}") for s in unknown]
    kinds = sorted(scheme.subject_kinds)
    problems += [
        Problem(f"subject {s['id']}.kind", f"kind {s['kind']!r} is not one of the scheme's {kinds}")
        for s in subjects
        if s["kind"] not in scheme.subject_kinds and s["id"] not in leave_out
    ]
    if problems:
        raise FactsInvalid(f"the subjects of {source} cannot be carried over into {period.code}", problems)
    carried = [s for s in subjects if s["id"] not in leave_out]
    for subject in carried:
        period.register_subject(dict(subject), actor, at)
    return source, [s["id"] for s in carried]
