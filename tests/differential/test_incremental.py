"""A subject's facts kept and extended fact by fact (FastScorer.kept/extend, issue 12) score exactly as all
its facts scored at once, after every step: generated periods of every shipped scheme, facts arriving
in a shuffled order (ids out of order), a few at a time, amendments (retractions, corrections,
exemptions, dated and shared-situation corrections) after the facts they target; and the last step
against the reference engine."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.generate import facts_for, subjects_for
from domain.facts import Fact
from domain.scoring.engine import score_subjects
from domain.scoring.fast.facts import Typed, typed
from domain.scoring.fast.subject import FastScorer, Kept
from tests.differential.paths import _named, admitted
from tests.differential.test_every_scheme import PERIOD, SCHEMES, SHAPES
from tests.differential.test_generated import LOADED, amendments

quick = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def steps(facts: Sequence[Fact], rng: random.Random) -> list[list[Fact]]:
    """The facts in the order a log could hold them (a target before what names it), cut into steps of
    one to three facts: the plain facts shuffled, the amendments after them."""
    ids = {f.id for f in facts}
    plain = [f for f in facts if not (getattr(f, "target", None) in ids or getattr(f, "corrects", None) in ids)]
    amending = [f for f in facts if f not in plain]
    rng.shuffle(plain)
    ordered, out = plain + amending, []
    while ordered:
        take = rng.randint(1, 3)
        out.append(ordered[:take])
        ordered = ordered[take:]
    return out


def replayed(scheme: Any, subjects: Sequence[Any], facts: Sequence[Fact], period: str, rng: random.Random
             ) -> tuple[dict[str, Any], int]:
    """Every subject's card (explained and summary) and total after each step, kept and extended as a
    recording server keeps them, compared with all the subject's facts so far scored at once; returns
    the last cards by subject, and how many extensions took the incremental path."""
    kept_scorer, full_scorer = FastScorer(scheme), FastScorer(scheme)
    registered = {s.id: s.model_dump(mode="json") for s in subjects}
    so_far: dict[str, Typed] = {}
    concerning: dict[str, set[str]] = {s: set() for s in registered}
    kept: dict[str, Kept] = {}
    extended, cards = 0, {}
    for step in steps(facts, rng):
        for fact in step:
            one = typed(fact.model_dump(mode="json", exclude_none=True))
            so_far[one.id] = one
        for subject in registered:
            now = {f.id for f in so_far.values() if subject in _named(so_far, f)}
            new = sorted(now - concerning[subject], key=lambda i: rng.random())
            if not new and subject in kept:
                continue  # nothing of it changed: what was compared stands
            concerning[subject] = now
            if subject not in kept or not kept_scorer.extend(kept[subject], subject, [so_far[i] for i in new]):
                kept[subject] = kept_scorer.kept(subject, sorted((so_far[i] for i in now), key=lambda f: f.id))
            elif new:
                extended += 1
            every = sorted((so_far[i] for i in now), key=lambda f: f.id)
            for explained in (True, False):
                got = kept_scorer.card(registered[subject], kept[subject], explained)
                want = full_scorer.score(registered[subject], every, explained)
                assert (got is None) == (want is None), subject
                if got is None and explained:
                    cards.pop(subject, None)  # the engine's now (D10, D9 quotas ...): not this path's
                if got is not None and want is not None:
                    assert (got.card, got.total, got.key, got.decisions, got.decided, got.incomplete) == (
                        want.card, want.total, want.key, want.decisions, want.decided, want.incomplete), subject
                    if explained:
                        cards[subject] = got
                    assert kept_scorer.total(registered[subject], kept[subject]) == want.total, subject
    return cards, extended


def check_against_the_engine(scheme: Any, subjects: Sequence[Any], facts: Sequence[Fact], period: str,
                             cards: dict[str, Any]) -> None:
    """The last step's cards are the engine's (the subjects the fast scorer leaves to it left out)."""
    scored = score_subjects(scheme, subjects, facts, period, checked=True)
    for subject, card in cards.items():
        assert card.card == FastScorer.from_engine(scheme, scored[subject]).card, subject
        assert card.total == scored[subject].total, subject


@st.composite
def periods(draw: st.DrawFn) -> tuple[Any, list[Any], list[Fact], str, int]:
    scheme = draw(st.sampled_from(LOADED))
    subjects = subjects_for(scheme, draw(st.integers(1, 5)), groups=draw(st.integers(1, 2)))
    period = PERIOD[scheme.period.kind]
    facts = facts_for(scheme, subjects, period, draw(st.integers(0, 10_000)), per_subject=draw(st.integers(0, 12)))
    facts += draw(amendments(scheme, facts))
    return scheme, subjects, admitted(scheme, subjects, facts, period), period, draw(st.integers(0, 2**32))


@quick
@given(periods())
def test_kept_facts_extended_step_by_step_score_as_all_the_facts_at_once(case: Any) -> None:
    scheme, subjects, facts, period, seed = case
    cards, _ = replayed(scheme, subjects, facts, period, random.Random(seed))
    check_against_the_engine(scheme, subjects, facts, period, cards)


def test_the_shipped_schemes_take_the_incremental_path_and_agree() -> None:
    """Every shipped scheme, two shapes (a few facts per subject, many): extensions happen (the path is exercised, not always
    retaken), and the results agree with the engine's at the end."""
    extended = 0
    for scheme in LOADED:
        for seed, count, per_subject, groups in (SHAPES[1], (3, 3, 60, 2)):
            subjects = subjects_for(scheme, count, groups=groups)
            period = PERIOD[scheme.period.kind]
            facts = admitted(scheme, subjects, facts_for(scheme, subjects, period, seed, per_subject=per_subject),
                             period)
            cards, n = replayed(scheme, subjects, facts, period, random.Random(seed))
            extended += n
            check_against_the_engine(scheme, subjects, facts, period, cards)
    assert extended > 100
    assert len(SCHEMES) == len(LOADED)
