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
from tests.integration.test_sealed_reads import AUDITOR, ZJG, published_quarter


def _pages(service: Service, at: str | None) -> list[Any]:
    return [queries.rankings(service, AUDITOR, "2026-Q1", at, limit=2), queries.grades(service, AUDITOR, "2026-Q1", at)]


def test_views_made_before_the_brief_column_get_it_and_read_as_before(service: Service) -> None:
    world = published_quarter(service)
    seal = str(world["seal"])
    expected = {at: _pages(service, at) for at in (None, seal)}
    views = service.views
    with views.transaction() as cur:
        cur.execute("DROP TRIGGER IF EXISTS sl_view_rows_brief" + (" ON sl_view_rows" if views.row_locks else ""))
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


def _row(service: Service, subject: str) -> tuple[bytes, bytes | None]:
    views = service.views
    with views.transaction() as cur:
        cur.execute(views.sql("SELECT body, brief FROM sl_view_rows WHERE period = ? AND subject = ?"),
                    (key_of("default", "2026-Q1"), subject))
        body, brief = cur.fetchone()
    return bytes(body), None if brief is None else bytes(brief)


def _totals(service: Service) -> dict[str, str]:
    ranked = queries.rankings(service, AUDITOR, "2026-Q1", None)
    return {entry["subject"]: entry["total"] for group in ranked["groups"].values() for entry in group}


def test_a_body_written_without_its_brief_clears_the_stale_brief(service: Service) -> None:
    """A process of the version before the column (a rolling deploy, a rollback) rewrites a row's body and not its
    brief: the engine's trigger clears the brief, so pages show what the body says, not the old brief's total."""
    published_quarter(service)
    body, brief = _row(service, "d4")
    assert brief == brief_of(body) and _totals(service)["d4"] == "88"
    changed = body.replace(b'"total":"88"', b'"total":"77"')
    assert changed != body
    views = service.views
    with views.transaction() as cur:  # the previous version's upsert: every column but the brief
        cur.execute(views.sql(
            "INSERT INTO sl_view_rows (period, subject, grp, place, position, body) SELECT period, subject, grp, "
            "place, position, ? FROM sl_view_rows WHERE period = ? AND subject = ? ON CONFLICT (period, subject) "
            "DO UPDATE SET grp = excluded.grp, place = excluded.place, position = excluded.position, body = "
            "excluded.body"), (changed, key_of("default", "2026-Q1"), "d4"))
    assert _row(service, "d4") == (changed, None)
    assert _totals(service)["d4"] == "77"
    with views.transaction() as cur:  # and a plain UPDATE of the body alike
        cur.execute(views.sql("UPDATE sl_view_rows SET brief = ? WHERE period = ? AND subject = ?"),
                    (brief_of(changed), key_of("default", "2026-Q1"), "d4"))
        cur.execute(views.sql("UPDATE sl_view_rows SET body = ? WHERE period = ? AND subject = ?"),
                    (body, key_of("default", "2026-Q1"), "d4"))
    assert _row(service, "d4") == (body, None) and _totals(service)["d4"] == "88"


def test_rows_rewritten_by_this_version_keep_their_briefs(service: Service) -> None:
    """The trigger never clears a brief written with its body: after rows are rewritten (new facts re-rank the
    group), every row has its brief, equal to brief_of(body)."""
    ledger = service.ledger
    ledger.register_scheme(ZJG, "admin", AT)
    ledger.open_period("2026-Q1", "ZJG", 2, "admin", AT)
    ledger.register_subjects("2026-Q1", [Subject(id=f"d{i}", name=f"科室{i}", kind="department", group="a")
                                         for i in range(1, 6)], "admin", AT)
    for i in range(1, 6):
        ledger.record_facts("2026-Q1", [{"type": "deduction", "item": "2.1", "subject": f"d{i}", "count": i}],
                            "人事教育科", AT)
    service.runner.catch_up()
    before = {f"d{i}": _row(service, f"d{i}") for i in range(1, 6)}
    ledger.record_facts("2026-Q1", [{"type": "deduction", "item": "2.1", "subject": "d1", "count": 9}], "人事教育科", AT)
    service.runner.catch_up()
    after = {f"d{i}": _row(service, f"d{i}") for i in range(1, 6)}
    assert sum(after[s][0] != before[s][0] for s in after) >= 2 and after["d1"][1] != before["d1"][1]
    assert all(brief is not None and brief == brief_of(body) for body, brief in after.values())
