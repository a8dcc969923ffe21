"""Canonical bytes written directly: the same bytes `domain.canonical.canonical_bytes` gives a result model.

Keys in code-point order, None fields left out, numbers as canonical decimal text, strings as orjson
writes them. tests/differential/ pins every piece against the models' own encoding.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import orjson

from domain.numbers import canonical_str

_NUMBERS: dict[str, bytes] = {}
_TEXTS: dict[str, bytes] = {}
_KEEP = 65_536


def number(value: Decimal) -> bytes:
    """A number as its quoted canonical text, remembered by its plain text: a Decimal's text is its digits and
    exponent (one text, one value, so the key is exact), and hashing it costs a fifth of hashing the Decimal
    (issue 12: a card's numbers are fresh Decimals, each hashed once)."""
    key = str(value)
    found = _NUMBERS.get(key)
    if found is None:
        if len(_NUMBERS) >= _KEEP:
            _NUMBERS.clear()
        found = _NUMBERS[key] = b'"' + canonical_str(value).encode() + b'"'
    return found


def text(value: str) -> bytes:
    """A string as orjson writes it (remembered: names, notes and reasons repeat)."""
    found = _TEXTS.get(value)
    if found is None:
        if len(_TEXTS) >= _KEEP:
            _TEXTS.clear()
        found = _TEXTS[value] = orjson.dumps(value)
    return found


_LISTS: dict[tuple[str, ...], bytes] = {}


def texts(values: Sequence[str]) -> bytes:
    """A list of strings (short lists remembered: rules, flags and reasons repeat)."""
    if not values:
        return b"[]"
    if len(values) > 8:  # not remembered: orjson writes the list as the strings joined (cut facts run long)
        return orjson.dumps(values if type(values) is list else list(values))
    key = tuple(values)
    found = _LISTS.get(key)
    if found is None:
        if len(_LISTS) >= _KEEP:
            _LISTS.clear()
        found = b"[" + b",".join(map(text, key)) + b"]"
        if len(key) <= 8:
            _LISTS[key] = found
    return found


def day(value: date) -> bytes:
    return orjson.dumps(value)


def boolean(value: bool) -> bytes:
    return b"true" if value else b"false"


def joined(items: Sequence[bytes]) -> bytes:
    return b"[" + b",".join(items) + b"]"


def line(
    facts: Sequence[str],
    points: Decimal,
    status: str,
    recorded_by: Sequence[str],
    note: str | None,
    by: Sequence[str] = (),
    occurred_on: date | None = None,
) -> bytes:
    """A `Line` (keys: by, facts, note, occurred_on, points, recorded_by, status)."""
    if not by and occurred_on is None and note is not None and len(facts) == 1:  # a deduction's or bonus's, mostly
        return _UNDATED % (orjson.dumps(facts[0]), text(note), number(points), texts(recorded_by), text(status))
    # one fact (every line's but a decision's): its id written, not remembered (each is new)
    listed = b"[" + orjson.dumps(facts[0]) + b"]" if len(facts) == 1 else texts(facts)
    parts = [b'{"by":', texts(by), b',"facts":', listed]
    if note is not None:
        parts += (b',"note":', text(note))
    if occurred_on is not None:
        parts += (b',"occurred_on":', day(occurred_on))
    parts += (b',"points":', number(points), b',"recorded_by":', texts(recorded_by), b',"status":', text(status), b"}")
    return b"".join(parts)


_UNDATED = b'{"by":[],"facts":[%s],"note":%s,"points":%s,"recorded_by":%s,"status":%s}'  # `line`, one fact, no by
_COUNTED = b'{"by":[],"facts":["%s"],"note":%s%s","points":%s,"recorded_by":[%s],"status":"counted"}'
_PREFIXES: dict[tuple[str, str], bytes] = {}


def counted_rating(fact_id: str, role: str, rater: str, value: Decimal, recorded_by: str) -> bytes:
    """The line of a counted rating without a date: `line` with the note "<role> <rater>: <value>"
    (a fact id needs no escaping; JSON escapes character by character, so the note's text is its
    escaped prefix followed by the value's digits)."""
    prefix = _PREFIXES.get((role, rater))
    if prefix is None:
        if len(_PREFIXES) >= _KEEP:
            _PREFIXES.clear()
        prefix = _PREFIXES[(role, rater)] = text(f"{role} {rater}: ")[:-1]
    return _COUNTED % (fact_id.encode(), prefix, str(value).encode(), number(value), text(recorded_by))
