"""Helpers shared by routers: responses with ETags, results from the views or a replay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from fastapi import Response

from domain.canonical import canonical_bytes
from domain.errors import InvalidInput, Problem
from projections.period_input import key_of
from replay.asof import position_at, result_as_of
from service.bootstrap import Service
from service.errors import NotFound


def json_response(body: Any, status: int = 200, etag: int | None = None) -> Response:
    headers = {"ETag": f'"{etag}"'} if etag is not None else None
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def results(service: Service, period: str, as_of: str | None) -> dict[str, Any]:
    """A period's results: from the views (now), or replayed as of a position or timestamp."""
    if as_of is None:
        service.runner.catch_up()
        stored = service.views.results(key_of(service.settings.bureau, period))
        if stored is None:
            raise NotFound(f"period {period} does not exist or has no results yet")
        return {**orjson.loads(stored[1]), "as_of": stored[0]}
    position = _position(service, as_of)
    replayed = result_as_of(service.ledger.recorder, period, position, service.settings.bureau)
    return {**orjson.loads(canonical_bytes(replayed)), "as_of": position}


def _position(service: Service, as_of: str) -> int:
    if as_of.isascii() and as_of.isdigit():  # "²".isdigit() is true, int("²") fails
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
    return position_at(service.ledger.recorder, when)


def folded_period(service: Service, period: str) -> Any:
    service.runner.catch_up()
    found = service.runner.fold.periods.get(key_of(service.settings.bureau, period))
    if found is None:
        raise NotFound(f"period {period} does not exist")
    return found
