"""api/exact.py: the request JSON read by orjson where it gives what json.loads(parse_float=Decimal) gives."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from api.exact import exact_json

BODIES = [
    b'{"type": "deduction", "item": "4.4", "subject": "s001"}',
    b'{"points": 92.55, "x": [1, 2.5e3, {"y": 1E-2}]}',
    b'{"a": 1, "a": 2}',
    b'{"n": 123456789012345678901234567890}',
    b'{"n": -0, "m": 0.0, "t": true, "f": false, "z": null}',
    b'[NaN, Infinity, -Infinity]',
    b'"\\ud800"',
    b'\xef\xbb\xbf{"bom": 1}',
    '{"名": "督查科"}'.encode(),
    '{"u": 1}'.encode("utf-16"),
    b' \t\r\n{"w": [ ] } \n',
]
BAD = [b"", b"{not json", b'{"a": 1,}', b"[1] [2]", b"\xff\xfe\xfd", b"{'a': 1}"]


def typed(value: Any) -> Any:
    if isinstance(value, dict):
        return [(k, typed(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, repr(value))


@pytest.mark.parametrize("body", BODIES)
def test_values_and_types_are_json_loads_with_decimal(body: bytes) -> None:
    assert typed(exact_json(body)) == typed(json.loads(body, parse_float=Decimal))


@pytest.mark.parametrize("body", BAD)
def test_what_json_refuses_is_refused_the_same_way(body: bytes) -> None:
    with pytest.raises(ValueError) as expected:
        json.loads(body, parse_float=Decimal)
    with pytest.raises(type(expected.value)) as got:
        exact_json(body)
    assert str(got.value) == str(expected.value)


def test_deep_values_are_read_as_json_reads_them() -> None:
    body = b'{"deep": ' + b"[" * 900 + b"[1.5]" + b"]" * 900 + b', "n": 1}'
    assert exact_json(body) == json.loads(body, parse_float=Decimal)
    assert exact_json(body.replace(b"1.5", b"1")) == json.loads(body.replace(b"1.5", b"1"))


def test_too_deep_is_refused_as_json_refuses_it() -> None:
    body = b"[" * 5000 + b"]" * 5000
    with pytest.raises(RecursionError):
        json.loads(body, parse_float=Decimal)
    with pytest.raises(RecursionError):
        exact_json(body)
