"""The views' results on PostgreSQL compressed by lz4 where the server has it (issue 12: the catch-up from zero
spent 0.87 s of the server's CPU compressing a province's rows at 5% with pglz, 0.33 s with lz4), read back as
the same bytes; and the fast build's ways of writing rows and leaves (binary COPY, COPY's text lines) write the
rows the upserts and `add_leaves` write."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import psycopg
import pytest

from projections.viewreads import brief_of
from projections.viewstore import PostgresViewStore
from tests.integration.conftest import PG


def _conninfo(schema: str) -> str:
    return (f"host={PG['pg_host']} port={PG['pg_port']} user={PG['pg_user']} dbname={PG['pg_dbname']} "
            f"options='-c search_path={schema}'")


@pytest.fixture
def views(pg_schema: str) -> Iterator[PostgresViewStore]:
    store = PostgresViewStore(_conninfo(pg_schema))
    yield store
    store.close()


def _offers_lz4(views: PostgresViewStore) -> bool:
    with views.transaction() as cur:
        cur.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        row = cur.fetchone()
    return bool(row and row[0])


def _body(n: int) -> bytes:
    """A result's body: long enough to be compressed (~24 KB, repetitive as a scorecard's lines are)."""
    lines = b",".join(b'{"item":"%d","score":"%d.50","why":"\xe8\xaf\x84\xe5\x88\x86"}' % (i, n) for i in range(400))
    return b'{"card":[' + lines + b'],"decisions":[],"subject":"s%d","total":"%d.50"}' % (n, n)


def _rows(views: PostgresViewStore) -> list[tuple[object, ...]]:
    with views.transaction() as cur:
        cur.execute("SELECT period, subject, grp, place, position, body, brief FROM sl_view_rows ORDER BY subject")
        return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in cur.fetchall()]


def test_results_are_kept_by_lz4_where_the_server_has_it_and_read_back_the_same(views: PostgresViewStore) -> None:
    rows = [("p/1", f"s{n}", "g", n, 7, _body(n), brief_of(_body(n))) for n in range(3)]
    with views.transaction() as cur:
        views.add_rows(cur, rows)
    assert _rows(views) == rows
    with views.transaction() as cur:
        cur.execute("SELECT DISTINCT pg_column_compression(body) FROM sl_view_rows")
        methods = {m for (m,) in cur.fetchall()}
    expected = "lz4" if _offers_lz4(views) else "pglz"
    assert views.compression == expected
    assert methods == {expected}


def test_a_build_from_zero_copies_the_rows_the_upserts_write(pg_schema: str, views: PostgresViewStore) -> None:
    """`add_rows` (binary COPY) against `write_page` (upserts) in another schema: the same rows, types and all;
    a brief None (a body without decisions) as NULL."""
    rows = [("p/1", f"s{n}", f"g{n % 2}", n // 2, 40 + n, _body(n), brief_of(_body(n))) for n in range(5)]
    rows.append(("p/2", "x", "g", 0, 3, b'{"subject":"x"}', None))
    with views.transaction() as cur:
        views.add_rows(cur, rows)
    with psycopg.connect(_conninfo(pg_schema), autocommit=True) as conn:
        conn.execute("CREATE SCHEMA other_" + pg_schema)
    try:
        other = PostgresViewStore(_conninfo("other_" + pg_schema))
        try:
            with other.transaction() as cur:
                for period, subject, group, place, position, body, _ in rows:
                    other.write_page(cur, position, {}, {period: [(subject, group, place, body)]}, [])
            assert _rows(other) == _rows(views)
        finally:
            other.close()
    finally:
        with psycopg.connect(_conninfo(pg_schema), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA other_{pg_schema} CASCADE")


def test_a_build_from_zero_writes_the_leaves_lines_as_add_leaves(views: PostgresViewStore) -> None:
    positions = [1, 2, 3, 7, 8, 100]
    leaves = [(p, hashlib.sha256(b"%d" % p).hexdigest()) for p in positions]
    with views.transaction() as cur:
        views.add_leaf_lines(cur, "".join(f"{p}\t{d}\n" for p, d in leaves[:4]).encode())
        views.add_leaf_lines(cur, "".join(f"{p}\t{d}\n" for p, d in leaves[4:]).encode())
    assert views.leaves() == leaves
