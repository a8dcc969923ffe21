"""The fast replay on PostgreSQL (issue 12): the province imported in small batches (so that many subjects'
streams lie in pieces, read back by a range of the notification id per run), published and appealed,
replayed by the fast path in forked workers and by the reference: the same bytes, now and as of the seal;
the first pass places exactly each stream's fact rows (the scattered streams' positions in one query);
and a reader that loses rows is caught."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import date

import pytest

from bench.workloads import build as workload_of
from bench.workloads import read
from projections.fast import runs as fast_runs
from projections.fast.reading import FACT_TOPICS, PostgresReader
from projections.fast.replay import plan_replay
from replay.asof import canonical_as_of
from service.bootstrap import Service, build
from service.bulk import import_rows
from service.settings import Settings
from tests.differential.test_stores import (  # noqa: F401 - `forked` is a fixture
    AT,
    decide_appeals,
    forked,
    path_appeals,
    reference,
)
from tests.signing import TEST_KEY

BATCH = 300  # facts per import transaction: a subject's facts cut between batches lie in two pieces


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, str, int]]:
    """The province (300 staff) in a PostgreSQL schema of its own, closed, published, two appeals (one upheld)."""
    import psycopg

    from tests.integration.conftest import PG, postgres_or_skip

    postgres_or_skip()
    admin = f"host={PG['pg_host']} port={PG['pg_port']} user={PG['pg_user']} dbname={PG['pg_dbname']}"
    schema = f"sl_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    data = tmp_path_factory.mktemp("pg-province")
    service = build(Settings(signing_key=TEST_KEY, store="postgres", pg_schema=schema, data_dir=data / "data",
                             **PG))  # type: ignore[arg-type]
    try:
        workload = workload_of("province", scale=300 / 200_000)
        path = data / "facts.jsonl"
        workload.write(path)
        ledger, code = service.ledger, workload.period
        ledger.register_scheme(workload.scheme, "admin", AT)
        ledger.open_period(code, workload.scheme.scheme, workload.scheme.version, "admin", AT)
        import_rows(ledger, code, read(path), "督查科", AT, batch=BATCH)
        ledger.close_period(code, "admin", AT)
        published = date(2026, 4, 13)
        sealed = ledger.publish(code, published, "admin", AT)["position"]
        filed, decided = date(2026, 4, 14), date(2026, 4, 15)
        decide_appeals(ledger, code, path_appeals(workload), filed, decided)
        yield service, code, sealed
    finally:
        service.close()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _fact_positions(reader: PostgresReader, stream: str, upto: int) -> list[int]:
    """A stream's fact rows' positions, one query of its own (the stream's index), as a check."""
    return [p for p, _s, _v, topic, _payload in reader.stream(stream, upto) if topic in FACT_TOPICS]


def test_the_first_pass_places_exactly_each_streams_fact_rows(stored: tuple[Service, str, int]) -> None:
    """Scattered streams (several pieces) are placed from one query for them all: the same positions as each
    stream's own rows give, now and as of the seal; and the store does hold such streams."""
    service, code, sealed = stored
    scattered = 0
    for position in (None, sealed):
        plan = plan_replay(service.ledger.recorder, code, position, "default", 1).plan
        reader = plan.reader
        assert isinstance(reader, PostgresReader)
        try:
            for subject, placed in plan.streams.items():
                expected = _fact_positions(reader, plan.names[subject], plan.upto)
                assert [p for a, b in placed.runs for p in range(a, b + 1)] == expected
                assert placed.rows == len(expected)
                scattered += len(placed.runs) > 1
            assert len(plan.streams) == len(plan.period.subjects)
        finally:
            reader.close()
    assert scattered > 10


@pytest.mark.parametrize("fragmented", [16, 0])
def test_the_fast_replay_on_postgresql_gives_the_reference_bytes(
    stored: tuple[Service, str, int], forked: None, monkeypatch: pytest.MonkeyPatch, fragmented: int  # noqa: F811
) -> None:
    """Forked workers reading their runs' rows by ranges of the notification id (16), or every stream in pieces
    by its id (0): the reference bytes, now and as of the seal."""
    service, code, sealed = stored
    monkeypatch.setattr(fast_runs, "FRAGMENTED", fragmented)
    source = service.ledger.recorder
    for position in (None, sealed):
        fast = b"".join(canonical_as_of(source, code, position, "default", workers=2))
        assert hashlib.sha256(fast).hexdigest() == hashlib.sha256(reference(service, code, position)).hexdigest()


def test_a_first_pass_that_loses_a_scattered_streams_row_is_caught(
    stored: tuple[Service, str, int], forked: None, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """The comparison above can fail: the scattered streams' positions each missing their last one."""
    service, code, _ = stored
    original = PostgresReader.positions_of

    def lossy(self: PostgresReader, streams: list[str], upto: int) -> dict[str, list[int]]:
        return {s: found[:-1] for s, found in original(self, streams, upto).items()}

    monkeypatch.setattr(PostgresReader, "positions_of", lossy)
    fast = b"".join(canonical_as_of(service.ledger.recorder, code, None, "default", workers=2))
    assert fast != reference(service, code)


def test_one_process_scores_a_period_in_runs_and_seals_it_as_the_reference(
    stored: tuple[Service, str, int], forked: None  # noqa: F811
) -> None:
    """A publication on PostgreSQL is scored in one process (the pool's threads forbid forking): in runs of
    groups (RUN subjects, 10 here) rather than the whole period at once, and the seal is the reference seal."""
    from replay.asof import fold_log
    from replay.fast_seal import fast_seal
    from replay.seal import seal_from

    service, code, _ = stored
    source = service.ledger.recorder
    single = plan_replay(source, code, None, "default", 1)
    try:
        assert single.workers == 1 and len(single.runs) > 1
        assert all(sum(len(single.plan.members[g]) for g in run[:-1]) < 10 for run in single.runs)
    finally:
        single.close()
    upto = source.max_notification_id()
    fold, records = fold_log(source, upto=upto)
    assert fast_seal(source, code, "default", upto, 1) == seal_from(fold, records, code, "default", upto)


def test_on_postgresql_pages_read_from_the_rows_briefs_are_the_pages_read_from_their_bodies(
    stored: tuple[Service, str, int]
) -> None:
    from tests.differential.briefs import check_briefs

    service, code, _ = stored
    check_briefs(service, code, limit=40)


def test_a_publication_on_postgresql_is_sealed_by_a_process_of_its_own_that_forks_its_workers(
    stored: tuple[Service, str, int], forked: None, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """The pool's threads forbid forking here: a spawned process plans the period and forks two scoring workers
    and the trees' process (runs of 10 subjects, as configured here); its seal is the reference seal."""
    import threading

    from replay import fast_seal as sealing
    from replay.asof import fold_log
    from replay.seal import seal_from

    service, code, _ = stored
    source = service.ledger.recorder
    assert threading.active_count() > 1  # the recorder's connection pool
    apart = []
    original = sealing._apart
    monkeypatch.setattr(sealing, "_apart", lambda *args: apart.append(args) or original(*args))
    monkeypatch.setattr(sealing, "APART_MIN", 0)  # the stored province is shorter than a log sealed apart
    upto = source.max_notification_id()
    fold, records = fold_log(source, upto=upto)
    assert sealing.fast_seal(source, code, "default", upto, 2) == seal_from(fold, records, code, "default", upto)
    assert len(apart) == 1
