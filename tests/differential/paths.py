"""The two paths a period's results can take, side by side: the reference engine (domain/scoring) and
the fast path (domain/scoring/fast), from the same facts, to canonical bytes (or their summaries)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from domain.canonical import canonical_bytes
from domain.facts import Fact, Subject
from domain.scheme.model import Scheme
from domain.scoring import score_period
from domain.scoring.engine import score_subjects
from domain.scoring.fast.facts import Typed, typed
from domain.scoring.fast.plain import Pieces, PlainItem, plain_items
from domain.scoring.fast.subject import FastScorer, ranked
from domain.scoring.summary import period_summary
from domain.scoring.validate import allowed_periods
from domain.scoring.vetting import Vetting


def admitted(scheme: Scheme, subjects: Sequence[Subject], facts: Sequence[Fact], period: str) -> list[Fact]:
    """The facts admission keeps, in the order given (the others would be set aside)."""
    kinds = {s.id: s.kind for s in subjects}
    vetting = Vetting(scheme, kinds.get, allowed_periods(scheme, period))
    return [f for f in facts if not vetting.admit(f)]


def reference(scheme: Scheme, subjects: Sequence[Subject], facts: Sequence[Fact], period: str,
              explained: bool = True) -> bytes:
    result = score_period(scheme, subjects, facts, period, checked=True)
    return canonical_bytes(result if explained else period_summary(result))


def fast(scheme: Scheme, subjects: Sequence[Subject], facts: Sequence[Fact], period: str,
         explained: bool = True, lane: bool = False) -> tuple[bytes, int]:
    """The fast path's bytes, and how many subjects it handed to the engine; `lane`: a subject whose facts
    are all plain ratings is scored through the plain-rating lane (domain/scoring/fast/plain.py), and one
    whose ratings are all plain beside other facts amending no rating, with them."""
    scorer = FastScorer(scheme)
    raws = {f.id: f.model_dump(mode="json", exclude_none=True) for f in facts}
    plain = sorted((typed(dict(raw)) for raw in raws.values()), key=lambda f: f.id)
    by_id = {f.id: f for f in plain}
    concerning: dict[str, list[Typed]] = defaultdict(list)
    for fact in plain:
        for subject in _named(by_id, fact):
            concerning[subject].append(fact)
    cards, engine = [], 0
    pieces, roles = Pieces(), scorer.rating_roles()
    for subject in subjects:
        card = None
        if lane:
            mine = concerning.get(subject.id, [])
            ratings = [f for f in mine if f.type == "rating"]
            others = [f for f in mine if f.type != "rating"]
            items = _plain_items(pieces, roles, [raws[f.id] for f in ratings])
            if items is not None and not others:
                card = scorer.score_plain(subject.model_dump(mode="json"), items, explained)
            elif items is not None and not {f.target or f.corrects for f in others} & {f.id for f in ratings}:
                card = scorer.score_mixed(subject.model_dump(mode="json"), items, others, explained)
        if card is None:
            card = scorer.score(subject.model_dump(mode="json"), concerning.get(subject.id, []), explained)
        if card is None:
            engine += 1
            found = score_subjects(scheme, [subject], facts, period, only={subject.id}, checked=True)[subject.id]
            card = FastScorer.from_engine(scheme, found, explained)
        cards.append(card)
    head = canonical_bytes(score_period(scheme, [], [], period, checked=True))[:-2]
    return head + b",".join(body for _, _, body in ranked(scheme, cards)) + b"]}", engine


_PLAIN = {"id", "type", "item", "subject", "role", "rater", "value", "period", "recorded_by"}


def _plain_items(pieces: Pieces, roles: dict[str, tuple[str, ...]], raws: list[dict[str, Any]]
                 ) -> dict[str, PlainItem] | None:
    """A subject's facts as the plain lane holds them, when all are plain ratings (the rows built as
    projections/fast/ratings.py builds them; these facts are admitted already)."""
    buckets: dict[str, list[Any]] = {}
    for raw in raws:
        if raw.keys() != _PLAIN:
            return None
        note = pieces.note(raw["role"], raw["rater"])
        value = pieces.value(raw["value"])
        recorder = pieces.recorder(raw["recorded_by"])
        assert note is not None and value is not None and recorder is not None
        line = pieces.head + raw["id"].encode() + note + value[1] + recorder
        buckets.setdefault(raw["item"], []).append((raw["id"], raw["role"], value[0], line, raw["rater"]))
    return plain_items(buckets, "", roles)


def _named(by_id: dict[str, Any], fact: Typed) -> set[str]:
    out = {fact.subject} if fact.subject else set()
    out |= {p.subject for p in fact.parties or () if p.subject}
    target = fact.target or fact.corrects
    if target in by_id and by_id[target] is not fact:
        out |= _named(by_id, by_id[target])
    return out
