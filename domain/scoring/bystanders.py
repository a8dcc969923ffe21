"""An appeal decision corrects what the appellant contests (P5); the other parties it touches only feel it
as knock-ons (ranks, grades), never in their own totals (security review F9).

A contested fact may name several parties (a deduction shared under D11, a joint credit under B6):
correcting it, retracting it or retracting its exemption changes every party's score. The decision is
scored before it is recorded: the subjects it names, down the chain of facts it names, are scored on the
admitted facts without it and with it, and every one but the appellant whose total would fall is named.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from domain.facts import Fact, Subject
from domain.scheme.model import Scheme
from domain.scoring.engine import score_subjects


@dataclass(frozen=True)
class Lowered:
    """A party the decision would cost points it did not appeal."""

    subject: str
    before: Decimal
    after: Decimal


def named_parties(batch: Iterable[Fact], admitted: Mapping[str, Fact]) -> set[str]:
    """The subjects the batch's facts name, with those of every admitted fact down their chains."""
    out: set[str] = set()
    for fact in batch:
        seen: set[str] = set()
        current: Fact | None = fact
        while current is not None and current.id not in seen:
            seen.add(current.id)
            out |= _subjects_of(current)
            named = getattr(current, "target", None) or getattr(current, "corrects", None)
            current = admitted.get(named) if isinstance(named, str) else None
    return out


def lowered_bystanders(
    scheme: Scheme,
    subjects: Sequence[Subject],
    before: Sequence[Fact],
    after: Sequence[Fact],
    period: str,
    appellant: str,
) -> list[Lowered]:
    """The subjects but the appellant whose total `after` is below `before` (both admitted facts that
    include every fact concerning `subjects`)."""
    others = {s.id for s in subjects if s.id != appellant}
    if not others:
        return []
    was = score_subjects(scheme, subjects, before, period, only=others, checked=True)
    now = score_subjects(scheme, subjects, after, period, only=others, checked=True)
    return [Lowered(s, was[s].total, now[s].total) for s in sorted(others) if now[s].total < was[s].total]


def _subjects_of(fact: Fact) -> set[str]:
    subject = getattr(fact, "subject", None)
    out = {subject} if isinstance(subject, str) else set()
    return out | {p.subject for p in getattr(fact, "parties", None) or [] if p.subject is not None}
