"""Event-store configuration: SQLite (embedded default) or PostgreSQL, as an explicit env.

SQLite 3.7.0-3.51.2 has a WAL-reset bug when several connections write or checkpoint at
once. The embedded default therefore opens exactly one connection per store and holds
an exclusive file lock, so one process, one connection writes and checkpoints. Several
processes or hosts use PostgreSQL.
"""

from __future__ import annotations

import fcntl
import logging
import sqlite3
from pathlib import Path
from typing import IO, Any

from domain.errors import ScoreledgerError
from service.settings import Settings

log = logging.getLogger("scoreledger.store")
_LOCKS: dict[str, IO[Any]] = {}


class StoreBusy(ScoreledgerError):
    """Raised when another process already holds the embedded SQLite store."""


def sqlite_version_report() -> str:
    """The SQLite library version, and whether it carries the WAL-reset bug."""
    version = tuple(int(p) for p in sqlite3.sqlite_version.split("."))
    affected = (3, 7, 0) <= version <= (3, 51, 2)
    return f"SQLite {sqlite3.sqlite_version}" + (
        " (WAL-reset bug range: single connection enforced)" if affected else ""
    )


#: Aggregates are cached and fast-forwarded (newer events, from any process, are read first);
#: the repository hands out deep copies, so a decision that fails to save never dirties the cache.
CACHE = {
    "AGGREGATE_CACHE_MAXSIZE": "20000",
    "AGGREGATE_CACHE_FASTFORWARD": "y",
    "DEEPCOPY_FROM_AGGREGATE_CACHE": "y",
}


def event_store_env(settings: Settings, name: str = "log") -> dict[str, str]:
    """The eventsourcing env for the log (name 'log') or a view store (other names)."""
    return {**CACHE, **_persistence_env(settings, name)}


def _persistence_env(settings: Settings, name: str) -> dict[str, str]:
    if settings.store == "postgres":
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": settings.pg_dbname,
            "POSTGRES_HOST": settings.pg_host,
            "POSTGRES_PORT": str(settings.pg_port),
            "POSTGRES_USER": settings.pg_user,
            "POSTGRES_PASSWORD": settings.pg_password,
            "POSTGRES_SCHEMA": settings.pg_schema,
            "POSTGRES_LOCK_TIMEOUT": "5",
            "POSTGRES_POOL_SIZE": "5",
            "POSTGRES_MAX_OVERFLOW": "10",
        }
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / f"{name}.sqlite"
    _lock(path)
    log.info("%s store %s", sqlite_version_report(), path)
    return {"PERSISTENCE_MODULE": "service.sqlite_factory", "SQLITE_DBNAME": str(path)}


def _lock(path: Path) -> None:
    key = str(path.resolve())
    if key in _LOCKS:
        return
    handle = open(f"{path}.lock", "w")  # noqa: SIM115 - held for the life of the process
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise StoreBusy(f"{path} is in use by another process; several processes need PostgreSQL") from None
    _LOCKS[key] = handle


def hold(path: Path) -> None:
    """Take an embedded store's write lock for this process (StoreBusy when another process has it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _lock(path)


def release(path: Path) -> None:
    """Give up the file lock on an embedded store (when its service closes)."""
    handle = _LOCKS.pop(str(path.resolve()), None)
    if handle is not None:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
