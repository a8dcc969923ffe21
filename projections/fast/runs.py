"""A run of consecutive groups scored by the fast path: their streams read, admitted, scored, ranked.

Each subject's stream is read in log order and admitted on its own (with the joint facts naming the
subject, admitted by the parent); its facts are scored by the fast scorer, or by the engine for the
few subjects whose facts need what the fast scorer does not do. Anything the plan did not vouch for
(a fact that would be set aside, a fact outside its stream) raises Unsure.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from pydantic import TypeAdapter

from domain.facts import Fact, Subject
from domain.scoring.engine import score_subjects
from domain.scoring.fast.admit import NotAdmitted, StreamAdmission
from domain.scoring.fast.facts import Typed, Untypable, typed
from domain.scoring.fast.subject import Card, FastScorer, ranked
from projections.fast.plan import NOT_VOUCHED, OUTSIDE_STREAM, PeriodPlan, Unsure
from projections.fast.ratings import PlainLane, applicable_of, lane_of, route
from projections.fast.reading import FACT_TOPICS, Reader, Row

_FACT: TypeAdapter[Any] = TypeAdapter(Fact)
FACTS = frozenset(FACT_TOPICS)
FEW_RUNS = 4  # a stream's fact rows in this many runs or fewer are read run by run (SQLite), else by its id
FRAGMENTED = 16  # a stream in more pieces than this is read by its id rather than by positions
_SCORERS: dict[str, FastScorer] = {}


def scorer_for(plan: PeriodPlan) -> FastScorer:
    found = _SCORERS.get(plan.scheme.content_hash)
    if found is None:
        found = _SCORERS[plan.scheme.content_hash] = FastScorer(plan.scheme)
    return found


def score_run(plan: PeriodPlan, groups: list[str], reader: Reader,
              kept: list[Row] | None = None) -> list[tuple[str, str, bytes]]:
    """The groups' subject results (subject, group, canonical bytes, or the summaries when the plan is not
    `explained`), groups in order, each in rank order. A subject whose facts are all plain ratings takes
    the plain lane (domain/scoring/fast/plain.py); any other, or one the lane turns back, is admitted
    fact by fact and scored from typed facts.

    `kept` (a list): every fact row of the subjects' streams, whole as stored (position, stream id, version,
    topic, payload), is appended to it, each once: the rows the views' witness leaves are made of
    (projections/fast/views.py), read here anyway (by positions, `_rows`, on either store then)."""
    subjects = [s for g in groups for s in plan.members[g]]
    scorer, applicable = scorer_for(plan), applicable_of(plan)
    lane = PlainLane(plan, scorer)
    cards: list[Card] = []
    if reader.by_stream and kept is None:
        found = _by_stream(plan, subjects, reader)
    else:  # the leaves need every row whole: read by positions
        found = _rows(plan, subjects, reader, kept)
    for subject, rows in found:
        card = lane.card(subject, rows)
        if card is None:
            rows.sort()  # log order (a stream's own order is its versions')
            facts, raws = _admitted(plan, subject, rows, applicable)
            card = _card(plan, scorer, subject, facts, raws)
        cards.append(card)
    return ranked(plan.scheme, cards)


def _by_stream(plan: PeriodPlan, subjects: list[str], reader: Reader) -> Iterator[tuple[str, list[tuple[int, Any]]]]:
    """Each subject with its stream's fact rows (position, payload): by their positions when they lie in a few
    runs (the first pass placed exactly the stream's fact rows there), else by the stream's index."""
    streams = plan.streams
    for subject in subjects:
        placed = streams.get(subject)
        if placed is None:
            yield subject, []
        elif len(placed.runs) <= FEW_RUNS:
            yield subject, reader.facts_between(placed.runs)
        else:
            yield subject, reader.facts_of(_name(plan, subject), plan.upto)


def _rows(plan: PeriodPlan, subjects: list[str], reader: Reader,
          kept: list[Row] | None = None) -> Iterator[tuple[str, list[tuple[int, Any]]]]:
    """Each subject with its stream's rows (position, payload), in log order; each such row whole to `kept`."""
    of_raw = {}
    spans: list[tuple[int, int]] = []
    fragmented = []
    for subject in subjects:
        placed = plan.streams.get(subject)
        if placed is None:
            continue
        if len(placed.runs) > FRAGMENTED:
            fragmented.append(subject)
            continue
        of_raw[reader.raw(_name(plan, subject))] = subject
        spans += [(a, b) for a, b in placed.runs]
    rows: dict[str, list[tuple[int, Any]]] = {}
    keep = None if kept is None else kept.append
    for batch in reader.ranges(_merged(spans)):
        for row in batch:
            position, raw, _version, topic, payload = row
            subject = of_raw.get(raw)
            if subject is not None and topic in FACTS:  # another stream's row, or an opening: left out
                rows.setdefault(subject, []).append((position, payload))
                if keep is not None:
                    keep(row)
    for subject in fragmented:
        found = [row for row in reader.stream(_name(plan, subject), plan.upto) if row[3] in FACTS]
        rows[subject] = [(p, payload) for p, _s, _v, _t, payload in found]
        if kept is not None:
            kept += found
    for subject in subjects:
        yield subject, rows.get(subject, [])


def _name(plan: PeriodPlan, subject: str) -> str:
    found = plan.names.get(subject)
    if found is not None:
        return found
    from domain.ledger.ids import ledger_id

    return str(ledger_id(plan.period.code, subject, plan.period.bureau))


GAP = 64  # rows: spans this close are read in one query, the rows between them left out


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans to read: a stream's opening between two streams' facts, or a few rows of other streams,
    cost less to read and drop than another query."""
    out: list[tuple[int, int]] = []
    for first, last in sorted(spans):
        if out and first <= out[-1][1] + GAP:
            out[-1] = (out[-1][0], max(last, out[-1][1]))
        else:
            out.append((first, last))
    return out


def _admitted(
    plan: PeriodPlan, subject: str, rows: list[tuple[int, Any]], applicable: dict[str, set[str]]
) -> tuple[list[Typed], list[Any]]:
    """The subject's stream admitted in log order (late facts left out), with the joint facts naming it."""
    admission = StreamAdmission(plan.scheme, plan.periods, applicable, plan.kind_of, lane_of(plan, subject))
    closed, loads, prefix = plan.period.closed_at, orjson.loads, subject + ":"
    facts: list[Typed] = []
    raws: list[Any] = []
    lane = admission.rating
    try:
        for position, payload in rows:
            state = loads(payload)
            raw = state["fact"]
            if closed is not None and position > closed and not state.get("appeal"):
                continue  # late: appended after the period closed, not by an upheld appeal
            fact = lane(raw, position) if raw.get("type") == "rating" else None
            if fact is None:
                fact = typed(raw)
                if not fact.id.startswith(prefix) or route(fact) != subject:
                    raise Unsure(OUTSIDE_STREAM)
                admission.admit(fact, position)
            facts.append(fact)
            raws.append(raw)
    except (NotAdmitted, Untypable, KeyError, TypeError, AttributeError, orjson.JSONDecodeError):
        raise Unsure(NOT_VOUCHED, subject) from None
    extra = plan.extra.get(subject)
    if extra:
        facts += [f for f, _ in extra]
        raws += [r for _, r in extra]
    return facts, raws


def _card(plan: PeriodPlan, scorer: FastScorer, subject: str, facts: list[Typed], raws: list[Any]) -> Card:
    registered = plan.period.subjects[subject]
    order = sorted(range(len(facts)), key=lambda i: facts[i].id)
    card = scorer.score(registered, [facts[i] for i in order], plan.explained)
    if card is not None:
        return card
    models = [_FACT.validate_python(raws[i]) for i in order]
    found = score_subjects(plan.scheme, [Subject.model_validate(registered)], models, plan.period.code,
                           only={subject}, checked=True)
    return FastScorer.from_engine(plan.scheme, found[subject], plan.explained)
