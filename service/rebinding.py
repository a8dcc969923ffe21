"""Binding a period to another scheme version refuses when a stored fact would be set aside under it
(security review F6), listing each: id, subject, item and why (domain/scoring/rebinding.py)."""

from __future__ import annotations

from typing import Any

from domain.errors import FactsInvalid, Problem
from domain.ledger.period import Period
from domain.scheme.model import Scheme
from domain.scoring.rebinding import unfit_under
from service.facts_routing import JOINT


def refuse_unfit(ledger: Any, period: Period, current: Scheme, amended: Scheme) -> None:
    """Raise FactsInvalid naming every stored fact of the period the amended version would set aside.

    ledger: the commands' Ledger (its streams and typed facts). The streams are read as a command's check
    reads them: each subject's, then the joint one, in stream order (facts never name across streams)."""
    subjects = period.subjects

    def kind_of(subject: str) -> str | None:
        found = subjects.get(subject)
        return found.get("kind") if isinstance(found, dict) else None

    streams = [ledger._stream(period.code, name) for name in sorted([*subjects, JOINT])]
    stored = [ledger._typed(s, fact) for s in streams if s is not None for fact in s.facts.values()]
    unfit = unfit_under(current, amended, kind_of, period.code, stored)
    problems = [
        Problem(f"facts {u.fact.id}", f"fact {u.fact.id} of {u.subject} on item {u.item} would be set aside under "
                                      f"version {amended.version}: {message}")
        for u in unfit
        for _, message in u.findings
    ]
    if problems:
        raise FactsInvalid(
            f"period {period.code} cannot be bound to {amended.scheme} version {amended.version}: "
            f"{len(unfit)} stored fact(s) would be set aside under it",
            problems,
        )
