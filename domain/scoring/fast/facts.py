"""Stored facts typed without pydantic when they have the plain shape commands store; any other fact is
typed by the fact models themselves (domain/facts.py), so the result is always what they would give.

A `Typed` fact carries the same attributes as the fact models (`id`, `type`, `item`, `subject`,
`value`, `parties`, ...; absent ones None), so the scoring helpers that read facts (points, field
checks) take either. The plain shape: known keys only; codes, ids and texts as ASCII-bounded
strings; numbers as plain decimal text (or whole numbers); dates as YYYY-MM-DD; counts as whole
numbers. Everything it lets through, the models accept with the same values; everything else goes
to the models (which may refuse it: then the fact is set aside, by the reference admission).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter, ValidationError

from domain.facts import Fact

_FACT: TypeAdapter[Any] = TypeAdapter(Fact)
_ID = re.compile(r"[A-Za-z0-9_.:\-]{1,80}")
_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_PERIOD = re.compile(r"[0-9]{4}(?:-H[12]|-Q[1-4])?")
_NUMBER = re.compile(r"(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,30})?")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
LIMIT = 10**15

_BASE = ("id", "period", "recorded_by", "evidence", "occurred_on", "type")
_ATTRIBUTED = (*_BASE, "item", "subject", "parties", "count", "amount", "situation", "corrects")
KEYS: dict[str, frozenset[str]] = {
    "deduction": frozenset((*_ATTRIBUTED, "attributes", "shortfall", "matter")),
    "bonus": frozenset((*_ATTRIBUTED, "level", "rank")),
    "rating": frozenset((*_BASE, "item", "subject", "role", "rater", "value", "corrects", "scale_confirmed")),
    "veto": frozenset((*_BASE, "veto", "subject")),
    "affirmation": frozenset((*_BASE, "affirmation", "subject")),
    "condition": frozenset((*_BASE, "condition", "subject")),
    "exemption": frozenset((*_BASE, "target", "ground")),
    "retraction": frozenset((*_BASE, "target", "reason")),
}
_FIELDS = (
    "id", "type", "period", "recorded_by", "evidence", "occurred_on", "item", "subject", "parties", "count",
    "amount", "situation", "corrects", "attributes", "shortfall", "matter", "level", "rank", "role", "rater",
    "value", "scale_confirmed", "veto", "affirmation", "condition", "target", "ground", "reason",
)


class Typed:
    """One typed fact (the attributes of the fact models; those its type lacks are None): its values
    live in its own dict (a copy of the stored one, numbers and dates converted)."""

    id: str
    type: str
    period: str
    recorded_by: str
    evidence = occurred_on = item = subject = parties = count = amount = situation = corrects = None
    attributes = shortfall = matter = level = rank = role = rater = value = scale_confirmed = None
    veto = affirmation = condition = target = ground = reason = None

    def targets(self) -> list[Any]:
        return list(self.parties) if self.parties else [None]


class Party:
    """A party of a joint fact (the model's attributes)."""

    __slots__ = ("role", "subject", "unit")

    def __init__(self, subject: str | None, role: str, unit: str | None = None):
        self.subject, self.role, self.unit = subject, role, unit


class Untypable(ValueError):
    """Raised when a stored fact is not a fact at all (the fact models refuse it)."""


def typed(raw: Any) -> Typed:
    """The fact typed: by the fast reading when it has the plain shape, else by the fact models
    (Untypable when they refuse it)."""
    fact = _plain(raw)
    return fact if fact is not None else _modelled(raw)


def _modelled(raw: Any) -> Typed:
    try:
        model = _FACT.validate_python(raw)
    except ValidationError as exc:
        raise Untypable(str(exc)) from None
    values = {}
    for name in _FIELDS:
        value = getattr(model, name, None)
        if name == "parties" and value is not None:
            value = tuple(Party(p.subject, p.role, p.unit) for p in value)
        elif name == "attributes" and value is not None:
            value = dict(value)
        if value is not None:
            values[name] = value
    out = Typed()
    out.__dict__ = values
    return out


def _plain(raw: Any) -> Typed | None:
    """The fast reading, or None when the fact is not of the plain shape."""
    if type(raw) is not dict:
        return None
    kind = raw.get("type")
    if kind == "rating":
        return _rating(raw)
    allowed = KEYS.get(kind) if type(kind) is str else None
    if allowed is None or not raw.keys() <= allowed:
        return None
    values = {}
    try:
        for name, value in raw.items():
            if value is not None:
                values[name] = _READ[name](value)
    except _NotPlain:
        return None
    out = Typed()
    out.__dict__ = values
    if not _complete(out, kind):
        return None
    if kind in ("deduction", "bonus"):
        if out.count is None:
            values["count"] = 1
        if kind == "deduction" and out.attributes is None:
            values["attributes"] = {}
    return out


_RATING = KEYS["rating"]
_RATING_NEEDS = frozenset(("id", "period", "recorded_by", "item", "subject", "role", "rater", "value"))
_KNOWN_CODES: set[str] = set()
_KNOWN_PERIODS: set[str] = set()
_VALUES: dict[str, Decimal] = {}


def _rating(raw: dict[str, Any]) -> Typed | None:
    """A rating of the plain shape (the bulk of a province's facts), read with its checks inlined."""
    keys = raw.keys()
    if not (keys <= _RATING and _RATING_NEEDS <= keys):
        return None
    codes = _KNOWN_CODES
    for name in ("item", "subject", "role"):
        code = raw[name]
        if code not in codes:
            if type(code) is not str or _CODE.fullmatch(code) is None:
                return None
            codes.add(code)
    fact_id, period, value = raw["id"], raw["period"], raw["value"]
    if type(fact_id) is not str or _ID.fullmatch(fact_id) is None:
        return None
    if period not in _KNOWN_PERIODS:
        if type(period) is not str or _PERIOD.fullmatch(period) is None:
            return None
        _KNOWN_PERIODS.add(period)
    for name in ("recorded_by", "rater"):
        words = raw[name]
        if type(words) is not str or not 0 < len(words) <= 500:
            return None
    number = _VALUES.get(value) if type(value) is str else None
    values = dict(raw)
    try:
        values["value"] = number if number is not None else _number(value)
        if len(keys) > 9:
            for name in ("evidence", "occurred_on", "corrects", "scale_confirmed"):
                extra = raw.get(name)
                if extra is not None:
                    values[name] = _READ[name](extra)
    except _NotPlain:
        return None
    if number is None and type(value) is str and len(_VALUES) < 100_000:
        _VALUES[value] = values["value"]
    out = Typed()
    out.__dict__ = values
    return out


class _NotPlain(Exception):
    pass


def _complete(fact: Typed, kind: str) -> bool:
    """The required fields are there (and the model's own checks hold: one target, parties once)."""
    if fact.id is None or fact.period is None or fact.recorded_by is None:
        return False
    if kind in ("deduction", "bonus"):
        if fact.item is None or (fact.subject is None) == (fact.parties is None):
            return False
        if fact.parties is not None:
            named = [p.subject for p in fact.parties]
            return len(set(named)) == len(named)
        return True
    needed = {
        "rating": ("item", "subject", "role", "rater", "value"),
        "veto": ("veto", "subject"),
        "affirmation": ("affirmation", "subject"),
        "condition": ("condition", "subject"),
        "exemption": ("target", "ground"),
        "retraction": ("target", "reason"),
    }[kind]
    return all(getattr(fact, name) is not None for name in needed)


def _match(pattern: re.Pattern[str], remember: bool = False) -> Any:
    """A reader of text matching the pattern; `remember`: the texts that matched are kept (codes and periods
    repeat from fact to fact: a set lookup instead of the pattern, issue 12), up to _REMEMBER of them."""
    if not remember:
        def read(value: Any) -> str:
            if type(value) is not str or pattern.fullmatch(value) is None:
                raise _NotPlain
            return value

        return read
    known: set[str] = set()

    def recall(value: Any) -> str:
        if type(value) is str and value in known:
            return value
        if type(value) is not str or pattern.fullmatch(value) is None:
            raise _NotPlain
        if len(known) < _REMEMBER:
            known.add(value)
        return value

    return recall


_REMEMBER = 100_000


def _words(value: Any, limit: int = 500) -> str:
    if type(value) is not str or not 1 <= len(value) <= limit:
        raise _NotPlain
    return value


def _evidence(value: Any) -> str:
    if type(value) is not str or len(value) > 2000:
        raise _NotPlain
    return value


def number(value: Any) -> Decimal | None:
    """A plain number (decimal text or a whole number) as the models read it, or None."""
    found = _VALUES.get(value) if type(value) is str else None
    if found is not None:
        return found
    try:
        found = _number(value)
    except _NotPlain:
        return None
    if type(value) is str and len(_VALUES) < 100_000:
        _VALUES[value] = found
    return found


def _number(value: Any) -> Decimal:
    if type(value) is int and 0 <= value < LIMIT:
        return Decimal(value)
    if type(value) is str and _NUMBER.fullmatch(value) is not None:
        return Decimal(value)
    raise _NotPlain


def _fraction(value: Any) -> Decimal:
    number = _number(value)
    if number > 1:
        raise _NotPlain
    return number


def _count(value: Any) -> int:
    if type(value) is not int or not 1 <= value <= 10000:
        raise _NotPlain
    return value


def _day(value: Any) -> date:
    if type(value) is not str or _DAY.fullmatch(value) is None:
        raise _NotPlain
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _NotPlain from None


def _flag(value: Any) -> bool:
    if type(value) is not bool:
        raise _NotPlain
    return value


def _attributes(value: Any) -> dict[str, str]:
    code = _CODE_READ
    if type(value) is not dict:
        raise _NotPlain
    return {code(k): code(v) for k, v in value.items()}


def _parties(value: Any) -> tuple[Party, ...]:
    if type(value) is not list or not 1 <= len(value) <= 100:
        raise _NotPlain
    code = _CODE_READ
    out = []
    for party in value:
        if type(party) is not dict or party.keys() != {"subject", "role"}:
            raise _NotPlain  # a unit party (or anything else) is the models' to read
        out.append(Party(code(party["subject"]), code(party["role"])))
    return tuple(out)


def _kind(value: Any) -> str:
    if type(value) is not str or value not in KEYS:
        raise _NotPlain
    return value


_CODE_READ = _match(_CODE, remember=True)
_READ = {
    "id": _match(_ID),
    "type": _kind,
    "period": _match(_PERIOD, remember=True),
    "recorded_by": _words,
    "evidence": _evidence,
    "occurred_on": _day,
    "item": _CODE_READ,
    "subject": _CODE_READ,
    "parties": _parties,
    "count": _count,
    "amount": _number,
    "situation": _CODE_READ,
    "corrects": _match(_ID),
    "attributes": _attributes,
    "shortfall": _fraction,
    "matter": _CODE_READ,
    "level": _CODE_READ,
    "rank": _CODE_READ,
    "role": _CODE_READ,
    "rater": _words,
    "value": _number,
    "scale_confirmed": _flag,
    "veto": _CODE_READ,
    "affirmation": _CODE_READ,
    "condition": _CODE_READ,
    "target": _match(_ID),
    "ground": _CODE_READ,
    "reason": _words,
}
