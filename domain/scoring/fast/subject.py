"""Subjects scored from typed facts to their scorecard bytes, and groups ranked and graded to result bytes.

`FastScorer.score` is domain/scoring/engine.py's `_scored` for one subject (standings, lines, the D4/B2
search, the scorecard, decisions); a subject whose facts need what it does not do (D10 reminders,
D5/D10 voiding, D9 quotas and proportional items, an empty card) comes back None, and the caller
scores it with the engine (`from_engine`). `ranked` is the engine's `ranked`: the same ranking and
grading code (G1-G7, V1-V5, G5 outcomes), with each subject result written straight to bytes.

What a subject's scoring takes from its facts (standings, lines, decisions) can be kept (`kept`) and
extended by facts recorded later (`extend`, plainly additive ones only: anything that targets or corrects
an earlier fact is scored from all the facts again), then scored (`card`, or `total` for the numbers
alone): a recording server does not read every fact of a subject again for each new one (issue 12).
"""

from __future__ import annotations

from bisect import insort
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import product
from math import prod
from typing import Any

from domain.canonical import canonical_bytes
from domain.numbers import ZERO, scoring_context
from domain.scheme.model import Scheme
from domain.scheme.nodes import BonusItem, DeductionItem, Section
from domain.scoring.engine import MAX_COMBINATIONS, Scored
from domain.scoring.fast import encode
from domain.scoring.fast.card import Built, CardFold, Memo
from domain.scoring.fast.facts import Typed
from domain.scoring.fast.lines import FastLine, Points, Standing, decision_lines, standings, subject_lines
from domain.scoring.fast.plain import PlainItem
from domain.scoring.grading import Decisions, Grade, Graded, grade_period
from domain.scoring.ranking import rank_group, rank_key
from domain.scoring.summary import unexplained


@dataclass
class Card:
    """One subject scored: everything of its result but rank and grade, the card already in bytes."""

    subject: dict[str, Any]
    card: bytes
    total: Decimal
    key: tuple[Decimal, ...]
    decided: Decisions | None
    decisions: list[bytes]
    incomplete: tuple[str, ...]

    @property
    def id(self) -> str:
        return str(self.subject["id"])


class Kept:
    """What scoring one subject takes from the facts concerning it, kept so that facts recorded later are
    added to it (FastScorer.extend) rather than every fact read again: the facts' ids, their standings
    (D8), the subject's lines by item in (date, id) order, its vetoes, affirmations and conditions in id
    order; and the items some of whose lines name a situation (D4/B2: only those can have rivals)."""

    __slots__ = ("deciding", "ids", "lines", "memos", "situated", "standing")

    def __init__(self, ids: set[str], standing: dict[str, Standing], lines: dict[str, list[FastLine]],
                 deciding: list[Typed], memos: dict[str, Memo] | None = None):
        self.ids, self.standing, self.lines, self.deciding = ids, standing, lines, deciding
        self.memos = memos  # the card's nodes as last folded, by way (numbers, explained, summary): see CardFold
        self.situated = {item for item, listed in lines.items() if any(line.situation for line in listed)}

    def memo(self, way: str, lines: dict[str, list[FastLine]]) -> Memo | None:
        """The memo of a way of folding, when the lines folded are those kept (not changed by D4/B2)."""
        if self.memos is None or lines is not self.lines:
            return None
        found = self.memos.get(way)
        if found is None:
            found = self.memos[way] = Memo()
        return found


_ADDITIVE = frozenset(("rating", "deduction", "bonus"))
_DECIDING = frozenset(("veto", "affirmation", "condition"))


def _order(line: FastLine) -> tuple[Any, str]:
    return line.order


def _fact_id(fact: Typed) -> str:
    return fact.id


class FastScorer:
    """The fast path of one scheme: what it scores itself, and how."""

    def __init__(self, scheme: Scheme):
        self.scheme, self.fold, self.points = scheme, CardFold(scheme), Points(scheme)
        self.scopes = _scopes(scheme)
        self.settled = {i.id for i in scheme.items.values() if _settled(i)}  # D10, D5/D10, D9 quota: the engine's
        proportional = [i for i in scheme.items.values()
                        if isinstance(i, DeductionItem) and i.deduct.in_proportion is not None]
        self.worked_out = {k for k in scheme.subject_kinds if any(_applies(scheme, i.id, k) for i in proportional)}

    def score(self, subject: dict[str, Any], facts: Sequence[Typed], explained: bool = True) -> Card | None:
        """The subject's card from the facts concerning it (admitted, in id order), or None: the engine's.
        Not `explained`: the card's summary (its nodes' lines left out)."""
        if subject["kind"] in self.worked_out:
            return None
        return self.card(subject, self.kept(subject["id"], facts, memo=False), explained)

    # -- a subject's facts kept between scorings, extended by the facts recorded since (issue 12) ----------

    def kept(self, subject: str, facts: Sequence[Typed], memo: bool = True) -> Kept:
        """What scoring the subject takes from the facts concerning it (admitted, in id order): their
        standings, the subject's lines by item and its decision facts; with `memo`, the card's nodes will
        be kept as folded, so that scoring it after an extension folds again only what changed."""
        with scoring_context():
            standing = standings(facts)
            lines = subject_lines(subject, facts, standing, self.points)
        deciding = [f for f in facts if f.type in _DECIDING and f.subject == subject]
        return Kept({f.id for f in facts}, standing, lines, deciding, {} if memo else None)

    def extend(self, kept: Kept, subject: str, facts: Sequence[Typed]) -> bool:
        """Add facts recorded after those kept (in any id order) to what is kept, as `kept` would have taken
        them with the others; False, and nothing changed, when one is not plainly additive (it targets or
        corrects a fact, it is an exemption or a retraction, it is known already): then score from all the
        facts again. The standings of the kept facts cannot change by such a fact, and none targets it."""
        for fact in facts:
            kind = fact.type
            if not ((kind in _ADDITIVE and fact.corrects is None) or kind in _DECIDING) or fact.id in kept.ids \
                    or fact.id in kept.standing:
                return False
        lines = kept.lines
        with scoring_context():
            for fact in facts:
                kept.ids.add(fact.id)
                if fact.type in _DECIDING:
                    if fact.subject == subject:
                        insort(kept.deciding, fact, key=_fact_id)
                    continue
                for item, added in subject_lines(subject, (fact,), kept.standing, self.points).items():
                    for memo in (kept.memos or {}).values():
                        memo.add(item, added)
                    if any(line.situation for line in added):
                        kept.situated.add(item)
                    listed = lines.get(item)
                    if listed is None:
                        lines[item] = added
                    else:
                        for line in added:
                            insort(listed, line, key=_order)
        return True

    def card(self, subject: dict[str, Any], kept: Kept, explained: bool = True) -> Card | None:
        """The subject's card from what is kept of its facts, or None: the engine's."""
        sid, kind, group = subject["id"], subject["kind"], subject.get("group", "all")
        with scoring_context():
            lines = self._scored_lines(kind, group, kept)
            if lines is None:
                return None
            applied: dict[str, Decimal] | None = {} if self.scheme.ranking.tiebreak else None
            missing: list[str] = []
            memo = kept.memo("explained" if explained else "summary", lines)
            card = self.fold.build(kind, group, lines, applied, missing, explained, memo)
            if card is None:
                return None
            total = self.fold.total(card)
            key = self._key(total, applied)
            decisions, decided = decision_lines(sid, kept.deciding, kept.standing)
        incomplete = tuple(f"incomplete:{i}" for i in missing)
        return Card(subject, card.encoded or b"", total, key, Decisions(*decided) if decided else None, decisions,
                    incomplete)

    def total(self, subject: dict[str, Any], kept: Kept) -> Decimal | None:
        """The subject's total alone (the card's numbers, nothing encoded), or None: the engine's."""
        kind, group = subject["kind"], subject.get("group", "all")
        with scoring_context():
            lines = self._scored_lines(kind, group, kept)
            if lines is None:
                return None
            card = self.fold.numbers(kind, group, lines, kept.memo("numbers", lines))
            return None if card is None else self.fold.total(card)

    def _scored_lines(self, kind: str, group: str, kept: Kept) -> dict[str, list[FastLine]] | None:
        """The kept lines as the card folds them (D4/B2 settled), or None when the engine scores the subject."""
        if kind in self.worked_out or (self.settled and not self.settled.isdisjoint(kept.lines)):
            return None
        return self._highest_only(kind, group, kept.lines, kept.situated)

    def _key(self, total: Decimal, applied: dict[str, Decimal] | None) -> tuple[Decimal, ...]:
        """The subject's ranking key: its total, then the nodes the scheme breaks ties by (their applied points)."""
        if applied is None:
            return (total,)
        return (total, *(applied.get(n, ZERO) for n in self.scheme.ranking.tiebreak))

    def score_plain(self, subject: dict[str, Any], items: dict[str, PlainItem], explained: bool = True
                    ) -> Card | None:
        """`score` for a subject whose facts are all plain ratings (domain/scoring/fast/plain.py), given as
        its rating items: no standing (nothing retracted, corrected or exempted), no D4/B2 rival (a rating
        line has no situation), no decision; or None, as `score` would say."""
        kind, group = subject["kind"], subject.get("group", "all")
        if kind in self.worked_out or (self.settled and not self.settled.isdisjoint(items)):
            return None
        with scoring_context():
            applied: dict[str, Decimal] | None = {} if self.scheme.ranking.tiebreak else None
            missing: list[str] = []
            card = self.fold.build(kind, group, items, applied, missing, explained)  # type: ignore[arg-type]
            if card is None:
                return None
            total = self.fold.total(card)
            key = self._key(total, applied)
        incomplete = tuple(f"incomplete:{i}" for i in missing)
        return Card(subject, card.encoded or b"", total, key, None, [], incomplete)

    def score_mixed(self, subject: dict[str, Any], items: dict[str, PlainItem], facts: Sequence[Typed],
                    explained: bool = True) -> Card | None:
        """`score` for a subject whose plain ratings of some items are given as those rating items, beside its
        other facts in id order (the ratings of any other item among them), none of which amends a rating of
        the given items (so every line of those is counted, and the standings are those of the other facts
        alone); or None, as `score` would say."""
        if subject["kind"] in self.worked_out:
            return None
        kept = self.kept(subject["id"], facts, memo=False)
        kept.lines.update(items)  # type: ignore[arg-type]
        return self.card(subject, kept, explained)

    def rating_roles(self) -> dict[str, tuple[str, ...]]:
        """Each rating item's roles in the order R1-R3 weigh them (the plan's)."""
        return {item: rating.roles for item, rating in self.fold.plan.ratings.items()}

    # -- D4/B2: one situation counts once, at the highest (engine.settle_highest_only) -----------------

    def _highest_only(self, kind: str, group: str, lines: dict[str, list[FastLine]], situated: set[str]
                      ) -> dict[str, list[FastLine]]:
        """`lines` with D4/B2 settled; `situated`: the items some of whose lines name a situation (Kept.situated)."""
        if not self.scopes or not situated:
            return lines
        rivals = self._rivals(lines, situated)
        for bonus in (False, True):
            groups = [r for r in rivals if r[0] is bonus]
            if groups:
                lines = self._best(kind, group, lines, groups, bonus)
        return lines

    def _rivals(self, lines: dict[str, list[FastLine]], situated: set[str]
                ) -> list[tuple[bool, str, tuple[tuple[str, int], ...]]]:
        # Only the items known to have a line naming a situation are looked through (issue 12: every line of every
        # scoped item was, twice a recorded fact, for read-your-writes and the keeper's card), in the same order.
        found: dict[tuple[str, str, bool], list[tuple[str, int]]] = defaultdict(list)
        for item, listed in lines.items():
            scope = self.scopes.get(item)
            if scope is None or item not in situated or type(listed) is PlainItem:  # a rating line has no situation
                continue
            for index in [i for i, line in enumerate(listed) if line.situation]:  # few lines name a situation
                line = listed[index]
                if line.status == "counted" and line.points != ZERO:
                    found[(scope, line.situation, line.points > 0)].append((item, index))
        out = []
        for (_scope, situation, bonus), members in sorted(found.items()):
            if len(members) > 1:
                ranked = sorted(members, key=lambda m: (-abs(lines[m[0]][m[1]].points), lines[m[0]][m[1]].order))
                out.append((bonus, situation, tuple(ranked)))
        return out

    def _best(self, kind: str, group: str, lines: dict[str, list[FastLine]], groups: list[Any], bonus: bool
              ) -> dict[str, list[FastLine]]:
        sizes = [len(g[2]) for g in groups]
        if prod(sizes) > MAX_COMBINATIONS:
            for one in groups:
                lines = self._best(kind, group, lines, [one], bonus)
            return lines
        best: tuple[Decimal, dict[str, list[FastLine]]] | None = None
        for choice in product(*(range(n) for n in sizes)):
            option = lines
            for rivals, kept in zip(groups, choice, strict=True):
                option = _keep_one(option, rivals[2], kept)
            card = self.fold.numbers(kind, group, option)
            total = card.applied + card.overflow if card is not None else ZERO
            if best is None or (total > best[0] if bonus else total < best[0]):
                best = (total, option)
        return best[1] if best else lines

    @staticmethod
    def from_engine(scheme: Scheme, scored: Scored, explained: bool = True) -> Card:
        """A subject the engine scored, as a card of the fast path (or its summary)."""
        subject = scored.subject.model_dump(mode="json")
        with scoring_context():
            key = rank_key(scheme, scored.total, scored.card)
        card = scored.card if explained else unexplained(scored.card)
        return Card(subject, canonical_bytes(card), scored.total, key, scored.decided,
                    [canonical_bytes(line) for line in scored.decision_lines], scored.incomplete)


def _keep_one(lines: dict[str, list[FastLine]], members: tuple[tuple[str, int], ...], kept: int
              ) -> dict[str, list[FastLine]]:
    winner = lines[members[kept][0]][members[kept][1]]
    out = dict(lines)
    for position, (item, index) in enumerate(members):
        if position != kept:
            out[item] = list(out[item])
            out[item][index] = out[item][index].superseded(winner)
    return out


def _settled(item: Any) -> bool:
    if isinstance(item, DeductionItem):
        return item.deduct.repeats is not None or item.deduct.void_at is not None
    return isinstance(item, BonusItem) and item.bonus.beyond_quota is not None


def _applies(scheme: Scheme, item_id: str, kind: str) -> bool:
    from domain.scoring.applicability import applicable_ids

    return item_id in applicable_ids(scheme, kind)


def _scopes(scheme: Scheme) -> dict[str, str]:
    """Each item's nearest highest-only ancestor (domain.scoring.lines._scopes)."""
    scopes: dict[str, str] = {}

    def visit(node: Section, scope: str | None) -> None:
        scope = node.id if node.highest_only else scope
        for child in node.children:
            if isinstance(child, Section):
                visit(child, scope)
            elif scope is not None:
                scopes[child.id] = scope

    visit(scheme.tree, None)
    return scopes


def ranked(scheme: Scheme, cards: Sequence[Card]) -> list[tuple[str, str, bytes]]:
    """Rank and grade scored subjects (engine.ranked): (subject, group, result bytes), groups in
    code-point order, each in rank order."""
    groups: dict[str, list[Card]] = defaultdict(list)
    for one in sorted(cards, key=lambda c: c.id):
        groups[one.subject.get("group", "all")].append(one)
    decided = {c.id: c.decided for c in cards if c.decided is not None}
    by_id = {c.id: c for c in cards}
    out = []
    with scoring_context():
        orders = {g: rank_group(scheme, {c.id: c.key for c in members}) for g, members in groups.items()}
        boundary = scheme.ranking.quota_boundary
        grades = grade_period(Graded.main(scheme), orders, decided, boundary)
        further = [(o.id, grade_period(Graded.of(scheme, o), orders, decided, boundary)) for o in scheme.outcomes or []]
        for group in sorted(groups):
            for place in orders[group]:
                card = by_id[place.subject]
                outcomes = [_outcome(oid, found[place.subject]) for oid, found in further] if further else None
                out.append((card.id, group, _result(card, place.rank, grades[place.subject], outcomes)))
    return out


def _outcome(outcome: str, grade: Grade) -> bytes:
    parts = [b'{"eligible":', encode.boolean(grade.eligible)]
    if grade.grade is not None:
        parts += (b',"grade":', encode.text(grade.grade))
    parts += (b',"id":', encode.text(outcome), b',"reasons":', encode.texts(grade.reasons), b"}")
    return b"".join(parts)


def _result(card: Card, rank: int, grade: Grade, outcomes: list[bytes] | None) -> bytes:
    """A SubjectResult's bytes (keys: card, decisions, eligible, flags, grade, grade_reasons, group, kind,
    name, outcomes, rank, subject, total)."""
    subject = card.subject
    flags = ([] if grade.eligible else ["ineligible"]) + list(card.incomplete)
    parts = [b'{"card":', card.card, b',"decisions":', encode.joined(card.decisions), b',"eligible":',
             encode.boolean(grade.eligible), b',"flags":', encode.texts(flags)]
    if grade.grade is not None:
        parts += (b',"grade":', encode.text(grade.grade))
    parts += (b',"grade_reasons":', encode.texts(grade.reasons), b',"group":', encode.text(subject.get("group", "all")),
              b',"kind":', encode.text(subject["kind"]), b',"name":', encode.text(subject["name"]))
    if outcomes is not None:
        parts += (b',"outcomes":', encode.joined(outcomes))
    parts += (b',"rank":', str(rank).encode(), b',"subject":', encode.text(subject["id"]), b',"total":',
              encode.number(card.total), b"}")
    return b"".join(parts)


__all__ = ["Built", "Card", "FastScorer", "Kept", "ranked"]
