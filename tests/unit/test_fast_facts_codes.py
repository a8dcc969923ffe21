"""Codes and periods remembered by the fast typing (domain/scoring/fast/facts.py, issue 12): a text that
matched once is taken again by a set lookup, and nothing else is: not a text of another type, not one that
never matched, not a value that cannot be hashed; the facts typed are the same either way."""

from __future__ import annotations

from typing import Any

import pytest

from domain.scoring.fast import facts
from domain.scoring.fast.facts import _CODE, _match, _NotPlain, typed


class Text(str):
    """A text of another type than str: the plain reading leaves it to the models."""


def _fresh() -> Any:
    return _match(_CODE, remember=True)


def test_a_remembered_code_is_taken_again_and_nothing_else_is() -> None:
    read = _fresh()
    assert read("A.1") == "A.1"
    assert read("A.1") == "A.1"  # remembered now
    for refused in (Text("A.1"), ["A.1"], {"A.1": 1}, 1, None, "A 1", "x" * 65):
        with pytest.raises(_NotPlain):
            read(refused)


def test_the_remembered_codes_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facts, "_REMEMBER", 2)
    read = _fresh()
    for code in ("a", "b", "c", "c"):
        assert read(code) == code
    assert read.__closure__ is not None
    known = next(cell.cell_contents for cell in read.__closure__ if isinstance(cell.cell_contents, set))
    assert known == {"a", "b"}


def test_a_deduction_is_typed_the_same_the_second_time() -> None:
    raw = {"id": "u1:f1", "type": "deduction", "item": "2.1.1", "subject": "u1", "period": "2026",
           "recorded_by": "督查科", "amount": "1.5", "attributes": {"severity": "minor"}, "situation": "s1"}
    first, second = typed(dict(raw)), typed(dict(raw))
    assert first.__dict__ == second.__dict__ and first.item == "2.1.1" and first.attributes == {"severity": "minor"}
    with pytest.raises(facts.Untypable):  # the models refuse a subject of another type
        typed({**raw, "subject": ["u1"]})
