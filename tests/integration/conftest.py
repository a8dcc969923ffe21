"""One service per test, on SQLite (a temporary directory) and on PostgreSQL (a fresh schema).

On CI (CI=true) an unreachable PostgreSQL fails the PostgreSQL tests; elsewhere they skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.bootstrap import Service, build
from service.settings import Settings
from tests.signing import TEST_KEY

PG = {"pg_host": os.environ.get("SCORELEDGER_TEST_PG_HOST", "127.0.0.1"), "pg_port": 5432,
      "pg_user": os.environ.get("SCORELEDGER_TEST_PG_USER", "postgres"), "pg_dbname": "test"}


def postgres_or_skip() -> None:
    import psycopg

    try:
        psycopg.connect(f"host={PG['pg_host']} port={PG['pg_port']} user={PG['pg_user']} dbname={PG['pg_dbname']}",
                        connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is unreachable on CI: {exc}")
        pytest.skip(f"PostgreSQL is unreachable: {exc}")


@pytest.fixture
def pg_schema() -> Iterator[str]:
    import psycopg

    postgres_or_skip()
    schema = f"sl_{uuid.uuid4().hex[:12]}"
    conninfo = f"host={PG['pg_host']} port={PG['pg_port']} user={PG['pg_user']} dbname={PG['pg_dbname']}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield schema
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def settings_for(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    if backend == "sqlite":
        return Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data")
    schema = request.getfixturevalue("pg_schema")
    return Settings(signing_key=TEST_KEY, store="postgres", pg_schema=schema, data_dir=tmp_path / "data", **PG)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    return settings_for(backend, tmp_path, request)


@pytest.fixture
def service(settings: Settings) -> Iterator[Service]:
    built = build(settings)
    yield built
    built.close()
