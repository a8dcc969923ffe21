"""A group commit's arrays written into its statements as SQL literals (issue 12, PostgreSQL HTTP, tenth round).

The group's two round trips run several statements in one query (the simple query protocol: psycopg's ClientCursor),
so their parameters are sent as literals. psycopg's client-side quoting of the group's arrays (the ids, versions,
topics and the events' bytes) went through its array dumper and libpq's escaping for every element: about 0.45 ms of
the writer's ~3 ms per group of eight. Here each array is one `E'{…}'` literal written directly: a UUID or an int as
its text, a string double-quoted with its backslashes and quotes escaped, bytes as bytea's hex input. `E''` reads
backslashes the same whatever `standard_conforming_strings` says. The values the server reads are the same as from
psycopg's quoting (tests/integration/test_pg_literals.py reads both back for awkward strings and every byte).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

PLACEHOLDER = "%s"
TEXTS_KEPT = 1_024  # texts kept written (a group's topics)
_TEXTS: dict[str, str] = {}


def array_literal(values: Sequence[Any]) -> str:
    """`values` (all UUIDs, all ints, all strs or all bytes) as one `E'{…}'` literal, to be cast by the statement
    (`%s::uuid[]` …). Raises TypeError for anything else (None, bool, floats: not written here) and ValueError for
    a string holding NUL (PostgreSQL's text cannot)."""
    if not values:
        return "'{}'"
    first = values[0]
    kind = type(first)
    if any(type(v) is not kind for v in values):
        raise TypeError("an array literal of mixed types")
    if kind is UUID:  # 32 hex digits, which uuid's input reads as the hyphenated form (UUID.__str__ is Python)
        return "'{" + ",".join([f"{v.int:032x}" for v in values]) + "}'"
    if kind is int:
        return "'{" + ",".join(map(str, values)) + "}'"
    if kind is bytes:
        # array level: "\\x<hex>" (a backslash escaped in a quoted element); E'' level: each backslash doubled
        return "E'{" + ",".join(['"\\\\\\\\x' + v.hex() + '"' for v in values]) + "}'"
    if kind is str:  # a group's texts are its events' few topics: each written once
        texts = _TEXTS if len(_TEXTS) < TEXTS_KEPT else {}
        return "E'{" + ",".join([texts.get(v) or texts.setdefault(v, _text(v)) for v in values]) + "}'"
    raise TypeError(f"no array literal for {kind.__name__}")


def _text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("a string with NUL cannot be stored as text")
    if value.isalnum() or _plain(value):
        return '"' + value + '"'
    # array level: \ -> \\ and " -> \"; then E'' level: \ -> \\ and ' -> ''
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\\", "\\\\").replace("'", "''") + '"'


_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-/ ")


def _plain(value: str) -> bool:
    return _SAFE.issuperset(value)


def inline(statement: str, params: Sequence[Sequence[Any]]) -> str:
    """`statement` with each `%s` replaced by the array literal of its parameter, in order (the statement holds no
    other `%`, which is checked)."""
    parts = statement.split(PLACEHOLDER)
    if len(parts) != len(params) + 1 or any("%" in part for part in parts):
        raise ValueError("the statement's placeholders do not match its parameters")
    out = [parts[0]]
    for value, part in zip(params, parts[1:], strict=True):
        out.append(array_literal(value))
        out.append(part)
    return "".join(out)
