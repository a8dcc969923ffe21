"""Stored events as plain records: position, stream, topic and the decoded state.

The projections and the replay read the notification log in pages and decode each
payload with orjson; they never rebuild aggregates one by one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple, Protocol

import orjson

from projections.collector import collector_paused
from projections.rows import pager


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


class Record(NamedTuple):
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
    with collector_paused():  # every record read is kept by the caller: there are no cycles to find
        yield from _pages(source, after, upto, page)


def _pages(source: NotificationSource, after: int, upto: int | None, page: int) -> Iterator[list[Record]]:
    """The pages; from the recorder's table (`pager`) a page shorter than asked is the last (issue 12, PostgreSQL
    HTTP: the read that found nothing more was a second round trip of every catch-up, a request's read of what
    another process appended among them): the log as of that read, as the empty read after it gave. The library's
    and other sources are read until a page is empty (they may give fewer rows than asked)."""
    position, raw, loads = after, pager(source), orjson.loads
    names: dict[str, str] = {}  # one str per stream, shared by its records
    while upto is None or position < upto:
        if raw is not None:
            rows, name = raw[0](position, upto, page), raw[1]
            batch = [
                Record(p, names.get(s) or names.setdefault(s, name(s)), v, t, b, loads(b)) for p, s, v, t, b in rows
            ]
            if batch and len(rows) < page:
                yield batch
                return
        else:
            rows = source.select_notifications(start=position, limit=page, stop=upto, inclusive_of_start=False)
            batch = [Record(r.id, str(r.originator_id), r.originator_version, r.topic, r.state, loads(r.state))
                     for r in rows]
        if not batch:
            return
        yield batch
        position = batch[-1].position


def decode(raw: bytes) -> dict[str, Any]:
    """A payload as a dict; an unreadable payload (a damaged row) decodes to a marker, not a crash."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {"_undecodable_": True}
    return value if isinstance(value, dict) else {"_undecodable_": True}
