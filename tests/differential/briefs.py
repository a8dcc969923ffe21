"""Pages of rankings and grades read from the rows' briefs (issue 12: projections/viewreads.py brief_of) are the
pages read from their bodies, as a store whose views predate the brief column reads them; shared by the stores'
differential tests (SQLite in test_stores.py, PostgreSQL in test_postgres_replay.py)."""

from __future__ import annotations

from typing import Any

import orjson

from projections.period_input import key_of
from projections.viewreads import brief_of
from service import queries
from service.bootstrap import Service
from service.readers import without_card
from service.tokens import Actor

AUDITOR = Actor("审计员", "auditor", [])


def pages(service: Service, code: str, as_of: str | None, limit: int) -> list[Any]:
    """Every page of the rankings and of the grades (now, or as of a seal), followed cursor by cursor."""
    found: list[Any] = []
    for read in (queries.rankings, queries.grades):
        cursor = None
        while True:
            page = read(service, AUDITOR, code, as_of, cursor=cursor, limit=limit)  # type: ignore[operator]
            found.append(page)
            cursor = page["next"]
            if cursor is None:
                break
    return found


def check_briefs(service: Service, code: str, limit: int = 7) -> None:
    """Every kept row's brief decodes as its body without the card; and the pages read from briefs equal the pages
    read from the bodies alone (every brief dropped, as in views made before the column), now and as of the seal."""
    service.runner.catch_up()
    key, views = key_of("default", code), service.views
    seal = int(queries.folded_period(service, code).seals[0]["position"])
    assert views.seal_kept(key, seal) is not None and views.seal_kept(key, seal).kept  # type: ignore[union-attr]
    with views.transaction() as cur:
        rows = []
        for table in ("sl_view_rows", "sl_view_sealed"):
            cur.execute(views.sql(f"SELECT body, brief FROM {table} WHERE period = ?"), (key,))  # noqa: S608
            rows += [(bytes(body), brief) for body, brief in cur.fetchall()]
    assert rows and all(brief is not None for _, brief in rows)
    for body, brief in rows:
        assert bytes(brief) == brief_of(body)
        assert orjson.loads(bytes(brief)) == without_card(body)
    with_briefs = {at: pages(service, code, at, limit) for at in (None, str(seal))}
    with views.transaction() as cur:
        for table in ("sl_view_rows", "sl_view_sealed"):
            cur.execute(views.sql(f"UPDATE {table} SET brief = NULL WHERE period = ?"), (key,))  # noqa: S608
    try:
        assert {at: pages(service, code, at, limit) for at in (None, str(seal))} == with_briefs
    finally:
        with views.transaction() as cur:
            for table in ("sl_view_rows", "sl_view_sealed"):
                cur.execute(views.sql(f"SELECT subject, body FROM {table} WHERE period = ?"), (key,))  # noqa: S608
                kept = [(brief_of(bytes(body)), subject) for subject, body in cur.fetchall()]
                cur.executemany(views.sql(f"UPDATE {table} SET brief = ? WHERE period = ? AND subject = ?"),  # noqa: S608
                                [(brief, key, subject) for brief, subject in kept])
