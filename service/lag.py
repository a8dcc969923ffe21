"""How far the views are behind the log: in events, and in seconds since the oldest unprojected append."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson


@dataclass(frozen=True)
class Lag:
    """The log's end, the views' tracked position, and the gap between them."""

    log_position: int
    views_position: int
    events: int
    seconds: float


def projection_lag(service: Any, now: datetime | None = None) -> Lag:
    """Read the log's end and the views' position; the age of the first event the views lack."""
    views = service.views.position()
    log = service.ledger.recorder.max_notification_id() or 0
    if log <= views:
        return Lag(log, views, 0, 0.0)
    first = service.ledger.recorder.select_notifications(start=views, limit=1, inclusive_of_start=False)
    appended = _timestamp(first[0].state) if first else None
    age = ((now or datetime.now(UTC)) - appended).total_seconds() if appended else 0.0
    return Lag(log, views, log - views, max(0.0, age))


def _timestamp(state: bytes) -> datetime | None:
    """The library's event timestamp ({"_type_": "datetime_iso", "_data_": ...}), when the payload has one."""
    try:
        stamp = orjson.loads(state).get("timestamp")
        text = stamp.get("_data_") if isinstance(stamp, dict) else stamp
        parsed = datetime.fromisoformat(str(text))
    except (orjson.JSONDecodeError, AttributeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
