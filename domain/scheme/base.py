"""Shared building blocks of the scheme model: strict models and exact numbers."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

_LEADING_ZERO = re.compile(r"^[-+]?0[0-9]+$")


#: Exact numbers lie strictly between -10^15 and 10^15: wide enough for any points, weight or amount
#: in yuan, and every one stays exact in the scoring context and the canonical encoding.
NUMBER_LIMIT = Decimal(10) ** 15
RANGE_TEXT = "a number here must lie strictly between -10^15 and 10^15 (at most 15 digits before the point)"


def _exact_number(value: Any) -> Any:
    # Binary floats and booleans are refused: a scheme's numbers are exact decimals.
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(value, float):
        raise ValueError("expected an exact number, got a binary float")
    if isinstance(value, str) and _LEADING_ZERO.match(value):
        raise ValueError(f"{value!r} has a leading zero: write the number without it (codes belong in code fields)")
    if _beyond_range(value):
        shown = str(value) if len(str(value)) <= 40 else f"{str(value)[:20]}…({len(str(value))} characters)"
        raise ValueError(f"{shown} is out of range: {RANGE_TEXT}")
    return value


def _beyond_range(value: Any) -> bool:
    """A finite number (1e400 is one: exact, not infinite) whose size is 10^15 or more."""
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except (ArithmeticError, ValueError):
            return False  # not a number at all: the field's own validation says so
    if isinstance(value, Decimal):
        return value.is_finite() and abs(value) >= NUMBER_LIMIT
    return isinstance(value, int) and abs(value) >= NUMBER_LIMIT


#: A number of points (or a fraction, weight or amount): always an exact Decimal.
Points = Annotated[Decimal, BeforeValidator(_exact_number), Field(allow_inf_nan=False, strict=False)]
NonNegative = Annotated[Decimal, BeforeValidator(_exact_number), Field(ge=0, allow_inf_nan=False, strict=False)]
Fraction = Annotated[Decimal, BeforeValidator(_exact_number), Field(gt=0, le=1, allow_inf_nan=False, strict=False)]

#: A whole number (a version, a count, days): an integer in the file, never text or a float.
#: Whole numbers are bounded so that every one fits the canonical encoding (orjson: 64-bit).
WHOLE_MAX = 2**31 - 1
Whole = Annotated[int, Field(strict=True, le=WHOLE_MAX), BeforeValidator(_exact_number)]

#: Codes and keys are strings; quote codes such as "010" in YAML.
Code = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class Strict(BaseModel):
    """Every scheme model: frozen, unknown keys refused, no type coercion of strings."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)
