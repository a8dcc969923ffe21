"""Several processes on one PostgreSQL store: one view keeper leads (ViewStore.leads, an advisory lock per
schema), the others leave the recorded groups to it between their rounds (issue 12); when the leading
process goes, the next keeper to ask leads. One store of SQLite: its keeper always leads."""

from __future__ import annotations

from pathlib import Path

from projections.viewstore import PostgresViewStore, SQLiteViewStore
from service.bootstrap import conninfo
from service.settings import Settings
from tests.integration.conftest import PG
from tests.signing import TEST_KEY


def test_one_keeper_leads_per_schema_and_another_takes_over_when_it_goes(pg_schema: str, tmp_path: Path) -> None:
    settings = Settings(signing_key=TEST_KEY, store="postgres", pg_schema=pg_schema, data_dir=tmp_path,
                        **PG)  # type: ignore[arg-type]
    first, second = PostgresViewStore(conninfo(settings)), PostgresViewStore(conninfo(settings))
    try:
        assert first.leads() is True
        assert first.leads() is True  # kept
        assert second.leads() is False
        first.close()
        assert second.leads() is True
    finally:
        second.close()


def test_a_sqlite_keeper_always_leads(tmp_path: Path) -> None:
    views = SQLiteViewStore(tmp_path / "views.db")
    try:
        assert views.leads() is True
    finally:
        views.close()
