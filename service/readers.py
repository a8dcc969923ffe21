"""Where a read's results come from: the views now, the rows a seal kept, or a bounded replay.

`open_results` picks the source for an `as_of` and hands the caller a Reader: now and at a seal are
lookups in the views (a subject, a page, a stream); any other position is a replay of the log up to
it, in the process's one replay slot (service/replays.py), scoring only the groups the read needs.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

import orjson

from domain.canonical import canonical_bytes
from domain.errors import InvalidInput, Problem
from domain.scoring import PeriodResult
from projections.groups import heading, iter_parts, members_by_group
from projections.period_input import key_of
from projections.schemes import scheme_for
from projections.scoring import score_input
from projections.sealed import micros
from projections.viewreads import Page, Place
from replay.asof import PeriodNotInLog, fold_upto, position_at
from service.bootstrap import Service
from service.errors import NotFound
from service.messages import say
from service.positions import parse_as_of
from service.replays import replay_slot

T = TypeVar("T")
Row = tuple[Place, dict[str, Any]]


class Reader(Protocol):
    """A period's results as of one position (head: of the last read, so that it matches its rows)."""

    def head(self) -> dict[str, Any]: ...
    def subject(self, subject: str) -> dict[str, Any] | None: ...
    def page(self, group: str | None, after: Place | None, limit: int, cards: bool = True) -> Sequence[Row]: ...
    def whole(self) -> dict[str, Any]: ...


def open_results(service: Service, code: str, as_of: str | None, use: Callable[[Reader], T]) -> T:
    """Call `use` with the period's results as of `as_of` (None: now; a seal: its kept rows; else a replay)."""
    key = key_of(service.settings.bureau, code)
    service.runner.catch_up()  # read your writes; a seal just published is kept by now
    if as_of is None:
        return use(ViewReader(service, code, None))
    seal = kept_seal(service, key, parse_as_of(as_of))
    if seal is not None:
        return use(ViewReader(service, code, seal))
    with replay_slot(service.settings.replay_wait):
        return use(ReplayReader(service, code, as_of))


def period_result(data: dict[str, Any]) -> PeriodResult:
    """Results read back as a model (their canonical bytes leave out fields that are None)."""
    data = {k: v for k, v in data.items() if k != "as_of"}
    for subject in data["subjects"]:
        subject.setdefault("grade", None)
        for outcome in subject.get("outcomes") or []:
            outcome.setdefault("grade", None)
    return PeriodResult.model_validate(data)


def kept_seal(service: Service, key: str, when: int | datetime) -> int | None:
    """The seal position `when` names, when the views kept that seal's rows."""
    views = service.views
    position = when if isinstance(when, int) else views.seal_at_time(key, micros(when))
    if position is None:
        return None
    kept = views.seal_kept(key, position)
    return position if kept is not None and kept.kept else None


class ViewReader:
    """Results from the views: now (seal None) or as a seal fixed them."""

    def __init__(self, service: Service, code: str, seal: int | None):
        self.views, self.code, self.seal = service.views, code, seal
        self.key = key_of(service.settings.bureau, code)
        self.last: dict[str, Any] | None = None

    def head(self) -> dict[str, Any]:
        return self.last if self.last is not None else self._head(self.views.page(self.key, self.seal, limit=0))

    def whole(self) -> dict[str, Any]:
        if self.seal is None:
            stored = self.views.results(self.key)
            if stored is None:
                raise NotFound(say("error.period_no_results", period=self.code))
            return {**orjson.loads(stored[1]), "as_of": stored[0]}
        pieces = self.views.stream(self.key, self.seal)
        if pieces is None:
            raise NotFound(say("error.period_no_results", period=self.code))
        return {**orjson.loads(b"".join(pieces)), "as_of": self.seal}

    def subject(self, subject: str) -> dict[str, Any] | None:
        found = self.views.subject_row(self.key, subject, self.seal)
        self._head(found)
        return orjson.loads(found.rows[0][1]) if found and found.rows else None

    def page(self, group: str | None, after: Place | None, limit: int, cards: bool = True) -> Sequence[Row]:
        found = self.views.page(self.key, self.seal, group, after, limit, cards)
        self._head(found)
        return Decoded(found.rows if found else [], orjson.loads if cards else cardless)

    def _head(self, found: Page | None) -> dict[str, Any]:
        if found is None:
            raise NotFound(say("error.period_no_results", period=self.code))
        self.last = {**orjson.loads(found.head + b"]}"), "as_of": found.as_of}
        return self.last


class ReplayReader:
    """Results replayed from the log up to a position, scoring only the groups read (in the replay slot)."""

    def __init__(self, service: Service, code: str, as_of: str):
        when = parse_as_of(as_of)
        source = service.ledger.recorder
        self.as_of = when if isinstance(when, int) else position_at(source, when)
        fold = fold_upto(source, self.as_of)
        period = fold.periods.get(key_of(service.settings.bureau, code))
        if period is None:
            raise PeriodNotInLog(f"period {code} is not open at position {self.as_of}")
        self.fold, self.period = fold, period

    def head(self) -> dict[str, Any]:
        scheme = scheme_for(self.fold, self.period.scheme_hash)
        return {**orjson.loads(heading(scheme, self.period) + b"]}"), "as_of": self.as_of}

    def whole(self) -> dict[str, Any]:
        return {**orjson.loads(canonical_bytes(score_input(self.fold, self.period))), "as_of": self.as_of}

    def subject(self, subject: str) -> dict[str, Any] | None:
        found = self.period.subjects.get(subject)
        if found is None:
            return None
        rows = self._group(found.get("group", "all"))
        return next((body for _, body in rows if body["subject"] == subject), None)

    def page(self, group: str | None, after: Place | None, limit: int, cards: bool = True) -> list[Row]:
        out: list[Row] = []
        names = set(_groups_from(sorted(members_by_group(self.period)), group, after))
        if not names or limit <= 0:
            return out
        scheme = scheme_for(self.fold, self.period.scheme_hash)
        # the groups scored one at a time, in order, until the page is full; a scheme grading across groups is
        # scored once for the page (not once per group it reaches)
        for name, listed in iter_parts(scheme, self.period, names, keep=False):
            rows = [(Place(name, place), orjson.loads(canonical_bytes(s))) for place, s in enumerate(listed)]
            out += [r for r in rows if after is None or r[0] > after][: limit - len(out)]
            if len(out) >= limit:
                break
        return out

    def _group(self, group: str) -> list[Row]:
        scheme = scheme_for(self.fold, self.period.scheme_hash)
        scored = iter_parts(scheme, self.period, {group}, keep=False)
        return [
            (Place(group, place), orjson.loads(canonical_bytes(s)))
            for _, listed in scored
            for place, s in enumerate(listed)
        ]


class Decoded(Sequence[Row]):
    """A page of stored rows, each decoded when it is read and not kept (issue 12). A page of decoded results
    held at once (a province's cards: ~1,000 objects each) is what the collector's full passes walk, again and
    again while the next page is decoded: the 公示's read of 50,000 cards took 32.7 s of CPU held a page at a
    time, 3.4 s decoded one at a time (BENCHMARKS.md, sixteenth round). Readers that go through every row once
    (queries.scan) keep nothing of a row they have visited; indexing or slicing decodes again."""

    def __init__(self, rows: list[tuple[Place, bytes]], read: Callable[[bytes], dict[str, Any]]):
        self._rows, self._read = rows, read

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Row]:
        read = self._read
        for place, body in self._rows:
            yield place, read(body)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [(place, self._read(body)) for place, body in self._rows[index]]
        place, body = self._rows[index]
        return place, self._read(body)

    def place(self, index: int) -> Place:
        """The place of a row, without decoding it."""
        return self._rows[index][0]


def cardless(data: bytes) -> dict[str, Any]:
    """A row read without its card (views.page(cards=False)): its brief (projections/viewreads.py brief_of: the
    body's fields after the card, what without_card decodes), or its body where the views kept no brief. A
    subject result's first key is "card"; a brief's is "decisions"."""
    return without_card(data) if data.startswith(b'{"card":') else orjson.loads(data)  # type: ignore[no-any-return]


def without_card(body: bytes) -> dict[str, Any]:
    """A subject result's fields but its scorecard, without decoding the card (a city's are 100s of KB each).
    Canonical bytes sort their keys: `{"card":{...},"decisions":...,"total":...}`, and no key after "card"
    holds an object with a "decisions" key, so the last `,"decisions":` starts the rest."""
    cut = body.rfind(b',"decisions":')
    if cut < 0:
        return {k: v for k, v in orjson.loads(body).items() if k != "card"}
    return orjson.loads(b"{" + body[cut + 1 :])  # type: ignore[no-any-return]


def _groups_from(groups: list[str], group: str | None, after: Place | None) -> Iterator[str]:
    for name in groups:
        if (group is None or name == group) and (after is None or name >= after.group):
            yield name


def whole(reader: Reader, page: int = 2000) -> dict[str, Any]:
    """Every subject's result with the heading (for exports of a period that fits in memory)."""
    subjects: list[dict[str, Any]] = []
    after: Place | None = None
    while rows := reader.page(None, after, page):
        subjects += [body for _, body in rows]
        after = rows[-1][0]
    return {**reader.head(), "subjects": subjects}


def encode_cursor(place: Place) -> str:
    """An opaque cursor for the row after `place`."""
    return base64.urlsafe_b64encode(orjson.dumps([place.group, place.place])).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Place | None:
    """The place a cursor from `encode_cursor` names; 422 for anything else."""
    if cursor is None:
        return None
    try:
        group, place = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if isinstance(group, str) and type(place) is int and place >= 0:
            return Place(group, place)
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        pass
    raise InvalidInput(say("error.cursor_bad"), [Problem("cursor", cursor)])
