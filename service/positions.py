"""`as_of`: a log position, or a timestamp with a zone mapped to the last position recorded by then."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.errors import InvalidInput, Problem
from replay.asof import position_at


def position_of(service: Any, as_of: str) -> int:
    """The log position `as_of` names (service: a Service); a timestamp costs a scan of the log."""
    when = parse_as_of(as_of)
    return when if isinstance(when, int) else position_at(service.ledger.recorder, when)


def parse_as_of(as_of: str) -> int | datetime:
    """A log position, or a timestamp with a zone; 422 for anything else."""
    if as_of.isascii() and as_of.isdigit():
        if len(as_of) > 18:
            raise InvalidInput("as_of is beyond any log position", [Problem("as_of", as_of)])
        return int(as_of)
    try:
        when = datetime.fromisoformat(as_of)
    except ValueError:
        raise InvalidInput(
            "as_of is a log position or an ISO 8601 timestamp with a zone", [Problem("as_of", as_of)]
        ) from None
    if when.tzinfo is None:
        raise InvalidInput("as_of timestamps need a zone, e.g. +08:00", [Problem("as_of", as_of)])
    return when
