"""Views made before the brief column (issue 12: projections/viewreads.py brief_of): opening them adds the column
(empty), and rankings and grades read from the bodies as before; rows written afterwards carry their brief."""

from __future__ import annotations

from typing import Any

from domain.facts import Subject
from projections.period_input import key_of
from projections.viewreads import brief_of
from service import queries
from service.bootstrap import Service
from tests.integration.helpers import AT
from tests.integration.test_sealed_reads import AUDITOR, published_quarter


def _pages(service: Service, at: str | None) -> list[Any]:
    return [queries.rankings(service, AUDITOR, "2026-Q1", at, limit=2), queries.grades(service, AUDITOR, "2026-Q1", at)]


def test_views_made_before_the_brief_column_get_it_and_read_as_before(service: Service) -> None:
    world = published_quarter(service)
    seal = str(world["seal"])
    expected = {at: _pages(service, at) for at in (None, seal)}
    views = service.views
    with views.transaction() as cur:
        for table in ("sl_view_rows", "sl_view_sealed"):
            cur.execute(f"ALTER TABLE {table} DROP COLUMN brief")  # noqa: S608 - as the views were made before it
    with views.transaction() as cur:
        assert not views.has_column(cur, "sl_view_rows", "brief")
    views.create()  # what opening the views does
    with views.transaction() as cur:
        assert views.has_column(cur, "sl_view_rows", "brief") and views.has_column(cur, "sl_view_sealed", "brief")
        cur.execute(views.sql("SELECT count(*) FROM sl_view_sealed WHERE brief IS NOT NULL"))
        assert cur.fetchone()[0] == 0
    assert {at: _pages(service, at) for at in (None, seal)} == expected
    ledger = service.ledger  # a period of its own after: its rows are written with their briefs
    ledger.open_period("2026-Q2", "ZJG", 2, "admin", AT)
    ledger.register_subjects("2026-Q2", [Subject(id="d1", name="科室1", kind="department", group="a")], "admin", AT)
    ledger.record_facts("2026-Q2", [{"type": "deduction", "item": "2.1", "subject": "d1", "count": 1}], "人事教育科", AT)
    service.runner.catch_up()
    with views.transaction() as cur:
        cur.execute(views.sql("SELECT body, brief FROM sl_view_rows WHERE period = ?"), (key_of("default", "2026-Q2"),))
        written = cur.fetchall()
    assert written and all(bytes(brief) == brief_of(bytes(body)) for body, brief in written)
