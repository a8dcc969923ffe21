"""The log's table on PostgreSQL has the planner's statistics after a bulk import and after a start (service/
bulk_pg.py `analyze_log`, issue 12). Without them the planner took one stream's ~50 rows for 184,017 and read each
stream of a lazily folded group by a parallel scan compiled by JIT: on the province (run M19) a recording was
visible only 13-24 s after its acknowledgement, on a server without autovacuum (as this one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from service.bootstrap import build
from service.bulk import import_rows
from service.settings import Settings
from tests.integration.conftest import settings_for
from tests.integration.helpers import AT, ZJG, record_quarter


def _statistics(settings: Settings, service: Any) -> dict[str, float]:
    """The events table's columns that have statistics, with their number of distinct values (pg_stats)."""
    with psycopg.connect(service.views.conninfo, autocommit=True) as conn:
        rows = conn.execute("SELECT attname, n_distinct FROM pg_stats WHERE schemaname = %s AND tablename = %s",
                            (settings.pg_schema, service.ledger.recorder.events_table_name)).fetchall()
    return {name: float(distinct) for name, distinct in rows}


@pytest.fixture
def pg_settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    return settings_for("postgres", tmp_path, request)


def test_a_bulk_import_leaves_the_log_analysed(pg_settings: Settings) -> None:
    service = build(pg_settings)
    try:
        ledger = service.ledger
        ledger.register_scheme(ZJG, "admin", AT)
        ledger.open_period("2026-Q1", "ZJG", 2, "admin", AT)
        assert _statistics(pg_settings, service) == {}, "statistics before the import: nothing would be shown"
        rows = [{"type": "subject", "id": f"d{i}", "name": f"科室{i}", "kind": "department"} for i in range(40)]
        rows += [{"type": "rating", "item": "rating", "subject": f"d{i}", "role": role, "rater": rater, "value": "80"}
                 for i in range(40) for role, rater in (("principal", "局长"), ("supervising", "副局长"))]
        import_rows(ledger, "2026-Q1", rows, "督查科", AT)
        found = _statistics(pg_settings, service)
        assert {"originator_id", "originator_version", "notification_id"} <= found.keys(), found
        assert found["originator_id"] != 0, "no count of the streams: the planner would guess a stream's rows"
    finally:
        service.close()


def test_a_service_started_over_a_log_never_analysed_analyses_it(pg_settings: Settings) -> None:
    service = build(pg_settings)
    try:
        record_quarter(service)  # recorded command by command: nothing analyses the log (autovacuum is off here)
        before = _statistics(pg_settings, service)
    finally:
        service.close()
    assert before == {}, "the log was analysed before the start: the start's analysis is not tested"
    again = build(pg_settings)
    try:
        assert "originator_id" in _statistics(pg_settings, again)
    finally:
        again.close()
