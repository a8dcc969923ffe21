"""The plain-rating lane: a subject whose every fact is a rating of the plain shape, kept as columns.

Most of a province's facts are plain ratings (the nine keys a recording stores, nothing dated, corrected
or retracted). For a subject whose stream holds only those, the fast path needs no typed fact, no
standing and no line object: each rating item's lines are the counted-rating lines in fact id order
(domain/scoring/fast/lines.py `subject_lines` sorts them so: none is dated), and R1-R3 need each role's
values in that order. `PlainItem` holds exactly that, and `FastScorer.score_plain` folds the card from it
with the same Decimal operations as `FastScorer.score`.

The reader (projections/fast/runs.py) fills `Ratings` row by row with the checks of
`StreamAdmission.rating` (domain/scoring/fast/admit.py) that concern one row, then `Ratings.items`
makes the checks that concern the rows together (ids well formed, each id once, each rater once per
item: R3). A row or a set of rows that fails any check sends the subject back to the general path,
which then admits (or refuses) it fact by fact.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from domain.scoring.fast import encode
from domain.scoring.fast.facts import number

_MIN = date.min
_IDS = re.compile(r"(?:[A-Za-z0-9_.:\-]{1,80}\n)*")  # facts._ID, one id a line


class Pieces:
    """A counted rating's line bytes around its fact id (encode.counted_rating, from its template), in
    pieces remembered for one run of groups: the note's prefix per (role, rater), the value's part per
    stored value text, the recorder's part per name. Each is checked when first met (the plain shape of
    facts.py and the lane's bounds) and kept only when it passes: the keys are all text, so a stored
    value of another type (1, True) never finds one."""

    __slots__ = ("head", "notes", "recorders", "values", "_cut")

    def __init__(self) -> None:
        cut = encode._COUNTED.split(b"%s")  # head, after id, (empty), after value, after points, tail
        if len(cut) != 6:
            raise ValueError("unexpected counted-rating template")
        self._cut = cut
        self.head = cut[0]
        self.notes: dict[tuple[str, str], bytes] = {}
        self.values: dict[str, tuple[Decimal, bytes]] = {}
        self.recorders: dict[str, bytes] = {}

    def note(self, role: str, rater: Any) -> bytes | None:
        """After the id: the note up to the value (role is one of the item's roles: a str)."""
        if type(rater) is not str or not 0 < len(rater) <= 500:
            return None
        found = self.notes[(role, rater)] = self._cut[1] + encode.text(f"{role} {rater}: ")[:-1]
        return found

    def value(self, value: Any) -> tuple[Decimal, bytes] | None:
        """The value read as facts.number reads a text (a stored number that is not text: None, the
        general path reads it), and its part of the line: the note's digits, the points, up to the recorder."""
        if type(value) is not str:
            return None
        read = number(value)
        if read is None:
            return None
        cut = self._cut
        found = self.values[value] = (read, cut[2] + str(read).encode() + cut[3] + encode.number(read) + cut[4])
        return found

    def recorder(self, recorded_by: Any) -> bytes | None:
        if type(recorded_by) is not str or not 0 < len(recorded_by) <= 500:
            return None
        found = self.recorders[recorded_by] = encode.text(recorded_by) + self._cut[5]
        return found


Row = tuple[str, str, Decimal, bytes, str]  # fact id, role, value, line bytes, rater


class PlainLine:
    """A counted rating line as the card's section fold reads it (cut facts: status, points, order)."""

    __slots__ = ("fact", "order", "points")
    status = "counted"

    def __init__(self, fact_id: str, points: Decimal):
        self.fact, self.points, self.order = _Id(fact_id), points, (_MIN, fact_id)


class _Id:
    __slots__ = ("id",)

    def __init__(self, fact_id: str):
        self.id = fact_id


class PlainItem:
    """One rating item's counted ratings, in fact id order: their joined line bytes and each role's values."""

    __slots__ = ("encoded", "rows", "values")

    def __init__(self, rows: list[Row], roles: tuple[str, ...]):
        self.rows = rows
        self.encoded = b",".join([r[3] for r in rows])
        values: dict[str, list[Decimal]] = {role: [] for role in roles}
        for row in rows:
            values[row[1]].append(row[2])  # the lane checked the role is one of the item's
        self.values = values

    def every(self) -> list[PlainLine]:
        return [PlainLine(r[0], r[2]) for r in self.rows]


def plain_items(buckets: dict[str, list[Row]], prefix: str, roles: dict[str, tuple[str, ...]],
                amended: set[str] | frozenset[str] = frozenset(), rated: set[str] | None = None
                ) -> dict[str, PlainItem] | None:
    """The rating items of a subject's plain ratings (bucketed by item, each row checked on its own), or
    None when the rows together break a rule of the lane: an id not of facts._ID or not the stream's
    (prefix), an id twice, a rater twice on one item (R3). The `amended` items (whose ratings other facts
    correct or retract: admitted with those, one by one, R3 included) are left out. `rated`, when given, gets
    every plain rating's id, amended items' too (the set made here to find an id twice: issue 12, the caller
    built it again row by row)."""
    ids = [r[0] for rows in buckets.values() for r in rows]
    if not ids:
        return {}
    try:
        lines = "\n".join(ids)
    except TypeError:
        return None
    # one id a line, each of facts._ID (no line break in it: as many lines as ids), so each line start is
    # an id's start; an id with a line break in it (its parts each of facts._ID) would pass the pattern alone
    unique = set(ids)
    if (_IDS.fullmatch(lines + "\n") is None or lines.count("\n") != len(ids) - 1
            or ("\n" + lines).count("\n" + prefix) != len(ids) or len(unique) != len(ids)):
        return None
    if rated is not None:
        rated |= unique
    out = {}
    for item, rows in buckets.items():
        if not rows or item in amended:
            continue
        if len({r[4] for r in rows}) != len(rows):
            return None
        rows.sort()
        out[item] = PlainItem(rows, roles[item])
    return out
