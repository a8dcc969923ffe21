"""The witness digests of views built from zero (issue 12): the leaves process sends runs of consecutive
positions as JSON arrays (projections/fast/views.py `_runs_of`), which SQLite turns into rows itself
(`SQLiteViewStore.add_leaf_runs`); the rows are those `add_leaves` writes a tuple at a time, gaps in the
positions included, with or without SQLite's JSON; PostgreSQL's store takes COPY's text lines instead (`leaf_form`)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from projections.fast.views import _runs_of
from projections.viewstore import SQLiteViewStore, ViewStore

POSITIONS = [[], [7], [1, 2, 3], [1, 2, 4, 5, 9], [3, 10, 11, 12, 40, 41], [5, 6, 7, 100]]


def digests(positions: list[int]) -> list[str]:
    return [hashlib.sha256(b"%d" % p).hexdigest() for p in positions]


@pytest.mark.parametrize("positions", POSITIONS)
def test_runs_are_the_consecutive_positions_in_order(positions: list[int]) -> None:
    runs = _runs_of(positions, digests(positions))
    assert [first for first, _ in runs] == [p for n, p in enumerate(positions) if n == 0 or positions[n - 1] != p - 1]
    import orjson

    again = [(first + n, d) for first, text in runs for n, d in enumerate(orjson.loads(text))]
    assert again == list(zip(positions, digests(positions), strict=True))


def leaves(views: SQLiteViewStore) -> list[Any]:
    with views.transaction() as cur:
        cur.execute("SELECT position, typeof(position), digest, typeof(digest) FROM sl_view_leaves ORDER BY rowid")
        return cur.fetchall()


@pytest.mark.parametrize("json_each", [True, False])
def test_runs_write_the_rows_add_leaves_writes(tmp_path: Path, json_each: bool) -> None:
    positions = [p for listed in POSITIONS for p in listed]
    positions = sorted(set(positions)) + [1000 + n for n in range(300)]
    rows = list(zip(positions, digests(positions), strict=True))
    one, other = SQLiteViewStore(tmp_path / "one.sqlite"), SQLiteViewStore(tmp_path / "other.sqlite")
    other.__dict__["json_each"] = json_each  # the cached answer: without JSON, the tuples as before
    try:
        assert one.json_each
        with one.transaction() as cur:
            one.add_leaves(cur, rows[:50])
            one.add_leaves(cur, rows[50:])
        with other.transaction() as cur:
            other.add_leaf_runs(cur, _runs_of(positions[:50], digests(positions[:50])))
            other.add_leaf_runs(cur, _runs_of(positions[50:], digests(positions[50:])))
        assert leaves(other) == leaves(one) and len(leaves(one)) == len(positions)
    finally:
        one.close()
        other.close()


def test_lines_write_the_rows_add_leaves_writes(tmp_path: Path) -> None:
    """`add_leaf_lines` (COPY's text lines, PostgreSQL's leaf_form) in the base store: the rows `add_leaves` writes."""
    positions = sorted({p for listed in POSITIONS for p in listed})
    rows = list(zip(positions, digests(positions), strict=True))
    one, other = SQLiteViewStore(tmp_path / "one.sqlite"), SQLiteViewStore(tmp_path / "other.sqlite")
    try:
        with one.transaction() as cur:
            one.add_leaves(cur, rows)
        with other.transaction() as cur:
            other.add_leaf_lines(cur, "".join(f"{p}\t{d}\n" for p, d in rows[:4]).encode())
            other.add_leaf_lines(cur, "".join(f"{p}\t{d}\n" for p, d in rows[4:]).encode())
        assert leaves(other) == leaves(one) and len(leaves(one)) == len(positions)
    finally:
        one.close()
        other.close()


def test_the_base_store_gives_add_leaves_the_tuples() -> None:
    """PostgreSQL's store keeps its COPY of tuples: the base `add_leaf_runs` hands them over."""
    got: list[tuple[int, str]] = []

    class Store(ViewStore):
        def __init__(self) -> None:
            pass

        def add_leaves(self, cur: Any, listed: list[tuple[int, str]]) -> None:
            got.extend(listed)

    positions = [3, 10, 11, 12, 40, 41]
    Store().add_leaf_runs(None, _runs_of(positions, digests(positions)))
    assert got == list(zip(positions, digests(positions), strict=True))


def test_leaves_arrived_between_runs_are_written_then_and_the_rest_after() -> None:
    """projections/fast/views.py `_Leaves`: `ready` writes the messages already there (never waits), `rest`
    the others up to the stamps; a failure in the leaves process is raised."""
    from projections.fast.views import _Leaves

    class Pipe:
        def __init__(self, messages: list[Any], there: int):
            self.messages, self.there = messages, there

        def poll(self) -> bool:
            return self.there > 0

        def recv(self) -> Any:
            self.there -= 1
            return self.messages.pop(0)

    class Views:
        written: list[Any] = []

        def add_leaf_runs(self, cur: Any, runs: Any) -> None:
            self.written.append(runs)

    views = Views()
    taken = _Leaves(views, None, Pipe([[(1, '["a"]')], [(2, '["b"]')], ("stamps", {(1, 2): (3, 4)})], there=1))
    taken.ready()
    assert views.written == [[(1, '["a"]')]]
    taken.ready()
    assert views.written == [[(1, '["a"]')]]
    assert taken.rest() == {(1, 2): (3, 4)} and views.written == [[(1, '["a"]')], [(2, '["b"]')]]
    with pytest.raises(RuntimeError):
        _Leaves(views, None, Pipe([RuntimeError("the leaves process failed")], there=1)).ready()
