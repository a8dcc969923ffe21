"""`as_of` as people type it: a log position, a date (the end of that day, Beijing time) or a timestamp."""

from __future__ import annotations

import re
from datetime import date

from domain.errors import InvalidInput, Problem

DAY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def as_of_param(typed: str | None) -> str | None:
    """What service.positions.position_of reads; a date that does not exist is refused here, by name."""
    if typed is None or not typed.strip():
        return None
    typed = typed.strip()
    if not DAY.match(typed):
        return typed
    try:
        day = date(*(int(part) for part in typed.split("-")))
    except ValueError:
        raise InvalidInput(f"as_of {typed!r} is not a date", [Problem("as_of", "give a day that exists")]) from None
    return f"{day.isoformat()}T23:59:59.999999+08:00"
