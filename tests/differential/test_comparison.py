"""The comparison between two log positions (service/comparison.py, issue 12) replays a side the views do not hold
with the fast replay, a run of groups at a time, and says exactly what it said with the reference (the whole log
folded, then scored): the pages' and the API's whole output, on the benchmark workloads published and appealed
(positions before and after the upheld appeal, sides in the views and not) and on generated ones. The fast path is
taken (the reference's fold is never called); a plan that cannot vouch, or a run it cannot vouch for once the
comparison began, leaves that position to the reference, in the one replay slot, with the same answer; and the
comparison of a service started lazily never folds the whole log."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.workloads import build as workload_of
from projections.fast import replay as fast_replay
from projections.fast.plan import Unsure
from projections.fast.replay import FastReplay
from projections.records import read_log
from projections.runner import ProjectionRunner
from service import bootstrap, comparison, replays
from service.bootstrap import Service, build
from service.settings import Settings
from service.tokens import Actor
from tests.differential.test_stores import (  # noqa: F401 - the stored workloads
    AT,
    decide_appeals,
    published_workload,
    stored,
)
from tests.integration.helpers import record_quarter
from tests.signing import TEST_KEY

AUDITOR = Actor("审计员", "auditor", ())
quick = settings(max_examples=6, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _forced_reference(*_: Any, **__: Any) -> Any:
    raise Unsure("forced: the reference replays it")


def _no_whole_fold(*_: Any, **__: Any) -> Any:
    raise AssertionError("the reference folded the whole log: the fast path was not taken")


def answers(service: Service, code: str, first: int, last: int) -> bytes:
    """The pages' comparison and the API's, as bytes (the whole output)."""
    return orjson.dumps([comparison._explain(service, code, first, last),
                         comparison.between(service, code, first, last)])


def both_ways(service: Service, code: str, first: int, last: int, views: bool = True) -> tuple[bytes, bytes]:
    """The comparison answered with the fast path (the reference's fold forbidden) and with the reference (the fast
    plan made to raise Unsure); without `views`, neither side is read from the views."""
    with pytest.MonkeyPatch.context() as patch:
        if not views:
            patch.setattr(comparison, "_kept_in_views", lambda *_: None)
        patch.setattr(comparison, "fold_upto", _no_whole_fold)
        fast = answers(service, code, first, last)
        patch.undo()
        if not views:
            patch.setattr(comparison, "_kept_in_views", lambda *_: None)
        patch.setattr(comparison, "plan_replay", _forced_reference)
        return fast, answers(service, code, first, last)


def upheld_at(service: Service) -> int:
    """The position of the first fact an upheld appeal recorded."""
    return next(r.position for page in read_log(service.ledger.recorder) for r in page
                if r.state.get("appeal") and isinstance(r.state.get("fact"), dict))


@pytest.fixture
def runs_of_a_group(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs of a group or two, so that a side is scored in many runs."""
    monkeypatch.setattr(fast_replay, "RUN", 10)


def test_the_workloads_compare_the_same_both_ways(
    stored: tuple[Service, str, int], runs_of_a_group: None  # noqa: F811
) -> None:
    """Before and after the upheld appeal (the seal's kept rows, now, and positions the views never held), across
    the publication, and one side in the views with the other replayed."""
    service, code, sealed = stored
    last = service.ledger.recorder.max_notification_id() or 0
    upheld = upheld_at(service)
    assert sealed < upheld <= last
    changed = 0
    for first, to, views in ((sealed, last, False), (upheld - 1, upheld, True), (sealed - 1, upheld + 1, True),
                             (sealed // 2, last - 1, True), (sealed, upheld, True), (sealed // 3, sealed // 2, True)):
        fast, expected = both_ways(service, code, first, to, views)
        assert fast == expected, (first, to)
        changed += len(orjson.loads(fast)[0]["changes"])
    assert changed, "nothing changed between any two positions: nothing was compared"


def test_the_fast_path_is_taken(stored: tuple[Service, str, int], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """Neither side in the views: both planned by the fast replay, the reference's fold never called."""
    service, code, sealed = stored
    planned: list[int | None] = []
    plan = comparison.plan_replay

    def counted(source: Any, period: str, position: int | None, *rest: Any) -> FastReplay:
        planned.append(position)
        return plan(source, period, position, *rest)

    monkeypatch.setattr(comparison, "plan_replay", counted)
    monkeypatch.setattr(comparison, "fold_upto", _no_whole_fold)
    monkeypatch.setattr(comparison, "_kept_in_views", lambda *_: None)
    answers(service, code, sealed - 1, sealed + 1)
    assert sorted(set(planned)) == [sealed - 1, sealed + 1]


def test_a_run_the_fast_path_cannot_vouch_for_leaves_its_side_to_the_reference(
    stored: tuple[Service, str, int], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """Unsure met after the comparison began (the last run of the later side, in runs of a group): that side is
    replayed by the reference, the comparison made again, in the one replay slot taken once; the same answer."""
    service, code, sealed = stored
    last = service.ledger.recorder.max_notification_id() or 0
    _, expected = both_ways(service, code, sealed, last, views=False)
    bodies, reference = FastReplay.bodies, comparison._reference
    referred: list[int] = []
    slots: list[float] = []
    slot = comparison.replay_slot

    monkeypatch.setattr(fast_replay, "RUN", 1)
    runs: list[int] = []

    def unsure_later(replay: FastReplay, index: int) -> list[bytes]:
        runs.append(len(replay.runs) - len(replay.plan.members))  # a run a group
        if index == len(replay.runs) - 1 and replay.plan.upto >= last:
            raise Unsure("forced: a run not vouched for")
        return bodies(replay, index)

    def counted(service: Service, code: str, position: int) -> Any:
        referred.append(position)
        return reference(service, code, position)

    @contextmanager
    def one_slot(wait: float) -> Iterator[None]:
        slots.append(wait)
        with slot(wait):
            yield

    monkeypatch.setattr(FastReplay, "bodies", unsure_later)
    monkeypatch.setattr(comparison, "_reference", counted)
    monkeypatch.setattr(comparison, "replay_slot", one_slot)
    monkeypatch.setattr(comparison, "_kept_in_views", lambda *_: None)
    assert answers(service, code, sealed, last) == expected
    assert referred == [last, last], "the later side was not left to the reference (once per answer)"
    assert len(slots) == 2, "the replay slot was taken more than once for an answer"
    assert runs and not any(runs), "not a run a group"  # the bureau's one group: Unsure before its first subject
    assert replays._SLOT.acquire(blocking=False), "the replay slot was not given back"
    replays._SLOT.release()


@quick
@given(st.sampled_from(["bureau", "city", "province"]), st.integers(0, 10_000), st.integers(0, 3), st.data())
def test_generated_workloads_compare_the_same_both_ways(name: str, seed: int, appeals: int, data: Any) -> None:
    """Workloads from random seeds at small scales, published with some appeals upheld or rejected; two positions
    drawn anywhere in the log (neither side in the views), and the seal against now."""
    scale = {"bureau": 0.5, "city": 0.05, "province": 150 / 200_000}[name]
    workload = workload_of(name, seed=seed, scale=scale)
    with tempfile.TemporaryDirectory() as where:
        path = Path(where) / "facts.jsonl"
        workload.write(path)
        service = build(Settings(signing_key=TEST_KEY, data_dir=Path(where) / "store"))
        try:
            ledger, code = service.ledger, workload.period
            published, sealed = published_workload(ledger, workload, path)
            filed = date.fromordinal(published.toordinal() + 1)
            decide_appeals(ledger, code, workload.written.appeals()[:appeals], filed, filed)
            service.runner.catch_up()
            last = service.ledger.recorder.max_notification_id() or 0
            start = next(r.position for page in read_log(service.ledger.recorder) for r in page
                         if r.topic == "scoreledger:Period.Opened")  # the period is open from here
            first = data.draw(st.integers(start, last), "first")
            to = data.draw(st.integers(first, last), "to")
            for a, b, views in ((first, to, False), (sealed, last, True)):
                fast, expected = both_ways(service, code, a, b, views)
                assert fast == expected, (a, b)
        finally:
            service.close()


def test_a_period_the_fast_plan_does_not_vouch_for_is_compared_by_the_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stored rating admission sets aside: the fast replay raises Unsure for every position after it (when it
    scores that subject's run), and the comparison answers as the reference does; the position before it is the
    fast replay's."""
    from tests.differential.test_views import _older_fact

    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "store"))
    try:
        record_quarter(service)
        before = (service.ledger.recorder.max_notification_id() or 0) - 3  # the last facts of the quarter since
        _older_fact(service)
        service.runner.catch_up()
        last = service.ledger.recorder.max_notification_id() or 0
        monkeypatch.setattr(comparison, "_kept_in_views", lambda *_: None)
        referred: list[int] = []
        reference = comparison._reference

        def counted(service: Service, code: str, position: int) -> Any:
            referred.append(position)
            return reference(service, code, position)

        monkeypatch.setattr(comparison, "_reference", counted)
        found = answers(service, "2026-Q1", before, last)
        assert referred == [last, last], "the fast replay vouched for a period with a fact set aside"
        monkeypatch.setattr(comparison, "plan_replay", _forced_reference)
        assert found == answers(service, "2026-Q1", before, last)
        assert orjson.loads(found)[0]["changes"], "the set-aside fact changed nothing: nothing was compared"
    finally:
        service.close()


def test_a_service_started_lazily_compares_without_folding_the_whole_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over views already written, a lazily started service answers the comparisons (between positions, and an
    appeal's for the pages and the API) as one that folded every fact, and is still light afterwards."""
    whole = Settings(signing_key=TEST_KEY, data_dir=tmp_path / "whole")
    service = build(whole)
    try:
        facts = record_quarter(service)
        ledger = service.ledger
        ledger.close_period("2026-Q1", "admin", AT)
        sealed = int(ledger.publish("2026-Q1", date(2026, 6, 1), "督查科", AT)["seal"]["position"])
        filed = ledger.file_appeal("2026-Q1", "d1", [facts["late"]], "考勤机故障", [], date(2026, 6, 2), "d1代表", AT)
        ledger.accept_appeal(filed["appeal"], date(2026, 6, 2), "领导小组", AT)
        ledger.uphold_appeal(filed["appeal"], [{"type": "retraction", "target": facts["late"], "reason": "核实"}],
                             "属实", date(2026, 6, 3), "领导小组", AT)
        service.runner.catch_up()
        last = ledger.recorder.max_notification_id() or 0
    finally:
        service.close()
    shutil.copytree(tmp_path / "whole", tmp_path / "lazy")
    found = []
    for settings_, backlog in ((whole, None), (Settings(signing_key=TEST_KEY, data_dir=tmp_path / "lazy"), 0)):
        monkeypatch.setattr(bootstrap, "ProjectionRunner", partial(ProjectionRunner, fast_backlog=backlog))
        comparison._EXPLAINED.clear()
        service = build(settings_)
        try:
            light = service.runner.light
            answered = orjson.dumps([
                comparison.compare_positions(service, AUDITOR, "2026-Q1", str(sealed - 1), str(last - 1)),
                comparison.compare_positions(service, AUDITOR, "2026-Q1", str(sealed), None),
                comparison.compare_appeal(service, AUDITOR, filed["appeal"], date(2026, 6, 4)),
                comparison.appeal_comparison(service, AUDITOR, filed["appeal"])])
            found.append((light, answered, service.runner.light))
        finally:
            service.close()
    (whole_light, expected, _), (lazy_light, answered, still_light) = found
    assert not whole_light and lazy_light, "the second service did not start lazily"
    assert answered == expected
    assert still_light, "a comparison folded the whole log"
