"""Before and after, between any two log positions or around an appeal: per subject, item by item.

(Added by the web work beside service/queries.py.) Each changed subject has its old and new
total, rank, grade and eligibility, every changed item with old and new points, the events in
between that name it (causes), or none: then it moved only because others did (knock-on).
Results as of a position never change (the log only grows), so replayed ones are kept (LRU).
"""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal
from threading import Lock
from types import SimpleNamespace
from typing import Any

from domain.numbers import canonical_str
from domain.scoring import NodeResult, PeriodResult
from projections.period_input import key_of
from projections.records import read_log
from replay.asof import result_as_of
from replay.compare import compare
from service.bootstrap import Service
from service.errors import NotFound
from service.policy import AUDITORS, require
from service.positions import position_of
from service.queries import appeal, folded_period
from service.readers import ViewReader, kept_seal
from service.replays import replay_slot
from service.tokens import Actor

KEEP = 16
_KEPT: OrderedDict[tuple[int, str, str, int], PeriodResult] = OrderedDict()
_LOCK = Lock()


def result_at(service: Service, code: str, position: int) -> PeriodResult:
    """The period's results as of a position, replayed once and kept."""
    key = (id(service), service.settings.bureau, code, position)
    with _LOCK:
        found = _KEPT.get(key)
        if found is not None:
            _KEPT.move_to_end(key)
            return found
    found = _kept_in_views(service, code, position)
    if found is None:
        with replay_slot(service.settings.replay_wait):  # one replay at a time per process (service/replays.py)
            found = result_as_of(service.ledger.recorder, code, position, service.settings.bureau)
    with _LOCK:
        _KEPT[key] = found
        while len(_KEPT) > KEEP:
            _KEPT.popitem(last=False)
    return found


def _kept_in_views(service: Service, code: str, position: int) -> Any:
    """The results as the views hold them at `position`, when they do (now, or a seal's kept rows): read as
    they are stored, not validated into models again (a city's cards are megabytes); None: replay."""
    service.runner.catch_up()
    key = key_of(service.settings.bureau, code)
    if position == service.views.position():
        data = ViewReader(service, code, None).whole()
    elif kept_seal(service, key, position) is not None:
        data = ViewReader(service, code, position).whole()
    else:
        return None
    return StoredResult(data)


class StoredNode:
    """A scorecard node as stored (canonical JSON): what a comparison reads of NodeResult."""

    __slots__ = ("id", "title", "applied", "children")

    def __init__(self, node: dict[str, Any]):
        self.id, self.title, self.applied = node["id"], node["title"], Decimal(node["applied"])
        self.children = [StoredNode(c) for c in node.get("children", ())]

    def maybe(self, node_id: str) -> StoredNode | None:
        if self.id == node_id:
            return self
        return next((found for c in self.children if (found := c.maybe(node_id)) is not None), None)


class StoredSubject:
    """A subject result as stored: what a comparison reads of SubjectResult."""

    def __init__(self, subject: dict[str, Any]):
        self.subject, self.name, self.rank = subject["subject"], subject["name"], subject["rank"]
        self.group, self.kind, self.flags = subject["group"], subject["kind"], list(subject.get("flags", ()))
        self.total, self.grade, self.eligible = Decimal(subject["total"]), subject.get("grade"), subject["eligible"]
        outcomes = subject.get("outcomes")
        self.outcomes = None if outcomes is None else [SimpleNamespace(id=o["id"], grade=o.get("grade"))
                                                       for o in outcomes]
        self.card = StoredNode(subject["card"])


class StoredResult:
    """A period's results as stored: what a comparison reads of PeriodResult."""

    def __init__(self, data: dict[str, Any]):
        self.period, self.scheme_hash = data["period"], data["scheme_hash"]
        self.subjects = [StoredSubject(s) for s in data["subjects"]]


def compare_positions(service: Service, actor: Actor, code: str, start: str, end: str | None) -> dict[str, Any]:
    """Changes between two positions (`end` None: now), with item values, causes and knock-ons."""
    require(actor, *AUDITORS)
    folded_period(service, code)
    first = position_of(service, start)
    last = position_of(service, end) if end else (service.ledger.recorder.max_notification_id() or 0)
    first, last = min(first, last), max(first, last)
    return explained(service, code, first, last)


def compare_appeal(service: Service, actor: Actor, name: str, today: Any) -> dict[str, Any]:
    """An appeal's changes: from the publication before it was filed to now."""
    require(actor, *AUDITORS)
    found = appeal(service, actor, name, today)
    period = folded_period(service, found["period"])
    sealed = [s for s in period.seals if s["published_at"] < found["filed_at"]] or period.seals
    if not sealed:
        raise NotFound(f"period {found['period']} has no publication to compare with")
    last = service.ledger.recorder.max_notification_id() or 0
    return {"appeal": name, **explained(service, found["period"], int(sealed[-1]["position"]), last)}


_EXPLAINED: OrderedDict[tuple[int, str, str, int, int], dict[str, Any]] = OrderedDict()


def explained(service: Service, code: str, first: int, last: int) -> dict[str, Any]:
    """The changes between two positions (kept: two fixed positions always give the same answer)."""
    key = (id(service), service.settings.bureau, code, first, last)
    with _LOCK:
        found = _EXPLAINED.get(key)
    if found is None:
        found = _explain(service, code, first, last)
        with _LOCK:
            _EXPLAINED[key] = found
            while len(_EXPLAINED) > KEEP:
                _EXPLAINED.popitem(last=False)
    return found


def _explain(service: Service, code: str, first: int, last: int) -> dict[str, Any]:
    before, after = result_at(service, code, first), result_at(service, code, last)
    between = [r for page in read_log(service.ledger.recorder, first, last) for r in page]
    body = compare(before, after, between)
    old, new = _cards(before), _cards(after)
    for change in body["changes"]:
        subject = change["subject"]
        change["name"] = (new.get(subject) or old.get(subject) or (subject, None))[0]
        change["items"] = [_item(i, old.get(subject), new.get(subject)) for i in change["items"]]
    return {"from": first, "to": last, **body}


def _cards(result: PeriodResult) -> dict[str, tuple[str, NodeResult]]:
    return {s.subject: (s.name, s.card) for s in result.subjects}


def _item(item: str, old: tuple[str, NodeResult] | None, new: tuple[str, NodeResult] | None) -> dict[str, Any]:
    was = old[1].maybe(item) if old else None
    now = new[1].maybe(item) if new else None
    title = (now or was).title if (now or was) else item
    return {"item": item, "title": title, "before": canonical_str(was.applied) if was else None,
            "after": canonical_str(now.applied) if now else None}
