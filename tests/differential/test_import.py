"""Bulk import both ways: the fast lane (service/bulk_fast.py) and the reference (every batch typed by the
fact models and checked by check_facts, saved through the aggregates). For the same file they store the
same events (positions, streams, versions, topics and payloads byte for byte, timestamps aside), and
they refuse the same bad files with the same problems, storing the same batches before the bad one.
A stream another writer appended to between two batches is decided again by the reference."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.workloads import build as workload_of
from bench.workloads import read
from domain.errors import FactsInvalid
from domain.ledger.ids import ledger_id
from service import bulk
from service.bootstrap import build
from service.settings import Settings
from tests.signing import TEST_KEY

AT = "2026-04-01T09:00:00+08:00"
SCALES = {"bureau": 1.0, "city": 0.1, "province": 120 / 200_000}
STAMP = re.compile(rb'"timestamp":\{"_type_":"datetime_iso","_data_":"[^"]*"\}')


def rows_of(name: str, seed: int = 2026) -> tuple[Any, list[dict[str, Any]]]:
    workload = workload_of(name, seed=seed, scale=SCALES[name])
    path = Path(tempfile.mkdtemp()) / "facts.jsonl"
    workload.write(path)
    return workload, list(read(path))


def imported(where: Path, workload: Any, rows: list[Any], fast: bool, batch: int,
             monkeypatch: pytest.MonkeyPatch,
             lines: bool = False) -> tuple[list[tuple[Any, ...]], str | None, bulk.ImportReport | None]:
    """Import into a fresh store one way: the stored rows (timestamps masked), the refusal if any, the report.
    `lines`: the rows as a file's JSON lines (`import_lines`; a row given as bytes is such a line already)."""
    service = build(Settings(signing_key=TEST_KEY, data_dir=where))
    report, refused = None, None
    try:
        ledger = service.ledger
        ledger.register_scheme(workload.scheme, "admin", AT)
        ledger.open_period(workload.period, workload.scheme.scheme, workload.scheme.version, "admin", AT)
        with monkeypatch.context() as patch:
            patch.setattr(bulk.Importer, "fast", fast)
            try:
                if lines:
                    file = [r if type(r) is bytes else orjson.dumps(r) + b"\n" for r in rows]
                    report = bulk.import_lines(ledger, workload.period, file, "督查科", AT, batch=batch)
                else:
                    report = bulk.import_rows(ledger, workload.period, [dict(r) for r in rows], "督查科", AT,
                                              batch=batch)
            except FactsInvalid as exc:
                refused = f"{exc} {[(p.path, p.message) for p in exc.problems]}"
            except (orjson.JSONDecodeError, TypeError) as exc:  # a line that is no JSON, or no object
                refused = f"{type(exc).__name__} {exc}"
    finally:
        service.close()
    with sqlite3.connect(where / "log.sqlite") as conn:
        stored = conn.execute("SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
                              "ORDER BY rowid").fetchall()
    return [(*r[:4], STAMP.sub(b'"timestamp":T', r[4])) for r in stored], refused, report


@pytest.fixture(autouse=True)
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker is forked even when earlier tests left threads behind (the full suite does), so that
    what these tests compare is what they say; its process takes no lock such a thread may hold."""
    monkeypatch.setattr(bulk, "can_fork", lambda: True)


@pytest.fixture
def places() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as where:
        yield Path(where)


def parsing(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """Who parses a file's lines under the pipeline: the worker ("worker"), or this process ("writer": as
    when the lines do not name their streams plainly)."""
    from service import bulk_pipe

    if where == "writer":
        monkeypatch.setattr(bulk_pipe, "line_names", lambda _lines: None)


@pytest.mark.parametrize(("piped", "lines"), [(True, None), (False, None), (True, "worker"), (True, "writer"),
                                              (False, "writer")])
@pytest.mark.parametrize("name", sorted(SCALES))
def test_the_workloads_are_stored_the_same_both_ways(name: str, piped: bool, lines: str | None, places: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast lane with its worker (service/bulk_pipe.py) and without it, against the reference; the rows
    given parsed, or as the file's lines parsed by the worker or by this process (`import_lines`)."""
    workload, rows = rows_of(name)
    expected, refused, _ = imported(places / "reference", workload, rows, False, 40, monkeypatch)
    with monkeypatch.context() as patch:
        patch.setattr(bulk.Importer, "piped", piped)
        parsing(patch, lines or "worker")
        found, refused_fast, report = imported(places / "fast", workload, rows, True, 40, monkeypatch,
                                               lines=lines is not None)
    assert refused is None and refused_fast is None
    assert len(found) > len(rows) // 2
    assert found == expected
    assert report is not None and report.fast_batches > 0, "the fast lane took no batch: nothing was compared"
    assert (report.piped_batches > 0) == piped, "the pipeline's worker checked no batch (service/bulk_pipe.py)"
    if lines == "worker":  # every line once (the province: every batch the lane's), some again when sent again
        facts = sum(1 for r in rows if r.get("type") != "subject")
        assert report.worker_lines == facts if name == "province" else report.worker_lines > 0, report
    else:
        assert report.worker_lines == 0, report


@pytest.mark.parametrize("seed", [0, 22, 28])
def test_a_batch_after_a_retraction_of_a_deduction_is_not_refused(
    seed: int, places: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the comparison below: the reference checked a later batch of a stream with an earlier
    retraction (counted for the uniqueness rules) but without its target, and refused the file as naming
    a fact not recorded; the lane, which admits the whole stream, took it. Both take it now."""
    workload, rows = rows_of("bureau", seed)
    expected, refused, _ = imported(places / "reference", workload, rows, False, 40, monkeypatch)
    found, refused_fast, _ = imported(places / "fast", workload, rows, True, 40, monkeypatch)
    assert refused is None and refused_fast is None
    assert found == expected


def _mutations() -> st.SearchStrategy[tuple[str, Any]]:
    return st.sampled_from([
        ("value", "101"), ("value", "1"), ("value", "-3"), ("value", "abc"), ("value", 95.5), ("value", 2**60),
        ("value", "90"), ("item", "no.such"), ("role", "nobody"), ("subject", "nobody"), ("rater", ""),
        ("id", "same"), ("target", "gone"), ("extra", "key"), ("scale_confirmed", True), ("corrects", "gone"),
        ("count", 0), ("evidence", "x" * 600), ("rater", "twice"), ("type", "veto"), ("period", "2025"),
    ])


quick = settings(max_examples=30, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@quick
@given(name=st.sampled_from(sorted(SCALES)), seed=st.integers(0, 10_000), pick=st.integers(0, 10**6),
       mutation=_mutations(), lines=st.booleans())
def test_a_bad_file_is_refused_the_same_way_with_the_same_batches_stored_before_it(
    name: str, seed: int, pick: int, mutation: tuple[str, Any], lines: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    workload, rows = rows_of(name, seed)
    facts = [i for i, r in enumerate(rows) if r.get("type") != "subject"]
    index = facts[pick % len(facts)]
    field, value = mutation
    bad = dict(rows[index])
    if value == "same":  # a fact id used before, in its own stream
        earlier = [rows[i]["id"] for i in facts if i < index and rows[i]["id"].split(":")[0] == bad["id"].split(":")[0]]
        value = earlier[-1] if earlier else bad["id"]
    if value == "twice" and bad.get("type") == "rating":  # a second rating of the same item by the same rater
        twin = [rows[i] for i in facts if i < index and rows[i].get("type") == "rating"
                and rows[i]["subject"] == bad["subject"] and rows[i]["item"] == bad["item"]]
        value = twin[-1]["rater"] if twin else bad["rater"]
    bad[field] = value
    rows[index] = bad
    with tempfile.TemporaryDirectory() as places:
        expected, refused, _ = imported(Path(places) / "reference", workload, rows, False, 40, monkeypatch)
        found, refused_fast, _ = imported(Path(places) / "fast", workload, rows, True, 40, monkeypatch, lines)
    assert refused_fast == refused
    assert found == expected


@pytest.mark.parametrize("where", ["worker", "writer", "one process"])
@pytest.mark.parametrize("bad", ["item", "no json", "no object", "not utf-8", "spaced", "escaped"])
def test_a_file_of_lines_is_refused_or_stored_as_this_process_would(bad: str, where: str, places: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A file's lines parsed by the pipeline's worker (or by this process: when their streams are not read
    from their bytes, or with no worker) against the reference reading the same lines in this process: the
    same refusal (the
    same problems; a line that is no JSON: orjson's error, once the batches before it are stored), the
    same rows. Lines not written as orjson writes them (spaces, escapes: their streams not read from
    their bytes) are parsed by this process and stored the same."""
    workload, rows = rows_of("province")
    facts = [i for i, r in enumerate(rows) if r.get("type") != "subject"]
    file: list[Any] = [orjson.dumps(r) + b"\n" for r in rows]
    late = facts[-50]
    if bad == "item":
        file[late] = orjson.dumps({**rows[late], "item": "no.such"}) + b"\n"
    elif bad == "no json":
        file[late] = b'{"id": broken\n'
    elif bad == "no object":
        file[late] = b"[1, 2]\n"
    elif bad == "not utf-8":
        file[late] = file[late].replace(b'"subject":"', b'"subject":"\xff')
    else:  # spaces after the colons (json.dumps's way), or every character outside ASCII escaped
        for i in facts[len(facts) // 3 :]:
            text = json.dumps(rows[i]) if bad == "spaced" else json.dumps(rows[i], separators=(",", ":"))
            file[i] = text.encode() + b"\n"
        assert any((b'": "' if bad == "spaced" else b"\\u") in file[i] for i in facts[len(facts) // 3 :])
    expected, refused, _ = imported(places / "reference", workload, file, False, 40, monkeypatch, lines=True)
    with monkeypatch.context() as patch:
        patch.setattr(bulk.Importer, "piped", where != "one process")
        parsing(patch, "worker" if where == "one process" else where)
        found, refused_fast, report = imported(places / "fast", workload, file, True, 40, monkeypatch, lines=True)
    assert (refused is None) == (bad in ("spaced", "escaped")), refused
    assert refused_fast == refused
    assert found == expected
    assert len(found) > len(facts) // 2
    if where == "worker":
        assert report is None or report.worker_lines > 0, report


@pytest.mark.parametrize(("field", "value"), [("extra", "key"), ("scale_confirmed", True), ("corrects", "gone"),
                                            ("evidence", "x")])
def test_a_rating_with_a_tenth_key_is_not_taken_as_a_plain_one(field: str, value: Any, places: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The rating lane (StreamAdmission.rating) takes a rating only with exactly the nine plain keys: one with
    any other key as well is judged as the reference judges it (the hypothesis test above meets these only
    by chance)."""
    workload, rows = rows_of("province")
    index = [i for i, r in enumerate(rows) if r.get("type") == "rating"][40]
    rows[index] = {**rows[index], field: value}
    expected, refused, _ = imported(places / "reference", workload, rows, False, 40, monkeypatch)
    found, refused_fast, report = imported(places / "fast", workload, rows, True, 40, monkeypatch)
    assert refused_fast == refused
    assert found == expected
    assert report is None or report.fast_batches > 0


def test_a_stream_another_writer_appended_to_is_decided_again_by_the_reference(
    places: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workload, rows = rows_of("province")
    subjects = [r for r in rows if r.get("type") == "subject"]
    facts = [r for r in rows if r.get("type") != "subject"]
    first = facts[0]["subject"]
    mine = [f for f in facts if f.get("subject") == first and f.get("type") == "rating"]
    service = build(Settings(signing_key=TEST_KEY, data_dir=places / "store"))
    try:
        ledger = service.ledger
        ledger.register_scheme(workload.scheme, "admin", AT)
        ledger.open_period(workload.period, workload.scheme.scheme, workload.scheme.version, "admin", AT)
        importer = bulk.Importer(ledger, workload.period, "督查科", AT)
        from domain.facts import Subject

        importer.subjects_in([Subject.model_validate({k: v for k, v in s.items() if k != "type"}) for s in subjects])
        importer.facts_in(mine[:10])
        assert importer.report.fast_batches == 1
        ledger.record_facts(workload.period, [mine[10]], "督查科", AT)  # another writer, the same stream
        importer.facts_in(mine[11:20])
        assert importer.report.fast_batches == 1  # the lane's insert conflicted: the reference decided it
        assert importer.report.batches == 3  # the subjects, the fast batch, the batch the reference decided
        with pytest.raises(FactsInvalid, match="used more than once"):
            importer.facts_in([mine[10]])  # recorded by the other writer: the stream refuses it again
        stream = ledger.maybe(ledger_id(workload.period, first, ledger.bureau))
    finally:
        service.close()
    with sqlite3.connect(places / "store" / "log.sqlite") as conn:
        versions = [v for (v,) in conn.execute(
            "SELECT originator_version FROM stored_events WHERE originator_id = ? ORDER BY originator_version",
            (ledger_id(workload.period, first, "default").hex,))]
    assert versions == list(range(1, 22)), versions  # opened, 20 facts: no gap, nothing twice
    assert len(stream.facts) == 20


def _fails_at(batch: int, how: str) -> Any:
    """A worker check that answers the first batches, then fails at the given one (raises, or dies)."""
    from service import bulk_pipe

    real, seen = bulk_pipe._checked, [0]

    def checked(*args: Any) -> Any:
        seen[0] += 1
        if seen[0] == batch:
            if how == "dies":
                os._exit(3)
            if how == "hangs":  # answers, but only after the writer stopped waiting
                time.sleep(10)
                return real(*args)
            raise RuntimeError("worker broken on purpose")
        return real(*args)

    return checked


@pytest.mark.parametrize("how", ["raises", "dies", "hangs"])
@pytest.mark.parametrize("bad", [False, True])
def test_a_failing_worker_leaves_its_batches_to_this_process(
    how: str, bad: bool, places: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pipeline's worker (service/bulk_pipe.py) failing mid-file: nothing it checked is half appended;
    every batch not yet inserted is decided in this process, so the store (and a later bad batch's
    refusal) is the reference's."""
    from service import bulk_pipe

    workload, rows = rows_of("bureau", 7)
    if bad:
        facts = [i for i, r in enumerate(rows) if r.get("type") != "subject"]
        rows[facts[-30]] = {**rows[facts[-30]], "item": "no.such"}
    expected, refused, _ = imported(places / "reference", workload, rows, False, 40, monkeypatch)
    monkeypatch.setattr(bulk.Importer, "piped", True)
    monkeypatch.setattr(bulk_pipe, "PATIENCE", 0.5)  # a hung worker: the writer goes on without it
    with monkeypatch.context() as patch:
        patch.setattr(bulk_pipe, "_checked", _fails_at(3, how))
        found, refused_fast, report = imported(places / "fast", workload, rows, True, 40, monkeypatch)
    assert (refused is not None) == bad
    assert refused_fast == refused
    assert found == expected
    if not bad:
        assert report is not None and 0 < report.piped_batches < report.fast_batches, report


def test_a_stream_another_writer_appended_to_under_the_pipeline_is_decided_again(
    places: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer appends to a stream while the worker already checked the next batches of it: the
    insert conflicts (the primary key), the worker's later answers are thrown away, and the batch is
    decided here on the stream as stored: no version twice, none skipped, every fact once."""
    monkeypatch.setattr(bulk.Importer, "piped", True)
    workload, rows = rows_of("province")
    subjects = [r for r in rows if r.get("type") == "subject"]
    first = next(r for r in rows if r.get("type") == "rating")["subject"]
    mine = [r for r in rows if r.get("subject") == first and r.get("type") == "rating"]
    service = build(Settings(signing_key=TEST_KEY, data_dir=places / "store"))
    try:
        ledger = service.ledger
        ledger.register_scheme(workload.scheme, "admin", AT)
        ledger.open_period(workload.period, workload.scheme.scheme, workload.scheme.version, "admin", AT)
        importer = bulk.Importer(ledger, workload.period, "督查科", AT)
        from domain.facts import Subject

        importer.subjects_in([Subject.model_validate({k: v for k, v in s.items() if k != "type"}) for s in subjects])

        def file() -> Iterator[dict[str, Any]]:
            for index, fact in enumerate(mine[:10] + mine[11:20]):
                if index == 6:  # the worker has the first two batches; the first is written
                    ledger.record_facts(workload.period, [mine[10]], "督查科", AT)
                yield fact

        importer.facts_in(file(), batch=3)
        report = importer.report
        assert report.piped_batches > 0 and report.piped_batches < report.batches - 1, report
        piped = report.piped_batches
        importer.facts_in(mine[20:26], batch=3)  # a new worker: the stream as stored is sent to it
        assert report.piped_batches == piped + 2, report
        stream = ledger.maybe(ledger_id(workload.period, first, ledger.bureau))
    finally:
        service.close()
    with sqlite3.connect(places / "store" / "log.sqlite") as conn:
        versions = [v for (v,) in conn.execute(
            "SELECT originator_version FROM stored_events WHERE originator_id = ? ORDER BY originator_version",
            (ledger_id(workload.period, first, "default").hex,))]
    assert versions == list(range(1, 28)), versions  # opened, 26 facts: no gap, nothing twice
    assert sorted(stream.facts) == sorted(f["id"] for f in mine[:26])


def test_the_reference_takes_the_earlier_targets_once_per_batch(places: Path, monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    """_check took `_with_targets` once for every earlier fact of the batch's streams (quadratic: 30 s for
    the city's two reference batches); it is taken once per decision of a batch."""
    workload, rows = rows_of("bureau")
    calls, real = [0], bulk._with_targets

    def counted(*args: Any) -> Any:
        calls[0] += 1
        return real(*args)

    monkeypatch.setattr(bulk, "_with_targets", counted)
    _, refused, report = imported(places / "reference", workload, rows, False, 40, monkeypatch)
    assert refused is None and report is not None
    assert 0 < calls[0] <= report.batches, (calls[0], report)


def test_an_import_that_cannot_fork_checks_every_batch_itself(places: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No worker (fork refused: memory, process limit): the lane in this process, the reference's rows."""
    from service import bulk_pipe

    def refused(*_: Any) -> None:
        raise OSError("fork refused on purpose")

    workload, rows = rows_of("bureau", 3)
    expected, _, _ = imported(places / "reference", workload, rows, False, 40, monkeypatch)
    monkeypatch.setattr(bulk.Importer, "piped", True)
    monkeypatch.setattr(bulk_pipe.Pipeline, "__init__", refused)
    found, refused_fast, report = imported(places / "fast", workload, rows, True, 40, monkeypatch)
    assert refused_fast is None and found == expected
    assert report is not None and report.piped_batches == 0 and report.fast_batches > 0, report


def _split_ratings(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The subjects, then each subject's first 20 ratings, then the rest of its ratings (file order kept;
    the ratings before the file's first amendment)."""
    subjects = [r for r in rows if r.get("type") == "subject"]
    facts = [r for r in rows if r.get("type") != "subject"]
    ratings = facts[: next(i for i, r in enumerate(facts) if r.get("type") != "rating")]
    seen: dict[str, int] = {}
    first, second = [], []
    for fact in ratings:
        seen[fact["subject"]] = seen.get(fact["subject"], 0) + 1
        (first if seen[fact["subject"]] <= 20 else second).append(fact)
    return subjects, first, second


def _two_imports(where: Path, workload: Any, rows: list[dict[str, Any]], fast: bool,
                 monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[bulk.ImportReport], list[Any], int]:
    """The subjects and each one's first ratings imported, then the rest of the ratings by a second import
    (a new lane, holding nothing), one way: the rows stored, both reports, the subjects' streams loaded by
    the ledger (in order) and how many of them by the first import."""
    subjects, first, second = _split_ratings(rows)
    service = build(Settings(signing_key=TEST_KEY, data_dir=where))
    loaded: list[Any] = []
    try:
        ledger = service.ledger
        ledger.register_scheme(workload.scheme, "admin", AT)
        ledger.open_period(workload.period, workload.scheme.scheme, workload.scheme.version, "admin", AT)
        streams = {ledger_id(workload.period, s["id"], ledger.bureau) for s in subjects}
        real, read = type(ledger).maybe, bulk.FastLane.stored
        inside: list[bool] = []

        def maybe(self: Any, aggregate_id: Any, *args: Any, **kwargs: Any) -> Any:
            if aggregate_id in streams and not inside:
                loaded.append(aggregate_id)
            return real(self, aggregate_id, *args, **kwargs)

        def stored(self: Any, names: list[str]) -> Any:  # streams read from their rows (or by maybe) count too
            inside.append(True)
            try:
                found = read(self, names)
            finally:
                inside.pop()
            loaded.extend(ledger_id(workload.period, n, ledger.bureau) for n, v in found.items() if v is not None)
            return found

        with monkeypatch.context() as patch:
            patch.setattr(type(ledger), "maybe", maybe)
            patch.setattr(bulk.FastLane, "stored", stored)
            patch.setattr(bulk.Importer, "fast", fast)
            patch.setattr(bulk.Importer, "piped", False)
            reports = [bulk.import_rows(ledger, workload.period, [dict(r) for r in subjects + first], "督查科", AT,
                                        batch=40)]
            new = len(loaded)
            reports.append(bulk.import_rows(ledger, workload.period, [dict(r) for r in second], "督查科", AT,
                                            batch=40))
    finally:
        service.close()
    with sqlite3.connect(where / "log.sqlite") as conn:
        stored = conn.execute("SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
                              "ORDER BY rowid").fetchall()
    return [(*r[:4], STAMP.sub(b'"timestamp":T', r[4])) for r in stored], reports, loaded, new


def test_the_lane_reads_only_the_streams_the_store_holds(places: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lane in one process asks the store once per batch which of the streams it does not hold exist
    (issue 12: reading each new stream alone was 11% of the full-scale import) and loads only those: an
    import of new streams loads none; a second import (a new lane, holding nothing) of the same streams
    loads each once and takes every batch; the rows stored are the reference's, both imports."""
    workload, rows = rows_of("province")
    expected, _, _, _ = _two_imports(places / "reference", workload, rows, False, monkeypatch)
    found, reports, loaded, new = _two_imports(places / "fast", workload, rows, True, monkeypatch)
    assert found == expected
    assert all(r.fast_batches == -(-r.facts // 40) > 0 for r in reports), reports  # every batch of facts
    assert new == 0, f"{new} reads of streams the store did not hold yet"
    second = _split_ratings(rows)[2]
    assert sorted(loaded) == sorted({ledger_id(workload.period, f["subject"], "default") for f in second}), (
        "each stored stream the second import met is loaded once")


@pytest.mark.parametrize("piped", [True, False])
def test_the_collector_stays_paused_while_the_lane_takes_the_batches(piped: bool, places: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """While the lane takes every batch the cyclic collector is paused between batches too (reading the
    file, the pipeline's inserts: issue 12, each full collection walked the whole import's objects); the
    first batch the reference decides ends that pause (what the reference makes is collected between its
    batches, as before); the collector is on again after the import."""
    import gc

    monkeypatch.setattr(bulk.Importer, "piped", piped)
    workload, rows = rows_of("province")
    subjects = [r for r in rows if r.get("type") == "subject"]
    facts = [r for r in rows if r.get("type") != "subject"]
    declined, check = facts[len(facts) // 2]["id"], bulk.FastLane.check

    def declining(self: Any, prepared: list[dict[str, Any]], routes: list[str]) -> Any:
        """The lane declines the batch holding the middle fact (in the worker too): the reference decides it."""
        return None if any(f.get("id") == declined for f in prepared) else check(self, prepared, routes)

    monkeypatch.setattr(bulk.FastLane, "check", declining)
    service = build(Settings(signing_key=TEST_KEY, data_dir=places / "store"))
    seen: list[tuple[bool, bool]] = []  # (the reference decided a batch already, the collector on) per fact read
    was = gc.isenabled()
    gc.enable()
    try:
        ledger = service.ledger
        ledger.register_scheme(workload.scheme, "admin", AT)
        ledger.open_period(workload.period, workload.scheme.scheme, workload.scheme.version, "admin", AT)
        importer = bulk.Importer(ledger, workload.period, "督查科", AT)
        from domain.facts import Subject

        importer.subjects_in([Subject.model_validate({k: v for k, v in s.items() if k != "type"}) for s in subjects])
        report = importer.report

        def file() -> Iterator[dict[str, Any]]:
            for fact in facts:
                seen.append((report.batches - 1 > report.fast_batches, gc.isenabled()))
                yield dict(fact)

        importer.facts_in(file(), batch=40)
        after = gc.isenabled()
    finally:
        service.close()
        (gc.enable if was else gc.disable)()
    assert report.fast_batches > 0 and report.batches - 1 > report.fast_batches, report  # both ways took some
    assert (piped and report.piped_batches > 0) or (not piped and report.piped_batches == 0), report
    assert not any(on for referenced, on in seen if not referenced), "the collector ran between the lane's batches"
    assert any(on for referenced, on in seen if referenced), "the collector stayed paused for the reference's batches"
    assert after, "the collector was left paused after the import"


@pytest.mark.parametrize(("idle", "piped"), [(1.0, True), (0.2, False)])
def test_the_import_takes_a_worker_only_when_a_cpu_is_free_now(idle: float, piped: bool, places: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The import's own decision (`Importer.piped` None), driven by an injected reading of /proc/stat: two
    CPUs, this process busy on one, the other `idle` free; the load average says the opposite (it is not
    what decides where /proc/stat is). Stored rows are the reference's either way."""
    from service import bulk_pipe

    stat, own = count(), count()  # each reading one window (15 ticks of each CPU) after the one before

    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0 if not piped else 9.0,) * 3, raising=False)
    monkeypatch.setattr(bulk_pipe, "WINDOW", 0.0)
    monkeypatch.setattr(bulk_pipe, "_proc_stat", lambda _cpus: (lambda n: (round(n * 15 * idle), n * 30))(next(stat)))
    monkeypatch.setattr(bulk_pipe, "_own_seconds", lambda: next(own) * 15 / bulk_pipe._HZ)
    workload, rows = rows_of("province")
    expected, _, _ = imported(places / "reference", workload, rows, False, 40, monkeypatch)
    found, refused, report = imported(places / "fast", workload, rows, True, 40, monkeypatch)
    assert refused is None and found == expected
    assert report is not None and report.fast_batches > 0
    assert (report.piped_batches > 0) is piped, report


@pytest.mark.parametrize("name", sorted(SCALES))
def test_the_writer_reads_every_stream_a_batch_names_from_its_lines(name: str) -> None:
    """What the writer sends the worker is the store's state of every stream the batch's lines name, read
    from their bytes (bulk_pipe.line_names), never fewer than the parsed facts name (a stream missed makes
    the worker decline the batch, which the rows compared above do not show)."""
    from service.bulk_pipe import line_names, names_of

    _, rows = rows_of(name)
    facts = [r for r in rows if r.get("type") != "subject"]
    for start in range(0, len(facts), 40):
        chunk = facts[start : start + 40]
        found = line_names([orjson.dumps(f) + b"\n" for f in chunk])
        assert found is not None and found >= {n for n in names_of(chunk) if type(n) is str}, start
    plain = {"id": "p1:x1", "type": "retraction", "target": "p2:r1", "reason": "x"}
    assert line_names([orjson.dumps(plain)]) == {"p2"}
    assert line_names([orjson.dumps({"subject": "张三", "corrects": "李四:r1"})]) == {"张三", "李四"}
    assert line_names([json.dumps(plain).encode()]) is None  # spaces: parsed by the writer
    assert line_names([json.dumps({"subject": "张三"}).encode()]) is None  # escaped
    assert line_names([b'{"subject":7}']) is None
    assert line_names([b'{"subject":"a\\"b"}']) is None


@pytest.mark.parametrize(("piped", "lines"), [(True, True), (False, False)])
def test_streams_the_lane_no_longer_holds_are_read_again_from_their_rows(piped: bool, lines: bool, places: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """With few streams held (at the province's full scale its last batches, the amendments and decisions,
    name streams written long before), the streams met again are read from their rows (`FastLane.stored`),
    and the rows stored are the reference's, with the worker and without it."""
    from service import bulk_fast, bulk_pipe

    workload, rows = rows_of("province")
    expected, refused, _ = imported(places / "reference", workload, rows, False, 40, monkeypatch)
    read: list[int] = []
    real = bulk_fast.FastLane._read

    def counted(found: list[Any]) -> Any:
        answer = real(found)
        read.append(answer is not None)
        return answer

    with monkeypatch.context() as patch:
        patch.setattr(bulk_fast, "KEEP", 4)
        patch.setattr(bulk_pipe, "KEEP", 4)
        patch.setattr(bulk_fast.FastLane, "_read", staticmethod(counted))
        patch.setattr(bulk.Importer, "piped", piped)
        found, refused_fast, report = imported(places / "fast", workload, rows, True, 40, monkeypatch, lines=lines)
    assert refused is None and refused_fast is None
    assert found == expected
    assert report is not None and (report.piped_batches > 0) == piped
    with monkeypatch.context() as patch:
        patch.setattr(bulk.Importer, "piped", piped)
        _, _, holding = imported(places / "holding", workload, rows, True, 40, monkeypatch, lines=lines)
    assert holding is not None and report.fast_batches == holding.fast_batches, (report, holding)  # as many taken
    assert sum(read) > 10 and all(read), f"streams read from their rows: {sum(read)} of {len(read)}"


def _lane(ledger: Any, workload: Any) -> Any:
    from service.bulk_fast import FastLane

    period = ledger.period(workload.period)
    scheme = ledger.scheme(period.scheme, period.scheme_version)
    return FastLane(ledger, workload.period, scheme, period.subjects, "督查科", AT)


def _stream_rows(where: Path, workload: Any, name: str) -> list[tuple[Any, ...]]:
    """A subject's stream as stored: (stream, version, topic, state) rows in version order."""
    with sqlite3.connect(where / "log.sqlite") as conn:
        return conn.execute("SELECT originator_id, originator_version, topic, state FROM stored_events "
                            "WHERE originator_id = ? ORDER BY originator_version",
                            (ledger_id(workload.period, name, "default").hex,)).fetchall()


def test_a_stream_read_from_its_rows_is_the_one_the_library_loads(places: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """`FastLane.stored` reads each stream's version and facts from its rows as the library's aggregate holds
    them (corrections and retractions too); a stream whose rows it cannot vouch for (here a string orjson
    refuses and the library's decoder reads: a lone surrogate) is loaded by the library."""
    workload, rows = rows_of("province")
    imported(places / "store", workload, rows, False, 40, monkeypatch)
    names = sorted(r["id"] for r in rows if r.get("type") == "subject")
    amended = sorted({r["id"].split(":", 1)[0] for r in rows if r.get("corrects") or r.get("target")})
    assert amended, "the workload has no corrections nor retractions: nothing compared"
    odd = names[1]
    with sqlite3.connect(places / "store" / "log.sqlite") as conn:
        conn.execute("UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), '\"rater\":\"', "
                     "'\"rater\":\"\\ud800') AS BLOB) WHERE originator_id = ? AND originator_version = 2",
                     (ledger_id(workload.period, odd, "default").hex,))
    service = build(Settings(signing_key=TEST_KEY, data_dir=places / "store"))
    try:
        ledger = service.ledger
        lane = _lane(ledger, workload)
        loaded = lane.stored([*names, "nobody"])
        expected: dict[str, Any] = {"nobody": None}
        for name in names:
            stream = ledger.maybe(ledger_id(workload.period, name, ledger.bureau))
            expected[name] = (stream.version, [dict(f) for f in stream.facts.values()])
        rows_of_odd = _stream_rows(places / "store", workload, odd)
    finally:
        service.close()
    assert loaded == expected
    assert [type(v) for f in loaded[odd][1] for v in f.values()] == [type(v) for f in expected[odd][1]
                                                                     for v in f.values()]
    assert "\ud800" in loaded[odd][1][0]["rater"]
    assert lane._read(rows_of_odd) is None  # read by the library, not from its rows


@pytest.mark.parametrize("change", ["gap", "topic", "type", "class version", "nan", "no fact", "first"])
def test_rows_the_lane_cannot_vouch_for_are_left_to_the_library(change: str, places: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """`FastLane._read` reads a stream from its rows only as the library reads them: otherwise None."""
    from service.bulk_fast import FastLane

    workload, rows = rows_of("province")
    imported(places / "store", workload, rows, False, 40, monkeypatch)
    name = sorted(r["id"] for r in rows if r.get("type") == "subject")[0]
    stored = [list(r) for r in _stream_rows(places / "store", workload, name)]
    assert FastLane._read([tuple(r) for r in stored]) is not None
    row = stored[3]
    if change == "gap":
        row[1] += 1
    elif change == "topic":
        row[2] = "scoreledger:Something.Else"
    elif change == "type":  # a value the library's decoder turns into one of its own types
        row[3] = row[3].replace(b'"rater":', b'"rater":{"_type_":"decimal_str","_data_":"1"},"x":', 1)
    elif change == "class version":
        row[3] = row[3][:-1] + b',"class_version":2}'
    elif change == "nan":
        row[3] = row[3].replace(b'"appeal":null', b'"appeal":NaN')
    elif change == "no fact":
        row[3] = row[3].replace(b'"fact":', b'"fakt":')
    else:
        stored = stored[1:]
    assert FastLane._read([tuple(r) for r in stored]) is None


@pytest.mark.parametrize("lines", [True, False])
def test_a_new_worker_takes_over_every_few_batches_and_the_rows_are_the_same(lines: bool, places: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipeline forks a new worker after RENEW batches (issue 12: a worker's CPU per batch grew by half
    over a long import), once the batches sent to the old one are inserted: the rows stored are the
    reference's, and every batch the lane takes is still the worker's (the new worker is sent the streams the
    old one held, read from the store)."""
    from service import bulk_pipe

    workload, rows = rows_of("province")
    expected, _, _ = imported(places / "reference", workload, rows, False, 40, monkeypatch)
    started: list[int] = []
    real = bulk_pipe.Pipeline._start

    def start(self: Any) -> None:
        real(self)
        started.append(self.process.pid)

    with monkeypatch.context() as patch:
        patch.setattr(bulk_pipe, "RENEW", 3)
        patch.setattr(bulk_pipe.Pipeline, "_start", start)
        patch.setattr(bulk.Importer, "piped", True)
        found, refused, report = imported(places / "fast", workload, rows, True, 40, monkeypatch, lines=lines)
        patch.setattr(bulk_pipe, "RENEW", 10**9)
        _, _, once = imported(places / "one worker", workload, rows, True, 40, monkeypatch, lines=lines)
    assert refused is None and found == expected
    assert report is not None and once is not None
    batches = report.batches - 1  # the subjects' batch aside
    assert len(set(started)) >= batches // 3 > 10, f"{len(set(started))} workers for {batches} batches"
    assert report.piped_batches == once.piped_batches > batches - 5, (report, once)
    import multiprocessing

    left = [p.pid for p in multiprocessing.active_children() if p.pid in started]
    assert not left, f"workers left running after the import: {left}"  # the retired ones and the last


@pytest.mark.parametrize("piped", [False, True])
def test_the_lanes_commits_checkpoint_the_wal_rarely_and_the_import_leaves_it_checkpointed(
        piped: bool, places: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every COMMIT of the lane's inserts is made with the connection's automatic checkpoint at WAL_PAGES,
    every other COMMIT on the log (the subjects' registration, the period, the reference's batches) at
    SQLite's own threshold, which each connection is back to after the import; once the lane's last batch
    is committed, a checkpoint (FastLane.settle). Read from the statements SQLite ran on the log's
    connections (their trace), the threshold followed connection by connection."""
    from service import bulk_fast

    statements: list[tuple[int, str]] = []
    connect = sqlite3.connect

    def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)
        if str(kwargs.get("database", args[0] if args else "")).endswith("log.sqlite"):
            key = id(conn)
            conn.set_trace_callback(lambda sql: statements.append((key, sql)))
        return conn

    monkeypatch.setattr(sqlite3, "connect", traced)
    monkeypatch.setattr(bulk.Importer, "piped", piped)
    workload, rows = rows_of("province")
    declined, check = [r for r in rows if r.get("type") != "subject"][300]["id"], bulk.FastLane.check

    def declining(self: Any, prepared: list[dict[str, Any]], routes: list[str]) -> Any:
        """One batch left to the reference: its COMMIT is not the lane's."""
        return None if any(f.get("id") == declined for f in prepared) else check(self, prepared, routes)

    monkeypatch.setattr(bulk.FastLane, "check", declining)
    _, refused, report = imported(places / "store", workload, rows, True, 40, monkeypatch)
    assert refused is None and report is not None and report.fast_batches > 3 and report.batches > report.fast_batches
    assert (report.piped_batches > 0) == piped, report
    default, threshold = 1000, {}
    inserted, lane, lane_commits, other_commits, settled_after_last = {}, {}, 0, 0, False
    for key, sql in statements:
        text = sql.strip().upper()
        if text.startswith("PRAGMA WAL_AUTOCHECKPOINT="):
            threshold[key] = int(text.split("=", 1)[1])
        elif text == "BEGIN":
            inserted[key], lane[key] = False, False
        elif text.startswith("INSERT INTO STORED_EVENTS"):
            inserted[key] = True
        elif text.startswith("SELECT MAX(ROWID) FROM STORED_EVENTS") and inserted.get(key):
            lane[key] = True  # the lane's write: its rows, then the last position, in one transaction
        elif text == "COMMIT" or text.startswith("COMMIT"):
            if lane.get(key):
                lane_commits += 1
                settled_after_last = False
                assert threshold.get(key, default) == bulk_fast.WAL_PAGES, "a lane's COMMIT at SQLite's threshold"
            elif inserted.get(key):
                other_commits += 1
                assert threshold.get(key, default) == default, "another COMMIT with the lane's threshold"
        elif text == "PRAGMA WAL_CHECKPOINT(PASSIVE)":
            settled_after_last = lane_commits > 0
    assert lane_commits == report.fast_batches and other_commits > 0, (lane_commits, other_commits, report)
    assert all(value == default for value in threshold.values()), f"a connection left at {threshold}"
    assert settled_after_last, "no checkpoint after the lane's last COMMIT"


# Keyed batches (`scoreledger facts import`: service/bulk_file.py) through the lane: each batch's CommandRecord
# written in its transaction, as the reference's `_save` writes it.

_KEY_TOPIC = "scoreledger:CommandRecord.Accepted"


def _store_rows(where: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(where / "log.sqlite") as conn:
        stored = conn.execute("SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
                              "ORDER BY rowid").fetchall()
    return [(*r[:4], STAMP.sub(b'"timestamp":T', r[4])) for r in stored]


def _opened(where: Path, workload: Any, ready: Any = None) -> Any:
    service = build(Settings(signing_key=TEST_KEY, data_dir=where))
    if not (where / "scheme-registered").exists():
        service.ledger.register_scheme(workload.scheme, "admin", AT)
        service.ledger.open_period(workload.period, workload.scheme.scheme, workload.scheme.version, "admin", AT)
        (where / "scheme-registered").touch()
    if ready is not None:
        with sqlite3.connect(where / "log.sqlite") as conn:
            conn.executescript(ready)
    return service


def _filed(where: Path, workload: Any, file: Path, fast: bool, batch: int, monkeypatch: pytest.MonkeyPatch,
           ready: str | None = None, writes: list[int] | None = None) -> tuple[Any, list[int]]:
    """`scoreledger facts import`'s work (bulk_file.import_files, a key per batch) into the store at `where`
    (made on first use): the report and, in order, -1 for each batch offered to the lane (`FastLane.record`) and
    the rows of each of its writes (0: nothing written)."""
    from service import bulk_fast
    from service.bulk_file import import_files

    writes = [] if writes is None else writes
    real, record = bulk_fast.FastLane.write, bulk_fast.FastLane.record

    def write(lane: Any, rows: list[tuple[Any, ...]]) -> int | None:
        position = real(lane, rows)
        writes.append(0 if position is None else len(rows))
        return position

    def offered(lane: Any, *args: Any, **kwargs: Any) -> Any:  # a batch offered to the lane: -1 in `writes`
        writes.append(-1)
        return record(lane, *args, **kwargs)

    service = _opened(where, workload, ready)
    try:
        with monkeypatch.context() as patch:
            patch.setattr(bulk.Importer, "fast", fast)
            patch.setattr(bulk_fast.FastLane, "write", write)
            patch.setattr(bulk_fast.FastLane, "record", offered)
            report = import_files(service.ledger, workload.period, [file], "督查科", AT, batch=batch).report
    finally:
        service.close()
    return report, writes


def _facts_file(name: str, where: Path, lines: int | None = None) -> tuple[Any, Path, int]:
    """The workload's facts file (its first `lines` only, if given) and how many subject lines lead it."""
    workload = workload_of(name, seed=2026, scale=SCALES[name])
    whole = where / f"{name}.jsonl"
    workload.write(whole)
    kept = whole.read_bytes().splitlines(keepends=True)
    subjects = sum(1 for line in kept if b'"type":"subject"' in line)
    if lines is not None:
        whole = where / f"{name}-{lines}.jsonl"
        whole.write_bytes(b"".join(kept[:lines]))
    return workload, whole, subjects


@pytest.mark.parametrize("name", ["bureau", "province"])
def test_a_keyed_import_takes_the_lane_and_stores_the_references_rows_and_keys(
    name: str, places: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch's key record (CommandRecord: key, request hash, result) is the reference's, byte for byte but
    for its timestamp, after the batch's events; the facts' events too."""
    workload, file, _ = _facts_file(name, places)
    reference, _ = _filed(places / "reference", workload, file, False, 40, monkeypatch)
    fast, writes = _filed(places / "fast", workload, file, True, 40, monkeypatch)
    expected, found = _store_rows(places / "reference"), _store_rows(places / "fast")
    keys = [r for r in found if r[3] == _KEY_TOPIC]
    assert fast.fast_batches > 0, "the lane took no keyed batch"
    assert fast.piped_batches == 0
    if name == "province":
        assert fast.fast_batches == fast.batches - -(-fast.subjects // 40), fast  # every batch of facts
    assert len(keys) == fast.batches == reference.batches > fast.fast_batches
    assert len([w for w in writes if w > 0]) == fast.fast_batches and 0 not in writes
    assert found == expected
    assert (fast.facts, fast.subjects, fast.position) == (reference.facts, reference.subjects, reference.position)


@pytest.mark.parametrize("first", ["lane", "reference"])
def test_a_keyed_rerun_after_an_interruption_skips_the_done_batches_with_the_lane_and_records_nothing_twice(
    first: str, places: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first run stopped after 3 batches of facts (written by the lane or by the reference); the whole file
    run again with the lane on finds their keys (`_done`), writes none of them, and takes the rest: the store is
    one whole run's. A third run finds every key and writes nothing."""
    workload, file, subjects = _facts_file("province", places)
    _, part, _ = _facts_file("province", places, subjects + 3 * 40)
    _filed(places / "whole", workload, file, False, 40, monkeypatch)
    before, _ = _filed(places / "store", workload, part, first == "lane", 40, monkeypatch)
    assert before.fast_batches == (3 if first == "lane" else 0)
    again, writes = _filed(places / "store", workload, file, True, 40, monkeypatch)
    subject_batches = -(-subjects // 40)
    assert again.skipped == subject_batches + 3, again
    # only the batches not done were offered to the lane, each written at once (none of the done ones)
    assert again.fast_batches == again.batches > 0 and writes[::2] == [-1] * again.batches, writes
    assert all(w > 0 for w in writes[1::2]) and len(writes) == 2 * again.batches, writes
    assert _store_rows(places / "store") == _store_rows(places / "whole")
    third, writes = _filed(places / "store", workload, file, True, 40, monkeypatch)
    assert (third.batches, writes) == (0, []) and third.skipped == again.skipped + again.batches
    assert _store_rows(places / "store") == _store_rows(places / "whole")


@pytest.mark.parametrize("change", ["a fact less", "a wrong field"])
@pytest.mark.parametrize("fast", [True, False])
def test_a_keyed_batch_changed_under_its_key_is_refused_by_the_lane_as_by_the_reference(
    fast: bool, change: str, places: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """IdempotencyKeyReused for a batch changed under its key (the first, or one after a batch the lane just
    wrote); a changed fact of the wrong shape is named first, as the reference names it. Nothing is stored."""
    from service.errors import IdempotencyKeyReused

    workload, rows = rows_of("province")
    subjects = [r for r in rows if r.get("type") == "subject"]
    facts = [r for r in rows if r.get("type") != "subject"]
    service = _opened(places / "store", workload)
    try:
        with monkeypatch.context() as patch:
            patch.setattr(bulk.Importer, "fast", fast)
            done = bulk.import_rows(service.ledger, workload.period, subjects + facts[:80], "督查科", AT, 40, "k")
            assert done.fast_batches == (2 if fast else 0)
            stored = _store_rows(places / "store")
            refused = (IdempotencyKeyReused, "{key}") if change == "a fact less" else (FactsInvalid, "note")
            changed = facts[1:81] if change == "a fact less" else [{**facts[0], "note": "changed"}, *facts[1:80]]
            with pytest.raises(refused[0], match=refused[1].format(key="k#f0")):
                bulk.import_rows(service.ledger, workload.period, subjects + changed, "督查科", AT, 40, "k")
            if change == "a fact less":  # the second batch changed, the first skipped; a third batch taken first
                more = bulk.import_rows(service.ledger, workload.period, subjects + facts[:120], "督查科", AT, 40,
                                        "k")
                assert (more.skipped, more.fast_batches) == (3 + 2, 1 if fast else 0), more
                stored = _store_rows(places / "store")
                changed = facts[:40] + facts[41:121] + facts[:1]
                with pytest.raises(IdempotencyKeyReused, match="k#f1"):
                    bulk.import_rows(service.ledger, workload.period, subjects + changed, "督查科", AT, 40, "k")
    finally:
        service.close()
    assert _store_rows(places / "store") == stored


def test_a_batch_whose_key_cannot_be_written_leaves_no_rows(places: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lane writes a batch's events and its key in one transaction: the key's insert failing (a trigger
    refuses the second batch's key) rolls back the batch's events too. The reference then decides the batch
    and fails alike; the store holds what a run of the file up to that batch stores, nothing of it."""
    workload, file, subjects = _facts_file("province", places)
    _, part, _ = _facts_file("province", places, subjects + 40)
    refuse = (f"CREATE TRIGGER no_key BEFORE INSERT ON stored_events WHEN NEW.topic = '{_KEY_TOPIC}' AND "
              "instr(CAST(NEW.state AS TEXT), ':f1:') > 0 BEGIN SELECT RAISE(ABORT, 'the key refused'); END;")
    from service.bulk_file import ImportStopped

    _filed(places / "part", workload, part, True, 40, monkeypatch)
    _opened(places / "store", workload).close()
    writes: list[int] = []
    with pytest.raises(ImportStopped) as stopped:
        _filed(places / "store", workload, file, True, 40, monkeypatch, ready=refuse, writes=writes)
    assert writes[:3] == [-1, writes[1], -1] and writes[1] > 40 and writes[3:] == [0], writes  # tried, rolled back
    report = stopped.value.outcome.report
    assert report.fast_batches == 1 and report.batches == -(-subjects // 40) + 1, report
    assert stopped.value.outcome.stopped_at is not None
    assert _store_rows(places / "store") == _store_rows(places / "part")
