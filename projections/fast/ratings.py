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

from domain.scoring.fast.admit import RatingLane
from domain.scoring.fast.plain import Pieces, PlainItem, Row, plain_items
from domain.scoring.fast.subject import Card, FastScorer
from projections.fast.plan import PeriodPlan

LAST = 2**63
_ITEMS: dict[tuple[str, str], Any] = {}


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

    def card(self, subject: str, rows: list[tuple[int, Any]]) -> Card | None:
        """The subject's card when all its facts are plain ratings the lane admits, else None."""
        plan = self.plan
        if plan.extra.get(subject):
            return None  # joint facts name it
        lane = lane_of(plan, subject)
        if lane is None:
            return None
        buckets = self._read(lane, rows)
        if buckets is None:
            return None
        items = plain_items(buckets, lane.prefix, self.roles)
        if items is None:
            return None
        return self.scorer.score_plain(plan.period.subjects[subject], items, plan.explained)

    def _read(self, lane: RatingLane, rows: list[tuple[int, Any]]) -> dict[str, list[Row]] | None:
        """The rows' ratings by item (each row checked on its own), or None."""
        items, subject, registered, periods = lane.items, lane.subject, lane.registered, self.plan.periods
        closed, pieces, loads = self.closed, self.pieces, orjson.loads
        notes, values, recorders, head = pieces.notes, pieces.values, pieces.recorders, pieces.head
        buckets: dict[str, list[Row]] = {}
        try:
            for position, payload in rows:
                state = loads(payload)
                raw = state["fact"]
                if position > closed and not state.get("appeal"):
                    continue  # late: appended after the period closed, not by an upheld appeal
                # nine keys, each read below: exactly the plain rating's keys
                if (len(raw) != 9 or position <= registered or raw["type"] != "rating" or raw["subject"] != subject
                        or raw["period"] not in periods):
                    return None
                item, role = raw["item"], raw["role"]
                found = items.get(item)
                if found is None or role not in found[0]:
                    return None
                rater = raw["rater"]
                note = notes.get((role, rater)) or pieces.note(role, rater)
                value = values.get(raw["value"]) or pieces.value(raw["value"])
                recorder = recorders.get(raw["recorded_by"]) or pieces.recorder(raw["recorded_by"])
                if note is None or value is None or recorder is None or value[0] > found[1]:
                    return None
                fact_id = raw["id"]
                row = (fact_id, role, value[0], head + fact_id.encode() + note + value[1] + recorder, rater)
                listed = buckets.get(item)
                if listed is None:
                    buckets[item] = [row]
                else:
                    listed.append(row)
        except (KeyError, TypeError, AttributeError, ValueError):  # ValueError: orjson's, an id not UTF-8
            return None
        return buckets


__all__ = ["PlainItem", "PlainLane", "lane_of"]
