"""Scorecards kept between view writes, so an event re-scores only the subjects it concerns.

A subject's scorecard, total and decisions depend only on the facts that concern it (the fact
index lists every fact under each subject it names, its targets' subjects included) and on the
scheme. The index's lists only grow, so (scheme hash, length of the subject's list) says whether
a kept card is still the subject's card. Ranks and grades are never kept: the group is ranked and
graded again from its cards each time (G1-G7 need the whole group).

The cache is bounded (least recently used first out): a province holds about 200,000 cards, which
a recording server need not keep; when a group's cards are not all kept, the missing ones are
scored, exactly as a cold start would.

With the recording server's kept subjects (projections/subject_totals.py), `rows` scores a group with
the fast scorer instead (each subject's card from its kept facts, extended by the new ones; the engine
for a subject the fast scorer does not do) and ranks it with the fast path's ranking, straight to the
views' bytes (issue 12): the views of a group touched by recording no longer re-score its subjects
with the engine. The engine's cards (`group`) stay for the what-if.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import orjson
from pydantic import TypeAdapter

from domain.canonical import canonical_bytes
from domain.facts import Fact, Subject
from domain.scheme.model import Scheme
from domain.scoring import NodeResult, SubjectResult
from domain.scoring.engine import Scored, ranked, score_subjects
from domain.scoring.fast import subject as fast
from projections.fact_index import named_subjects, working_set
from projections.period_input import PeriodInput
from projections.slim import slim_card

_FACT: TypeAdapter[Any] = TypeAdapter(Fact)
Signature = tuple[str, int, bytes]
DEFAULT_SIZE = 20_000


class Cards:
    """Scored subjects by (period, subject), with the signature they were scored under."""

    def __init__(self, size: int = DEFAULT_SIZE, subjects: Any = None):
        self.size, self.subjects = size, subjects  # subjects: a SubjectTotals, whose cards `rows` ranks
        self.kept: OrderedDict[tuple[str, str], tuple[Signature, Scored]] = OrderedDict()
        self.encoded: dict[int, bytes] = {}  # id of a kept card -> its canonical bytes (encoded once)
        self.scored = 0  # subjects scored (misses), for tests and benchmarks
        self.typed: dict[tuple[str, str], Any] = {}  # (period, fact id) -> typed fact: facts never change

    def card_bytes(self, card: NodeResult) -> bytes | None:
        """The canonical bytes of a kept card, or None for a card not kept (ids of live objects are unique,
        and every kept card is alive)."""
        return self.encoded.get(id(card))

    def group(self, scheme: Scheme, period: PeriodInput, members: Sequence[str]) -> list[SubjectResult]:
        """One group's results in rank order: kept cards where still valid, the others scored now.

        Stored facts are admitted already (projections/admission.py): they are not checked again."""
        key, signatures = period.code + "\0" + period.bureau, {s: _signature(scheme, period, s) for s in members}
        found: dict[str, Scored] = {}
        for subject in members:
            kept = self.kept.get((key, subject))
            if kept is not None and kept[0] == signatures[subject]:
                found[subject] = kept[1]
                self.kept.move_to_end((key, subject))
        missing = [s for s in members if s not in found]
        if missing:
            fresh = self._score(scheme, period, missing)
            self.scored += len(missing)
            for subject in missing:
                found[subject] = fresh[subject]
                self._keep((key, subject), signatures[subject], fresh[subject])
            while len(self.kept) > self.size:
                self.encoded.pop(id(self.kept.popitem(last=False)[1][1].card), None)
        return ranked(scheme, [found[s] for s in members])

    def rows(self, scheme: Scheme, period: PeriodInput, members: Sequence[str]) -> list[tuple[str, bytes, Any]] | None:
        """One group's results as the views hold them (subject, canonical bytes, total), in rank order, from
        the fast scorer's cards kept per subject; None without kept subjects."""
        if self.subjects is None:
            return None
        cards = [self.subjects.card(scheme, period, s) for s in members]
        totals = {c.id: c.total for c in cards}
        return [(subject, body, totals[subject]) for subject, _group, body in fast.ranked(scheme, cards)]

    def proposed(
        self, scheme: Scheme, period: PeriodInput, members: Sequence[str], extra: Sequence[Any]
    ) -> list[SubjectResult]:
        """One group's results as if typed facts `extra` were recorded (a what-if): the subjects the
        facts concern are scored with them, the others keep their cards; nothing is kept from it.
        `extra` is checked with the facts of the subjects it concerns (unknown subjects, targets,
        duplicate ratings raise FactsInvalid), as recording would check it."""
        key = period.code + "\0" + period.bureau
        plain = [f.model_dump(mode="json", exclude_none=True) for f in extra]
        touched = set().union(set(), *(named_subjects(period.facts, f) for f in plain)) & period.subjects.keys()
        fresh = self._score(scheme, period, sorted(touched), extra)
        self.group(scheme, period, members)  # every member's card kept and current
        cards = {s: fresh[s] if s in fresh else self.kept[(key, s)][1] for s in members}
        return ranked(scheme, [cards[s] for s in members])

    def _keep(self, key: tuple[str, str], signature: Signature, scored: Scored) -> None:
        earlier = self.kept.pop(key, None)
        if earlier is not None:
            self.encoded.pop(id(earlier[1].card), None)
        slim_card(scored.card)
        self.kept[key] = (signature, scored)
        self.encoded[id(scored.card)] = canonical_bytes(scored.card)

    def _score(
        self, scheme: Scheme, period: PeriodInput, subjects: list[str], extra: Sequence[Any] = ()
    ) -> dict[str, Scored]:
        """Score some subjects from the facts concerning them (with the subjects those facts name),
        and typed facts `extra` if given (a what-if)."""
        stored, named = working_set(period, subjects, [f.model_dump(mode="json", exclude_none=True) for f in extra])
        listed = [Subject.model_validate(period.subjects[s]) for s in named]
        key, typed = period.code + "\0" + period.bureau, self.typed
        if len(typed) > self.size * 10:
            typed.clear()
        kept = [typed.get((key, f["id"])) or typed.setdefault((key, f["id"]), _FACT.validate_python(f)) for f in stored]
        return score_subjects(scheme, listed, [*kept, *extra], period.code, only=set(subjects), checked=not extra)


def _signature(scheme: Scheme, period: PeriodInput, subject: str) -> Signature:
    registered = orjson.dumps(period.subjects[subject], option=orjson.OPT_SORT_KEYS)  # kind and group matter
    return (scheme.content_hash, len(period.by_subject.get(subject, ())), registered)
