"""`plain_sha256_hex` (domain/canonical.py, issue 12) is `sha256_hex(plain(value))`: a command record's request hash is
stored, so the shortcut for values of plain JSON must hash the very bytes of the round trip, and anything else takes
the round trip."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.canonical import plain, plain_sha256_hex, sha256_hex
from domain.facts import Subject

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63) + 1, max_value=2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_plain_json_hashes_as_its_round_trip(value: Any) -> None:
    assert plain_sha256_hex(value) == sha256_hex(plain(value))


@pytest.mark.parametrize("value", [
    ["2026-Q1", [{"type": "deduction", "subject": "d1", "item": "3.1", "count": 4, "note": "引号\"\\\n😀"}], None],
    {"b": 1, "a": [{"z": True, "y": None}]},
    ["2026-Q1", [Subject(id="d1", name="科室1", kind="department")]],
    {"amount": Decimal("1.50"), "ids": ("a", "b"), "set": {"b", "a"}},
    [2**63, -(2**63)],
])
def test_other_values_hash_as_before(value: Any) -> None:
    assert plain_sha256_hex(value) == sha256_hex(plain(value))


def test_floats_are_refused_both_ways() -> None:
    with pytest.raises(TypeError):
        plain_sha256_hex({"value": 1.5})
