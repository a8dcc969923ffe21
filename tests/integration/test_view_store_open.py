"""Opening the views on PostgreSQL beside processes that use them (issue 12, review): when opening has to change a
table (add the brief column, make its trigger), the change waits for their transactions only LOCK_WAIT at a time,
so the queries that come after it are not queued behind it for as long as an old process's transaction lasts."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from domain.facts import Subject
from service.bootstrap import Service, build, conninfo
from service.settings import Settings
from tests.integration.conftest import settings_for
from tests.integration.helpers import AT, ZJG

CHANGES = {
    # what opening must make again, the long transaction of an old process, and a query that comes after it
    "trigger": ("DROP TRIGGER sl_view_rows_brief ON sl_view_rows",
                "UPDATE sl_view_rows SET position = position WHERE subject = 'd1'",
                "UPDATE sl_view_rows SET position = position WHERE subject = 'd2'"),
    "column": ("ALTER TABLE sl_view_sealed DROP COLUMN brief",
               "SELECT count(*) FROM sl_view_sealed",
               "SELECT count(*) FROM sl_view_sealed"),
}


@contextmanager
def _service_with_views(settings: Settings) -> Iterator[Service]:
    """A service on PostgreSQL whose views hold a period's rows (two departments)."""
    service = build(settings)
    try:
        ledger = service.ledger
        ledger.register_scheme(ZJG, "admin", AT)
        ledger.open_period("2026-Q1", "ZJG", 2, "admin", AT)
        ledger.register_subjects("2026-Q1", [Subject(id=f"d{i}", name=f"科室{i}", kind="department", group="a")
                                             for i in (1, 2)], "admin", AT)
        service.runner.catch_up()
        yield service
    finally:
        service.close()


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_opening_the_views_lets_others_through_while_it_waits(change: str, tmp_path: Path,
                                                              request: pytest.FixtureRequest) -> None:
    settings = settings_for("postgres", tmp_path, request)
    with _service_with_views(settings) as service:
        undo, long_held, later = CHANGES[change]
        dsn = conninfo(settings)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(undo)
        views = service.views
        views.LOCK_WAIT, views.PAUSE_S, views.ATTEMPTS = "200ms", 0.1, 1000  # type: ignore[misc]
        with psycopg.connect(dsn) as old, psycopg.connect(dsn, autocommit=True) as other:
            old.execute(long_held)  # an old process's transaction, left open
            opened: list[BaseException | None] = []

            def open_views() -> None:
                try:
                    views.create()
                    opened.append(None)
                except BaseException as exc:  # noqa: BLE001 - reported below
                    opened.append(exc)

            opening = threading.Thread(target=open_views, daemon=True)
            opening.start()
            time.sleep(0.5)
            other.execute("SET statement_timeout = '3s'")
            started = time.monotonic()
            other.execute(later)  # not queued behind the change for as long as the old transaction lasts
            assert time.monotonic() - started < 2.0
            assert opening.is_alive() and not opened  # still waiting for the old transaction
            old.rollback()
        opening.join(10)
        assert opened == [None]
        with views.transaction() as cur:
            assert views.has_column(cur, "sl_view_sealed", "brief")
            cur.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'sl_view_rows_brief'"
                        " AND tgrelid = 'sl_view_rows'::regclass")
            assert cur.fetchone()[0] == 1


def test_opening_views_that_need_no_change_takes_no_lock(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Every process opens the views when it starts: with every table, index, column and trigger there, opening
    waits for nobody (CREATE INDEX IF NOT EXISTS alone would wait for every writer of its table)."""
    settings = settings_for("postgres", tmp_path, request)
    with _service_with_views(settings) as service:
        views = service.views
        views.LOCK_WAIT, views.ATTEMPTS = "100ms", 1  # type: ignore[misc]
        with psycopg.connect(conninfo(settings)) as old:
            old.execute("UPDATE sl_view_rows SET position = position")
            views.create()  # LockNotAvailable if it asked for a lock the writer holds against it
            old.rollback()
