"""The fast encoder's remembered pieces are the canonical ones, whatever was remembered before (issue 12:
numbers are remembered by their plain text, a line's one fact id is written without being remembered)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.canonical import canonical_bytes
from domain.numbers import canonical_str
from domain.scoring.fast import encode
from domain.scoring.results import Line

NUMBERS = st.decimals(min_value=-10_000, max_value=10_000, allow_nan=False, allow_infinity=False, places=4)


def _forms(value: Decimal) -> list[Decimal]:
    """The same number written several ways (trailing zeros, exponents, the sign of zero)."""
    return [value, value.normalize(), value.quantize(Decimal("0.0001")), Decimal(f"{value:E}"), -value, value - value]


@given(st.lists(NUMBERS, min_size=1, max_size=12))
def test_a_number_is_its_canonical_text_whichever_form_was_remembered_first(values: list[Decimal]) -> None:
    for value in values:
        for form in _forms(value):
            assert encode.number(form) == b'"' + canonical_str(form).encode() + b'"', repr(form)


def test_equal_numbers_written_differently_share_one_text_and_others_do_not() -> None:
    # Check the same value in three forms, then its negation and zero's two signs
    assert {encode.number(Decimal(t)) for t in ("1.50", "1.5", "15E-1")} == {b'"1.5"'}
    assert encode.number(Decimal("-1.5")) == b'"-1.5"'
    assert encode.number(Decimal("-0.00")) == encode.number(Decimal("0")) == b'"0"'
    assert encode.number(Decimal("1E+2")) == b'"100"'


@given(st.text(min_size=1, max_size=20), st.sampled_from(["counted", "superseded"]), NUMBERS, st.text(max_size=8))
def test_a_line_of_one_fact_is_the_models_line(fact: str, status: str, points: Decimal, note: str) -> None:
    made = encode.line((fact,), points, status, ("督查科",), note)
    assert made == canonical_bytes(Line(facts=[fact], points=points, status=status, recorded_by=["督查科"], note=note))
