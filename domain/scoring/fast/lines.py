"""One subject's lines from its facts: standings (retracted, corrected, exempted: D8), points and notes
(D1-D11, B1-B6 through domain/scoring/points.py), ratings (R1-R3) and decisions (V1-V5), as
domain/scoring/lines.py, standing.py and engine.py make them, each line kept with its bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from domain.numbers import ZERO
from domain.scheme.model import Scheme
from domain.scoring.fast import encode
from domain.scoring.fast.facts import Typed
from domain.scoring.points import bonus_points, deduction_points

_MIN = date.min


@dataclass(frozen=True)
class Standing:
    status: str
    by: tuple[str, ...] = ()
    note: str | None = None


COUNTED = Standing("counted")


class FastLine:
    """A line of an item: what the scorecard fold reads, and its bytes (made when first asked)."""

    __slots__ = ("_bytes", "_note", "by", "count", "fact", "order", "points", "role", "situation", "status", "suffix")

    def __init__(self, fact: Typed, points: Decimal, note: str | None, standing: Standing):
        self.fact, self.points, self._note, self._bytes = fact, points, note, None
        self.status, self.by = standing.status, standing.by
        self.suffix = None if standing is COUNTED else standing.note
        self.order = (fact.occurred_on or _MIN, fact.id)
        if fact.type == "rating":
            self.role, self.situation, self.count = fact.role, None, 1
        else:
            self.role, self.situation, self.count = None, fact.situation, fact.count

    @property
    def note(self) -> str:
        note = self._note
        if note is None:
            fact = self.fact
            note = self._note = f"{fact.role} {fact.rater}: {fact.value}"
        return note if self.suffix is None else f"{note}; {self.suffix}"

    @property
    def facts(self) -> list[str]:
        return [self.fact.id]

    def superseded(self, winner: FastLine) -> FastLine:
        """D4/B2: this line, superseded by the kept rival (domain.scoring.lines.keep_one)."""
        out = FastLine.__new__(FastLine)
        out.fact, out.points, out.role, out.order, out.situation, out.count = (
            self.fact, self.points, self.role, self.order, self.situation, self.count)
        out.status, out.by, out.suffix, out._bytes = "superseded", (winner.fact.id,), None, None
        out._note = f"{self.note}; superseded: situation {self.situation} counts once, at the highest"
        return out

    def encoded(self) -> bytes:
        found = self._bytes
        if found is None:
            fact = self.fact
            if self.suffix is None and self._note is None and self.status == "counted" and fact.occurred_on is None:
                found = encode.counted_rating(fact.id, fact.role, fact.rater, fact.value, fact.recorded_by)
            else:
                found = encode.line(
                    (fact.id,), self.points, self.status, (fact.recorded_by,), self.note, self.by, fact.occurred_on
                )
            self._bytes = found
        return found


class RatingLine:
    """A counted rating's line (the common case, kept light): the fact is all it needs."""

    __slots__ = ("fact", "points", "role")
    status = "counted"
    by: tuple[str, ...] = ()
    situation = None
    count = 1
    suffix = None

    def __init__(self, fact: Typed):
        self.fact, self.points, self.role = fact, fact.value, fact.role

    @property
    def order(self) -> tuple[date, str]:
        return (self.fact.occurred_on or _MIN, self.fact.id)

    @property
    def note(self) -> str:
        fact = self.fact
        return f"{fact.role} {fact.rater}: {fact.value}"

    @property
    def facts(self) -> list[str]:
        return [self.fact.id]

    def encoded(self) -> bytes:
        fact = self.fact
        if fact.occurred_on is None:
            return encode.counted_rating(fact.id, fact.role, fact.rater, fact.value, fact.recorded_by)
        return encode.line((fact.id,), fact.value, "counted", (fact.recorded_by,), self.note, (), fact.occurred_on)


def standings(facts: Sequence[Typed]) -> dict[str, Standing]:
    """domain.scoring.standing.standings, on typed facts."""
    retracted: dict[str, list[str]] = {}
    for fact in facts:
        if fact.type == "retraction":
            retracted.setdefault(fact.target, []).append(fact.id)
    if not retracted and not any(f.corrects or f.type == "exemption" for f in facts):
        return {}
    corrected: dict[str, list[str]] = {}
    exempted: dict[str, list[Typed]] = {}
    for fact in facts:
        if fact.id in retracted:
            continue
        if fact.corrects and fact.type in ("deduction", "bonus", "rating"):
            corrected.setdefault(fact.corrects, []).append(fact.id)
        if fact.type == "exemption":
            exempted.setdefault(fact.target, []).append(fact)
    out: dict[str, Standing] = {}
    for fact_id, by in retracted.items():
        out[fact_id] = Standing("retracted", tuple(sorted(by)), "retracted")
    for fact_id, by in corrected.items():
        out.setdefault(fact_id, Standing("corrected", tuple(sorted(by)), "replaced by a correction"))
    for fact_id, grants in exempted.items():
        if fact_id not in out:
            grants = sorted(grants, key=lambda e: e.id)
            grounds = ", ".join(e.ground for e in grants)
            out[fact_id] = Standing("exempted", tuple(e.id for e in grants), f"exempted ({grounds}) (D8)")
    return out


class Points:
    """Points and notes of deductions and bonuses, worked out once per distinct recorded value."""

    def __init__(self, scheme: Scheme):
        self.scheme = scheme
        self.known: dict[tuple[Any, ...], tuple[Decimal, str]] = {}

    def of(self, fact: Typed, party: Any) -> tuple[Decimal, str]:
        role = party.role if party is not None else None
        if fact.type == "deduction":
            attributes = tuple(sorted(fact.attributes.items())) if fact.attributes else ()
            key = ("d", fact.item, fact.count, attributes, _exact(fact.amount), _exact(fact.shortfall),
                   fact.matter, role)
        else:
            key = ("b", fact.item, fact.count, fact.level, fact.rank, _exact(fact.amount), role)
        found = self.known.get(key)
        if found is None:
            item = self.scheme.items[fact.item]
            if fact.type == "deduction":
                amount, note = deduction_points(self.scheme, item, fact, party)  # type: ignore[arg-type]
                found = (-amount, note)
            else:
                found = bonus_points(self.scheme, item, fact, party)  # type: ignore[arg-type]
            self.known[key] = found
        return found


def _exact(value: Decimal | None) -> tuple[Any, ...] | None:
    """A number as its exact digits and exponent (equal numbers may print differently in notes)."""
    return None if value is None else value.as_tuple()


def subject_lines(
    subject: str, facts: Sequence[Typed], standing: dict[str, Standing], points: Points
) -> dict[str, list[FastLine]]:
    """Every deduction, bonus and rating line concerning the subject, by item, in (date, id) order."""
    out: dict[str, list[FastLine]] = {}
    for fact in facts:
        kind = fact.type
        if kind == "rating":
            if fact.subject == subject:
                st = standing.get(fact.id) if standing else None
                line = RatingLine(fact) if st is None else FastLine(fact, fact.value, None, st)
                listed = out.get(fact.item)
                if listed is None:
                    out[fact.item] = [line]
                else:
                    listed.append(line)
        elif kind == "deduction" or kind == "bonus":
            for party in fact.parties or (None,):
                if (party.subject if party is not None else fact.subject) == subject:
                    value, note = points.of(fact, party)
                    out.setdefault(fact.item, []).append(FastLine(fact, value, note, standing.get(fact.id, COUNTED)))
    for listed in out.values():
        if len(listed) > 1:
            listed.sort(key=_order)
    return out


def _order(line: FastLine) -> tuple[date, str]:
    return line.order


def decision_lines(subject: str, facts: Sequence[Typed], standing: dict[str, Standing]) -> tuple[
    list[bytes], tuple[tuple[str, ...], tuple[str, ...], frozenset[str]] | None
]:
    """V1-V5: a line for each veto, affirmation and condition of the subject (counted or not), in id
    order, and the counted ones (vetoes, affirmations, conditions) when there are any."""
    lines: list[bytes] = []
    vetoes, affirmations, conditions = [], [], set()
    for fact in facts:
        kind = fact.type
        if kind not in ("veto", "affirmation", "condition") or fact.subject != subject:
            continue
        st = standing.get(fact.id, COUNTED)
        code = fact.veto if kind == "veto" else fact.affirmation if kind == "affirmation" else fact.condition
        lines.append(encode.line((fact.id,), ZERO, st.status, (fact.recorded_by,), f"{kind} {code}", st.by))
        if st.status != "counted":
            continue
        if kind == "veto":
            vetoes.append(code)
        elif kind == "affirmation":
            affirmations.append(code)
        else:
            conditions.add(code)
    if not (vetoes or affirmations or conditions):
        return lines, None
    return lines, (tuple(sorted(vetoes)), tuple(sorted(affirmations)), frozenset(conditions))
