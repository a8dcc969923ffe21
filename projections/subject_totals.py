"""A few subjects' totals, scored alone by the fast scorer: read your writes for a recording request.

A subject's total depends only on the facts that concern it (projections/cards.py), so a request
that recorded a fact needs only its subjects scored, never their group ranked or their scorecards
encoded: the fast scorer's summary (domain/scoring/fast/subject.py, byte-identical to the engine,
tests/differential) gives the total; a subject it does not do (D10 reminders, D5/D10 voiding, D9
quotas, proportional items) is scored by the engine, as the views score it. Ranks and grades
follow in the views, which score the groups touched a moment later (service/keeper.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter

from domain.facts import Fact, Subject
from domain.scheme.model import Scheme
from domain.scoring.engine import score_subjects
from domain.scoring.fast.facts import Typed, Untypable, typed
from domain.scoring.fast.subject import FastScorer
from projections.fact_index import working_set
from projections.period_input import PeriodInput

_FACT: TypeAdapter[Any] = TypeAdapter(Fact)
KEEP = 200_000  # typed facts kept (facts never change); beyond it the cache starts again


class SubjectTotals:
    """Scores single subjects of folded periods; keeps a fast scorer per scheme and the typed facts."""

    def __init__(self) -> None:
        self.scorers: dict[str, FastScorer] = {}
        self.typed: dict[tuple[str, str], Typed] = {}  # (period key, fact id) -> the fact typed

    def totals(self, scheme: Scheme, period: PeriodInput, subjects: Iterable[str]) -> dict[str, Decimal]:
        """The subjects' totals from the facts the fold counted for them."""
        scorer = self.scorers.get(scheme.content_hash)
        if scorer is None:
            scorer = self.scorers[scheme.content_hash] = FastScorer(scheme)
        return {s: self._total(scheme, scorer, period, s) for s in subjects}

    def _total(self, scheme: Scheme, scorer: FastScorer, period: PeriodInput, subject: str) -> Decimal:
        stored, named = working_set(period, [subject])
        stored.sort(key=lambda f: f["id"])
        try:
            card = scorer.score(period.subjects[subject], [self._typed(period, f) for f in stored], explained=False)
        except Untypable:
            card = None
        if card is not None:
            return card.total
        listed = [Subject.model_validate(period.subjects[s]) for s in named]
        models = [_FACT.validate_python(f) for f in stored]
        return score_subjects(scheme, listed, models, period.code, only={subject}, checked=True)[subject].total

    def _typed(self, period: PeriodInput, fact: dict[str, Any]) -> Typed:
        key = (period.code + "\0" + period.bureau, fact["id"])
        found = self.typed.get(key)
        if found is None:
            if len(self.typed) >= KEEP:
                self.typed.clear()
            found = self.typed[key] = typed(fact)
        return found
