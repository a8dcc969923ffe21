"""Before and after, between any two log positions or around an appeal: per subject, item by item.

(Added by the web work beside service/queries.py.) Each changed subject has its old and new
total, rank, grade and eligibility, every changed item with old and new points, the events in
between that name it (causes), or none: then it moved only because others did (knock-on).

Neither side is ever held whole (issue 12): each is a stream of subject results in group and rank
order, from the views where they hold it (now, or a seal's kept rows: one consistent read, a page of
rows per query) or else replayed (service/replays.py's slot): by the fast replay (projections/fast/) a
run of groups at a time, scored in this process as the comparison reaches it (at most RUN subjects'
bytes held per side: no spool, no worker process, no whole-log fold), or, for a position the fast
path cannot vouch for, by the reference (the whole log folded, then a group at a time). The two
streams are compared a group at a time (replay/compare.py `changed_subjects`), keeping only what
changed. The fast replay may find it cannot vouch for a run after earlier runs were compared: the
comparison is then made again, that position replayed by the reference, in the same replay slot. The
comparison reads the results as they were computed, so a grade quota over the whole period (G3/G4)
makes no difference here: every group of both sides is read. The causes are then read from the log
between the positions for the changed subjects only. Two fixed positions always give the same answer,
so answers are kept (LRU).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from threading import Lock
from typing import Any

import orjson

from domain.canonical import canonical_bytes
from projections.fast.plan import Unsure
from projections.fast.replay import FastReplay, plan_replay
from projections.groups import heading, iter_parts
from projections.period_input import key_of
from projections.records import read_log
from projections.schemes import scheme_for
from replay.asof import PeriodNotInLog, fold_upto
from replay.compare import Changed, Digest, change_rows, changed_subjects
from service.bootstrap import Service
from service.errors import NotFound
from service.messages import say
from service.policy import AUDITORS, require
from service.positions import position_of
from service.queries import _appeal, _seal_before, appeal, known_period
from service.readers import kept_seal
from service.replays import replay_slot
from service.tokens import Actor

KEEP = 16
COMPARE_PAGE = 100  # stored subject results fetched per query (a province's group is 100)
_LOCK = Lock()
log = logging.getLogger("scoreledger.fast")


@dataclass
class Side:
    """One side of a comparison: the results' heading and their subject results, a stream in group and rank
    order (read once); `close` ends the read it comes from."""

    head: dict[str, Any]
    subjects: Iterator[bytes]  # each subject result's canonical bytes (replay/compare.py decodes those that differ)
    close: Callable[[], None] = lambda: None


def _kept_in_views(service: Service, code: str, position: int) -> Side | None:
    """The results as the views hold them at `position`, when they do (now, or a seal's kept rows): one
    consistent read, a page of rows per query, each row decoded as it is compared; None: replay."""
    service.runner.catch_up()
    key, views = key_of(service.settings.bureau, code), service.views
    if position == views.position():
        seal = None
    elif kept_seal(service, key, position) is not None:
        seal = position
    else:
        return None
    streamed = views.stream(key, seal)
    if streamed is None:
        raise NotFound(say("error.period_no_results", period=code))
    if streamed.as_of != position:  # the views moved on between the look and the read: replay instead
        streamed.close()
        return None
    head = orjson.loads((streamed.head or b"") + b"]}")
    return Side(head, (body for _, body in streamed.rows(COMPARE_PAGE)), streamed.close)


class _Unvouched(Exception):  # noqa: N818 - not an error: the fast replay's Unsure, met while a side was read
    """Raised when the fast replay of a side could not vouch for a run after the comparison began: that position
    is replayed by the reference and the comparison made again."""

    def __init__(self, position: int):
        super().__init__(position)
        self.position = position


def _replayed(service: Service, code: str, position: int, reference: bool = False) -> Side:
    """The results as of `position` from the log (in the caller's replay slot): the fast replay's, else (it
    cannot vouch for the period, or `reference`) the reference's."""
    if not reference:
        fast = _fast(service, code, position)
        if fast is not None:
            return fast
    return _reference(service, code, position)


def _fast(service: Service, code: str, position: int) -> Side | None:
    """The fast replay's results as of `position`, a run of groups scored in this process each time the comparison
    has read the run before (the service's threads forbid forking workers); None when its plan cannot vouch for
    the period. Its bytes are the reference's (tests/differential/), each subject's body decoded as the views'
    rows are."""
    try:
        replay = plan_replay(service.ledger.recorder, code, position, service.settings.bureau, 1)
    except Unsure as exc:
        log.info("fast replay of %s at %s not vouched for (%s): the reference replays it", code, position, exc)
        return None
    try:
        head = orjson.loads(replay.heading() + b"]}")
    except BaseException:
        replay.close()
        raise
    return Side(head, _scored(replay, position), replay.close)


def _scored(replay: FastReplay, position: int) -> Iterator[bytes]:
    """Each subject's result, a run scored when the one before has been read (one run's bytes held at a time)."""
    for index in range(len(replay.runs)):
        try:
            bodies = replay.bodies(index)
        except Unsure as exc:
            log.info("fast replay at %s not vouched for (%s): the reference replays it", position, exc)
            raise _Unvouched(position) from exc
        bodies.reverse()
        while bodies:  # each body let go once compared
            yield bodies.pop()


def _reference(service: Service, code: str, position: int) -> Side:
    """The reference's results as of `position`: the whole log folded, then scored a group at a time."""
    fold = fold_upto(service.ledger.recorder, position)
    period = fold.periods.get(key_of(service.settings.bureau, code))
    if period is None:
        raise PeriodNotInLog(f"period {code} is not open at position {position}")
    scheme = scheme_for(fold, period.scheme_hash)
    subjects = (canonical_bytes(s) for _, listed in iter_parts(scheme, period, None, keep=False) for s in listed)
    return Side(orjson.loads(heading(scheme, period) + b"]}"), subjects)


class _Slot:
    """The process's replay slot (service/replays.py), taken once for a comparison however often it is made."""

    def __init__(self, service: Service, held: ExitStack):
        self.wait, self.held, self.taken = service.settings.replay_wait, held, False

    def take(self) -> None:
        if not self.taken:
            self.held.enter_context(replay_slot(self.wait))
            self.taken = True


@contextmanager
def _sides(service: Service, code: str, first: int, last: int, slot: _Slot, reference: set[int]
           ) -> Iterator[tuple[Side, Side]]:
    """Both sides, from the views where they can be, else replayed (one replay at a time per process:
    service/replays.py); a position in `reference` replayed by the reference."""
    with ExitStack() as stack:
        found = [_kept_in_views(service, code, first), _kept_in_views(service, code, last)]
        for side in found:
            if side is not None:
                stack.callback(side.close)
        if None in found:
            slot.take()
            for i, at in enumerate((first, last)):
                if found[i] is None:
                    found[i] = _replayed(service, code, at, at in reference)
                    stack.callback(found[i].close)  # type: ignore[union-attr]
        yield found[0], found[1]  # type: ignore[misc]


def _compared(service: Service, code: str, first: int, last: int) -> tuple[Side, Side, list[Changed]]:
    """Both sides (their headings) and the subjects that changed between them. A fast replay that cannot vouch for
    a run once the comparison began leaves its position to the reference, and the comparison is made again,
    in the replay slot it took (service/replays.py: one replay at a time, not let go between the tries)."""
    reference: set[int] = set()
    with ExitStack() as held:
        slot = _Slot(service, held)
        while True:
            try:
                with _sides(service, code, first, last, slot, reference) as (before, after):
                    return before, after, changed_subjects(before.subjects, after.subjects)
            except _Unvouched as exc:
                if exc.position in reference:  # the reference never raises it: a fault, not a retry
                    raise
                reference.add(exc.position)


def compare_positions(service: Service, actor: Actor, code: str, start: str, end: str | None,
                      page: int = 1) -> dict[str, Any]:
    """Changes between two positions (`end` None: now), with item values, causes and knock-ons: one page of them
    (`paged`)."""
    require(actor, *AUDITORS)
    known_period(service, code)  # the period's existence: never the whole log folded (the runner's `meta`)
    first = position_of(service, start)
    last = position_of(service, end) if end else (service.ledger.recorder.max_notification_id() or 0)
    first, last = min(first, last), max(first, last)
    return paged(explained(service, code, first, last), page)


CHANGES_PAGE = 100  # changes a page of the comparison shows (a province's two positions can differ in every subject)


def paged(model: dict[str, Any], page: int) -> dict[str, Any]:
    """One page of a comparison's changes (pages counted from 1; past the last: the last), with `page`, `pages` and
    `total`: the pages render and send a page, never every change of a province (issue 12: 200,000 changes between
    two positions of its log took minutes to render as one page)."""
    total = len(model["changes"])
    pages = max(1, -(-total // CHANGES_PAGE))
    page = min(max(page, 1), pages)
    start = (page - 1) * CHANGES_PAGE
    return {**model, "changes": model["changes"][start:start + CHANGES_PAGE], "page": page, "pages": pages,
            "total": total}


def compare_appeal(service: Service, actor: Actor, name: str, today: Any, page: int = 1) -> dict[str, Any]:
    """An appeal's changes: from the publication before it was filed to now, a page of them (`paged`)."""
    require(actor, *AUDITORS)
    found = appeal(service, actor, name, today)
    period = known_period(service, found["period"])  # its seals: the runner's `meta`, never the whole log
    sealed = [s for s in period.seals if s["published_at"] < found["filed_at"]] or period.seals
    if not sealed:
        raise NotFound(f"period {found['period']} has no publication to compare with")
    last = service.ledger.recorder.max_notification_id() or 0
    return paged({"appeal": name, **explained(service, found["period"], int(sealed[-1]["position"]), last)}, page)


def appeal_comparison(service: Service, actor: Actor, name: str) -> dict[str, Any]:
    """Before (as published, the last seal before the appeal was filed) and after (now), per subject, with
    causes and knock-ons: the API's comparison (item ids, no names)."""
    require(actor, *AUDITORS)
    found = _appeal(service, name)
    period = known_period(service, found["period"])
    if not period.seals:
        raise NotFound(f"period {found['period']} has no publication to compare with")
    sealed = int(period.seals[_seal_before(period.seals, found)]["position"])
    last = service.ledger.recorder.max_notification_id() or 0
    return {"appeal": name, **explained(service, found["period"], sealed, last, named=False)}


_EXPLAINED: OrderedDict[tuple[int, str, str, int, int, bool], dict[str, Any]] = OrderedDict()


def explained(service: Service, code: str, first: int, last: int, named: bool = True) -> dict[str, Any]:
    """The changes between two positions (kept: two fixed positions always give the same answer); `named`:
    each change with the subject's name and each item with its title and points (the pages'), else the
    item ids only (the API's)."""
    key = (id(service), service.settings.bureau, code, first, last, named)
    with _LOCK:
        found = _EXPLAINED.get(key)
    if found is None:
        found = _explain(service, code, first, last) if named else between(service, code, first, last)
        with _LOCK:
            _EXPLAINED[key] = found
            while len(_EXPLAINED) > KEEP:
                _EXPLAINED.popitem(last=False)
    return found


def between(service: Service, code: str, first: int, last: int) -> dict[str, Any]:
    """`replay.compare.compare` of the results at two positions, with the events between them: read a group
    at a time, never either period whole."""
    body, _ = _changes(service, code, first, last)
    return {"from": first, "to": last, **body}


def _changes(service: Service, code: str, first: int, last: int) -> tuple[dict[str, Any], list[Changed]]:
    before, after, changed = _compared(service, code, first, last)
    records = (r for page in read_log(service.ledger.recorder, first, last) for r in page)
    period = before.head["period"]
    rows = change_rows(changed, records, period)
    return {"period": period, "scheme_hash": [before.head["scheme_hash"], after.head["scheme_hash"]],
            "changes": rows}, changed


def _explain(service: Service, code: str, first: int, last: int) -> dict[str, Any]:
    body, changed = _changes(service, code, first, last)
    for change, (subject, was, now) in zip(body["changes"], changed, strict=True):
        change["name"] = (now or was or (subject,))[0]
        change["items"] = [_item(i, was, now) for i in change["items"]]
    return {"from": first, "to": last, **body}


def _item(item: str, old: Digest | None, new: Digest | None) -> dict[str, Any]:
    was = old.nodes.get(item) if old else None
    now = new.nodes.get(item) if new else None
    title = (now or was)[0] if (now or was) else item
    return {"item": item, "title": title, "before": was[1] if was else None, "after": now[1] if now else None}
