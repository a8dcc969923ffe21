"""The views from zero on PostgreSQL built by a spawned process of their own (issue 12: projections/runner.py
`_build_apart`, projections/fast/apart.py). The recorder's connection pool runs threads, so the runner's process
never forks: a long backlog is built by a spawned process that forks the scoring workers and the leaves' process
and commits the views with their position over its own connection. Its views are those built in the runner's own
process and those the reference writes; a period the fast plan leaves is scored by the reference there too; and
when that process dies without an answer, the runner hears it at once, its forked children are killed and the
reference catches the views up."""

from __future__ import annotations

import inspect
import multiprocessing
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.workloads import build as workload_of
from bench.workloads import read
from projections.runner import ProjectionRunner
from projections.viewstore import PostgresViewStore
from service.bootstrap import Service, build
from service.bulk import import_rows
from service.settings import Settings
from tests.differential.test_stores import AT
from tests.differential.test_views import (  # noqa: F401 - `forked` is a fixture
    _publish,
    contents,
    forked,
    record_quarter_again,
    same,
)
from tests.integration.helpers import events_table, execute, record_quarter
from tests.signing import TEST_KEY
from tests.unit.test_seal_apart_death import _alive


@pytest.fixture
def schemas(tmp_path: Path) -> Iterator[Callable[[str], Any]]:
    """A service over a log in a schema of its own, and views stores each in a schema of its own; dropped after."""
    import psycopg

    from service.bootstrap import conninfo
    from tests.integration.conftest import PG, postgres_or_skip

    postgres_or_skip()
    admin = f"host={PG['pg_host']} port={PG['pg_port']} user={PG['pg_user']} dbname={PG['pg_dbname']}"
    made: dict[str, str] = {}
    opened: list[Any] = []

    def schema(name: str) -> str:
        made[name] = f"sl_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {made[name]}")
        return made[name]

    settings = Settings(signing_key=TEST_KEY, store="postgres", pg_schema=schema("log"),
                        data_dir=tmp_path / "data", **PG)  # type: ignore[arg-type]
    service = build(settings)
    opened.append(service)

    def open_(name: str) -> Any:
        if name == "log":
            return service
        views = PostgresViewStore(conninfo(settings.model_copy(update={"pg_schema": schema(name)})))
        opened.append(views)
        return views

    try:
        yield open_
    finally:
        for thing in reversed(opened):
            thing.close()
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in made.values():
                conn.execute(f"DROP SCHEMA {name} CASCADE")


def _caught_up(service: Service, views: PostgresViewStore, backlog: int | None) -> ProjectionRunner:
    runner = ProjectionRunner(service.ledger.recorder, views, fast_backlog=backlog)
    runner.catch_up()
    return runner


@pytest.fixture
def spied(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Every backlog built apart (none is short enough to be kept here), each call noted."""
    import projections.runner

    calls: list[tuple[Any, ...]] = []
    original = projections.runner.apart

    def noted(*args: Any) -> Any:
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(projections.runner, "APART_MIN", 0)
    monkeypatch.setattr(projections.runner, "apart", noted)
    return calls


def test_views_built_apart_are_those_built_here_and_the_references(
    schemas: Callable[[str], Any], forked: None, spied: list[tuple[Any, ...]], tmp_path: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The city (a fifth), published with appeals upheld: the views built apart (two forked workers in runs of
    10 subjects, the leaves read by a forked process), in this process (one worker: threads run here) and by the
    reference are the same rows, headings, leaves, kept seals and position; the totals too."""
    import projections.runner

    service = schemas("log")
    assert threading.active_count() > 1  # the recorder's connection pool: this process never forks
    workload = workload_of("city", seed=7, scale=0.05)
    workload.write(tmp_path / "facts.jsonl")
    ledger, code = service.ledger, workload.period
    ledger.register_scheme(workload.scheme, "admin", AT)
    ledger.open_period(code, workload.scheme.scheme, workload.scheme.version, "admin", AT)
    import_rows(ledger, code, read(tmp_path / "facts.jsonl"), "督查科", AT)
    _publish(service, workload, code, 2)

    apart_views = schemas("apart")
    built_apart = _caught_up(service, apart_views, 0)
    assert len(spied) == 1 and built_apart.light
    assert built_apart.position == service.ledger.recorder.max_notification_id() == apart_views.position()
    monkeypatch.setattr(projections.runner, "APART_MIN", 10**12)  # now built in this process
    here = _caught_up(service, here_views := schemas("here"), 0)
    assert len(spied) == 1 and here.light
    assert contents(apart_views) == contents(here_views)
    same({"reference": (_caught_up(service, views := schemas("reference"), None), views),
          "fast": (built_apart, apart_views)}, code)


def test_a_period_the_fast_plan_leaves_is_scored_by_the_reference_in_the_spawned_process(
    schemas: Callable[[str], Any], spied: list[tuple[Any, ...]],
) -> None:
    """Two periods, a subject's registration in one emptied by hand: the fast plan leaves that period, which the
    spawned process scores by the reference (the log read through its own reader, `Notifications`) in the same
    transaction; the other is built fast."""
    service = schemas("log")
    record_quarter(service)
    record_quarter_again(service)
    table = events_table(service)
    execute(service, "", f"UPDATE {table} SET state = '\\x7b7d' WHERE notification_id = (SELECT "  # noqa: S608
            f"min(notification_id) FROM {table} WHERE topic = 'scoreledger:Period.SubjectRegistered')")
    made = {"fast": (_caught_up(service, views := schemas("apart"), 0), views),
            "reference": (_caught_up(service, views := schemas("reference"), None), views)}
    assert len(spied) == 1 and made["fast"][0].light  # built apart (not left to the reference here)
    assert made["reference"][0].fold.unreadable
    same(made, "2026-Q1")
    same(made, "2026-Q2")
    # the next event is scored on the fold the runner makes from the log then, as the reference scores it
    service.ledger.record_facts("2026-Q2", [{"type": "deduction", "item": "3.6", "subject": "d1"}], "咨询指导科", AT)
    for runner, _ in made.values():
        runner.catch_up()
    assert not made["fast"][0].light
    same(made, "2026-Q2")


def _forks_then_dies(sending: Any, job: Any, args: tuple[Any, ...], *rest: Any) -> None:
    """As `apart.run` starts (its own process group), a forked child inherits the pipe; then it is killed."""
    os.setpgid(0, 0)
    child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(600,), daemon=False)
    child.start()
    Path(os.environ["SL_TEST_CHILD_PID"]).write_text(str(child.pid))
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_build_process_that_dies_is_heard_its_children_killed_and_the_reference_catches_up(
    schemas: Callable[[str], Any], spied: list[tuple[Any, ...]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import projections.runner

    where = tmp_path / "child.pid"
    monkeypatch.setenv("SL_TEST_CHILD_PID", str(where))  # the spawned process inherits the environment
    noted = projections.runner.apart
    monkeypatch.setattr(projections.runner, "apart",
                        lambda job, args, what: noted(job, args, what, None, _forks_then_dies))
    service = schemas("log")
    record_quarter(service)
    dead = schemas("apart")
    outcome: list[Any] = []
    caller = threading.Thread(target=lambda: outcome.append(_caught_up(service, dead, 0)), daemon=True)
    caller.start()
    caller.join(timeout=60)
    pid = int(where.read_text()) if where.exists() else None
    try:
        assert not caller.is_alive(), "the catch-up waits forever for a dead build process"
        assert len(spied) == 1 and pid is not None
        assert "the process making the views ended without an answer" in caplog.text
        deadline = time.monotonic() + 5
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid), "the dead build process's forked child is left running"
        assert len(outcome) == 1 and not outcome[0].light  # the reference caught the views up
        same({"fast": (outcome[0], dead), "reference": (_caught_up(service, views := schemas("reference"), None),
                                                        views)}, "2026-Q1")
    finally:
        if pid is not None and _alive(pid):
            os.kill(pid, signal.SIGKILL)


def _logged(source: Any, **pages: Any) -> list[tuple[Any, ...]]:
    from projections.records import read_log

    return [(r.position, r.stream, r.version, r.topic, r.raw) for batch in read_log(source, **pages) for r in batch]


def test_the_spawned_builds_log_reader_reads_every_row_whatever_the_page(schemas: Callable[[str], Any]) -> None:
    """Review (issue 12): the spawned process reads the log through its own reader (`Notifications`), a page at a
    time. A reader that skipped each page's first row went uncaught: the small logs' one page began with the scheme's
    registration, which is cached. Pages here begin on facts (pages of 1, 2, 3 and 7 rows, a span inside the log):
    every row is read, in log order, as the recorder gives it; and the views the reference makes through that reader
    are those it makes from the recorder."""
    from projections.fast.reading import Notifications, reader_for

    service = schemas("log")
    record_quarter(service)
    record_quarter_again(service)
    recorder = service.ledger.recorder
    logged = _logged(recorder)
    assert len(logged) > 20 and sum(1 for row in logged if row[3].endswith("Recorded")) > 10
    reader = reader_for(recorder)
    assert reader is not None
    try:
        notifications = Notifications(reader.fresh())
        for page in (1, 2, 3, 7, 1000):
            assert _logged(notifications, page=page) == logged, page
        assert _logged(notifications, after=5, upto=20, page=3) == [r for r in logged if 5 < r[0] <= 20]
        made = {"fast": (ProjectionRunner(notifications, views := schemas("notifications"), page=3,
                                          fast_backlog=None), views),
                "reference": (_caught_up(service, views := schemas("reference"), None), views)}
        made["fast"][0].catch_up()
        same(made, "2026-Q1")
        same(made, "2026-Q2")
    finally:
        reader.close()
        notifications.reader.close()


def test_a_spawned_build_reads_every_page_of_a_log_longer_than_one(
    schemas: Callable[[str], Any], spied: list[tuple[Any, ...]],
) -> None:
    """Review (issue 12): as above, through the spawned process itself (its pages of `ProjectionRunner.page` rows):
    the period the fast plan leaves (a registration emptied by hand) is scored there by the reference over a log of
    several pages whose later pages begin on that period's facts; its views are the reference's."""
    service = schemas("log")
    record_quarter(service)
    record_quarter_again(service)
    ledger = service.ledger
    for batch in range(11):
        ledger.record_facts("2026-Q1", [{"type": "deduction", "item": "3.6", "subject": f"d{1 + i % 4}",
                                         "id": f"d{1 + i % 4}:p{batch}-{i}"} for i in range(100)], "咨询指导科", AT)
    table = events_table(service)
    execute(service, "", f"UPDATE {table} SET state = '\\x7b7d' WHERE notification_id = (SELECT "  # noqa: S608
            f"min(notification_id) FROM {table} WHERE topic = 'scoreledger:Period.SubjectRegistered')")
    page = inspect.signature(ProjectionRunner).parameters["page"].default  # the spawned process's pages
    starts = {r[0]: r for r in _logged(ledger.recorder) if r[0] % page == 1 and r[0] > 1}
    assert starts and all(r[3] == "scoreledger:DeductionRecorded" and b'"period":"2026-Q1"' in r[4]
                          for r in starts.values()), starts  # a later page begins on a fact of the period left
    made = {"fast": (_caught_up(service, views := schemas("apart"), 0), views),
            "reference": (_caught_up(service, views := schemas("reference"), None), views)}
    assert len(spied) == 1 and made["fast"][0].light  # built apart
    assert made["reference"][0].fold.unreadable
    same(made, "2026-Q1")
    same(made, "2026-Q2")
