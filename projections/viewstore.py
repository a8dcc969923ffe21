"""The view store: results, per-event witness digests and the tracked position, in one database.

SQLite (its own file, apart from the log) or PostgreSQL tables beside the log. A page of
events is applied in one transaction with its tracking position, so a view is never
ahead of or behind what it says it has processed.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS sl_view_tracking (name TEXT PRIMARY KEY, position BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sl_view_results (period TEXT PRIMARY KEY, position BIGINT NOT NULL, "
    "results_hash TEXT NOT NULL, body {blob} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sl_view_leaves (position BIGINT PRIMARY KEY, digest TEXT NOT NULL)",
]


class Cursor(Protocol):
    def execute(self, sql: str, params: Any = ...) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> Any: ...


class ViewStore:
    """SQL shared by both engines; subclasses give the connection and the placeholder."""

    placeholder = "?"
    blob = "BLOB"
    name = "scorecards"
    row_locks = False  # PostgreSQL: lock the tracking row, so processes sharing views take turns

    def create(self) -> None:
        with self.transaction() as cur:
            for statement in SCHEMA:
                cur.execute(statement.format(blob=self.blob))

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:  # pragma: no cover - provided by subclasses
        raise NotImplementedError
        yield

    def sql(self, text: str) -> str:
        return text.replace("?", self.placeholder)

    def position(self, cur: Cursor | None = None, lock: bool = False) -> int:
        query = "SELECT position FROM sl_view_tracking WHERE name = ?" + (" FOR UPDATE" if lock else "")  # noqa: S608
        if cur is None:
            with self.transaction() as own:
                return self.position(own)
        cur.execute(self.sql(query), (self.name,))
        row = cur.fetchone()
        return int(row[0]) if row else 0

    def write_page(
        self, cur: Cursor, position: int, results: dict[str, tuple[str, bytes]], leaves: list[tuple[int, str]]
    ) -> None:
        for period, (digest, body) in sorted(results.items()):
            cur.execute(
                self.sql(
                    "INSERT INTO sl_view_results (period, position, results_hash, body) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (period) DO UPDATE SET position = excluded.position, "
                    "results_hash = excluded.results_hash, body = excluded.body"
                ),
                (period, position, digest, body),
            )
        for leaf_position, digest in leaves:
            cur.execute(
                self.sql(
                    "INSERT INTO sl_view_leaves (position, digest) VALUES (?, ?) ON CONFLICT (position) DO NOTHING"
                ),
                (leaf_position, digest),
            )
        cur.execute(
            self.sql(
                "INSERT INTO sl_view_tracking (name, position) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET position = excluded.position"
            ),
            (self.name, position),
        )

    def results(self, period: str) -> tuple[int, bytes] | None:
        with self.transaction() as cur:
            cur.execute(self.sql("SELECT position, body FROM sl_view_results WHERE period = ?"), (period,))
            row = cur.fetchone()
            return (int(row[0]), bytes(row[1])) if row else None

    def leaves(self, upto: int | None = None) -> list[tuple[int, str]]:
        with self.transaction() as cur:
            if upto is None:
                cur.execute("SELECT position, digest FROM sl_view_leaves ORDER BY position")
            else:
                cur.execute(
                    self.sql("SELECT position, digest FROM sl_view_leaves WHERE position <= ? ORDER BY position"),
                    (upto,),
                )
            return [(int(p), str(d)) for p, d in cur.fetchall()]

    def reset(self) -> None:
        """Forget every view (for a rebuild from position zero)."""
        with self.transaction() as cur:
            for table in ("sl_view_results", "sl_view_leaves", "sl_view_tracking"):
                cur.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names


class SQLiteViewStore(ViewStore):
    """Views in their own SQLite file: one connection, rollback journal (no WAL)."""

    def __init__(self, path: Path):
        self.connection = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=60)
        self.connection.execute("PRAGMA journal_mode=DELETE")
        self.lock = threading.RLock()  # one connection, many threads: one transaction at a time
        self.create()

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        with self.lock:
            cur = self.connection.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def close(self) -> None:
        self.connection.close()


class PostgresViewStore(ViewStore):
    """Views as tables beside the log in PostgreSQL; processes share them."""

    placeholder = "%s"
    blob = "BYTEA"
    row_locks = True

    def __init__(self, conninfo: str):
        import psycopg

        self.connection = psycopg.connect(conninfo, autocommit=False)
        self.lock = threading.RLock()  # one connection, many threads: one transaction at a time
        self.create()

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        with self.lock, self.connection.transaction(), self.connection.cursor() as cur:
            yield cur

    def close(self) -> None:
        self.connection.close()
