"""Rating corrections and retractions through the fast replay's plain lane (projections/fast/ratings.py,
issue 12): a rating item whose ratings a fact of the stream corrects or retracts is admitted with those
facts, one by one, and scored from typed facts; the subject's other items stay plain. The lane itself
(PlainLane.card, on stored rows as a stream holds them) against the reference engine, byte for byte, on
generated periods of every shipped scheme with ratings corrected, retracted and rated again."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.generate import facts_for, subjects_for
from domain.canonical import canonical_bytes
from domain.facts import Deduction, Fact, Rating, Retraction, Subject
from domain.scoring import score_period
from domain.scoring.engine import score_subjects
from domain.scoring.fast.facts import typed
from domain.scoring.fast.subject import FastScorer, ranked
from domain.scoring.validate import allowed_periods
from projections.fast.plan import PeriodPlan
from projections.fast.ratings import PlainLane, route
from projections.period_input import PeriodInput
from tests.differential.paths import _named, admitted, reference
from tests.differential.test_every_scheme import PERIOD
from tests.differential.test_generated import LOADED, amendments

quick = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def periods(draw: st.DrawFn) -> tuple[Any, list[Subject], list[Fact], str]:
    """Generated facts amended at random, ratings retracted and rated again by the same rater (as a recorder
    does after an entry error), every fact of a subject's stream named as the ledger names it
    (`<subject>:...`), then what admission keeps, in log order."""
    scheme = draw(st.sampled_from(LOADED))
    subjects = subjects_for(scheme, draw(st.integers(1, 6)), groups=draw(st.integers(1, 2)))
    period = PERIOD[scheme.period.kind]
    facts = facts_for(scheme, subjects, period, draw(st.integers(0, 10_000)), per_subject=draw(st.integers(1, 12)))
    facts += draw(amendments(scheme, facts))
    ratings = [f for f in facts if isinstance(f, Rating) and f.corrects is None]
    for n, fact in enumerate(draw(st.lists(st.sampled_from(ratings), max_size=3, unique_by=id)) if ratings else []):
        facts.append(Retraction(id=f"rr-x{n}", target=fact.id, reason="录入错误", period=fact.period,
                                recorded_by="督查科"))
        facts.append(fact.model_copy(update={"id": f"rr-r{n}", "value": fact.value / 2}))
    return scheme, subjects, admitted(scheme, subjects, _as_stored(facts), period), period


def _as_stored(facts: list[Fact]) -> list[Fact]:
    """Each fact of a subject's own stream with the ledger's id, `<subject>:<id>` (its targets too)."""
    by_id = {f.id: f for f in facts}

    def owner(fact: Any) -> str | None:
        target = getattr(fact, "target", None) or getattr(fact, "corrects", None)
        if target in by_id and by_id[target] is not fact:
            return owner(by_id[target])
        if getattr(fact, "parties", None) or getattr(fact, "rank", None) is not None:
            return None  # the joint stream's
        return getattr(fact, "subject", None)

    names = {f.id: f"{s}:{f.id}" if (s := owner(f)) else f.id for f in facts}
    out = []
    for fact in facts:
        update = {"id": names[fact.id]}
        for key in ("target", "corrects"):
            value = getattr(fact, key, None)
            if value is not None:
                update[key] = names.get(value, value)
        out.append(fact.model_copy(update=update))
    return out


def through_lane(scheme: Any, subjects: list[Subject], facts: list[Fact], period: str,
                 stored: list[Fact] | None = None) -> tuple[bytes, dict[str, bool]]:
    """The period's bytes with each subject's own stream (`stored`, default the facts, in log order) read
    by PlainLane.card, the subjects it turns back scored from typed facts as the general path scores them;
    and which subjects the lane scored."""
    scorer = FastScorer(scheme)
    dicts = {s.id: s.model_dump(mode="json") for s in subjects}
    period_input = PeriodInput(period, "default", scheme.scheme, [(0, scheme.version, scheme.content_hash)],
                               subjects=dicts)
    plan = PeriodPlan("default/" + period, period_input, scheme, None, 10**9, {}, dict.fromkeys(dicts, 0),  # type: ignore[arg-type]
                      allowed_periods(scheme, period), {})
    lane = PlainLane(plan, scorer)
    own: dict[str, list[tuple[int, bytes]]] = defaultdict(list)
    joint: set[str] = set()
    for position, fact in enumerate(stored if stored is not None else facts, start=1):
        raw = fact.model_dump(mode="json", exclude_none=True)
        stream = route(typed(dict(raw)))
        if stream == "joint":
            joint |= {p.subject for p in getattr(fact, "parties", None) or () if p.subject}
            joint.add(getattr(fact, "subject", None) or "")
        else:
            own[stream].append((position, orjson.dumps({"fact": raw, "appeal": None})))
    plain = sorted((typed(f.model_dump(mode="json", exclude_none=True)) for f in facts), key=lambda f: f.id)
    by_id = {f.id: f for f in plain}
    concerning: dict[str, list[Any]] = defaultdict(list)
    for fact in plain:
        for subject in _named(by_id, fact):
            concerning[subject].append(fact)
    cards, laned = [], {}
    for subject in subjects:
        card = None if subject.id in joint else lane.card(subject.id, own.get(subject.id, []))
        laned[subject.id] = card is not None
        if card is None:
            card = scorer.score(dicts[subject.id], concerning.get(subject.id, []))
        if card is None:
            found = score_subjects(scheme, [subject], facts, period, only={subject.id}, checked=True)[subject.id]
            card = FastScorer.from_engine(scheme, found)
        cards.append(card)
    head = canonical_bytes(score_period(scheme, [], [], period, checked=True))[:-2]
    return head + b",".join(body for _, _, body in ranked(scheme, cards)) + b"]}", laned


@quick
@given(periods())
def test_amended_ratings_through_the_lane_give_the_reference_bytes(case: Any) -> None:
    scheme, subjects, facts, period = case
    assert through_lane(scheme, subjects, facts, period)[0] == reference(scheme, subjects, facts, period)


def _one(amend: list[Fact]) -> tuple[Any, list[Subject], list[Fact], list[Fact]]:
    scheme = next(s for s in LOADED if s.scheme == "QF")
    subjects = [s for s in subjects_for(scheme, 8) if s.kind == "counter"][:1]
    assert subjects
    sid = subjects[0].id
    base = {"period": "2026-Q1", "recorded_by": "督查科", "subject": sid, "item": "c.1", "role": "colleagues"}
    ratings: list[Fact] = [Rating(id=f"{sid}:r{i}", rater=f"c{i}", value=Decimal(v), **base)
                           for i, v in enumerate(["80", "90", "70"])]
    ratings.append(Rating(id=f"{sid}:r9", rater="c9", value=Decimal("60"), **{**base, "item": "c.2"}))
    stored = ratings + amend
    return scheme, subjects, admitted(scheme, subjects, stored, "2026-Q1"), stored


def test_a_subject_with_a_rating_corrected_retracted_and_rated_again_takes_the_lane() -> None:
    """The province's pattern: a rating corrected, one retracted and rated again by the same rater, a
    correction retracted (the rating it replaced counts again); the corrected and retracted lines are shown
    as the engine shows them, the item beside stays plain."""
    scheme, subjects, _, _ = _one([])
    sid = subjects[0].id
    base = {"period": "2026-Q1", "recorded_by": "复核组", "subject": sid, "item": "c.1", "role": "colleagues"}
    amend: list[Fact] = [
        Rating(id=f"{sid}:c0", rater="c0", value=Decimal("85"), corrects=f"{sid}:r0", **base),
        Retraction(id=f"{sid}:x1", target=f"{sid}:r1", reason="录入错误", period="2026-Q1", recorded_by="督查科"),
        Rating(id=f"{sid}:r1b", rater="c1", value=Decimal("95"), **base),
        Retraction(id=f"{sid}:x2", target=f"{sid}:c0", reason="复核", period="2026-Q1", recorded_by="督查科"),
        Rating(id=f"{sid}:c2", rater="c2", value=Decimal("75"), corrects=f"{sid}:r2", **base),
    ]
    scheme, subjects, facts, stored = _one(amend)
    assert len(facts) == len(stored)  # every fact admitted
    got, laned = through_lane(scheme, subjects, facts, "2026-Q1")
    assert laned == {sid: True}
    truth = reference(scheme, subjects, facts, "2026-Q1")
    assert got == truth
    assert b'"status":"corrected"' in truth and b'"status":"retracted"' in truth


def test_a_correction_admission_refuses_is_turned_back() -> None:
    """A stored correction by another rater (admission sets it aside): the lane does not score the subject."""
    scheme, subjects, _, _ = _one([])
    sid = subjects[0].id
    wrong = Rating(id=f"{sid}:c0", rater="c7", value=Decimal("85"), corrects=f"{sid}:r0", period="2026-Q1",
                   recorded_by="复核组", subject=sid, item="c.1", role="colleagues")
    scheme, subjects, facts, stored = _one([wrong])
    assert len(facts) == len(stored) - 1
    _, laned = through_lane(scheme, subjects, facts, "2026-Q1", stored=stored)
    assert laned == {sid: False}


def test_a_fact_with_a_plain_ratings_id_is_turned_back() -> None:
    """A deduction stored after a plain rating with the rating's id (admission sets it aside: an id twice): the
    lane does not score the subject (the plain ratings' ids, which `_others` checks the other facts against,
    come from plain_items' own set since issue 12, city8), and the bytes are the reference's."""
    scheme = next(s for s in LOADED if s.scheme == "IND")
    period = PERIOD[scheme.period.kind]
    subjects = [s for s in subjects_for(scheme, 8) if s.kind == "staff"][:1]
    sid = subjects[0].id
    generated = _as_stored(facts_for(scheme, subjects, period, 0, per_subject=12))
    amended = {getattr(f, "target", None) for f in generated} | {getattr(f, "corrects", None) for f in generated}
    ratings = [f for f in generated if isinstance(f, Rating) and f.corrects is None and f.id not in amended]
    deduction = next(f for f in generated if isinstance(f, Deduction) and f.corrects is None and f.id not in amended)
    facts = [*ratings, deduction]  # plain ratings and a deduction beside them: the lane's
    kept = admitted(scheme, subjects, facts, period)
    assert len(kept) == len(facts) and through_lane(scheme, subjects, kept, period)[1] == {sid: True}
    stored = [*facts, deduction.model_copy(update={"id": ratings[0].id})]
    assert admitted(scheme, subjects, stored, period) == kept  # the twin set aside
    got, laned = through_lane(scheme, subjects, kept, period, stored=stored)
    assert laned == {sid: False}
    assert got == reference(scheme, subjects, kept, period)
