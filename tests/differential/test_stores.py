"""The benchmark workloads in a real store (SQLite), replayed by the fast path in forked workers and by
the reference fold and engine: the same bytes, now and as of the seal; a log the fast path cannot vouch
for is replayed by the reference; and a fast path changed on purpose is caught."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from bench.workloads import build as workload_of
from bench.workloads import read
from domain.numbers import canonical_str
from domain.scoring.fast import encode
from domain.scoring.fast.card import CardFold
from projections.fast import index as fast_index
from projections.fast import replay as fast_replay
from projections.fast import runs as fast_runs
from projections.fast.api import fast_canonical, fast_hashes
from projections.fast.replay import plan_replay
from projections.period_input import key_of
from projections.schemes import scheme_for
from projections.scoring import canonical_chunks, result_hashes
from projections.subject_totals import SubjectTotals
from replay import fast_seal as fast_seal_module
from replay.asof import canonical_as_of, fold_log
from replay.fast_seal import fast_seal
from replay.merkle import MerkleBuilder
from replay.seal import seal_from
from service.bootstrap import Service, build
from service.bulk import import_rows
from service.settings import Settings
from tests.signing import TEST_KEY

AT = "2026-04-01T09:00:00+08:00"
SIZES = {"bureau": 1.0, "city": 0.2, "province": 300 / 200_000}  # the city's panel and facts at a fifth


def published_workload(ledger: Any, workload: Any, path: Path) -> tuple[date, int]:
    """A written workload's period opened under its scheme, its file imported, closed and published: the day it
    was published and the seal's position."""
    code = workload.period
    ledger.register_scheme(workload.scheme, "admin", AT)
    ledger.open_period(code, workload.scheme.scheme, workload.scheme.version, "admin", AT)
    import_rows(ledger, code, read(path), "督查科", AT)
    ledger.close_period(code, "admin", AT)
    published = date(2026, 12, 21) if code == "2026" else date(2026, 4, 13)
    return published, int(ledger.publish(code, published, "admin", AT)["position"])


@pytest.fixture(scope="module", params=sorted(SIZES))
def stored(request: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, str, int]]:
    """A workload imported, closed, published and appealed (one upheld, one rejected); and the seal's position."""
    name = request.param
    workload = workload_of(name, scale=SIZES[name])
    data = tmp_path_factory.mktemp(name)
    path = data / "facts.jsonl"
    workload.write(path)
    service = build(Settings(signing_key=TEST_KEY, data_dir=data / "store"))
    ledger, code = service.ledger, workload.period
    published, sealed = published_workload(ledger, workload, path)
    filed, decided = date.fromordinal(published.toordinal() + 1), date.fromordinal(published.toordinal() + 2)
    decide_appeals(ledger, code, path_appeals(workload)[:2], filed, decided)
    yield service, code, sealed
    service.close()


def path_appeals(workload: Any) -> list[dict[str, Any]]:
    appeals = workload.written.appeals()
    upheld = [a for a in appeals if "correction" in a][:1]
    return upheld + [a for a in appeals if "correction" not in a][:1]


def decide_appeals(ledger: Any, code: str, appeals: list[dict[str, Any]], filed: date, decided: date) -> None:
    """Each appeal filed and accepted on `filed`, then upheld with its correction (if it has one) or rejected."""
    for appeal in appeals:
        made = ledger.file_appeal(code, appeal["subject"], [appeal["contested"]], "申诉", [], filed, "申诉人", AT)
        ledger.accept_appeal(made["appeal"], filed, "admin", AT)
        if "correction" in appeal:
            ledger.uphold_appeal(made["appeal"], [appeal["correction"]], "申诉成立", decided, "admin", AT)
        else:
            ledger.reject_appeal(made["appeal"], "维持原分", decided, "admin", AT)


def reference(service: Service, code: str, position: int | None = None) -> bytes:
    fold, _ = fold_log(service.ledger.recorder, upto=position)
    return b"".join(canonical_chunks(fold, fold.periods[key_of("default", code)]))


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small periods scored by two forked workers, in runs of a group or two, the first pass scanning the
    log in two halves at once."""
    monkeypatch.setattr(fast_replay, "PARALLEL_MIN_SUBJECTS", 0)
    monkeypatch.setattr(fast_replay, "RUN", 10)
    monkeypatch.setattr(fast_index, "SPLIT", 0)


def test_a_streams_rows_by_position_are_its_fact_rows_by_its_index(stored: tuple[Service, str, int]) -> None:
    """The first pass places exactly each stream's fact rows: read by those positions (a range of the table,
    no topic compared), they are the rows its index gives, in the same order, now and as of the seal."""
    service, code, sealed = stored
    for position in (None, sealed):
        plan = plan_replay(service.ledger.recorder, code, position, "default", 1).plan
        try:
            for subject, placed in plan.streams.items():
                by_index = plan.reader.facts_of(plan.names[subject], plan.upto)
                assert plan.reader.facts_between(placed.runs) == by_index
        finally:
            plan.reader.close()
    assert plan.streams


def test_the_streams_counted_in_one_step_are_those_counted_row_by_row(stored: tuple[Service, str, int]) -> None:
    """The first pass's count of each stream's places (one step of the database, its text split here) is the
    row-by-row GROUP BY's, now and as of the seal."""
    service, code, sealed = stored
    reader = plan_replay(service.ledger.recorder, code, None, "default", 1).plan.reader
    try:
        for upto in (sealed, reader.last()):
            assert reader.streams(upto) == reader._streams(upto)  # type: ignore[attr-defined]
    finally:
        reader.close()


@pytest.mark.parametrize("few", [0, 4])
def test_streams_read_by_position_or_by_index_give_the_reference_bytes(
    stored: tuple[Service, str, int], forked: None, monkeypatch: pytest.MonkeyPatch, few: int
) -> None:
    service, code, _ = stored
    monkeypatch.setattr(fast_runs, "FEW_RUNS", few)  # 0: every stream read by its index
    fast = b"".join(canonical_as_of(service.ledger.recorder, code, None, "default", workers=2))
    assert hashlib.sha256(fast).hexdigest() == hashlib.sha256(reference(service, code)).hexdigest()


def test_the_fast_replay_gives_the_reference_bytes_now_and_as_of_the_seal(
    stored: tuple[Service, str, int], forked: None
) -> None:
    service, code, sealed = stored
    source = service.ledger.recorder
    assert len(plan_replay(source, code, None, "default", 2).runs) >= 1  # the fast path vouches for it
    for position in (None, sealed):
        fast = b"".join(canonical_as_of(source, code, position, "default", workers=2))
        assert hashlib.sha256(fast).hexdigest() == hashlib.sha256(reference(service, code, position)).hexdigest()


@pytest.mark.parametrize("workers", [1, 2])
def test_the_spooled_bytes_hash_known_before_they_are_read_is_the_reference_hash(
    stored: tuple[Service, str, int], forked: None, workers: int
) -> None:
    """fast_canonical hashes the runs as they are spooled (beside the workers, or from the bytes in hand in
    one process): the SHA-256 and length it gives before a piece is read are those of the reference bytes,
    now and as of the seal; and the pieces read afterwards are those bytes."""
    service, code, sealed = stored
    for position in (None, sealed):
        truth = reference(service, code, position)
        pieces = fast_canonical(service.ledger.recorder, code, position, "default", workers)
        assert pieces is not None
        assert (pieces.sha256, pieces.size) == (hashlib.sha256(truth).hexdigest(), len(truth))
        assert b"".join(pieces) == truth


def test_the_hashes_from_forked_workers_are_the_reference_hashes(stored: tuple[Service, str, int], forked: None) -> None:
    """The whole results' hash, each subject's and each group's (its results joined by commas), made in two forked
    workers a run of groups at a time (what a seal and the views' hashes are made of), are the reference's."""
    service, code, _ = stored
    fold, _ = fold_log(service.ledger.recorder)
    expected = result_hashes(fold, fold.periods[key_of("default", code)])
    made = fast_hashes(service.ledger.recorder, code, None, "default", 2)
    assert made is not None
    assert made == expected


def test_a_spool_closed_or_dropped_unread_is_removed(stored: tuple[Service, str, int], forked: None) -> None:
    service, code, _ = stored
    pieces = fast_canonical(service.ledger.recorder, code, None, "default", 2)
    assert pieces is not None
    if pieces.directory is None:  # one run (the bureau's one group), held in memory: no spool (test_held_run.py)
        replay = plan_replay(service.ledger.recorder, code, None, "default", 2)
        try:
            assert len(replay.runs) == 1
        finally:
            replay.close()
        return
    assert Path(pieces.directory).is_dir()
    pieces.close()
    assert not Path(pieces.directory).exists()
    dropped = fast_canonical(service.ledger.recorder, code, None, "default", 2)
    assert dropped is not None
    directory = Path(dropped.directory)
    assert directory.is_dir() and dropped.sha256
    del dropped  # never read, never closed
    assert not directory.exists()


@pytest.mark.parametrize(("chunk", "ahead"), [(None, None), (0, None), (3, 0), (3, 1), (None, 10**9)])
def test_a_seal_made_in_one_streaming_pass_is_the_reference_seal(
    stored: tuple[Service, str, int], forked: None, monkeypatch: pytest.MonkeyPatch, chunk: int | None,
    ahead: int | None
) -> None:
    """Results hashes, both Merkle roots, counts and the consistency proof from the seal before; the trees
    hashed in perfect chunks of 4,096 leaves (the workloads here are smaller: all in the last pieces), of
    one leaf and of eight (many chunks, and proof subtrees above and below a chunk's level); the trees
    process hashing no row, one batch or every row before it learns the period."""
    if chunk is not None:
        monkeypatch.setattr(MerkleBuilder, "CHUNK_LEVEL", chunk)
    if ahead is not None:
        monkeypatch.setattr(fast_seal_module, "AHEAD", ahead)
    service, code, _ = stored
    source = service.ledger.recorder
    upto = source.max_notification_id()
    fold, records = fold_log(source, upto=upto)
    expected = seal_from(fold, records, code, "default", upto)
    made = fast_seal(source, code, "default", upto, 2)
    assert made == expected and "consistency" in made


def test_a_fast_path_changed_on_purpose_is_caught(
    stored: tuple[Service, str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comparison above can fail: a rating note one character off, or a line's points one cent off."""
    service, code, _ = stored
    source, truth = service.ledger.recorder, reference(service, code)
    original = encode.line
    monkeypatch.setattr(encode, "_COUNTED", encode._COUNTED.replace(b'"note":%s%s"', b'"note":%s%s "'))
    monkeypatch.setattr(encode, "line", lambda facts, points, *rest: original(facts, points + 1, *rest))
    replayed = fast_canonical(source, code, None, "default", 1)
    assert replayed is not None and b"".join(replayed) != truth


def test_each_subject_scored_alone_has_its_total_in_the_reference_results(stored: tuple[Service, str, int]) -> None:
    """Read your writes on recording (projections/subject_totals.py): every subject of the workload scored
    alone, from the facts the fold counts for it, has the total the reference gives it in the whole period."""
    service, code, _ = stored
    fold, _ = fold_log(service.ledger.recorder)
    period = fold.periods[key_of("default", code)]
    expected = {r["subject"]: r["total"] for r in orjson.loads(reference(service, code))["subjects"]}
    found = SubjectTotals().totals(scheme_for(fold, period.scheme_hash), period, sorted(period.subjects))
    assert {s: canonical_str(t) for s, t in found.items()} == expected


def test_a_subject_scored_alone_wrongly_is_caught(stored: tuple[Service, str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison above can fail: a card's total one cent off in the fast scorer."""
    service, code, _ = stored
    fold, _ = fold_log(service.ledger.recorder)
    period = fold.periods[key_of("default", code)]
    expected = {r["subject"]: r["total"] for r in orjson.loads(reference(service, code))["subjects"]}
    original = CardFold.total
    monkeypatch.setattr(CardFold, "total", lambda self, card: original(self, card) + Decimal("0.01"))
    found = SubjectTotals().totals(scheme_for(fold, period.scheme_hash), period, sorted(period.subjects))
    assert {s: canonical_str(t) for s, t in found.items()} != expected


def test_a_store_left_behind_still_replays_fast(tmp_path: Path) -> None:
    """Nothing to replay: a period with no facts at all gives the reference's (empty) results."""
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data"))
    try:
        workload = workload_of("bureau")
        service.ledger.register_scheme(workload.scheme, "admin", AT)
        service.ledger.open_period("2026-Q1", "ZJG", workload.scheme.version, "admin", AT)
        spooled = fast_canonical(service.ledger.recorder, "2026-Q1", None, "default", 2)
        assert spooled is not None and spooled.sha256 == hashlib.sha256(reference(service, "2026-Q1")).hexdigest()
        spooled.close()
        fast = b"".join(canonical_as_of(service.ledger.recorder, "2026-Q1"))
        assert fast == reference(service, "2026-Q1")
    finally:
        service.close()


def test_pages_read_from_the_rows_briefs_are_the_pages_read_from_their_bodies(
    stored: tuple[Service, str, int]
) -> None:
    """Rankings and grades, now and as of the seal, a page at a time (projections/viewreads.py brief_of)."""
    from tests.differential.briefs import check_briefs

    service, code, _ = stored
    check_briefs(service, code)
