"""A period's facts folded group by group, when something needs them (issue 12: the runner's fold of the whole
log after a fast build was 12.2 GB and six minutes for the province, before the first fact recorded after it).

After the fast replay built the views (projections/fast/views.py), the runner holds the log folded without its
facts (projections/fast/index.py), and each period the fast plan vouched for is folded lazily: a group is folded
when an event's admission reads it (its subject's), when it is to be scored or when a read needs it, reading only
its subjects' streams up to the position the views were built to (the build's `base`). The joint stream (facts
naming several subjects, rank awards: B4, D11, B6) is folded whole, before any group, since its facts reach into
several groups.

Why that is the reference's fold. The fast plan vouched, for every fact up to `base`, that it lies in the stream
its id and its route name (a subject's own stream, or the joint one), that the reference admission takes it,
and that the period has one scheme binding, each subject registered once and at most one closing. Admission
then never reaches across streams but through the joint facts (ids, live ratings and corrections are a subject's
own; rank awards are joint), so a group's facts admitted after the joint stream are admitted exactly as in log
order, and the counted facts are the same set: scoring depends on that set only (projections/groups.py,
projections/fact_index.py). Every loaded fact is checked again (its stream, id and route, its admission), and
any event after `base` that could break the argument (a second scheme binding, a second closing, a fact outside
that discipline, one admission sets aside) makes the caller fold the whole log instead (`NotLazy`), as before. A
publication does not: its kept seal's stamps are read from the log's rows again (projections/fast/views.py,
`LogStamps`). Differential tests: tests/differential/test_views.py.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import orjson

from domain.ledger.ids import ledger_name
from projections.admission import admit
from projections.fast.index import Placed
from projections.fast.joint import JOINT, route_of
from projections.fast.reading import Reader
from projections.fast.runs import FEW_RUNS
from projections.groups import members_by_group
from projections.period_input import FACT_TOPICS, PeriodInput, _count

#: Why the lazy fold gives way to the whole log (logged for the operator, never shown to users).
OUTSIDE = "a fact outside the stream its id names"
SET_ASIDE = "a stored fact admission sets aside"
UNREADABLE = "a stored fact that cannot be read"


class NotLazy(Exception):  # noqa: N818 - not an error: the runner folds the whole log instead
    """The lazy fold cannot vouch for what comes next: the caller folds the whole log (never reaches a person)."""


@dataclass
class LazyPeriod:
    """One period folded lazily: where its facts up to `base` lie, and which groups are folded already."""

    key: str
    base: int  # the views were built to this position: the facts up to it are read from their streams
    streams: dict[str, Placed]  # subject -> its stream's fact rows up to `base`
    names: dict[str, str]  # subject -> its fact stream (UUID text)
    joint: Placed | None
    joint_name: str
    loaded: set[str] = field(default_factory=set)  # groups whose subjects' facts are folded
    joint_loaded: bool = False
    recorded: Recorded | None = None  # who recorded which facts up to `base`: read on first asking (`recorded`)
    # the counted facts up to `base` and the late ones' ids, in log order: read on first asking (`counted`)
    counts: tuple[int, list[str]] | None = None
    late_loaded: list[str] = field(default_factory=list)  # late facts up to `base` that `load` listed in `late`
    subject_of: dict[str, str] = field(default_factory=dict)  # fact stream -> subject

    def __post_init__(self) -> None:
        self.subject_of = {name: subject for subject, name in self.names.items()}

    def owner(self, period: PeriodInput, stream: str) -> str | None:
        """The subject (or `joint`) whose stream this is, by the ledger's naming; None: no stream of the period's."""
        if stream == self.joint_name:
            return JOINT
        found = self.subject_of.get(stream)
        if found is None and len(self.subject_of) < len(period.subjects):  # a subject registered since `base`
            for subject in period.subjects:
                self.subject_of.setdefault(ledger_name(period.code, subject, period.bureau), subject)
            found = self.subject_of.get(stream)
        return found


def kept_to_discipline(owner: str, raw: Any) -> bool:
    """A fact in `owner`'s stream as the ledger writes it: an id that names the stream and a route to it; in a
    subject's own stream, a fact naming that subject alone (no parties, no other subject)."""
    if type(raw) is not dict or type(raw.get("id")) is not str or not raw["id"].startswith(owner + ":"):
        return False
    if route_of(raw) != owner:
        return False
    return owner == JOINT or (not raw.get("parties") and raw.get("subject", owner) == owner)


def owner_of(period: PeriodInput, lazy: LazyPeriod, stream: str, raw: Any) -> str:
    """Whose stream a fact appended after `base` lies in (a subject, or `joint`), or NotLazy when the fact is not
    kept to the ledger's discipline there."""
    owner = lazy.owner(period, stream)
    if owner is None or not kept_to_discipline(owner, raw):
        raise NotLazy(OUTSIDE)
    return owner


def groups_of(period: PeriodInput, subjects: Iterable[str]) -> set[str]:
    """The groups of the registered subjects among these."""
    known = period.subjects
    return {known[s].get("group", "all") for s in subjects if s in known}


def load(fold: Any, period: PeriodInput, lazy: LazyPeriod, groups: Iterable[str], reader: Reader) -> None:
    """Fold the facts up to `base` of these groups' subjects (and of the joint stream first), in log order, as
    LogFold folds them; NotLazy when one is not kept to the discipline or admission would set it aside. Nothing
    loaded changes a result the views hold: the groups it marks are unmarked again."""
    wanted = sorted(g for g in set(groups) if g not in lazy.loaded)
    if lazy.joint_loaded and not wanted:
        return
    members = members_by_group(period)
    rows: list[tuple[int, Any, str]] = []
    if not lazy.joint_loaded and lazy.joint is not None:
        rows += [(p, payload, JOINT) for p, payload in _facts(reader, lazy.joint, lazy.joint_name, lazy.base)]
    for group in wanted:
        for subject in members.get(group, ()):
            placed = lazy.streams.get(subject)
            if placed is not None:
                rows += [(p, payload, subject) for p, payload in _facts(reader, placed, lazy.names[subject],
                                                                          lazy.base)]
    rows.sort(key=lambda row: row[0])
    stale, stale_all = set(period.stale), period.stale_all
    closed, loads = period.closed_at, orjson.loads
    try:
        for position, payload, owner in rows:
            state = loads(payload)
            raw = state["fact"]
            if not kept_to_discipline(owner, raw):
                raise NotLazy(OUTSIDE)
            if closed is not None and position > closed and not state.get("appeal"):
                period.late.append(raw["id"])
                lazy.late_loaded.append(raw["id"])
                continue
            if not admit(fold, period, position, raw):
                raise NotLazy(SET_ASIDE)
            _count(period, position, raw)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise NotLazy(UNREADABLE, type(exc).__name__) from None
    period.stale, period.stale_all = stale, stale_all
    lazy.joint_loaded = True
    lazy.loaded.update(wanted)


def _facts(reader: Reader, placed: Placed, name: str, base: int) -> list[tuple[int, Any]]:
    """A stream's fact rows up to `base` (position, payload): by their positions when they lie in a few runs
    (the first pass placed exactly the stream's fact rows there), else by the stream's index."""
    if not placed.runs:
        return []
    if not reader.by_stream:  # PostgreSQL: the stream by its index
        return [(p, payload) for p, _s, _v, topic, payload in reader.stream(name, base) if topic in FACT_TOPICS]
    if len(placed.runs) <= FEW_RUNS:
        return reader.facts_between(placed.runs)
    return reader.facts_of(name, base)


def vouched(index: Any, reader: Reader, heads: dict[str, bytes]) -> dict[str, LazyPeriod] | None:
    """On a start over views already written (index: the LogIndex of the log up to the views' position, `heads`:
    the views' headings by period key): every period as a LazyPeriod, or None when one cannot be folded lazily
    and the whole log must be folded. A period is folded lazily when the fast plan takes it (one scheme binding,
    each subject once, one closing at most, a registered subject's or the joint stream for every fact stream:
    projections/fast/plan.py), the views hold its heading and no stored fact was set aside there, and every fact
    row of its streams is kept to the discipline (read once here, nothing kept: what the fast build checked when
    it built the views, checked again since the views may have been written by the reference)."""
    from projections.fast.plan import Unsure, plan_period
    from projections.fast.runs import FRAGMENTED, _merged

    found: dict[str, LazyPeriod] = {}
    upto = index.position
    for key in sorted(index.fold.periods):
        head = heads.get(key)
        if head is None or b'"set_aside":[' in head:
            return None
        try:
            plan = plan_period(index, key, reader, upto)
        except Unsure:
            return None
        owners = {name: subject for subject, name in plan.names.items() if subject in plan.streams}
        if plan.joint is not None:
            owners[plan.joint_name] = JOINT
        spans: list[tuple[int, int]] = []
        by_raw: dict[str, str] = {}
        for name, owner in owners.items():
            placed = plan.joint if owner == JOINT else plan.streams[owner]
            if placed is None or not placed.runs:
                continue
            if len(placed.runs) > FRAGMENTED:
                if not all(_kept(owner, payload) for _, payload in _facts(reader, placed, name, upto)):
                    return None
                continue
            by_raw[reader.raw(name)] = owner
            spans += placed.runs
        for batch in reader.ranges(_pieces(_merged(spans))):
            for _position, raw, _version, topic, payload in batch:
                owner = by_raw.get(raw)  # None: another stream's row
                if owner is not None and topic in FACT_TOPICS and not _kept(owner, payload):
                    return None
        found[key] = LazyPeriod(key, upto, plan.streams, plan.names, plan.joint, plan.joint_name)
    return found


PIECE = 20_000  # positions read at a time by the start's check (a span can be the whole log: never held at once)


def _pieces(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [(first, min(last, first + PIECE - 1)) for start, last in spans for first in range(start, last + 1, PIECE)]


def _kept(owner: str, payload: Any) -> bool:
    """A stored fact row (its payload) kept to the discipline in `owner`'s stream."""
    try:
        return kept_to_discipline(owner, orjson.loads(payload).get("fact"))
    except (ValueError, AttributeError):
        return False


@dataclass
class Recorded:
    """Who recorded which of a lazily folded period's facts up to `base` (`recorded_by`, read once from the fact
    rows): for a recorder's own history (the recording page's latest entries) without folding the whole log. Per
    recorder, the positions of its counted facts in log order and, beside each, whose stream it lies in (an
    index into `owners`: a subject, or `joint`). A late fact (after the closing, not an appeal's) is not listed,
    as the fold does not count it; a province's ~10 M facts take ~12 bytes each here."""

    owners: list[str]
    by_recorder: dict[str, tuple[array, array]]

    def of(self, recorder: str, since: list[int]) -> RecorderFacts:
        positions, owners = self.by_recorder.get(recorder, (array("q"), array("i")))
        return RecorderFacts(positions, owners, self.owners, since)


@dataclass
class RecorderFacts:
    """One recorder's counted facts in log order: those up to the views' position (`positions`, each with its
    stream's owner, an index into `names`) and those folded since (`since`: later positions, in order)."""

    positions: array
    owners: array
    names: list[str]
    since: list[int]

    def page(self, after: int, count: int, newest_first: bool) -> list[tuple[int, str | None]]:
        """Up to `count` facts after the position `after` (0: from the start; before it, newest first), each as
        (position, whose stream it lies in; None for a fact folded since the views' position)."""
        if newest_first:
            later = [(p, None) for p in reversed(self.since) if not after or p < after]
            end = bisect_left(self.positions, after) if after else len(self.positions)
            earlier = ((self.positions[n], self.names[self.owners[n]]) for n in range(end - 1, -1, -1))
            return [*later, *islice(earlier, max(count - len(later), 0))][:count]
        start = bisect_right(self.positions, after)
        earlier = [(self.positions[n], self.names[self.owners[n]])
                   for n in range(start, min(start + count, len(self.positions)))]
        return [*earlier, *((p, None) for p in self.since if p > after)][:count]


def recorded(period: PeriodInput, lazy: LazyPeriod, reader: Reader) -> Recorded:
    """Read every fact row of the period's streams up to `base` once (in pieces, as the start's check reads them),
    keeping of each only its position, its recorder and its stream's owner. UNREADABLE (NotLazy) for a row that
    cannot be read."""
    from projections.fast.runs import _merged

    owners = [JOINT, *sorted(lazy.streams)]
    number = {owner: n for n, owner in enumerate(owners)}
    by_raw: dict[str, int] = {}
    spans: list[tuple[int, int]] = []
    for name, owner, placed in _placed(lazy):
        if placed.runs:
            by_raw[reader.raw(name)] = number[owner]
            spans += placed.runs
    found: dict[str, tuple[array, array]] = {}
    closed = period.closed_at
    try:
        for batch in reader.ranges(_pieces(_merged(spans))):
            for position, raw, _version, topic, payload in batch:
                owner = by_raw.get(raw)  # None: another stream's row
                if owner is None or topic not in FACT_TOPICS or position > lazy.base:
                    continue
                state = orjson.loads(payload)
                if closed is not None and position > closed and not state.get("appeal"):
                    continue  # late: the fold lists it apart, not among the period's facts
                recorder = state["fact"].get("recorded_by")
                if isinstance(recorder, str):
                    positions, owned = found.setdefault(recorder, (array("q"), array("i")))
                    positions.append(position)
                    owned.append(owner)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise NotLazy(UNREADABLE, type(exc).__name__) from None
    return Recorded(owners, found)


def counted(period: PeriodInput, lazy: LazyPeriod, reader: Reader) -> tuple[int, list[str]]:
    """How many of the period's facts up to `base` are counted, and the late ones' ids (after the closing, not an
    appeal's) in log order, as the fold lists them, without reading them all: the first pass counted each stream's
    fact rows, and every one is counted (the fast plan vouched that admission sets none aside) but the late ones;
    those lie after the closing, and only the period's own rows after it are read (by their runs), to tell an
    appeal's."""
    from projections.fast.runs import _merged

    placed = _placed(lazy)
    rows = sum(p.rows for _, _, p in placed)
    closed = period.closed_at
    if closed is None or closed >= lazy.base:
        return rows, []
    ours = {reader.raw(name) for name, _, p in placed if p.runs and p.runs[-1][1] > closed}
    spans = [(max(first, closed + 1), last) for _, _, p in placed for first, last in p.runs if last > closed]
    late: list[str] = []
    try:
        for batch in reader.ranges(_pieces(_merged(spans))):
            for position, raw, _version, topic, payload in batch:
                if raw in ours and topic in FACT_TOPICS and closed < position <= lazy.base:
                    state = orjson.loads(payload)
                    if not state.get("appeal"):
                        late.append(state["fact"]["id"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise NotLazy(UNREADABLE, type(exc).__name__) from None
    return rows - len(late), late


def _placed(lazy: LazyPeriod) -> list[tuple[str, str, Placed]]:
    """The period's fact streams up to `base`: each one's name, owner (a subject, or `joint`) and rows' places."""
    found = [(lazy.names[subject], subject, placed) for subject, placed in lazy.streams.items()]
    if lazy.joint is not None:
        found.append((lazy.joint_name, JOINT, lazy.joint))
    return found
