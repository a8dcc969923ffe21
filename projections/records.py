"""Stored events as plain records: position, stream, topic and the decoded state.

The projections and the replay read the notification log in pages and decode each
payload with orjson; they never rebuild aggregates one by one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import orjson


class NotificationSource(Protocol):
    """What the library's application recorder offers for reading the log in order."""

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Any = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Any: ...

    def max_notification_id(self) -> int | None: ...


@dataclass(frozen=True)
class Record:
    """One stored event: its log position, aggregate id and version, topic, raw and decoded state."""

    position: int
    stream: str
    version: int
    topic: str
    raw: bytes
    state: dict[str, Any]


def read_log(
    source: NotificationSource, after: int = 0, upto: int | None = None, page: int = 1000
) -> Iterator[list[Record]]:
    """The log after a position (exclusive) up to a position (inclusive), one page at a time."""
    position = after
    while upto is None or position < upto:
        rows = source.select_notifications(start=position, limit=page, stop=upto, inclusive_of_start=False)
        if not rows:
            return
        yield [
            Record(r.id, str(r.originator_id), r.originator_version, r.topic, r.state, orjson.loads(r.state))
            for r in rows
        ]
        position = rows[-1].id


def decode(raw: bytes) -> dict[str, Any]:
    """A payload as a dict; an unreadable payload (a damaged row) decodes to a marker, not a crash."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {"_undecodable_": True}
    return value if isinstance(value, dict) else {"_undecodable_": True}
