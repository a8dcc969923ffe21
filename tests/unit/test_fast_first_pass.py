"""The fast replay's first pass and run sizing (issue 12): each stream's places counted in one step of the
database, as the row-by-row GROUP BY counts them; runs of groups that shrink towards the end and still hold
every group once, in order."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from projections.fast import replay as fast_replay
from projections.fast.reading import FACT_TOPICS, SQLiteReader
from projections.fast.replay import _runs

TABLE = "stored_events"


def _store(path: Path, rows: list[tuple[str, int, str]]) -> SQLiteReader:
    """A table of the library's shape (rowid = log position) with these rows (stream, version, topic)."""
    with sqlite3.connect(path) as conn:
        conn.execute(f"CREATE TABLE {TABLE} (originator_id TEXT, originator_version INTEGER, topic TEXT, "
                     "state BLOB, PRIMARY KEY (originator_id, originator_version))")
        conn.executemany(f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?)", [(s, v, t, b"{}") for s, v, t in rows])
    conn.close()
    return SQLiteReader(str(path), TABLE)


def _rows() -> list[tuple[str, int, str]]:
    streams = [f"{i:032x}" for i in range(1, 40)]
    rows, versions = [], dict.fromkeys(streams, 0)
    for step in range(400):  # interleaved: streams of one row, of many, in runs and scattered
        stream = streams[(step * step + step // 7) % len(streams)]
        versions[stream] += 1
        rows.append((stream, versions[stream], "scoreledger:RatingRecorded"))
    return rows


def test_streams_counted_in_one_step_are_the_group_by_rows(tmp_path: Path) -> None:
    reader = _store(tmp_path / "log.sqlite", _rows())
    try:
        for upto in (0, 1, 57, 200, 399, 400, 10_000):
            assert sorted(reader.streams(upto)) == sorted(reader._streams(upto))
        assert len(reader.streams(400)) > 30
        assert reader.streams(0) == []
    finally:
        reader.close()


def test_a_stream_id_with_a_space_is_counted_row_by_row(tmp_path: Path) -> None:
    """Not a UUID's hex (the library never stores one): the text of the one-step count cannot be split, so
    the rows are counted one by one, with the same answer."""
    rows = [*_rows(), ("a stream", 1, "x"), ("a stream", 2, "x"), ("b", 1, "x")]
    reader = _store(tmp_path / "log.sqlite", rows)
    try:
        found = reader.streams(10_000)
        assert sorted(found) == sorted(reader._streams(10_000))
        assert ("a stream", 401, 402, 2) in found
    finally:
        reader.close()


def _sizes(runs: list[list[str]], members: dict[str, list[str]]) -> list[int]:
    return [sum(len(members[g]) for g in run) for run in runs]


def test_the_rows_that_are_not_facts_are_those_no_fact_topic_names(tmp_path: Path) -> None:
    """The scan's chain of `topic <> ...` (reading.py _NOT_A_FACT_SQL) leaves out exactly the fold's fact
    topics: every other topic, one that differs from a fact's only in case or by a suffix, kept; a NULL
    topic is neither a fact nor another row (as `NOT IN` has it)."""
    topics = [*FACT_TOPICS, "scoreledger:FactLedger.Opened", "scoreledger:Period.SubjectRegistered",
              "scoreledger:ratingrecorded", "scoreledger:RatingRecorded2", "", None]
    rows = [(f"{i % 5:032x}", i, topics[i % len(topics)]) for i in range(1, 200)]
    reader = _store(tmp_path / "log.sqlite", rows)  # type: ignore[arg-type]
    try:
        for after, upto in ((0, 200), (0, 57), (30, 150)):
            found = [(p, t) for chunk in reader.others(upto, after, chunk=7) for p, _s, _v, t, _b in chunk]
            expected = [(p, t) for p, (_s, _v, t) in enumerate(rows, 1)
                        if after < p <= upto and t is not None and t not in FACT_TOPICS]
            assert found == expected and expected
    finally:
        reader.close()


def test_runs_hold_every_group_once_in_order_and_shrink_towards_the_end() -> None:
    members = {f"g{i:04d}": [f"s{i}-{j}" for j in range(100)] for i in range(100)}
    groups = sorted(members)
    runs = _runs(groups, members, 2)
    assert [g for run in runs for g in run] == groups
    sizes = _sizes(runs, members)
    assert sizes == sorted(sizes, reverse=True)  # the biggest first
    assert max(sizes) <= fast_replay.RUN
    assert sizes[-1] == 100  # the last runs are one group: little for one worker to wait for the other
    assert len(runs) >= 2 * 4


def test_runs_of_uneven_groups_and_of_one_worker() -> None:
    members = {"a": ["x"] * 5, "b": ["y"] * 3_000, "c": ["z"], "d": ["w"] * 40}
    groups = sorted(members)
    runs = _runs(groups, members, 2)
    assert [g for run in runs for g in run] == groups
    assert all(run for run in runs)
    assert _runs(groups, members, 1) == [["a", "b"], ["c", "d"]]  # one process: runs of RUN subjects at most
    assert _runs([], {}, 2) == [[]]
