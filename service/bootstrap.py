"""The composition root: settings -> event store -> views -> projection runner.

The web app's lifespan, the CLI and the tests all build the service here; nothing
touches a database at import time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from domain.calendar import MainlandCalendar
from projections.runner import ProjectionRunner
from projections.viewstore import PostgresViewStore, SQLiteViewStore, ViewStore
from service.anchoring import anchor_for
from service.appeals import ServiceLedger as Ledger
from service.group_commit import GroupWriter
from service.settings import Settings
from service.signing import load_key, retired_keys
from service.stores import event_store_env, release


@dataclass
class Service:
    """A configured ledger with its views."""

    settings: Settings
    ledger: Ledger
    views: ViewStore
    runner: ProjectionRunner
    writer: GroupWriter | None = field(default=None, repr=False)

    def group_writer(self) -> GroupWriter:
        """The process's group commit writer (service/group_commit.py), made on first use."""
        if self.writer is None:
            self.writer = GroupWriter(self.ledger)
        return self.writer

    def close(self) -> None:
        if self.writer is not None and not self.writer.close():
            return  # its writer still runs (and answers, reading the views): the stores stay open under it
        self.views.close()  # type: ignore[attr-defined]
        self.ledger.close()
        if self.settings.store == "sqlite":
            release(self.settings.data_dir / "log.sqlite")


@contextmanager
def _ddl_lock(settings: Settings) -> Iterator[None]:
    """A PostgreSQL advisory lock held while the tables are created."""
    import psycopg

    with psycopg.connect(conninfo(settings), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"scoreledger-ddl:{settings.pg_schema}",))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (f"scoreledger-ddl:{settings.pg_schema}",))


def conninfo(settings: Settings) -> str:
    from psycopg.conninfo import make_conninfo

    return make_conninfo(
        host=settings.pg_host,
        port=settings.pg_port,
        user=settings.pg_user,
        password=settings.pg_password or None,
        dbname=settings.pg_dbname,
        options=f"-c search_path={settings.pg_schema}",
    )


def build(settings: Settings | None = None) -> Service:
    """Build the configured service (SQLite files under data_dir, or PostgreSQL)."""
    settings = settings or Settings.from_env()
    calendar = MainlandCalendar.from_files([p.strip() for p in settings.calendar_files.split(",") if p.strip()])
    views: ViewStore
    if settings.store == "postgres":
        from service.bulk_pg import analyze_log

        with _ddl_lock(settings):  # processes starting together must not race on CREATE TABLE / TYPE
            ledger = Ledger(env=event_store_env(settings, "log"), bureau=settings.bureau, calendar=calendar)
            views = PostgresViewStore(conninfo(settings))
            analyze_log(ledger.recorder, unless_analysed=True)  # a log no one analysed yet (service/bulk_pg.py)
    else:
        ledger = Ledger(env=event_store_env(settings, "log"), bureau=settings.bureau, calendar=calendar)
        views = SQLiteViewStore(settings.data_dir / "views.sqlite")
    ledger.signer = load_key(settings.signing_key) if settings.signing_key is not None else None
    ledger.anchor = anchor_for(settings.anchor_file(), ledger.signer, retired_keys(settings))
    runner = ProjectionRunner(ledger.recorder, views, page=settings.page_size)
    ledger.save_listeners.append(runner.recorded)  # read your writes without reading them back (issue 12)
    ledger.tail = runner  # and what other processes appended, read with a group's turn (PostgreSQL)
    return Service(settings, ledger, views, runner)
