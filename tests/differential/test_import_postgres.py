"""Bulk import on PostgreSQL both ways (issue 12): the fast lane (service/bulk_fast.py, its rows written by
service/bulk_pg.py) and the reference (every batch decided through the aggregates and saved by the library's
recorder). For the same file they store the same events (positions, streams, versions, topics and payloads byte for
byte, timestamps aside) and refuse the same bad files with the same batches stored before the bad one, as
tests/differential/test_import.py shows for SQLite. The lane's transaction takes the recorder's table lock (positions
in commit order) and notifies its channel; a stream another writer appended to makes the batch the reference's;
keyed batches write their CommandRecord in the batch's transaction.

Each store is a fresh schema of the `test` database; on CI (CI=true) an unreachable PostgreSQL fails these tests."""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from domain.errors import FactsInvalid
from domain.facts import Subject
from domain.ledger.ids import ledger_id
from service import bulk, bulk_pg
from service.bootstrap import Service, build
from service.settings import Settings
from tests.differential.test_import import AT, SCALES, STAMP, rows_of
from tests.signing import TEST_KEY

_KEY_TOPIC = "scoreledger:CommandRecord.Accepted"
Schemas = Callable[[], str]


def _admin() -> str:
    from tests.integration.conftest import PG

    return f"host={PG['pg_host']} port={PG['pg_port']} user={PG['pg_user']} dbname={PG['pg_dbname']}"


@pytest.fixture
def schemas() -> Iterator[Schemas]:
    """Fresh schemas on demand, each dropped after the test (only the ones made here)."""
    import psycopg

    from tests.integration.conftest import postgres_or_skip

    postgres_or_skip()
    made: list[str] = []

    def fresh() -> str:
        name = f"sl_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(_admin(), autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
        made.append(name)
        return name

    yield fresh
    with psycopg.connect(_admin(), autocommit=True) as conn:
        for name in made:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def _service(schema: str) -> Service:
    from tests.integration.conftest import PG

    return build(Settings(signing_key=TEST_KEY, store="postgres", pg_schema=schema,
                          data_dir=Path(tempfile.mkdtemp()) / "data", **PG))  # type: ignore[arg-type]


def _opened(schema: str, workload: Any) -> Service:
    service = _service(schema)
    ledger = service.ledger
    if ledger.recorder.max_notification_id() is None:
        ledger.register_scheme(workload.scheme, "admin", AT)
        ledger.open_period(workload.period, workload.scheme.scheme, workload.scheme.version, "admin", AT)
    return service


def _table(schema: str) -> str:
    return f"{schema}.serviceledger_events"


def stored_rows(schema: str) -> list[tuple[Any, ...]]:
    """The log's rows in position order: (notification id, stream, version, topic, state with its timestamp masked)."""
    import psycopg

    with psycopg.connect(_admin()) as conn:
        rows = conn.execute(f"SELECT notification_id, originator_id, originator_version, topic, state FROM "  # noqa: S608
                            f"{_table(schema)} ORDER BY notification_id").fetchall()
    return [(*r[:4], STAMP.sub(b'"timestamp":T', bytes(r[4]))) for r in rows]


def imported(schema: str, workload: Any, rows: list[Any], fast: bool, batch: int, monkeypatch: pytest.MonkeyPatch,
             lines: bool = False) -> tuple[list[tuple[Any, ...]], str | None, bulk.ImportReport | None]:
    """Import into a fresh schema one way: the stored rows, the refusal if any, the report."""
    service = _opened(schema, workload)
    report, refused = None, None
    try:
        with monkeypatch.context() as patch:
            patch.setattr(bulk.Importer, "fast", fast)
            try:
                if lines:
                    file = [r if type(r) is bytes else orjson.dumps(r) + b"\n" for r in rows]
                    report = bulk.import_lines(service.ledger, workload.period, file, "督查科", AT, batch=batch)
                else:
                    report = bulk.import_rows(service.ledger, workload.period, [dict(r) for r in rows], "督查科", AT,
                                              batch=batch)
            except FactsInvalid as exc:
                refused = f"{exc} {[(p.path, p.message) for p in exc.problems]}"
            except (orjson.JSONDecodeError, TypeError) as exc:  # a line that is no JSON, or no object
                refused = f"{type(exc).__name__} {exc}"
    finally:
        service.close()
    return stored_rows(schema), refused, report


@pytest.mark.parametrize(("lines", "behind"), [(False, True), (True, True), (False, False)])
@pytest.mark.parametrize("name", sorted(SCALES))
def test_the_workloads_are_stored_the_same_both_ways_on_postgresql(name: str, lines: bool, behind: bool,
                                                                  schemas: Schemas,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The lane's batches written by a thread while the next is checked (`Importer._behind`), or one after the
    other; the rows given parsed, or as a file's lines."""
    workload, rows = rows_of(name)
    expected, refused, reference = imported(schemas(), workload, rows, False, 40, monkeypatch)
    threads: list[int] = []
    real = bulk_pg.PostgresRows.write

    def write(self: Any, batch: list[tuple[Any, ...]]) -> int | None:
        threads.append(threading.get_ident())
        return real(self, batch)

    with monkeypatch.context() as patch:
        patch.setattr(bulk.Importer, "behind", behind)
        patch.setattr(bulk_pg.PostgresRows, "write", write)
        found, refused_fast, report = imported(schemas(), workload, rows, True, 40, monkeypatch, lines=lines)
    assert threads and (threading.get_ident() not in threads) == behind, "written by a thread of its own or not"
    assert refused is None and refused_fast is None
    assert reference is not None and reference.fast_batches == 0
    assert report is not None and report.fast_batches > 0, "the fast lane took no batch: nothing was compared"
    if name == "province":  # every batch of facts is the lane's
        assert report.fast_batches == report.batches - -(-report.subjects // 40), report
    assert len(found) > len(rows) // 2
    assert found == expected
    assert report.position == reference.position == found[-1][0]


def test_the_pipelines_worker_on_postgresql_stores_the_references_rows(schemas: Schemas,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool's threads keep the import from forking on PostgreSQL (`can_fork`); forked all the same, the
    pipeline's worker checks and this process writes as the lane does (service/bulk_pipe.py, `FastLane.write`)."""
    workload, rows = rows_of("province")
    expected, _, _ = imported(schemas(), workload, rows, False, 40, monkeypatch)
    with monkeypatch.context() as patch:
        patch.setattr(bulk, "can_fork", lambda: True)
        patch.setattr(bulk.Importer, "piped", True)
        found, refused, report = imported(schemas(), workload, rows, True, 40, monkeypatch, lines=True)
    assert refused is None and found == expected
    assert report is not None and report.piped_batches > 0, report


@pytest.mark.parametrize(("field", "value"), [("item", "no.such"), ("value", "101"), ("id", "same"),
                                              ("subject", "nobody"), ("value", 2**60)])
def test_a_bad_file_is_refused_the_same_way_on_postgresql_with_the_same_batches_stored_before_it(
    field: str, value: Any, schemas: Schemas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused batch records nothing, whichever way: the batches before it are stored, the same."""
    workload, rows = rows_of("province")
    facts = [i for i, r in enumerate(rows) if r.get("type") != "subject"]
    index = facts[len(facts) // 2]
    bad = dict(rows[index])
    if value == "same":  # a fact id used before, in its own stream
        value = next(rows[i]["id"] for i in facts if i < index and rows[i].get("subject") == bad.get("subject"))
    bad[field] = value
    rows[index] = bad
    expected, refused, _ = imported(schemas(), workload, rows, False, 40, monkeypatch)
    found, refused_fast, report = imported(schemas(), workload, rows, True, 40, monkeypatch)
    assert refused is not None and refused_fast == refused
    assert found == expected
    assert len(found) > len(rows) // 3  # the batches before the bad one


@pytest.mark.parametrize("bad", [b'{"id": broken\n', b"[1, 2]\n"])
def test_a_file_with_a_line_that_is_no_json_object_stores_the_batches_before_it_on_postgresql(
    bad: bytes, schemas: Schemas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The line raises as reading the file does, once every batch before it is stored: with the lane, the batch
    in flight when the bad line is read is committed before the error goes on (`Importer._behind`)."""
    workload, rows = rows_of("province")
    facts = [i for i, r in enumerate(rows) if r.get("type") != "subject"]
    file: list[Any] = [orjson.dumps(r) + b"\n" for r in rows]
    file[facts[-50]] = bad
    expected, refused, _ = imported(schemas(), workload, file, False, 40, monkeypatch, lines=True)
    found, refused_fast, _ = imported(schemas(), workload, file, True, 40, monkeypatch, lines=True)
    assert refused is not None and refused_fast == refused
    assert found == expected and len(found) > len(rows) // 2


def _importer(service: Service, workload: Any, rows: list[dict[str, Any]]) -> bulk.Importer:
    importer = bulk.Importer(service.ledger, workload.period, "督查科", AT)
    importer.subjects_in([Subject.model_validate({k: v for k, v in s.items() if k != "type"})
                          for s in rows if s.get("type") == "subject"])
    return importer


def _versions(schema: str, workload: Any, subject: str) -> list[int]:
    import psycopg

    with psycopg.connect(_admin()) as conn:
        return [v for (v,) in conn.execute(
            f"SELECT originator_version FROM {_table(schema)} WHERE originator_id = %s "  # noqa: S608
            "ORDER BY originator_version", (ledger_id(workload.period, subject, "default"),))]


def test_a_stream_another_writer_appended_to_is_decided_again_by_the_reference_on_postgresql(
    schemas: Schemas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between two batches another writer appends to a stream the lane holds: the lane's COPY meets the primary
    key, its transaction is rolled back, and the reference decides the batch on the stream as stored."""
    workload, rows = rows_of("province")
    first = next(r for r in rows if r.get("type") == "rating")["subject"]
    mine = [r for r in rows if r.get("subject") == first and r.get("type") == "rating"]
    schema = schemas()
    service = _opened(schema, workload)
    try:
        ledger = service.ledger
        importer = _importer(service, workload, rows)
        importer.facts_in(mine[:10])
        assert importer.report.fast_batches == 1
        ledger.record_facts(workload.period, [mine[10]], "督查科", AT)  # another writer, the same stream
        importer.facts_in(mine[11:20])
        assert importer.report.fast_batches == 1  # the lane's insert conflicted: the reference decided it
        assert importer.report.batches == 3  # the subjects, the fast batch, the batch the reference decided
        with pytest.raises(FactsInvalid, match="used more than once"):
            importer.facts_in([mine[10]])  # recorded by the other writer: the stream refuses it again
        importer.facts_in(mine[20:25])  # the lane again, on the stream as stored
        assert importer.report.fast_batches == 2
        stream = ledger.maybe(ledger_id(workload.period, first, ledger.bureau))
    finally:
        service.close()
    assert _versions(schema, workload, first) == list(range(1, 27))  # opened, 25 facts: no gap, nothing twice
    assert sorted(stream.facts) == sorted(f["id"] for f in mine[:25])


def _two_streams(rows: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The first two subjects rated in the workload's rows, each with its ratings."""
    ratings = [r for r in rows if r.get("type") == "rating"]
    subjects = list(dict.fromkeys(r["subject"] for r in ratings))[:2]
    return [(s, [r for r in ratings if r["subject"] == s]) for s in subjects]


def test_a_stream_appended_to_while_the_lane_checks_its_batch_leaves_none_of_the_batch_to_the_lane(
    schemas: Schemas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer appends to one of a batch's two streams after the lane read and checked them, before its
    insert: the COPY fails whole (nothing of the other stream is written by the lane either), and the reference
    records the batch once; every fact once, every stream's versions without a gap."""
    workload, rows = rows_of("province")
    (one, of_one), (two, of_two) = _two_streams(rows)
    schema = schemas()
    service = _opened(schema, workload)
    writes: list[int | None] = []
    real = bulk_pg.PostgresRows.write
    try:
        ledger = service.ledger
        importer = _importer(service, workload, rows)
        importer.facts_in(of_one[:5] + of_two[:5])
        assert importer.report.fast_batches == 1

        def write(self: Any, batch: list[tuple[Any, ...]]) -> int | None:
            if not writes:  # the other writer, between the lane's check and its insert
                ledger.record_facts(workload.period, [of_two[5]], "督查科", AT)
            writes.append(real(self, batch))
            return writes[-1]

        with monkeypatch.context() as patch:
            patch.setattr(bulk_pg.PostgresRows, "write", write)
            importer.facts_in(of_one[5:10] + of_two[6:10])
        assert writes == [None], writes  # the lane's insert conflicted and wrote nothing
        assert importer.report.fast_batches == 1 and importer.report.batches == 3, importer.report
        streams = [ledger.maybe(ledger_id(workload.period, s, ledger.bureau)) for s in (one, two)]
    finally:
        service.close()
    assert _versions(schema, workload, one) == list(range(1, 12))
    assert _versions(schema, workload, two) == list(range(1, 12))
    assert sorted(streams[0].facts) == sorted(f["id"] for f in of_one[:10])
    assert sorted(streams[1].facts) == sorted(f["id"] for f in of_two[:10])


def test_a_batch_in_flight_that_conflicts_leaves_the_next_batch_checked_again(
    schemas: Schemas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the lane's second batch (stream one) is written by its thread, the third (stream two, new) is checked
    as if the second were written; another writer took a version of stream one meanwhile, so the second's insert
    conflicts: the reference decides it, and the third is checked again on the streams as stored (stream two still
    new: its opening first, no version skipped) before it is written; the fourth follows."""
    workload, rows = rows_of("province")
    (one, of_one), (two, of_two) = _two_streams(rows)
    schema = schemas()
    service = _opened(schema, workload)
    writes: list[int | None] = []
    real = bulk_pg.PostgresRows.write
    try:
        ledger = service.ledger
        importer = _importer(service, workload, rows)

        def write(self: Any, batch: list[tuple[Any, ...]]) -> int | None:
            if len(writes) == 1:  # the other writer, before the second batch's insert
                ledger.record_facts(workload.period, [of_one[6]], "督查科", AT)
            writes.append(real(self, batch))
            return writes[-1]

        with monkeypatch.context() as patch:
            patch.setattr(bulk_pg.PostgresRows, "write", write)
            importer.facts_in(of_one[:6] + of_two[:6], batch=3)
        assert writes[1] is None and None not in writes[:1] + writes[2:], writes
        assert importer.report.fast_batches == 3 and importer.report.batches == 5, importer.report
        streams = [ledger.maybe(ledger_id(workload.period, s, ledger.bureau)) for s in (one, two)]
    finally:
        service.close()
    assert _versions(schema, workload, one) == list(range(1, 9))  # opened, 6 facts and the other writer's
    assert _versions(schema, workload, two) == list(range(1, 8))  # opened, 6 facts
    assert sorted(streams[0].facts) == sorted(f["id"] for f in of_one[:7])
    assert sorted(streams[1].facts) == sorted(f["id"] for f in of_two[:6])


def test_the_lanes_batch_takes_the_recorders_table_lock_so_positions_follow_commits(
    schemas: Schemas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While another transaction holds a position it has not committed (an insert of its own, as a writer that
    took the recorder's lock would), the lane's batch waits for it: a reader never sees the lane's later positions
    committed before an earlier one (the gap a tailing reader would pass over). Here the other transaction rolls
    back after a while, and only then are the lane's rows there."""
    import psycopg

    workload, rows = rows_of("province")
    facts = [r for r in rows if r.get("type") == "rating"][:40]
    schema = schemas()
    service = _opened(schema, workload)
    done: list[float] = []
    try:
        importer = _importer(service, workload, rows)
        before = len(stored_rows(schema))
        with psycopg.connect(_admin()) as other:
            other.execute(f"INSERT INTO {_table(schema)} (originator_id, originator_version, topic, state) "  # noqa: S608
                          "VALUES (%s, 1, 'x', '')", (uuid.uuid4(),))

            def run() -> None:
                importer.facts_in(facts)
                done.append(time.monotonic())

            thread = threading.Thread(target=run)
            thread.start()
            thread.join(1.5)
            seen = len(stored_rows(schema))
            released = time.monotonic()
            other.rollback()
        thread.join(30)
        assert importer.report.fast_batches == 1, importer.report
    finally:
        service.close()
    assert seen == before, "the lane's rows were committed past a position not yet committed"
    assert done and done[0] >= released
    assert len(stored_rows(schema)) > before


def test_a_batch_that_cannot_have_the_lock_in_time_is_decided_by_the_reference(
    schemas: Schemas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another session holds the log's table lock past the recorder's lock timeout (here 0.2 s): the lane's
    transaction gives up (nothing written) and the reference decides the batch, whose save the library retries
    until the lock is let go; the batch is stored once, as the reference stores it."""
    import psycopg
    from psycopg.sql import SQL

    workload, rows = rows_of("province")
    facts = [r for r in rows if r.get("type") == "rating"][:40]
    schema = schemas()
    service = _opened(schema, workload)
    try:
        importer = _importer(service, workload, rows)
        recorder = service.ledger.recorder
        quick = [SQL("SET LOCAL lock_timeout = '200ms'"), *recorder.lock_table_statements[1:]]
        monkeypatch.setattr(recorder, "lock_table_statements", quick)
        before = len(stored_rows(schema))
        holder = psycopg.connect(_admin())
        holder.execute(f"LOCK TABLE {_table(schema)} IN EXCLUSIVE MODE")
        threading.Timer(1.0, holder.rollback).start()  # let go after the lane gave up, while the library retries
        try:
            importer.facts_in(facts)
        finally:
            time.sleep(0.1)
            holder.close()
        report = importer.report
    finally:
        service.close()
    assert report.fast_batches == 0 and report.batches == 2, report  # the subjects, the reference's batch
    assert len(stored_rows(schema)) == before + 40 + len({f["subject"] for f in facts})


def test_the_lanes_batch_notifies_the_recorders_channel(schemas: Schemas, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each batch the lane writes notifies the log's channel, as the recorder's saves do (its subscriptions wake)."""
    import psycopg

    workload, rows = rows_of("province")
    facts = [r for r in rows if r.get("type") == "rating"][:120]
    schema = schemas()
    service = _opened(schema, workload)
    try:
        importer = _importer(service, workload, rows)
        channel = service.ledger.recorder.channel_name
        with psycopg.connect(_admin(), autocommit=True) as listening:
            listening.execute(f'LISTEN "{channel}"')
            importer.facts_in(facts, batch=40)
            heard = list(listening.notifies(timeout=2, stop_after=3))
        assert importer.report.fast_batches == 3 and importer.report.batches == 4, importer.report
    finally:
        service.close()
    assert [n.channel for n in heard] == [channel] * 3


def test_streams_read_from_their_rows_on_postgresql_are_the_ones_the_library_loads(
    schemas: Schemas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`FastLane.stored` on PostgreSQL (service/bulk_pg.py's read): each stream's version and facts as the library's
    aggregate holds them, corrections and retractions too; None for a stream not written."""
    from tests.differential.test_import import _lane

    workload, rows = rows_of("province")
    schema = schemas()
    imported(schema, workload, rows, False, 40, monkeypatch)
    names = sorted(r["id"] for r in rows if r.get("type") == "subject")
    service = _service(schema)
    try:
        ledger = service.ledger
        lane = _lane(ledger, workload)
        assert lane.pg is not None
        loaded = lane.stored([*names, "nobody"])
        expected: dict[str, Any] = {"nobody": None}
        for name in names:
            stream = ledger.maybe(ledger_id(workload.period, name, ledger.bureau))
            expected[name] = (stream.version, [dict(f) for f in stream.facts.values()])
    finally:
        service.close()
    assert loaded == expected


def test_a_second_import_reads_the_streams_it_meets_and_stores_the_references_rows(
    schemas: Schemas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Half the ratings imported, then the rest by a second import (a new lane holding nothing, reading every
    stream it meets from the store): the rows are the reference's, and the lane takes every batch of both."""
    from tests.differential.test_import import _split_ratings

    workload, rows = rows_of("province")
    subjects, first, second = _split_ratings(rows)
    results = []
    for fast in (False, True):
        schema = schemas()
        service = _opened(schema, workload)
        try:
            with monkeypatch.context() as patch:
                patch.setattr(bulk.Importer, "fast", fast)
                reports = [bulk.import_rows(service.ledger, workload.period, [dict(r) for r in part], "督查科", AT,
                                            batch=40) for part in (subjects + first, second)]
        finally:
            service.close()
        results.append((stored_rows(schema), reports))
    (expected, _), (found, reports) = results
    # in the same order, positions aside: the reference's first save of a stream it does not hold yet (made
    # optimistically) fails and is decided again, and on PostgreSQL the failed insert used up a position
    assert [r[1:] for r in found] == [r[1:] for r in expected]
    assert [r[0] for r in found] == list(range(1, len(found) + 1))  # the lane's: none used up
    assert all(r.fast_batches == -(-r.facts // 40) > 0 for r in reports), reports


# Keyed batches (`scoreledger facts import`: service/bulk_file.py) through the lane on PostgreSQL.

def _facts_file(name: str, where: Path, lines: int | None = None) -> tuple[Any, Path, int]:
    from tests.differential.test_import import _facts_file as made

    return made(name, where, lines)


def _filed(schema: str, workload: Any, file: Path, fast: bool, monkeypatch: pytest.MonkeyPatch,
           writes: list[int] | None = None, behind: bool = True) -> Any:
    """`scoreledger facts import`'s work (a key per batch of 40) into the schema; `writes`: -1 for each batch the
    lane checks (`FastLane.check`) and the rows of each of its writes (0 for one that wrote nothing), in the order
    they happened (a write in flight and the next batch's check overlap with `behind`: `Importer._behind`)."""
    from service import bulk_fast
    from service.bulk_file import import_files

    writes = [] if writes is None else writes
    real, check = bulk_pg.PostgresRows.write, bulk_fast.FastLane.check

    def write(self: Any, rows: list[tuple[Any, ...]]) -> int | None:
        position = real(self, rows)
        writes.append(0 if position is None else len(rows))
        return position

    def offered(lane: Any, *args: Any, **kwargs: Any) -> Any:
        writes.append(-1)
        return check(lane, *args, **kwargs)

    service = _opened(schema, workload)
    try:
        with monkeypatch.context() as patch:
            patch.setattr(bulk.Importer, "fast", fast)
            patch.setattr(bulk_pg.PostgresRows, "write", write)
            patch.setattr(bulk_fast.FastLane, "check", offered)
            patch.setattr(bulk.Importer, "behind", behind)
            return import_files(service.ledger, workload.period, [file], "督查科", AT, batch=40).report
    finally:
        service.close()


@pytest.mark.parametrize("behind", [True, False])
def test_a_keyed_import_on_postgresql_takes_the_lane_and_stores_the_references_rows_and_keys(
    behind: bool, schemas: Schemas, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    workload, file, _ = _facts_file("province", tmp_path)
    one, two = schemas(), schemas()
    reference = _filed(one, workload, file, False, monkeypatch)
    writes: list[int] = []
    fast = _filed(two, workload, file, True, monkeypatch, writes, behind)
    expected, found = stored_rows(one), stored_rows(two)
    keys = [r for r in found if r[3] == _KEY_TOPIC]
    assert fast.fast_batches == fast.batches - -(-fast.subjects // 40) > 0, fast  # every batch of facts
    assert len(keys) == fast.batches == reference.batches
    assert writes.count(-1) == fast.fast_batches == len([w for w in writes if w > 0]) and 0 not in writes, writes
    assert found == expected
    assert (fast.facts, fast.subjects, fast.position) == (reference.facts, reference.subjects, reference.position)


@pytest.mark.parametrize("behind", [True, False])
def test_a_keyed_rerun_on_postgresql_skips_the_done_batches_and_records_nothing_twice(
    behind: bool, schemas: Schemas, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The first run stopped after 3 batches of facts (the lane's); the whole file run again finds their keys and
    writes none of them, and takes the rest: the store is one whole run's. A third run writes nothing."""
    workload, file, subjects = _facts_file("province", tmp_path)
    _, part, _ = _facts_file("province", tmp_path, subjects + 3 * 40)
    whole, store = schemas(), schemas()
    _filed(whole, workload, file, False, monkeypatch)
    before = _filed(store, workload, part, True, monkeypatch, behind=behind)
    assert before.fast_batches == 3, before
    writes: list[int] = []
    again = _filed(store, workload, file, True, monkeypatch, writes, behind)
    assert again.skipped == -(-subjects // 40) + 3, again
    # only the batches not done were checked by the lane, each written at once (none of the done ones)
    assert again.fast_batches == again.batches > 0 and writes.count(-1) == again.batches, writes
    assert len([w for w in writes if w > 0]) == again.batches and 0 not in writes, writes
    assert stored_rows(store) == stored_rows(whole)
    writes.clear()
    third = _filed(store, workload, file, True, monkeypatch, writes, behind)
    assert (third.batches, writes) == (0, []) and third.skipped == again.skipped + again.batches
    assert stored_rows(store) == stored_rows(whole)


@pytest.mark.parametrize("behind", [True, False])
def test_a_batch_whose_key_cannot_be_written_on_postgresql_leaves_no_rows(
    behind: bool, schemas: Schemas, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The lane writes a batch's events and its key in one transaction: the key's row refused (a trigger refuses
    the second batch's key) rolls back the batch's events too; the store holds what a run of the file up to the
    batch before stores."""
    import psycopg

    from service.bulk_file import ImportStopped

    workload, file, subjects = _facts_file("province", tmp_path)
    _, part, _ = _facts_file("province", tmp_path, subjects + 40)
    upto, store = schemas(), schemas()
    _filed(upto, workload, part, True, monkeypatch)
    _opened(store, workload).close()
    with psycopg.connect(_admin(), autocommit=True) as conn:
        conn.execute(f"""CREATE FUNCTION {store}.no_key() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
            IF NEW.topic = '{_KEY_TOPIC}' AND position(':f1:' in convert_from(NEW.state, 'UTF8')) > 0 THEN
            RAISE EXCEPTION 'the key refused' USING ERRCODE = 'unique_violation'; END IF; RETURN NEW; END $$""")
        conn.execute(f"CREATE TRIGGER no_key BEFORE INSERT ON {_table(store)} FOR EACH ROW "
                     f"EXECUTE FUNCTION {store}.no_key()")
    writes: list[int] = []
    with pytest.raises(ImportStopped) as stopped:
        _filed(store, workload, file, True, monkeypatch, writes, behind)
    assert stored_rows(store) == stored_rows(upto)
    report = stopped.value.outcome.report
    assert report.fast_batches == 1 and report.batches == -(-subjects // 40) + 1, report
    written = [w for w in writes if w >= 0]
    assert written[:1] == [written[0]] and written[0] > 40 and written[1:] == [0], writes  # the second rolled back
