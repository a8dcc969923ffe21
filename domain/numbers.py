"""Exact arithmetic: every score is a Decimal computed in one fixed context."""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from enum import Enum

ZERO = Decimal(0)

#: The context every scoring computation runs in, whatever the caller's global context.
SCORING_CONTEXT = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-999999,
    Emax=999999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


class RoundingMode(str, Enum):
    """Rounding modes a scheme may declare (names follow the decimal module)."""

    half_up = "half_up"
    half_even = "half_even"
    down = "down"
    up = "up"
    floor = "floor"
    ceiling = "ceiling"

    @property
    def decimal_mode(self) -> str:
        return {
            "half_up": decimal.ROUND_HALF_UP,
            "half_even": decimal.ROUND_HALF_EVEN,
            "down": decimal.ROUND_DOWN,
            "up": decimal.ROUND_UP,
            "floor": decimal.ROUND_FLOOR,
            "ceiling": decimal.ROUND_CEILING,
        }[self.value]


@contextmanager
def scoring_context() -> Iterator[None]:
    """Run a block with the fixed scoring context (results never depend on the caller's)."""
    with decimal.localcontext(SCORING_CONTEXT):
        yield


def quantize(value: Decimal, places: int, mode: RoundingMode) -> Decimal:
    """Round to a number of decimal places with the given mode."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=mode.decimal_mode)


def canonical_str(value: Decimal) -> str:
    """The one text form of a number: no exponent, no trailing zeros ("89.50" -> "89.5")."""
    if value.is_nan() or value.is_infinite():
        raise ValueError(f"not a finite number: {value}")
    normal = value.normalize(SCORING_CONTEXT)
    if normal == 0:
        return "0"
    text = format(normal, "f")
    return text
