"""What a publication sealed, kept by the runner, so that reading results as of a seal is a lookup, not a replay.

When the runner folds a `Period.Published` event it writes the page that ends with it and, in the same
transaction, keeps the period's rows as they then stand (sl_view_sealed) with its heading and what the
seal says (sl_view_seals). The rows are kept only when the SHA-256 of their canonical bytes, streamed a
group at a time, equals the seal's `results_hash`: they are then exactly what was sealed. When it does not
(an event between the sealed position and the publication changed the period, or the seal was made by
other code or forged), the seal is noted with `kept = 0`, a warning is logged, and reads as of that seal
replay the log instead (bounded: service/replays.py); `verify` reports a seal that does not match its replay.

A timestamp maps to a seal as `replay.asof.position_at` would map it: at or after the latest timestamp
of every event up to the sealed position, and before the timestamp of the event after it.
"""

from __future__ import annotations

import hashlib
import logging
from collections import deque
from datetime import UTC, datetime
from typing import Any

from projections.records import Record
from projections.viewreads import Cursor

log = logging.getLogger("scoreledger.views")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PUBLISHED = "scoreledger:Period.Published"


def micros(when: datetime) -> int:
    """A zoned timestamp as whole microseconds since the epoch (exact, unlike float seconds)."""
    delta = when - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def stamp(record: Record) -> int | None:
    """When an event was recorded (microseconds since the epoch), if it says."""
    value = record.state.get("timestamp")
    text = value.get("_data_") if isinstance(value, dict) else value
    try:
        return micros(datetime.fromisoformat(str(text))) if text is not None else None
    except ValueError:
        return None


class Stamps:
    """The latest timestamp up to each recent position, as the runner folds the log in order."""

    def __init__(self, keep: int = 10_000):
        self.recent: deque[tuple[int, int | None, int | None]] = deque(maxlen=keep)  # position, latest, own
        self.latest: int | None = None

    def note(self, record: Record) -> None:
        own = stamp(record)
        if own is not None and (self.latest is None or own > self.latest):
            self.latest = own
        self.recent.append((record.position, self.latest, own))

    def bracket(self, position: int) -> tuple[int | None, int | None]:
        """(since, until): the timestamps that map to `position`; (None, None) when it is no longer known."""
        following: int | None = None
        for at, latest, own in reversed(self.recent):
            if at == position:
                return (latest, following) if following is not None else (None, None)
            following = own
        return None, None


def keep_seal(views: Any, cur: Cursor, period: str, seal: dict[str, Any], head: bytes, stamps: Stamps) -> bool:
    """Note a seal of `period` (a period key) and keep its rows when they hash to its results hash (views: a
    ViewStore, inside the runner's transaction). Returns whether they were kept; a seal that cannot be read
    is only logged (the projections never stop on a stored event)."""
    try:
        position, published_at, claimed = int(seal["position"]), int(seal["published_at"]), str(seal["results_hash"])
    except (KeyError, TypeError, ValueError):
        log.warning(
            "the publication at position %s of %s has a seal that cannot be read", seal.get("published_at"), period
        )
        return False
    sql = views.sql
    kept = _results_hash(views, cur, period, head) == claimed
    cur.execute(
        sql(
            "INSERT INTO sl_view_seals (period, seal, published_at, results_hash, kept, head, since_us, until_us) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (period, seal) DO NOTHING"
        ),
        (period, position, published_at, claimed, int(kept), head, *stamps.bracket(position)),
    )
    if kept:
        cur.execute(
            sql(
                "INSERT INTO sl_view_sealed (period, seal, subject, grp, place, body, brief) "
                "SELECT period, ?, subject, grp, place, body, brief FROM sl_view_rows WHERE period = ? "
                "ON CONFLICT (period, seal, subject) DO NOTHING"
            ),
            (position, period),
        )
        views.analyze(cur, "sl_view_sealed")
    else:
        log.warning(
            "the views of %s at the publication of position %s do not hash to its seal's results hash: "
            "as-of reads at that seal will replay the log",
            period,
            position,
        )
    return kept


def _results_hash(views: Any, cur: Cursor, period: str, head: bytes) -> str:
    """The SHA-256 of the period's canonical bytes as the views hold them, a group at a time."""
    digest, first = hashlib.sha256(head), True
    cur.execute(views.sql("SELECT DISTINCT grp FROM sl_view_rows WHERE period = ?"), (period,))
    for group in sorted(str(g) for (g,) in cur.fetchall()):
        cur.execute(
            # in the index's collation (projections/viewreads.py `_rows`): an index probe per group, not a scan
            views.sql(f"SELECT body FROM sl_view_rows WHERE period = ? AND grp{views.collate} = ? "  # noqa: S608
                      "ORDER BY place"),
            (period, group),
        )
        for (body,) in cur.fetchall():
            digest.update(bytes(body) if first else b"," + bytes(body))
            first = False
    digest.update(b"]}")
    return digest.hexdigest()
