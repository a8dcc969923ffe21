"""Fresh stores for one benchmark run: a SQLite directory or a PostgreSQL schema, and raw access for floors."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from service.bootstrap import Service, build, conninfo
from service.settings import Settings
from service.signing import SigningKeyError, create_key


def bench_key(root: Path) -> Path:
    """The run's seal signing key, beside (never inside) its stores."""
    path = root / "bench-signing.key"
    if not path.exists():
        try:
            create_key(path, "bench")
        except SigningKeyError:  # another benchmark process made it first
            pass
    return path


PG = {"pg_host": "127.0.0.1", "pg_port": 5432, "pg_user": "postgres", "pg_dbname": "test"}
LOG_TABLE = "stored_events"


@dataclass
class Store:
    """Where one workload's log lives: kind, data directory (SQLite) or schema (PostgreSQL)."""

    kind: str
    data_dir: str
    pg_schema: str = "public"

    def settings(self) -> Settings:
        key = bench_key(Path(self.data_dir).parent)
        if self.kind == "postgres":
            return Settings(store="postgres", pg_schema=self.pg_schema, data_dir=Path(self.data_dir),  # type: ignore[arg-type]
                            signing_key=key, **PG)
        return Settings(data_dir=Path(self.data_dir), signing_key=key)

    def service(self) -> Service:
        return build(self.settings())

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def connect(self) -> Any:
        """A plain DB-API connection to the log (sqlite3 or psycopg, search_path set)."""
        if self.kind == "postgres":
            import psycopg

            return psycopg.connect(conninfo(self.settings()), autocommit=False)
        return sqlite3.connect(Path(self.data_dir) / "log.sqlite")

    def events_table(self) -> str:
        if self.kind == "postgres":
            with self.connect() as conn:
                row = conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                    "AND table_name LIKE %s AND table_name <> 'floor_events' ORDER BY table_name",
                    (self.pg_schema, "%events"),
                ).fetchone()
                return str(row[0])
        return LOG_TABLE

    def drop(self) -> None:
        if self.kind == "postgres":
            drop_schema(self.pg_schema)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def fresh(kind: str, root: Path, name: str) -> Store:
    """A new, empty store for one workload (a PostgreSQL schema is created now)."""
    data_dir = root / f"{kind}-{name}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    if kind != "postgres":
        return Store(kind, str(data_dir))
    schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    with admin() as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return Store(kind, str(data_dir), schema)


def admin() -> Any:
    import psycopg

    return psycopg.connect(" ".join(f"{k[3:]}={v}" for k, v in PG.items()), autocommit=True)


def drop_schema(schema: str) -> None:
    with admin() as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        admin().close()
    except Exception as exc:  # noqa: BLE001 - any failure means: skip PostgreSQL
        return str(exc).strip().splitlines()[0]
    return None
