"""Reading an embedded store beside the process that holds it: read-only SQLite connections.

The write lock (service/stores.py) keeps one writer and checkpointer per store: the WAL-reset
bug needs two connections writing or checkpointing. A connection opened `mode=ro` does neither
(it cannot write the database, so it never checkpoints, not even on close); readers of a WAL
database never block the writer. A reader is pinned to the log's end when it opens: the rows
and the witness it hands out stop there, so a log read before its witness agrees with it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from uuid import UUID

from projections.viewstore import Cursor, ViewStore
from service.bootstrap import Service, build
from service.errors import NotFound
from service.settings import Settings
from service.signing import Signer, load_key
from service.stores import StoreBusy

LOG_TABLE = "stored_events"


class StoreMissing(NotFound):
    """Raised when a command that only reads finds no store where the settings point."""


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that can neither write nor checkpoint the file."""
    if not path.is_file():
        raise StoreMissing(f"no store at {path}")
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False, timeout=60)


class Notification(NamedTuple):
    """A stored row as the library's select_notifications gives it."""

    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


class ReadOnlyLog:
    """The notification log of an embedded store, read-only, up to a pinned position."""

    def __init__(self, path: Path, pin: bool = True):
        self.connection = connect_read_only(path)
        self.pinned: int | None = None
        if pin:
            self.pinned = self.max_notification_id() or 0

    def max_notification_id(self) -> int | None:
        if self.pinned is not None:
            return self.pinned
        try:
            (found,) = self.connection.execute(f"SELECT MAX(rowid) FROM {LOG_TABLE}").fetchone()  # noqa: S608
        except sqlite3.OperationalError:  # a store created but never written has no table yet
            return None
        return int(found) if found is not None else None

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Any = (),
        *,
        inclusive_of_start: bool = True,
    ) -> list[Notification]:
        low = (start or 0) - (1 if inclusive_of_start and start else 0)
        high = min(x for x in (stop, self.pinned, 2**63 - 1) if x is not None)
        rows = self.connection.execute(
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {LOG_TABLE} "  # noqa: S608
            "WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?",
            (low, high, limit),
        ).fetchall()
        return [Notification(p, UUID(s), v, t, bytes(b)) for p, s, v, t, b in rows if not topics or t in topics]

    def close(self) -> None:
        self.connection.close()


class ReadOnlyViews(ViewStore):
    """The views file of an embedded store, read-only; leaves stop at the log reader's pin."""

    def __init__(self, path: Path, pinned: int | None):
        self.path, self.pinned = path, pinned
        self.connection = connect_read_only(path) if path.is_file() else None

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        if self.connection is None:
            raise StoreMissing(f"no views at {self.path}")
        cur = self.connection.cursor()
        cur.execute("BEGIN")  # one snapshot for the statements of this block
        try:
            yield cur
        finally:
            cur.execute("COMMIT")

    def leaves(self, upto: int | None = None) -> list[tuple[int, str]]:
        if self.connection is None:
            return []
        limit = min(x for x in (upto, self.pinned, 2**63 - 1) if x is not None)
        return super().leaves(limit)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


@dataclass
class ReadOnlyLedger:
    recorder: ReadOnlyLog
    signer: Signer | None = None  # the configured seal signing key: verification checks seals against its public key


class ViewsAsTheyAre:
    """The reader's stand-in for the projection runner: the views are the holder's to keep current."""

    def __init__(self, views: ReadOnlyViews):
        self.views = views

    def catch_up(self, progress: object | None = None) -> int:
        return self.views.position() if self.views.connection is not None else 0


@dataclass
class Reader:
    """What read-only commands use of a Service: the log, the views, the settings."""

    settings: Settings
    ledger: ReadOnlyLedger
    views: ReadOnlyViews
    runner: ViewsAsTheyAre

    def close(self) -> None:
        self.ledger.recorder.close()
        self.views.close()


def open_reader(settings: Settings) -> Reader:
    """A read-only view of the embedded store under settings.data_dir, pinned to the log's end now."""
    log = ReadOnlyLog(settings.data_dir / "log.sqlite")
    views = ReadOnlyViews(settings.data_dir / "views.sqlite", log.pinned)
    signer = load_key(settings.signing_key) if settings.signing_key is not None else None
    return Reader(settings, ReadOnlyLedger(log, signer), views, ViewsAsTheyAre(views))


def build_for_reading(settings: Settings | None = None) -> Service | Reader:
    """The service when this process may hold the store; beside a running service, a read-only reader."""
    settings = settings or Settings.from_env()
    try:
        return build(settings)
    except StoreBusy:
        return open_reader(settings)
