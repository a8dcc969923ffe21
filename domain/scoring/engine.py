"""score_period: a period's facts, under a scheme, to every subject's result. Pure and deterministic."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import product
from math import prod

from domain.canonical import paused_gc
from domain.facts import AffirmationDecision, ConditionMet, Fact, Subject, VetoDecision
from domain.numbers import ZERO, scoring_context
from domain.scheme.model import Scheme
from domain.scoring.grading import Decisions, Grade, Graded, grade_period
from domain.scoring.lines import Entry, Key, Rivals, fact_lines, highest_only_rivals, keep_one
from domain.scoring.points import rounded
from domain.scoring.ranking import rank_group, rank_key
from domain.scoring.results import Line, NodeResult, OutcomeResult, PeriodResult, SubjectResult, trusted
from domain.scoring.standing import Standing, standings
from domain.scoring.tree import Scorecard
from domain.scoring.validate import allowed_periods, check_facts


def score_period(
    scheme: Scheme,
    subjects: Sequence[Subject],
    facts: Sequence[Fact],
    period: str,
    *,
    lines: Sequence[int] | None = None,
    checked: bool = False,
) -> PeriodResult:
    """Score one period: facts are checked first (FactsInvalid lists every problem), unless they were
    admitted already (`checked`: the projections admit every stored fact, domain/scoring/vetting.py)."""
    with paused_gc():  # scoring makes no cycles, only a great many containers
        if not checked:
            check_facts(scheme, subjects, facts, period, lines)
        with scoring_context():
            return _score(scheme, sorted(subjects, key=lambda s: s.id), sorted(facts, key=lambda f: f.id), period)


def _score(scheme: Scheme, subjects: list[Subject], facts: list[Fact], period: str) -> PeriodResult:
    return PeriodResult(
        scheme=scheme.scheme,
        scheme_version=scheme.version,
        scheme_hash=scheme.content_hash,
        period=period,
        subjects=ranked(scheme, list(_scored(scheme, subjects, facts).values())),
    )


@dataclass(frozen=True)
class Scored:
    """One subject's scorecard, total and decisions: everything of its result but rank and grade.

    It depends only on the facts that concern the subject, so a projection may keep it until
    one of those changes, and rank and grade the subject's group again from the kept ones."""

    subject: Subject
    card: NodeResult
    total: Decimal
    decided: Decisions | None
    decision_lines: list[Line]
    incomplete: tuple[str, ...] = ()  # flags for the rating items missing a role (R1), in tree order


def score_subjects(
    scheme: Scheme,
    subjects: Sequence[Subject],
    facts: Sequence[Fact],
    period: str,
    only: set[str] | None = None,
    checked: bool = False,
) -> dict[str, Scored]:
    """The scorecards of some subjects (None: all), from facts that include every fact concerning them;
    the facts are checked first, as `score_period` checks them (unless `checked`)."""
    with paused_gc():
        if not checked:
            check_facts(scheme, subjects, facts, period)
        with scoring_context():
            listed = sorted(subjects, key=lambda s: s.id)
            scored = _scored(scheme, listed, sorted(facts, key=lambda f: f.id))
    return scored if only is None else {s: v for s, v in scored.items() if s in only}


def _scored(scheme: Scheme, subjects: list[Subject], facts: list[Fact]) -> dict[str, Scored]:
    standing = standings(facts)
    entries = settle_highest_only(scheme, subjects, fact_lines(scheme, facts, standing))
    decided, decision_lines = _decisions(facts, standing)
    out: dict[str, Scored] = {}
    for subject in subjects:
        card = Scorecard(scheme, subject, entries).build()
        total = rounded(scheme, "total", card.applied + card.overflow)
        flags = tuple(f"incomplete:{n.id}" for n in _incomplete(card))
        out[subject.id] = Scored(
            subject, card, total, decided.get(subject.id), decision_lines.get(subject.id, []), flags
        )
    return out


def ranked(scheme: Scheme, scored: Sequence[Scored]) -> list[SubjectResult]:
    """Rank and grade scored subjects (G1-G7, V1-V5): groups in code-point order, each group in rank order;
    a grade rule ranks within the group or, with `scope: period`, over all the subjects given."""
    groups: dict[str, list[Scored]] = defaultdict(list)
    for one in sorted(scored, key=lambda s: s.subject.id):
        groups[one.subject.group].append(one)
    decided = {s.subject.id: s.decided for s in scored if s.decided is not None}
    by_id = {s.subject.id: s for s in scored}
    results: list[SubjectResult] = []
    with scoring_context():
        orders = {
            g: rank_group(scheme, {s.subject.id: rank_key(scheme, s.total, s.card) for s in members})
            for g, members in groups.items()
        }
        boundary = scheme.ranking.quota_boundary
        grades = grade_period(Graded.main(scheme), orders, decided, boundary)
        further = [(o.id, grade_period(Graded.of(scheme, o), orders, decided, boundary)) for o in scheme.outcomes or []]
        for group in sorted(groups):
            for place in orders[group]:
                one = by_id[place.subject]
                outcomes = [_outcome(oid, found[place.subject]) for oid, found in further] if further else None
                results.append(
                    _subject_result(
                        one.subject,
                        one.total,
                        place.rank,
                        grades[place.subject],
                        one.card,
                        one.decision_lines,
                        one.incomplete,
                        outcomes,
                    )
                )
    return results


def _outcome(outcome: str, grade: Grade) -> OutcomeResult:
    return OutcomeResult(id=outcome, grade=grade.grade, eligible=grade.eligible, reasons=list(grade.reasons))


def settle_highest_only(
    scheme: Scheme, subjects: list[Subject], entries: dict[Key, list[Entry]]
) -> dict[Key, list[Entry]]:
    """D4/B2: of each subject's rival lines, keep the ones with the largest effect on the total (就高).

    Deduction rivals are chosen together so that the total is lowest, then bonus rivals so that
    it is highest: judged by effect, not raw points, a deduction in a section already at its
    floor never displaces one that still bites, so recording another finding never raises a
    total. Equal effects keep the largest raw points, then the earliest fact. Beyond
    MAX_COMBINATIONS choices per subject, rivals are settled one situation at a time.
    """
    by_subject: dict[str, list[Rivals]] = defaultdict(list)
    for rivals in highest_only_rivals(scheme, entries):
        by_subject[rivals.subject].append(rivals)
    for subject in subjects:
        for bonus in (False, True):
            groups = [r for r in by_subject.get(subject.id, []) if r.bonus is bonus]
            if groups:
                entries = _best(scheme, subject, entries, groups, bonus)
    return entries


MAX_COMBINATIONS = 4096


def _best(
    scheme: Scheme, subject: Subject, entries: dict[Key, list[Entry]], groups: list[Rivals], bonus: bool
) -> dict[Key, list[Entry]]:
    sizes = [len(g.members) for g in groups]
    if prod(sizes) > MAX_COMBINATIONS:
        for group in groups:
            entries = _best(scheme, subject, entries, [group], bonus)
        return entries
    best: tuple[Decimal, dict[Key, list[Entry]]] | None = None
    for choice in product(*(range(n) for n in sizes)):  # lexicographic: earlier choices are larger rivals
        option = entries
        for group, kept in zip(groups, choice, strict=True):
            option = keep_one(option, group, kept)
        total = _total(scheme, Scorecard(scheme, subject, option).build())
        if best is None or (total > best[0] if bonus else total < best[0]):
            best = (total, option)
    return best[1] if best else entries


def _total(scheme: Scheme, card: NodeResult) -> Decimal:
    return card.applied + card.overflow


def _subject_result(
    subject: Subject,
    total: Decimal,
    rank: int,
    grade: Grade,
    card: NodeResult,
    decisions: list[Line],
    incomplete: tuple[str, ...],
    outcomes: list[OutcomeResult] | None = None,
) -> SubjectResult:
    flags = ([] if grade.eligible else ["ineligible"]) + list(incomplete)
    values = {
        "subject": subject.id,
        "name": subject.name,
        "group": subject.group,
        "kind": subject.kind,
        "total": total,
        "rank": rank,
        "grade": grade.grade,
        "eligible": grade.eligible,
        "flags": flags,
        "grade_reasons": list(grade.reasons),
        "decisions": list(decisions),
        "card": card,
        "outcomes": outcomes,
    }
    return trusted(SubjectResult, values, _SUBJECT)


_SUBJECT = set(SubjectResult.model_fields)  # every field given
_DECISION = {"facts", "points", "status", "recorded_by", "note", "by"}


def _incomplete(card: NodeResult) -> list[NodeResult]:
    own = [card] if card.incomplete else []
    return own + [n for child in card.children for n in _incomplete(child)]


def _decisions(facts: list[Fact], standing: dict[str, Standing]) -> tuple[dict[str, Decisions], dict[str, list[Line]]]:
    """Counted vetoes, affirmations and conditions per subject, and a line for each (counted or not)."""
    vetoes, affirmations, conditions = defaultdict(list), defaultdict(list), defaultdict(set)
    lines: dict[str, list[Line]] = defaultdict(list)
    for fact in facts:
        if not isinstance(fact, (VetoDecision, AffirmationDecision, ConditionMet)):
            continue
        st = standing[fact.id]
        code = (
            fact.veto
            if isinstance(fact, VetoDecision)
            else (fact.affirmation if isinstance(fact, AffirmationDecision) else fact.condition)
        )
        values = {
            "facts": [fact.id],
            "points": ZERO,
            "status": st.status,
            "recorded_by": [fact.recorded_by],
            "note": f"{fact.type} {code}",
            "by": list(st.by),
            "occurred_on": None,
        }
        lines[fact.subject].append(trusted(Line, values, _DECISION))
        if st.status != "counted":
            continue
        target = (
            vetoes
            if isinstance(fact, VetoDecision)
            else affirmations
            if isinstance(fact, AffirmationDecision)
            else None
        )
        if target is not None:
            target[fact.subject].append(code)
        else:
            conditions[fact.subject].add(code)
    subjects = set(vetoes) | set(affirmations) | set(conditions)
    decided = {
        s: Decisions(tuple(sorted(vetoes[s])), tuple(sorted(affirmations[s])), frozenset(conditions[s]))
        for s in subjects
    }
    return decided, lines


__all__ = ["Scored", "allowed_periods", "ranked", "score_period", "score_subjects"]
