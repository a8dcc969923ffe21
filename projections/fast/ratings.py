"""The plain-rating lane of the fast replay: a subject's stream read row by row into columns, when every
fact in it is a plain rating (domain/scoring/fast/plain.py says what that takes and why it is enough).

Each row is decoded once, and checked as `StreamAdmission.rating` checks it (the nine keys and nothing
else, the rating item applies to the subject's kind and the role is one of its roles, the subject and
period are the stream's, recorded after the subject's registration, rater and recorder named, the value
a plain number within the item's scale); late rows are left out as `runs._admitted` leaves them out.
The checks on the rows together (ids, R3) follow in `plain_items`. Any failure: None, and the caller
takes the general path (which decodes the rows again and admits them one by one).
"""

from __future__ import annotations

from typing import Any

import orjson

from domain.scoring.fast.admit import NotAdmitted, RatingLane, StreamAdmission
from domain.scoring.fast.facts import Typed, Untypable, typed
from domain.scoring.fast.plain import Pieces, PlainItem, Row, plain_items
from domain.scoring.fast.subject import Card, FastScorer
from projections.fast.plan import PeriodPlan

LAST = 2**63
_NONE: frozenset[str] = frozenset()
_ITEMS: dict[tuple[str, str], Any] = {}
_APPLICABLE: dict[str, dict[str, set[str]]] = {}


def applicable_of(plan: PeriodPlan) -> dict[str, set[str]]:
    """The scheme's applicable item ids by subject kind, as StreamAdmission fills them (applicable_ids), kept
    for the process: a scheme's are worked out once, not once per run of groups (issue 12). Only read."""
    found = _APPLICABLE.get(plan.scheme.content_hash)
    if found is None:
        found = _APPLICABLE[plan.scheme.content_hash] = {}
    return found


def lane_of(plan: PeriodPlan, subject: str) -> RatingLane | None:
    """What the rating lane vouches for in a subject's stream (None: the subject is not registered)."""
    registered = plan.registered.get(subject)
    if registered is None:
        return None
    kind = plan.period.subjects[subject]["kind"]
    key = (plan.scheme.content_hash, kind)
    items = _ITEMS.get(key)
    if items is None:
        items = _ITEMS[key] = RatingLane.items_of(plan.scheme, kind)
    return RatingLane(subject, registered, items)


class PlainLane:
    """The plain lane for one run of groups (its line pieces are remembered for the run)."""

    def __init__(self, plan: PeriodPlan, scorer: FastScorer):
        self.plan, self.scorer = plan, scorer
        self.pieces = Pieces()
        self.roles = scorer.rating_roles()
        closed = plan.period.closed_at
        self.closed = LAST if closed is None else closed
        self.applicable = applicable_of(plan)

    def card(self, subject: str, rows: list[tuple[int, Any]]) -> Card | None:
        """The subject's card when its ratings are all plain ratings the lane admits, beside any other facts
        (its own, admitted one by one here, and the joint ones naming it, admitted by the parent): those are
        scored from typed facts. A rating item whose ratings are corrected or retracted (the stream's own
        rating corrections and retractions) is scored from typed facts too, its plain ratings admitted with
        the facts that amend them (`_amended`); the other items' lines are all counted. Else None."""
        plan = self.plan
        extra = [fact for fact, _ in plan.extra.get(subject, ())]  # joint facts naming it
        if any(fact.type == "rating" for fact in extra):
            return None
        lane = lane_of(plan, subject)
        if lane is None:
            return None
        read = self._read(lane, rows)
        if read is None:
            return None
        buckets, others = read
        touched = _touched(buckets, others) if others else _NONE
        rated: set[str] = set()  # every plain rating's id, for the other facts (none: nothing to check)
        items = plain_items(buckets, lane.prefix, self.roles, touched, rated if others or extra else None)
        if items is None:
            return None
        registered = plan.period.subjects[subject]
        if not others and not extra:
            return self.scorer.score_plain(registered, items, plan.explained)
        if touched:
            others = self._amended(rows, touched, others)
            if others is None:
                return None
            untouched = {r[0] for item, rows in buckets.items() if item not in touched for r in rows}
            rated |= {raw["id"] for _, raw in others if raw.get("type") == "rating" and type(raw.get("id")) is str}
        else:
            untouched = rated
        facts = self._others(subject, others, untouched)
        if facts is None or any((fact.target or fact.corrects) in rated for fact in extra):
            return None
        if extra:
            facts = sorted(facts + extra, key=_ID)
        return self.scorer.score_mixed(registered, items, facts, plan.explained)

    def _amended(self, rows: list[tuple[int, Any]], touched: set[str], others: list[tuple[int, Any]]
                 ) -> list[tuple[int, Any]] | None:
        """The other facts with the plain ratings of the amended items, in log order (the rows decoded again:
        a few subjects have any), for `_others` to type and admit together; None when a row is not as read."""
        closed, loads = self.closed, orjson.loads
        found = list(others)
        try:
            for position, payload in rows:
                state = loads(payload)
                raw = state["fact"]
                if position > closed and not state.get("appeal"):
                    continue
                if raw["type"] == "rating" and len(raw) == 9 and raw["item"] in touched:
                    found.append((position, raw))
        except (KeyError, TypeError, AttributeError, ValueError):
            return None
        found.sort(key=_POSITION)
        return found

    def _others(self, subject: str, others: list[tuple[int, Any]], rated: set[str]) -> list[Typed] | None:
        """The facts beside the plain ratings, typed and admitted in log order (StreamAdmission, as the general
        path admits them), in id order; None when one is refused (a retraction or correction of a rating not
        among them is: the plain ratings are not among the facts it may amend) or shares an id with a plain
        rating (`rated`: those scored as plain items). The plain ratings of an amended item come in `others`."""
        plan, prefix = self.plan, subject + ":"
        admission = StreamAdmission(plan.scheme, plan.periods, self.applicable, plan.kind_of)
        facts = []
        try:
            for position, raw in others:
                fact = typed(raw)
                if not fact.id.startswith(prefix) or route(fact) != subject or fact.id in rated:
                    return None
                admission.admit(fact, position)
                facts.append(fact)
        except (NotAdmitted, Untypable, KeyError, TypeError, AttributeError, ValueError):
            return None
        facts.sort(key=_ID)
        return facts

    def _read(self, lane: RatingLane, rows: list[tuple[int, Any]]
              ) -> tuple[dict[str, list[Row]], list[tuple[int, Any]]] | None:
        """The rows' plain ratings by item (each checked on its own), and the other facts (position, stored
        fact), or None (a rating the lane does not take)."""
        items, subject, registered, periods = lane.items, lane.subject, lane.registered, self.plan.periods
        closed, pieces, loads, joined = self.closed, self.pieces, orjson.loads, b"".join
        notes, values, recorders, head = pieces.notes, pieces.values, pieces.recorders, pieces.head
        buckets: dict[str, list[Row]] = {item: [] for item in items}
        others: list[tuple[int, Any]] = []
        try:
            for position, payload in rows:
                state = loads(payload)
                raw = state["fact"]
                if position > closed and not state.get("appeal"):
                    continue  # late: appended after the period closed, not by an upheld appeal
                if raw["type"] != "rating" or len(raw) == 10 and "corrects" in raw:
                    others.append((position, raw))  # a rating correction: typed and admitted with the others
                    continue
                # nine keys, each read below: exactly the plain rating's keys
                if (len(raw) != 9 or position <= registered or raw["subject"] != subject
                        or raw["period"] not in periods):
                    return None
                item, role = raw["item"], raw["role"]
                found = items[item]  # KeyError: not a rating item of the subject's kind
                if role not in found[0]:
                    return None
                rater, value, recorded_by = raw["rater"], raw["value"], raw["recorded_by"]
                try:
                    note = notes[(role, rater)]
                except KeyError:
                    note = pieces.note(role, rater)
                try:
                    read = values[value]
                except KeyError:
                    read = pieces.value(value)
                try:
                    recorder = recorders[recorded_by]
                except KeyError:
                    recorder = pieces.recorder(recorded_by)
                if note is None or read is None or recorder is None or read[0] > found[1]:
                    return None
                fact_id = raw["id"]
                buckets[item].append((fact_id, role, read[0], joined((head, fact_id.encode(), note, read[1], recorder)),
                                      rater))
        except (KeyError, TypeError, AttributeError, ValueError):  # ValueError: orjson's, an id not UTF-8
            return None
        return buckets, others


def _ID(fact: Typed) -> str:
    return fact.id


def _POSITION(row: tuple[int, Any]) -> int:
    return row[0]


def _touched(buckets: dict[str, list[Row]], others: list[tuple[int, Any]]) -> set[str]:
    """The rating items whose ratings the other facts amend: the item of a rating correction, and the item of a
    rating (plain or a correction) that a fact targets or corrects. The stored facts are as read (not typed
    yet): anything unexpected is left to admission, which refuses it."""
    if not any(raw.get("type") == "rating" or "target" in raw or "corrects" in raw for _, raw in others):
        return set()  # nothing amends anything (deductions, bonuses, decisions beside the ratings)
    items: dict[Any, Any] = {}
    for item, rows in buckets.items():
        for row in rows:
            items[row[0]] = item
    touched: set[str] = set()
    for _, raw in others:
        if raw.get("type") == "rating" and type(raw.get("item")) is str and type(raw.get("id")) is str:
            items[raw["id"]] = raw["item"]
            touched.add(raw["item"])
    for _, raw in others:
        for key in ("target", "corrects"):
            amended = raw.get(key)
            if type(amended) is str and amended in items:
                touched.add(items[amended])
    return touched


def route(fact: Typed) -> str:
    """The stream a fact belongs to (service.facts_routing.route)."""
    target = fact.target or fact.corrects
    if target is not None:
        return str(target).split(":", 1)[0]
    if fact.parties or fact.rank is not None:
        return "joint"
    return str(fact.subject)


__all__ = ["PlainItem", "PlainLane", "lane_of"]
