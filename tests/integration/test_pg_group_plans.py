"""On PostgreSQL a group's rows are read by the views' group-order index, the group compared in the index's
collation ("C": groups in code-point order, as on SQLite). Compared in the database's own collation, the index
served only the period (and seal) and the planner scanned every row of them (issue 12, run M19: one group's
rankings as of a province's seal 35-112 ms, the seal's results hash a scan per group; with the collation an index
probe, 0.5 ms). Each statement the reads and the seal ran is explained with sequential scans disabled: the group
must be in the index condition, not a filter after it."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from service import queries
from service.bootstrap import Service, build
from service.settings import Settings
from tests.integration.conftest import settings_for
from tests.integration.test_sealed_reads import AUDITOR, published_quarter


@pytest.fixture
def pg_service(tmp_path: Any, request: pytest.FixtureRequest) -> Any:
    settings: Settings = settings_for("postgres", tmp_path, request)
    service = build(settings)
    yield service
    service.close()


def test_a_groups_rows_are_read_by_the_index_now_as_of_a_seal_and_for_its_hash(
        pg_service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, tuple[Any, ...]]] = []
    execute = psycopg.Cursor.execute

    def noted(cur: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
        if isinstance(query, str) and " grp" in query and "FROM sl_view_" in query and params is not None:
            seen.append((query, tuple(params)))
        return execute(cur, query, params, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", noted)
    world = published_quarter(pg_service)  # the publication's rows kept and hashed a group at a time
    queries.rankings(pg_service, AUDITOR, "2026-Q1", None, "B")  # one group's rankings now
    queries.rankings(pg_service, AUDITOR, "2026-Q1", str(world["seal"]), "B")  # and as of the seal
    monkeypatch.setattr(psycopg.Cursor, "execute", execute)
    grouped = [(q, p) for q, p in seen if "grp" in q.split("WHERE", 1)[-1].split("ORDER BY", 1)[0]]
    tables = {q.split("FROM ", 1)[1].split()[0] for q, _ in grouped}
    assert tables == {"sl_view_rows", "sl_view_sealed"}, seen  # the reads now, as of the seal, and the hash
    with psycopg.connect(pg_service.views.conninfo, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        for query, params in grouped:
            plan = "\n".join(row[0] for row in conn.execute("EXPLAIN " + query, params).fetchall())
            conditions = [line for line in plan.splitlines() if "Index Cond" in line]
            assert any("grp" in line for line in conditions), f"{query}\n{plan}"
