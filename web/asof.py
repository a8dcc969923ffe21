"""`as_of` as people type it: a log position, a date (the end of that day, Beijing time) or a timestamp."""

from __future__ import annotations

import re

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def as_of_param(typed: str | None) -> str | None:
    """What service.positions.position_of reads; a malformed value is passed on for it to refuse."""
    if typed is None or not typed.strip():
        return None
    typed = typed.strip()
    return f"{typed}T23:59:59.999999+08:00" if DAY.match(typed) else typed
