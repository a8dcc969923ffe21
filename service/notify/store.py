"""The notifier's own tables: its tracked log position, its folded state and its outbox.

SQLite: its own file (`notify.sqlite`, one connection, in the notifier's process only; the log is
read through a read-only connection). PostgreSQL: tables beside the log. A page of events is folded
and written with its position in one transaction; each send is marked `sending` before and `sent`
after, in transactions of their own.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS sl_notify_tracking (name TEXT PRIMARY KEY, position BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sl_notify_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sl_notify_outbox (id TEXT NOT NULL, channel TEXT NOT NULL, kind TEXT NOT NULL, "
    "facts TEXT NOT NULL, status TEXT NOT NULL, tries INTEGER NOT NULL DEFAULT 0, updated TEXT, "
    "PRIMARY KEY (id, channel))",
]


class NotifyStore:
    placeholder = "?"

    def create(self) -> None:
        with self.transaction() as cur:
            for statement in SCHEMA:
                cur.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[Any]:  # pragma: no cover - subclasses
        raise NotImplementedError
        yield

    def sql(self, text: str) -> str:
        return text.replace("?", self.placeholder)

    def position(self, cur: Any) -> int:
        cur.execute(self.sql("SELECT position FROM sl_notify_tracking WHERE name = ?"), ("reminders",))
        row = cur.fetchone()
        return int(row[0]) if row else 0

    def set_position(self, cur: Any, position: int) -> None:
        cur.execute(self.sql("INSERT INTO sl_notify_tracking (name, position) VALUES (?, ?) "
                             "ON CONFLICT (name) DO UPDATE SET position = excluded.position"), ("reminders", position))

    def state(self, cur: Any) -> dict[str, Any]:
        cur.execute("SELECT key, value FROM sl_notify_state")
        return {str(k): orjson.loads(v) for k, v in cur.fetchall()}

    def put(self, cur: Any, key: str, value: Any) -> None:
        cur.execute(self.sql("INSERT INTO sl_notify_state (key, value) VALUES (?, ?) "
                             "ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
                    (key, orjson.dumps(value).decode()))

    def enqueue(self, cur: Any, rows: list[tuple[str, str, str, dict[str, str]]], now: str) -> None:
        """Add reminders (id, channel, kind, facts) not already in the outbox, whatever their status."""
        cur.executemany(self.sql("INSERT INTO sl_notify_outbox (id, channel, kind, facts, status, updated) "
                                 "VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT (id, channel) DO NOTHING"),
                        [(i, c, k, orjson.dumps(f).decode(), now) for i, c, k, f in rows])

    def pending(self) -> list[tuple[str, str, str, dict[str, str]]]:
        with self.transaction() as cur:
            cur.execute("SELECT id, channel, kind, facts FROM sl_notify_outbox WHERE status = 'pending' "
                        "ORDER BY id, channel")
            return [(i, c, k, orjson.loads(f)) for i, c, k, f in cur.fetchall()]

    def mark(self, reminder: str, channel: str, status: str, now: str) -> None:
        with self.transaction() as cur:
            cur.execute(self.sql("UPDATE sl_notify_outbox SET status = ?, updated = ?, tries = tries + 1 "
                                 "WHERE id = ? AND channel = ?"), (status, now, reminder, channel))

    def interrupted(self, now: str) -> list[tuple[str, str]]:
        """Sends a crash cut short (`sending`): marked `uncertain`, never sent again (nothing twice)."""
        with self.transaction() as cur:
            cur.execute("SELECT id, channel FROM sl_notify_outbox WHERE status = 'sending'")
            found = [(str(i), str(c)) for i, c in cur.fetchall()]
            cur.execute(self.sql("UPDATE sl_notify_outbox SET status = 'uncertain', updated = ? "
                                 "WHERE status = 'sending'"), (now,))
        return found

    def counts(self) -> dict[str, int]:
        with self.transaction() as cur:
            cur.execute("SELECT status, COUNT(*) FROM sl_notify_outbox GROUP BY status")
            return {str(s): int(n) for s, n in cur.fetchall()}


class SQLiteNotifyStore(NotifyStore):
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=60)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.lock = threading.RLock()
        self.create()

    @contextmanager
    def transaction(self) -> Iterator[Any]:
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


class PostgresNotifyStore(NotifyStore):
    placeholder = "%s"

    def __init__(self, conninfo: str, name: str):
        import psycopg

        from service.stores import StoreBusy

        self.connection = psycopg.connect(conninfo, autocommit=True)
        held = self.connection.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (f"scoreledger-notify:{name}",))
        if not held.fetchone()[0]:
            self.connection.close()
            raise StoreBusy(f"another notifier runs for {name}: one notifier per bureau")
        self.connection.autocommit = False
        self.lock = threading.RLock()
        self.create()

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self.lock, self.connection.transaction(), self.connection.cursor() as cur:
            yield cur

    def close(self) -> None:
        self.connection.close()
