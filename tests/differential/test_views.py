"""The views built from zero both ways: by the runner folding and scoring every event (the reference) and
by the fast replay (projections/fast/views.py). Same headings, rows (subject, group, place, bytes), leaves,
kept seals with their timestamps, tracked position and totals; the same again after one more event (the
fast-built runner folds the log then). The position a row was last written at is left out: it says
when the row was written, which depends on how the backlog was cut into transactions."""

from __future__ import annotations

import copy
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.workloads import build as workload_of
from bench.workloads import read
from domain.facts import Subject
from domain.ledger.facts_ledger import FactLedger
from domain.ledger.ids import ledger_id
from domain.ledger.period import Period
from projections.fast import replay as fast_replay
from projections.fast import views as fast_views
from projections.runner import ProjectionRunner
from projections.viewstore import TABLES, PostgresViewStore, SQLiteViewStore
from service import commands
from service.bootstrap import Service, build
from service.bulk import import_rows
from service.settings import Settings
from tests.differential.test_stores import AT, decide_appeals, stored  # noqa: F401 - the stored workloads
from tests.integration.helpers import execute, record_quarter
from tests.signing import TEST_KEY

ROWS = "SELECT period, subject, grp, place, body FROM sl_view_rows"


def contents(views: SQLiteViewStore) -> dict[str, list[Any]]:
    with views.transaction() as cur:
        out = {}
        for table in TABLES:
            cur.execute(ROWS if table == "sl_view_rows" else f"SELECT * FROM {table}")  # noqa: S608
            out[table] = sorted(cur.fetchall())
        return out


def both(service: Service, where: Path) -> dict[str, tuple[ProjectionRunner, SQLiteViewStore]]:
    """A reference runner and a fast-building one over the same log, each with views of its own, caught up."""
    made = {}
    for name, backlog in (("reference", None), ("fast", 0)):
        views = SQLiteViewStore(where / f"{name}.sqlite")
        runner = ProjectionRunner(service.ledger.recorder, views, fast_backlog=backlog)
        runner.catch_up()
        made[name] = (runner, views)
    return made


def caught_up(made: dict[str, tuple[ProjectionRunner, SQLiteViewStore]]) -> None:
    """Both runners catch up with the log."""
    for runner, _ in made.values():
        runner.catch_up()


@contextmanager
def quarter_built_fast(tmp_path: Path) -> Iterator[tuple[Service, dict[str, Any], dict[str, str]]]:
    """A quarter recorded (tests.integration.helpers.record_quarter: its fact ids by name) and both runners over it,
    the fast one built by the fast replay and folding lazily."""
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "store"))
    try:
        ids = record_quarter(service)
        made = both(service, tmp_path)
        assert made["fast"][0].light and made["fast"][0].lazy, "the fast replay did not build the views (it fell back)"
        yield service, made, ids
    finally:
        service.close()


def same(made: dict[str, tuple[ProjectionRunner, SQLiteViewStore]], code: str, totals: bool = True) -> None:
    (reference, ref_views), (fast, fast_views) = made["reference"], made["fast"]
    expected, found = contents(ref_views), contents(fast_views)
    assert expected["sl_view_rows"], "the reference wrote no rows: nothing was compared"
    for table in TABLES:
        assert found[table] == expected[table], table
    key = f"default/{code}"
    everyone = set(reference.fold.periods[key].subjects)
    found, expected_totals = fast.totals_of(key, everyone), reference.totals_of(key, everyone)
    if totals:
        assert found == expected_totals
    else:  # a runner started over written views holds the totals of the groups it scored since
        assert found == {s: expected_totals[s] for s in found}


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small periods scored by two forked workers, in runs of a group or two, the leaves read by a process."""
    monkeypatch.setattr(fast_replay, "PARALLEL_MIN_SUBJECTS", 0)
    monkeypatch.setattr(fast_replay, "RUN", 10)
    monkeypatch.setattr(fast_views, "SMALL", 0)


def test_the_workloads_views_from_zero_are_the_same_both_ways(
    stored: tuple[Service, str, int], forked: None, tmp_path: Path  # noqa: F811
) -> None:
    service, code, _ = stored
    made = both(service, tmp_path)
    assert made["fast"][0].light, "the fast replay did not build the views (it fell back)"
    same(made, code)
    with made["fast"][1].transaction() as cur:
        cur.execute("SELECT kept FROM sl_view_seals")
        assert [k for (k,) in cur.fetchall()] == [1]  # the publication's rows were kept, as the reference keeps them


@pytest.mark.parametrize("form", ["runs", "copy"])
def test_the_leaves_come_in_many_messages_through_a_full_outbox_the_same(
    stored: tuple[Service, str, int], forked: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,  # noqa: F811
    form: str,
) -> None:
    """The leaves process's handover of many chunks (the bench's logs are millions of rows; these fit in one
    chunk of 50,000, read in one batch): rows read 5 at a time, sent in chunks of 7 leaves through an outbox of 2,
    so the process waits on the parent while it plans and scores, and every chunk after the first is written
    as the first is; in either form the leaves are sent (JSON runs for SQLite, COPY's text lines for PostgreSQL,
    here written by the base `add_leaf_lines`)."""
    from projections.fast.reading import SQLiteReader
    from projections.viewstore import SQLiteViewStore

    monkeypatch.setattr(SQLiteViewStore, "leaf_form", form)

    rows = SQLiteReader.rows
    monkeypatch.setattr(SQLiteReader, "rows", lambda self, upto, chunk=5: rows(self, upto, 5))
    monkeypatch.setattr(fast_views, "CHUNK", 7)
    monkeypatch.setattr(fast_views, "OUTBOX", 2)
    service, code, _ = stored
    made = both(service, tmp_path)
    assert made["fast"][0].light, "the fast replay did not build the views (it fell back)"
    same(made, code)


def test_the_leaves_made_by_the_processes_that_read_the_rows_are_the_same(
    stored: tuple[Service, str, int], forked: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,  # noqa: F811
) -> None:
    """`leaves_by_workers` (PostgreSQL's; here on SQLite, whose workers then read the rows whole by positions): the
    first pass's rows, the forked workers' fact rows and the rest (the joint stream's) hashed where they are read,
    the leaves process making only the stamps of the publication."""
    from projections.fast.reading import SQLiteReader

    monkeypatch.setattr(SQLiteReader, "leaves_by_workers", True)
    service, code, _ = stored
    made = both(service, tmp_path)
    assert made["fast"][0].light, "the fast replay did not build the views (it fell back)"
    same(made, code)


def _hashed_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every planned subject's fact rows hashed by the builder as well as by the workers."""
    rest = fast_views._Counted.rest
    monkeypatch.setattr(fast_views._Counted, "rest", lambda self, index, plans, upto: rest(self, index, [], upto))


def _left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows no worker reads (the period left to the reference's) hashed by nobody."""
    monkeypatch.setattr(fast_views._Counted, "rest", lambda self, index, plans, upto: None)


@pytest.mark.parametrize("broken", [None, _hashed_twice, _left_out])
def test_leaves_that_do_not_cover_the_log_once_fail_the_build(
    broken: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A row hashed twice (SQLite's leaves ignore the second) or not at all: the count of leaves written is not the
    log's, the build fails and the reference catches the views up (the same views). Unbroken: the period left to
    the reference has its rows hashed by the builder, and the build stands."""
    from projections.fast.reading import SQLiteReader

    monkeypatch.setattr(SQLiteReader, "leaves_by_workers", True)
    if broken is not None:
        broken(monkeypatch)
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "store"))
    try:
        record_quarter(service)
        record_quarter_again(service)  # built by the fast replay
        _damaged_registration(service)  # the first quarter left to the reference: its rows read by the builder
        with caplog.at_level("ERROR", logger="scoreledger.projections"):
            made = both(service, tmp_path)
        assert (fast_views.UNCOVERED in caplog.text) == (broken is not None)
        assert ("the reference catches them up" in caplog.text) == (broken is not None)
        same(made, "2026-Q1")
        same(made, "2026-Q2")
    finally:
        service.close()


def test_after_a_fast_build_the_next_events_are_scored_as_the_reference_scores_them(tmp_path: Path) -> None:
    with quarter_built_fast(tmp_path) as (service, made, _):
        service.ledger.record_facts("2026-Q1", [{"type": "deduction", "item": "3.6", "subject": "d3"}], "咨询指导科", AT)
        caught_up(made)
        fast = made["fast"][0]
        assert fast.light  # the log is not folded whole for one more fact: its group's facts are (lazily)
        assert fast.lazy is not None and fast.lazy["default/2026-Q1"].loaded == {"all"}
        same(made, "2026-Q1")
        service.ledger.bind_scheme("2026-Q1", 2, "重新绑定", "admin", AT)  # every fact admitted again: folded whole
        caught_up(made)
        assert not fast.light
        same(made, "2026-Q1")


quick = settings(max_examples=6, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _odd_fact(service: Service) -> None:
    """A deduction of d2 stored in d1's stream (past the commands, as an older version or a hand edit might)."""
    fact = {"period": "2026-Q1", "recorded_by": "旧版本", "type": "deduction", "item": "3.6", "subject": "d2",
            "id": "d1:odd"}
    stream = service.ledger.repository.get(ledger_id("2026-Q1", "d1"))
    stream.trigger_event(FactLedger.DeductionRecorded, fact=fact, actor="旧版本", at=AT, appeal=None)
    service.ledger.save(stream)


def test_after_a_fast_build_a_fact_outside_its_stream_folds_the_whole_log(tmp_path: Path) -> None:
    """The lazy fold reads a group's own streams only: a fact that another subject's stream holds would be missed,
    so the runner folds the whole log when one comes (and scores as the reference does)."""
    with quarter_built_fast(tmp_path) as (service, made, _):
        fast = made["fast"][0]
        _odd_fact(service)
        caught_up(made)
        assert not fast.light, "a fact outside its stream was folded lazily"
        assert "d1:odd" in fast.fold.periods["default/2026-Q1"].by_subject["d2"]
        same(made, "2026-Q1")


def test_a_runner_started_over_its_views_folds_lazily_and_scores_as_the_reference(tmp_path: Path) -> None:
    """A restart over views already written (by a fast build, then a fact): the log is folded without its facts
    and each period lazily (projections/lazy.py: `vouched`); the next facts (a retraction among them) are scored
    as the reference scores them."""
    with quarter_built_fast(tmp_path) as (service, made, ids):
        service.ledger.record_facts("2026-Q1", [{"type": "deduction", "item": "3.6", "subject": "d3"}], "咨询指导科", AT)
        caught_up(made)
        again = ProjectionRunner(service.ledger.recorder, made["fast"][1], fast_backlog=0)
        assert again.light and again.lazy and not again.lazy["default/2026-Q1"].loaded
        assert again.position == made["reference"][0].position
        made["fast"] = (again, made["fast"][1])
        service.ledger.record_facts("2026-Q1", [{"type": "retraction", "target": ids["smoking"], "reason": "核实"}],
                                    "咨询指导科", AT)
        caught_up(made)
        assert again.light and again.lazy["default/2026-Q1"].loaded == {"all"}
        same(made, "2026-Q1")


def test_a_runner_started_over_a_log_with_a_fact_outside_its_stream_folds_it_whole(tmp_path: Path) -> None:
    """The start reads every fact row once and folds the whole log when one lies outside its stream (its group
    would miss it when folded from its own streams); the reference's results still."""
    with quarter_built_fast(tmp_path) as (service, made, _):
        _odd_fact(service)
        caught_up(made)
        again = ProjectionRunner(service.ledger.recorder, made["fast"][1], fast_backlog=0)
        assert not again.light, "a log with a fact outside its stream was folded lazily on start"
        assert "d1:odd" in again.folded.periods["default/2026-Q1"].by_subject["d2"]
        made["fast"] = (again, made["fast"][1])
        same(made, "2026-Q1", totals=False)


def test_a_period_opened_after_a_fast_build_is_published_with_the_stamps_of_the_whole_log(tmp_path: Path) -> None:
    """A publication while light, whichever period it seals: the kept seal's timestamps come from every event before
    it, as the whole fold's `Stamps` give them, here with a writer's clock ahead before the build (found by review: a
    period opened after the build kept stamps that began at the build); read from the log again (`LogStamps`), the
    whole log never folded for it (issue 12: 12 GB for the province)."""
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "store"))
    try:
        record_quarter(service)
        table = str(service.ledger.recorder.events_table_name)
        with sqlite3.connect(tmp_path / "store" / "log.sqlite") as conn:  # the last event stamped far ahead
            rowid, state = conn.execute(f"SELECT rowid, state FROM {table} ORDER BY rowid DESC LIMIT 1").fetchone()  # noqa: S608
            payload = orjson.loads(state)
            payload["timestamp"]["_data_"] = "2099-01-01T00:00:00+00:00"
            conn.execute(f"UPDATE {table} SET state = ? WHERE rowid = ?", (orjson.dumps(payload), rowid))  # noqa: S608
        made = both(service, tmp_path)
        fast = made["fast"][0]
        assert fast.light and fast.lazy
        ledger = service.ledger
        ledger.open_period("2026-Q2", "ZJG", 2, "admin", AT)
        ledger.register_subjects("2026-Q2", [Subject(id="d1", name="科室1", kind="department")], "admin", AT)
        ledger.record_facts("2026-Q2", [{"type": "deduction", "item": "3.6", "subject": "d1"}], "咨询指导科", AT)
        ledger.close_period("2026-Q2", "admin", AT)
        ledger.publish("2026-Q2", date(2026, 7, 13), "admin", AT)
        caught_up(made)
        assert fast.light, "a publication folded the whole log"
        with made["fast"][1].transaction() as cur:
            cur.execute("SELECT since_us, until_us, kept FROM sl_view_seals WHERE period = 'default/2026-Q2'")
            since, until, kept = cur.fetchone()
        assert kept == 1 and since == 4_070_908_800_000_000 and until is not None, (since, until, kept)  # 2099-01-01
        same(made, "2026-Q2")
        same(made, "2026-Q1", totals=False)
    finally:
        service.close()


def test_a_period_opened_again_after_a_fast_build_folds_the_whole_log(tmp_path: Path) -> None:
    """A second opening of a lazily folded period (a hand-edited or restored log: the commands never write one) starts
    it afresh in the fold: its earlier facts must not be loaded into it from their streams (found by review)."""
    with quarter_built_fast(tmp_path) as (service, made, _):
        fast = made["fast"][0]
        table = str(service.ledger.recorder.events_table_name)
        with sqlite3.connect(tmp_path / "store" / "log.sqlite") as conn:  # the opening and registrations again
            for (rowid,) in conn.execute(f"SELECT rowid FROM {table} WHERE topic IN ('scoreledger:Period.Opened', "  # noqa: S608
                                         "'scoreledger:Period.SubjectRegistered') ORDER BY rowid").fetchall():
                conn.execute(f"INSERT INTO {table} (originator_id, originator_version, topic, state) "  # noqa: S608
                             f"SELECT originator_id, (SELECT max(originator_version) + 1 FROM {table} e "
                             f"WHERE e.originator_id = o.originator_id), topic, state FROM {table} o WHERE rowid = ?",
                             (rowid,))
        fast.catch_up(write=False)  # folded, not yet scored: a read before the next write
        assert fast.facts_for("default/2026-Q1", {"d2"}) == {}, "facts of the period's first opening were loaded"
        caught_up(made)
        assert not fast.light
        same(made, "2026-Q1", totals=False)


def test_after_views_built_in_another_process_the_periods_are_known_without_an_event(tmp_path: Path) -> None:
    """Views built by a process of its own (`_built_apart`) that the lazy fold cannot take (a fact set aside): the
    runner holds nothing folded, and `meta` (periods, subjects, seals for the pages) folds the whole log when asked
    rather than answer with no period (found by review)."""
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "store"))
    try:
        record_quarter(service)
        _older_fact(service)
        views = SQLiteViewStore(tmp_path / "views.sqlite")
        reference = ProjectionRunner(service.ledger.recorder, views, fast_backlog=None)
        reference.catch_up()  # the views written, as the spawned process writes them
        built = ProjectionRunner(service.ledger.recorder, views, fast_backlog=0)
        assert built._built_apart(dict(reference.totals), reference.position)  # what the runner does after it
        assert built.light and built.lazy is None
        assert sorted(built.meta.periods) == sorted(reference.meta.periods) == ["default/2026-Q1"]
        assert built.meta.periods["default/2026-Q1"].subjects == reference.meta.periods["default/2026-Q1"].subjects
    finally:
        service.close()


def _reads_equal(made: dict[str, tuple[ProjectionRunner, SQLiteViewStore]], key: str, subjects: list[str]) -> None:
    """The fast runner's facts of these subjects and their totals, read lazily, are the reference's."""
    reference, fast = made["reference"][0], made["fast"][0]
    period = reference.fold.periods[key]
    found = fast.facts_for(key, set(subjects))
    for subject in subjects:
        wanted = {i: period.facts[i] for i in period.by_subject.get(subject, ())}
        assert {i: found.get(i) for i in wanted} == wanted, subject
    assert fast.scored_totals(key, set(subjects)) == reference.scored_totals(key, set(subjects))


def _recorder_equal(made: dict[str, tuple[ProjectionRunner, SQLiteViewStore]], key: str, recorder: str) -> None:
    """A recorder's facts listed by the lazily folded runner (`recorded_by`: positions and streams from the rows,
    then only those streams' groups folded) are the reference's, in both orders, paged from any position."""
    from projections.fast.joint import JOINT

    reference, fast = made["reference"][0], made["fast"][0]
    period = reference.fold.periods[key]
    wanted = sorted((period.positions[i], i) for i in period.facts if period.facts[i].get("recorded_by") == recorder)
    assert wanted, "the recorder recorded nothing: nothing compared"
    for newest_first in (True, False):
        ordered = wanted[::-1] if newest_first else wanted
        for start in range(len(ordered)):
            after = ordered[start - 1][0] if start else 0
            listed = fast.recorded_by(key, recorder)
            assert listed is not None, "the runner is not lazy"
            page = listed.page(after, 3, newest_first)
            assert [p for p, _ in page] == [p for p, _ in ordered[start:start + 3]], (newest_first, after)
            found = fast.period_for(key, {owner for _, owner in page if owner not in (None, JOINT)})
            assert found is not None
            ids = {p: i for i, p in found.positions.items()}
            assert [found.facts.get(ids.get(p, "")) for p, _ in page] == \
                [period.facts[i] for _, i in ordered[start:start + 3]], (newest_first, after)


def _counts_equal(made: dict[str, tuple[ProjectionRunner, SQLiteViewStore]], key: str) -> None:
    """The lazily folded runner's count of counted and late facts (the period's overview) is the reference's, and
    its list of the late facts' ids (the API's period overview) the reference's, in order."""
    period = made["reference"][0].fold.periods[key]
    assert made["fast"][0].fact_counts(key) == (len(period.facts), len(period.late))
    assert made["fast"][0].late_facts(key) == period.late


def test_joint_facts_across_groups_and_a_group_registered_after_the_build_fold_lazily_as_the_reference(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Four groups (IND): a joint fact across two groups and its correction before the build; after it a subject in a
    new group, a joint fact between it and a group not yet folded, a retraction of the correction (naming no subject
    itself: its target's), a restart, reads of one group before any event, more facts and a closing: the views, the
    facts and the totals read are the reference's throughout, and the runner stays lazy."""
    from tests.integration.test_appeal_bystanders import IND

    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "store"))
    key = "default/2026"
    try:
        ledger = service.ledger
        ledger.register_scheme(IND, "admin", AT)
        ledger.open_period("2026", "IND", IND.version, "admin", AT)
        ledger.register_subjects("2026", [Subject(id=s, name=f"干部{s}", kind="staff", group=g)
                                          for s, g in (("a", "g1"), ("b", "g1"), ("c", "g2"), ("d", "g3"))],
                                 "admin", AT)
        pair = [{"subject": "a", "role": "leader"}, {"subject": "c", "role": "member"}]
        joint, own_b = ledger.record_facts("2026", [{"type": "deduction", "item": "2.1", "parties": pair},
                                                    {"type": "deduction", "item": "4.1", "subject": "b"}],
                                           "办公室", AT)["facts"]
        (corrected,) = ledger.record_facts("2026", [{"type": "deduction", "item": "2.5", "corrects": joint,
                                                     "parties": pair}], "办公室", AT)["facts"]
        ledger.record_facts("2026", [{"type": "deduction", "item": "4.1", "subject": "d"}], "办公室", AT)
        made = both(service, tmp_path)
        fast = made["fast"][0]
        assert fast.light and fast.lazy

        def compared(totals: bool = True) -> None:
            caught_up(made)
            same(made, "2026", totals)

        ledger.register_subjects("2026", [Subject(id="e", name="干部e", kind="staff", group="g4")], "admin", AT)
        compared()
        ledger.record_facts("2026", [{"type": "deduction", "item": "2.1", "parties": [
            {"subject": "d", "role": "leader"}, {"subject": "e", "role": "member"}]}], "办公室", AT)
        compared()
        ledger.record_facts("2026", [{"type": "retraction", "target": corrected, "reason": "核实"}], "办公室", AT)
        compared()
        assert fast.light and fast.lazy[key].loaded == {"g1", "g2", "g3", "g4"}
        again = ProjectionRunner(service.ledger.recorder, made["fast"][1], fast_backlog=0)
        assert again.light and again.lazy
        made["fast"] = (again, made["fast"][1])
        _reads_equal(made, key, ["c"])
        assert again.lazy[key].loaded == {"g2"}
        _counts_equal(made, key)
        _recorder_equal(made, key, "办公室")  # its facts in g1, g2 (joint) and g3, and one folded since the build
        ledger.record_facts("2026", [{"type": "deduction", "item": "4.1", "subject": "e"}], "办公室", AT)
        ledger.record_facts("2026", [{"type": "retraction", "target": own_b, "reason": "核实"}], "办公室", AT)
        compared(totals=False)
        _reads_equal(made, key, ["a", "b", "c", "d", "e"])
        ledger.close_period("2026", "admin", AT)
        compared(totals=False)
        _recorder_equal(made, key, "办公室")
        _counts_equal(made, key)
        with monkeypatch.context() as racing:  # a writer that read the period before it closed: a late fact
            seen = commands.Ledger.period

            def still_open(self: Any, code: str, expected_version: int | None = None) -> Period:
                found = copy.copy(seen(self, code, expected_version))
                found.status = "open"
                return found

            racing.setattr(commands.Ledger, "period", still_open)
            ledger.record_facts("2026", [{"type": "deduction", "item": "4.1", "subject": "b"}], "办公室", AT)
        compared(totals=False)
        assert len(made["reference"][0].fold.periods[key].late) == 1, "no late fact: nothing compared"
        _recorder_equal(made, key, "办公室")  # the late fact is not among the recorder's (the fold does not count it)
        _counts_equal(made, key)
        assert again.light
        third = ProjectionRunner(service.ledger.recorder, made["fast"][1], fast_backlog=0)  # the late fact read
        assert third.light and third.lazy                                                  # from its row now
        made["fast"] = (third, made["fast"][1])
        _counts_equal(made, key)
        _recorder_equal(made, key, "办公室")
        _counts_equal(made, key)  # with the late fact's group folded now (listed in `late` by the load)
    finally:
        service.close()


def _split_import(workload: Any, data: Path, service: Service, share: float) -> list[dict[str, Any]]:
    """The workload's subjects and the first `share` of its facts imported, the rest of its facts returned. The
    generated joint facts (rank awards, facts naming several subjects) come last; the first half of them is moved
    first (they depend on no subject's facts), so that joint facts lie both before the build and after it."""
    workload.write(data / "facts.jsonl")
    rows = list(read(data / "facts.jsonl"))
    subjects = [r for r in rows if r.get("type") == "subject"]
    joint = [r for r in rows if str(r.get("id", "")).startswith("joint:")]
    facts = [r for r in rows if r.get("type") != "subject" and r not in joint]
    facts = joint[:len(joint) // 2] + facts + joint[len(joint) // 2:]
    cut = int(len(facts) * share)
    ledger, code = service.ledger, workload.period
    ledger.register_scheme(workload.scheme, "admin", AT)
    ledger.open_period(code, workload.scheme.scheme, workload.scheme.version, "admin", AT)
    import_rows(ledger, code, subjects + facts[:cut], "督查科", AT)
    return facts[cut:]


@quick
@given(st.sampled_from(["bureau", "city", "province"]), st.integers(0, 10_000), st.integers(1, 9))
def test_after_a_fast_build_facts_folded_group_by_group_score_as_the_reference(name: str, seed: int, batch: int) -> None:
    """A fifth of a workload's facts recorded after the fast build, a few at a time (joint facts, rank awards,
    retractions and corrections among them), each batch caught up by both runners: the fast-built runner folds
    only the groups the facts concern (projections/lazy.py) and its views stay the reference's; then the period is
    closed and published (still lazily: the seal's stamps read from the log again), the same again."""
    scale = {"bureau": 0.5, "city": 0.05, "province": 250 / 200_000}[name]
    workload = workload_of(name, seed=seed, scale=scale)
    with tempfile.TemporaryDirectory() as where:
        data = Path(where)
        service = build(Settings(signing_key=TEST_KEY, data_dir=data / "store"))
        try:
            rest = _split_import(workload, data, service, 0.8)
            code = workload.period
            made = both(service, data)
            fast = made["fast"][0]
            assert fast.light and fast.lazy, "the fast replay did not build the views (it fell back)"
            for at in range(0, len(rest), batch):
                import_rows(service.ledger, code, rest[at:at + batch], "督查科", AT)
                caught_up(made)
            assert fast.light, "the lazy fold fell back to the whole log"
            assert fast.lazy[f"default/{code}"].loaded, "no group was folded lazily: nothing was compared"
            same(made, code)
            _publish(service, workload, code, 1)
            caught_up(made)
            assert fast.light, "the publication or the appeal folded the whole log"
            same(made, code)
        finally:
            service.close()


@quick
@given(st.sampled_from(["bureau", "city", "province"]), st.integers(0, 10_000), st.booleans(), st.integers(0, 3))
def test_generated_periods_build_the_same_views_both_ways(name: str, seed: int, publish: bool, appeals: int) -> None:
    """Workloads from random seeds at small scales, published or not, with some appeals upheld or rejected."""
    scale = {"bureau": 0.5, "city": 0.05, "province": 150 / 200_000}[name]
    workload = workload_of(name, seed=seed, scale=scale)
    with tempfile.TemporaryDirectory() as where:
        data = Path(where)
        workload.write(data / "facts.jsonl")
        service = build(Settings(signing_key=TEST_KEY, data_dir=data / "store"))
        try:
            ledger, code = service.ledger, workload.period
            ledger.register_scheme(workload.scheme, "admin", AT)
            ledger.open_period(code, workload.scheme.scheme, workload.scheme.version, "admin", AT)
            import_rows(ledger, code, read(data / "facts.jsonl"), "督查科", AT)
            if publish:
                _publish(service, workload, code, appeals)
            made = both(service, data)
            assert made["fast"][0].light
            same(made, code)
        finally:
            service.close()


def _publish(service: Service, workload: Any, code: str, appeals: int) -> None:
    ledger = service.ledger
    ledger.close_period(code, "admin", AT)
    published = date(2026, 12, 21) if code == "2026" else date(2026, 4, 13)
    ledger.publish(code, published, "admin", AT)
    filed = date.fromordinal(published.toordinal() + 1)
    decide_appeals(ledger, code, workload.written.appeals()[:appeals], filed, filed)


def _older_fact(service: Service) -> None:
    """A stored rating admission sets aside (a second one by the same rater), written past the commands."""
    fact = {"period": "2026-Q1", "recorded_by": "旧版本", "type": "rating", "item": "rating", "subject": "d1",
            "role": "principal", "rater": "局长", "value": "70", "id": "d1:older"}
    stream = service.ledger.repository.get(ledger_id("2026-Q1", "d1"))
    stream.trigger_event(FactLedger.RatingRecorded, fact=fact, actor="旧版本", at=AT, appeal=None)
    service.ledger.save(stream)


def test_a_period_the_fast_plan_does_not_vouch_for_is_scored_by_the_reference(tmp_path: Path) -> None:
    """Two periods, one with a fact admission sets aside: the other is built fast, that one by the reference."""
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "store"))
    try:
        record_quarter(service)
        record_quarter_again(service)
        _older_fact(service)
        made = both(service, tmp_path)
        fast = made["fast"][0]
        assert not fast.light  # folded to score the period left to the reference
        same(made, "2026-Q1")
        same(made, "2026-Q2")
        with made["fast"][1].transaction() as cur:
            cur.execute("SELECT head FROM sl_view_heads WHERE period = 'default/2026-Q1'")
            assert b'"set_aside":[{"fact":"d1:older"' in cur.fetchone()[0]
    finally:
        service.close()


def _damaged_registration(service: Service) -> None:
    execute(service, "UPDATE stored_events SET state = X'7b7d' WHERE rowid = (SELECT min(rowid) FROM "
            "stored_events WHERE topic = 'scoreledger:Period.SubjectRegistered')", "")


def test_a_damaged_registration_leaves_its_period_to_the_reference(tmp_path: Path) -> None:
    """A subject's registration emptied by hand: the reference names it unreadable and scores the rest; the
    fast plan then meets a stream of no registered subject and leaves the period to it."""
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "store"))
    try:
        record_quarter(service)
        _damaged_registration(service)
        made = both(service, tmp_path)
        assert not made["fast"][0].light
        assert made["reference"][0].fold.unreadable
        same(made, "2026-Q1")
    finally:
        service.close()


def test_a_fast_build_that_fails_leaves_the_backlog_to_the_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import projections.runner

    def broken(*_: Any) -> None:
        raise RuntimeError("a row the fast path cannot read")

    monkeypatch.setattr(projections.runner, "build_views", broken)
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "store"))
    try:
        record_quarter(service)
        made = both(service, tmp_path)
        assert not made["fast"][0].light
        same(made, "2026-Q1")
    finally:
        service.close()


def record_quarter_again(service: Service) -> None:
    from domain.facts import Subject

    ledger = service.ledger
    ledger.open_period("2026-Q2", "ZJG", 2, "admin", AT)
    ledger.register_subjects("2026-Q2", [Subject(id="d1", name="科室1", kind="department")], "admin", AT)
    ledger.record_facts("2026-Q2", [{"type": "deduction", "item": "3.6", "subject": "d1"}], "咨询指导科", AT)


def test_a_published_period_the_fast_plan_does_not_vouch_for_leaves_the_backlog_to_the_reference(
    tmp_path: Path,
) -> None:
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "store"))
    try:
        record_quarter(service)
        _older_fact(service)
        service.ledger.close_period("2026-Q1", "admin", AT)
        service.ledger.publish("2026-Q1", date(2026, 4, 13), "admin", AT)
        made = both(service, tmp_path)
        assert not made["fast"][0].light
        same(made, "2026-Q1")
    finally:
        service.close()


def test_on_postgresql_the_views_from_zero_are_the_same_both_ways(tmp_path: Path) -> None:
    """The city (a fifth), published with an appeal upheld, in a PostgreSQL schema; each way's views in a schema
    of their own beside it. Then a runner started again over the fast views folds the log lazily, and another
    appeal decided after it (its correction folded with its group's facts) is scored as the reference scores it."""
    _on_postgresql(tmp_path, restart=True)


def test_on_postgresql_a_process_of_its_own_with_workers_builds_the_same_views(
    forked: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """As the service builds a long backlog (projections/fast/apart.py: a spawned process forking two workers, the
    leaves from the rows they read, the stamps of the publication by a process beside them); the runner then folds
    the log lazily here (as on a start), and an appeal decided after the build is scored as the reference does."""
    import projections.runner

    monkeypatch.setattr(projections.runner, "APART_MIN", 0)
    spawned = []
    apart = projections.runner.apart
    monkeypatch.setattr(projections.runner, "apart", lambda *a, **k: spawned.append(1) or apart(*a, **k))
    _on_postgresql(tmp_path)
    assert spawned, "the views were not built by a process of their own"


def _on_postgresql(tmp_path: Path, restart: bool = False) -> None:
    import uuid

    import psycopg

    from service.bootstrap import conninfo
    from tests.integration.conftest import PG, postgres_or_skip

    postgres_or_skip()
    admin = f"host={PG['pg_host']} port={PG['pg_port']} user={PG['pg_user']} dbname={PG['pg_dbname']}"
    schemas = {name: f"sl_{uuid.uuid4().hex[:12]}" for name in ("log", "reference", "fast")}
    with psycopg.connect(admin, autocommit=True) as conn:
        for schema in schemas.values():
            conn.execute(f"CREATE SCHEMA {schema}")
    settings = Settings(signing_key=TEST_KEY, store="postgres", pg_schema=schemas["log"], data_dir=tmp_path / "data",
                        **PG)  # type: ignore[arg-type]
    service = build(settings)
    made: dict[str, Any] = {}
    try:
        workload = workload_of("city", seed=7, scale=0.05)
        workload.write(tmp_path / "facts.jsonl")
        ledger, code = service.ledger, workload.period
        ledger.register_scheme(workload.scheme, "admin", AT)
        ledger.open_period(code, workload.scheme.scheme, workload.scheme.version, "admin", AT)
        import_rows(ledger, code, read(tmp_path / "facts.jsonl"), "督查科", AT)
        _publish(service, workload, code, 2)
        for name, backlog in (("reference", None), ("fast", 0)):
            views = PostgresViewStore(conninfo(settings.model_copy(update={"pg_schema": schemas[name]})))
            runner = ProjectionRunner(service.ledger.recorder, views, fast_backlog=backlog)
            runner.catch_up()
            made[name] = (runner, views)
        assert made["fast"][0].light and made["fast"][0].lazy, "the built views' runner does not fold lazily"
        same(made, code)
        again = made["fast"][0]
        if restart:
            again = ProjectionRunner(service.ledger.recorder, made["fast"][1], fast_backlog=0)
            assert again.light and again.lazy, "the runner started over the views did not fold the log lazily"
            made["fast"] = (again, made["fast"][1])
        filed = date(2026, 12, 22)
        decide_appeals(service.ledger, code, workload.written.appeals()[2:4], filed, filed)
        caught_up(made)
        assert again.light and again.lazy[f"default/{code}"].loaded
        same(made, code, totals=False)
    finally:
        for _, views in made.values():
            views.close()
        service.close()
        with psycopg.connect(admin, autocommit=True) as conn:
            for schema in schemas.values():
                conn.execute(f"DROP SCHEMA {schema} CASCADE")
