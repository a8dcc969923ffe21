"""Single subjects scored by the fast scorer from what is kept of their facts: read your writes for a
recording request, and the scorecards of the groups the view keeper writes.

A subject's total depends only on the facts that concern it (projections/cards.py), so a request
that recorded a fact needs only its subjects scored, never their group ranked or their scorecards
encoded: the fast scorer (domain/scoring/fast/subject.py, byte-identical to the engine,
tests/differential) gives the total; a subject it does not do (D10 reminders, D5/D10 voiding, D9
quotas, proportional items) is scored by the engine, as the views score it. Ranks and grades
follow in the views, which score the groups touched a moment later (service/keeper.py) with the
scorecards kept here.

What the fast scorer takes from a subject's facts (standings, lines, decisions: `FastScorer.kept`)
is kept per period and subject (bounded, least recently used out) and extended by the facts the fold
listed for the subject since (`FastScorer.extend`): the fold's list of a subject's facts only grows,
so its length and last fact say what was taken. A fact that is not plainly additive (a retraction,
an exemption, a correction, a fact listed again under a target) and a subject registered anew or a
scheme bound anew take every fact of the subject again, as a cold start does.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import orjson
from pydantic import TypeAdapter

from domain.facts import Fact, Subject
from domain.scheme.model import Scheme
from domain.scoring.engine import score_subjects
from domain.scoring.fast.facts import Typed, Untypable, typed
from domain.scoring.fast.subject import Card, FastScorer, Kept
from projections.fact_index import working_set
from projections.period_input import PeriodInput

_FACT: TypeAdapter[Any] = TypeAdapter(Fact)
KEEP = 200_000  # typed facts kept (facts never change); beyond it the cache starts again
SUBJECTS = 20_000  # subjects whose facts are kept scored


class _Subject:
    """One subject's facts as last taken: under which scheme and registration, how much of the fold's list."""

    __slots__ = ("card", "count", "kept", "last", "registered", "scheme", "total")

    def __init__(self, scheme: str, registered: bytes, count: int, last: str | None, kept: Kept | None):
        self.scheme, self.registered, self.count, self.last, self.kept = scheme, registered, count, last, kept
        self.card: Card | None = None  # the explained card, once made for these facts
        self.total: Decimal | None = None


class SubjectTotals:
    """Scores single subjects of folded periods; keeps a fast scorer per scheme, the typed facts, and
    each subject's facts as the scorer took them."""

    def __init__(self, size: int = SUBJECTS) -> None:
        self.size = size
        self.scorers: dict[str, FastScorer] = {}
        self.typed: dict[tuple[str, str], Typed] = {}  # (period key, fact id) -> the fact typed
        self.subjects: OrderedDict[tuple[str, str], _Subject] = OrderedDict()
        self.taken = self.extended = 0  # subjects whose facts were all taken / extended (tests, benchmarks)

    def scorer(self, scheme: Scheme) -> FastScorer:
        found = self.scorers.get(scheme.content_hash)
        if found is None:
            found = self.scorers[scheme.content_hash] = FastScorer(scheme)
        return found

    def totals(self, scheme: Scheme, period: PeriodInput, subjects: Iterable[str]) -> dict[str, Decimal]:
        """The subjects' totals from the facts the fold counted for them."""
        return {s: self.total(scheme, period, s) for s in subjects}

    def total(self, scheme: Scheme, period: PeriodInput, subject: str) -> Decimal:
        state = self._state(scheme, period, subject)
        if state.total is None:
            total = None
            if state.kept is not None:
                total = self.scorer(scheme).total(period.subjects[subject], state.kept)
            state.total = total if total is not None else self._engine(scheme, period, subject).total
        return state.total

    def card(self, scheme: Scheme, period: PeriodInput, subject: str) -> Card:
        """The subject's explained card, as the fast path's ranking takes it (the engine's where the fast
        scorer does not score the subject)."""
        state = self._state(scheme, period, subject)
        if state.card is None:
            card = None
            if state.kept is not None:
                card = self.scorer(scheme).card(period.subjects[subject], state.kept)
            if card is None:
                card = FastScorer.from_engine(scheme, self._engine(scheme, period, subject))
            state.card, state.total = card, card.total
        return state.card

    def _state(self, scheme: Scheme, period: PeriodInput, subject: str) -> _Subject:
        """The subject's facts as kept, extended by those listed since; taken again when need be."""
        key = (period.code + "\0" + period.bureau, subject)
        listed = period.by_subject.get(subject, ())
        registered = orjson.dumps(period.subjects[subject], option=orjson.OPT_SORT_KEYS)  # kind, group, name
        found = self.subjects.get(key)
        if found is not None:
            self.subjects.move_to_end(key)
            if found.scheme != scheme.content_hash or found.registered != registered or len(listed) < found.count \
                    or (found.count and listed[found.count - 1] != found.last) or found.kept is None:
                found = None
            elif len(listed) > found.count:
                if self._extend(scheme, period, subject, found, listed):
                    self.extended += 1
                else:
                    found = None
        if found is None:
            found = self.subjects[key] = self._take(scheme, period, subject, registered, listed)
            self.taken += 1
            while len(self.subjects) > self.size:
                self.subjects.popitem(last=False)
        return found

    def _extend(self, scheme: Scheme, period: PeriodInput, subject: str, found: _Subject, listed: Any) -> bool:
        try:
            new = [self._typed(period, period.facts[i]) for i in dict.fromkeys(listed[found.count:])]
        except Untypable:
            return False
        if found.kept is None or not self.scorer(scheme).extend(found.kept, subject, new):
            return False
        found.count, found.last, found.card, found.total = len(listed), listed[-1], None, None
        return True

    def _take(self, scheme: Scheme, period: PeriodInput, subject: str, registered: bytes, listed: Any) -> _Subject:
        """Every fact of the subject taken (None kept: a fact only the fact models type, or refuse)."""
        stored, _ = working_set(period, [subject])
        stored.sort(key=lambda f: f["id"])
        try:
            kept: Kept | None = self.scorer(scheme).kept(subject, [self._typed(period, f) for f in stored])
        except Untypable:
            kept = None
        return _Subject(scheme.content_hash, registered, len(listed), listed[-1] if listed else None, kept)

    def _engine(self, scheme: Scheme, period: PeriodInput, subject: str) -> Any:
        """The subject scored by the engine (with every subject its facts name)."""
        stored, named = working_set(period, [subject])
        stored.sort(key=lambda f: f["id"])
        listed = [Subject.model_validate(period.subjects[s]) for s in named]
        models = [_FACT.validate_python(f) for f in stored]
        return score_subjects(scheme, listed, models, period.code, only={subject}, checked=True)[subject]

    def _typed(self, period: PeriodInput, fact: dict[str, Any]) -> Typed:
        key = (period.code + "\0" + period.bureau, fact["id"])
        found = self.typed.get(key)
        if found is None:
            if len(self.typed) >= KEEP:
                self.typed.clear()
            found = self.typed[key] = typed(fact)
        return found
