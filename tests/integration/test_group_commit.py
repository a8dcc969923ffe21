"""Group commit (service/group_commit.py, Ledger.run_group) on both stores: commands decided in order, each
against everything stored and accepted before it, the accepted ones appended in one transaction, each
answered with its own result or its own refusal; conflicts decide the group again; idempotency keys hold
within a group and across groups."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from domain.errors import FactsInvalid
from domain.ledger.ids import command_id, ledger_id
from replay.asof import fold_log
from service.bootstrap import Service
from service.errors import IdempotencyKeyReused
from service.group_commit import _Job
from service.ledger import Command, scoped_key
from tests.integration.helpers import AT, record_quarter

PERIOD = "2026-Q1"
RECORDER = "咨询指导科"


def command(service: Service, facts: list[dict[str, Any]], key: str | None = None) -> Command:
    """The command record_facts would run, without running it."""
    return service.ledger.record_facts(PERIOD, facts, RECORDER, AT, key=key, submit=lambda c: c)  # type: ignore[no-any-return]


def smoking(subject: str, fact_id: str | None = None) -> dict[str, Any]:
    fact = {"type": "deduction", "item": "3.6", "subject": subject}
    return fact if fact_id is None else {**fact, "id": fact_id}


def stored_ids(service: Service, subject: str) -> list[str]:
    stream = service.ledger.maybe(ledger_id(PERIOD, subject, service.ledger.bureau))
    return list(stream.facts) if stream is not None else []


def test_a_refused_command_among_accepted_ones_is_refused_alone_and_the_rest_is_one_transaction(
    service: Service,
) -> None:
    record_quarter(service)
    end = service.ledger.recorder.max_notification_id()
    outcomes = service.ledger.run_group([
        command(service, [smoking("d3")]),
        command(service, [{"type": "deduction", "item": "no-such-item", "subject": "d3"}]),
        command(service, [smoking("d4")]),
    ])
    first, refused, third = outcomes
    assert isinstance(refused, FactsInvalid)
    assert "no-such-item" in str(refused.problems) or refused.problems
    assert isinstance(first, dict) and isinstance(third, dict)
    assert first["facts"] != third["facts"] and first["replayed"] is third["replayed"] is False
    assert stored_ids(service, "d3")[-1] == first["facts"][0]
    assert stored_ids(service, "d4")[-1] == third["facts"][0]
    _, records = fold_log(service.ledger.recorder)
    appended = [r for r in records if r.position > end]
    assert len(appended) == 2  # the refused command appended nothing
    assert [r.position for r in appended] == [end + 1, end + 2]  # one insert, nothing in between
    assert {first["position"], third["position"]} == {end + 1, end + 2}  # each its own position


def test_a_command_sees_what_the_commands_before_it_in_the_group_decided(service: Service) -> None:
    record_quarter(service)
    first, second = service.ledger.run_group([
        command(service, [smoking("d3", "d3:twice")]),
        command(service, [smoking("d3", "d3:twice")]),
    ])
    assert isinstance(first, dict) and first["facts"] == ["d3:twice"]
    assert isinstance(second, FactsInvalid)  # refused: the same id is recorded by the command before it
    assert stored_ids(service, "d3").count("d3:twice") == 1


def test_a_refused_command_that_changed_a_shared_stream_is_taken_out_and_leaves_nothing(service: Service) -> None:
    """A batch refused after recording part of itself on a stream the group shares must not leave that part
    to be saved with the others (the group is decided again without it)."""
    record_quarter(service)
    ledger = service.ledger

    def half_then_refuse() -> Any:
        stream = ledger.maybe(ledger_id(PERIOD, "d3", ledger.bureau))
        stream.record(smoking("d3", "d3:half"), RECORDER, AT)
        raise FactsInvalid("refused after half the batch", [])

    outcomes = ledger.run_group([
        command(service, [smoking("d3", "d3:before")]),
        Command(half_then_refuse, key=None, request=["half"], actor=RECORDER, at=AT),
        command(service, [smoking("d3", "d3:after")]),
    ])
    assert isinstance(outcomes[0], dict) and isinstance(outcomes[2], dict)
    assert isinstance(outcomes[1], FactsInvalid)
    ids = stored_ids(service, "d3")
    assert "d3:half" not in ids and ids[-2:] == ["d3:before", "d3:after"]


def test_a_version_conflict_decides_the_group_again_and_loses_or_doubles_nothing(service: Service) -> None:
    record_quarter(service)
    ledger = service.ledger
    inner = command(service, [smoking("d3", "d3:grouped")])
    calls = []

    def decide_under_a_rival() -> Any:
        calls.append(1)
        decided = inner.decide()
        if len(calls) == 1:  # another writer appends to d3 after the group loaded it, before it saves
            rival = threading.Thread(target=lambda: ledger.record_facts(PERIOD, [smoking("d3", "d3:rival")], RECORDER, AT))
            rival.start()
            rival.join()
        return decided

    outcomes = ledger.run_group([
        Command(decide_under_a_rival, key=None, request=inner.request, actor=RECORDER, at=AT),
        command(service, [smoking("d4", "d4:grouped")]),
    ])
    assert len(calls) == 2  # the save conflicted once and the group was decided again
    assert [o["facts"] for o in outcomes] == [["d3:grouped"], ["d4:grouped"]]
    ids = stored_ids(service, "d3")
    assert ids.count("d3:rival") == ids.count("d3:grouped") == 1
    assert ids.index("d3:rival") < ids.index("d3:grouped")
    assert stored_ids(service, "d4").count("d4:grouped") == 1


def test_an_idempotency_key_twice_in_one_group_and_again_in_a_later_one_gives_one_result(service: Service) -> None:
    record_quarter(service)
    ledger = service.ledger
    end = ledger.recorder.max_notification_id()
    first, repeat, reused = ledger.run_group([
        command(service, [smoking("d3")], key="k-group"),
        command(service, [smoking("d3")], key="k-group"),
        command(service, [smoking("d4")], key="k-group"),
    ])
    assert first["replayed"] is False and repeat["replayed"] is True
    assert repeat["facts"] == first["facts"]
    assert isinstance(reused, IdempotencyKeyReused)
    after_group = ledger.recorder.max_notification_id()
    assert after_group == end + 2  # the fact and its command record, once
    (later,) = ledger.run_group([command(service, [smoking("d3")], key="k-group")])
    assert later["replayed"] is True and later["facts"] == first["facts"]
    assert ledger.recorder.max_notification_id() == after_group
    assert ledger.record_facts(PERIOD, [smoking("d3")], RECORDER, AT, key="k-group")["facts"] == first["facts"]


def test_the_writer_answers_each_waiting_request_with_its_own_outcome(service: Service) -> None:
    record_quarter(service)
    writer = service.group_writer()
    commands = [command(service, [smoking(f"d{1 + i % 4}", f"d{1 + i % 4}:w{i}")]) for i in range(12)]
    commands[5] = command(service, [{"type": "deduction", "item": "no-such-item", "subject": "d2"}])

    async def all_at_once() -> list[Any]:
        futures = [writer.submit(c, lambda r: {**r, "then": True}) for c in commands]
        return await asyncio.gather(*futures, return_exceptions=True)

    outcomes = asyncio.run(all_at_once())
    assert isinstance(outcomes[5], FactsInvalid)
    for i, outcome in enumerate(outcomes):
        if i != 5:
            assert outcome["facts"] == [f"d{1 + i % 4}:w{i}"] and outcome["then"] is True
    stored = [f for s in ("d1", "d2", "d3", "d4") for f in stored_ids(service, s) if ":w" in f]
    assert sorted(stored) == sorted(f"d{1 + i % 4}:w{i}" for i in range(12) if i != 5)


def rating(rater: str, fact_id: str | None = None, corrects: str | None = None) -> dict[str, Any]:
    fact = {"type": "rating", "item": "rating", "subject": "d3", "role": "principal", "rater": rater, "value": "85"}
    return fact | ({"id": fact_id} if fact_id else {}) | ({"corrects": corrects} if corrects else {})


def test_the_kept_admission_follows_what_another_process_appends(service: Service) -> None:
    """Commands keep the stored facts of a stream admitted between them (Ledger._stored): facts another
    process appends since are admitted before the next command is checked."""
    record_quarter(service)
    ledger = service.ledger
    ledger.record_facts(PERIOD, [smoking("d3")], RECORDER, AT)  # d3's stored facts now kept admitted
    other = build_like(service)
    try:
        other.ledger.record_facts(PERIOD, [rating("乙", "d3:theirs")], RECORDER, AT)
    finally:
        other.close()
    (refused,) = ledger.run_group([command(service, [rating("甲", corrects="d3:theirs")])])
    assert isinstance(refused, FactsInvalid)
    assert "乙" in str(refused.problems)  # a correction keeps the rater of the fact it corrects


def test_a_conflict_forgets_the_kept_admission_of_facts_never_saved(service: Service) -> None:
    """A group whose save conflicts drops what it kept admitted: a rival saved another fact under the id
    the group had decided, and the next decision must see the rival's fact, not the group's."""
    record_quarter(service)
    ledger = service.ledger
    ours = command(service, [rating("甲", "d3:x")])
    calls = []

    def decide_under_a_rival() -> Any:
        calls.append(1)
        decided = ours.decide()
        if len(calls) == 1:
            rival = threading.Thread(target=lambda: ledger.record_facts(PERIOD, [rating("乙", "d3:x")], RECORDER, AT))
            rival.start()
            rival.join()
        return decided

    first, second = ledger.run_group([
        Command(decide_under_a_rival, key=None, request=ours.request, actor=RECORDER, at=AT),
        command(service, [rating("甲", corrects="d3:x")]),  # keeps rater 甲: fits ours, not the rival's
    ])
    assert len(calls) == 2
    assert isinstance(first, FactsInvalid) and isinstance(second, FactsInvalid)
    stream = ledger.maybe(ledger_id(PERIOD, "d3", ledger.bureau))
    assert stream.facts["d3:x"]["rater"] == "乙" and list(stream.facts)[-1] == "d3:x"


def test_a_checked_batch_stays_admitted_only_as_recorded_and_saved(service: Service) -> None:
    """A command's batch stays in its stream's kept admission (Ledger._checked, `_with_batch`), so the next command on
    the stream does not admit it again: a batch decided but never saved is not seen by the next command, one saved is,
    within a group and after it."""
    record_quarter(service)
    ledger = service.ledger
    ledger.record_facts(PERIOD, [smoking("d3")], RECORDER, AT)  # d3's stored facts now kept admitted
    command(service, [rating("丙", "d3:ghost")]).decide()  # decided, never saved
    saved, corrected = ledger.run_group([
        command(service, [rating("乙", "d3:ghost")]),  # the id is free: the decided one was never saved
        command(service, [rating("乙", corrects="d3:ghost")]),  # sees the fact before it in the group: rater 乙
    ])
    assert isinstance(saved, dict) and isinstance(corrected, dict), (saved, corrected)
    (refused,) = ledger.run_group([command(service, [rating("甲", corrects="d3:ghost")])])
    assert isinstance(refused, FactsInvalid)
    assert corrected["facts"][0] in str(refused.problems)  # already replaced by the correction saved in the group
    stream = ledger.maybe(ledger_id(PERIOD, "d3", ledger.bureau))
    assert stream.facts["d3:ghost"]["rater"] == "乙"


def test_the_fold_takes_a_fact_typed_by_the_ledger_only_when_it_folds_that_fact(service: Service) -> None:
    """The projections' admission takes the ledger's typed form of a fact it just checked (projections/admission.py,
    `typed_already`) only for an equal fact: another fact stored under the id of one decided and never saved (here one
    an older version let in, which admission sets aside) is typed, and judged, as stored."""
    from domain.ledger.facts_ledger import FactLedger
    from projections.period_input import key_of

    record_quarter(service)
    ledger = service.ledger
    command(service, [smoking("d3", "d3:same")]).decide()  # checked and typed, never saved
    stream = ledger.repository.get(ledger_id(PERIOD, "d3", ledger.bureau))
    older = {"type": "deduction", "item": "9.9", "subject": "d3", "period": PERIOD, "recorded_by": "旧版本",
             "id": "d3:same"}
    stream.trigger_event(FactLedger.DeductionRecorded, fact=older, actor="旧版本", at=AT, appeal=None)
    (saved,) = ledger.save(stream)
    service.runner.fold_to(saved.notification.id)
    period = service.runner.fold.periods[key_of(ledger.bureau, PERIOD)]
    assert "d3:same" not in period.facts
    assert period.set_aside[saved.notification.id]["fact"] == "d3:same"


def build_like(service: Service) -> Service:
    """Another process on the same store."""
    from service.bootstrap import build

    return build(service.settings)


def assert_folded_as_a_fresh_process_reads_it(service: Service, start: int) -> None:
    """The service's runner, folded from memory (its saves, the log's tail), holds what a fresh process's catch-up
    reads from the log, and its leaves after `start` are every event's once, in log order."""
    from projections.leaves import leaf_digest
    from projections.period_input import key_of
    from projections.records import read_log

    ledger, runner = service.ledger, service.runner
    key = key_of(ledger.bureau, PERIOD)
    subjects = {"d1", "d2", "d3", "d4"}
    fresh = build_like(service)
    try:
        fresh.runner.catch_up(write=False)
        assert fresh.runner.scored_totals(key, subjects) == runner.scored_totals(key, subjects)
        assert fresh.runner.fold.periods[key].facts == runner.fold.periods[key].facts
    finally:
        fresh.close()
    logged = [(r.position, leaf_digest(r)) for batch in read_log(ledger.recorder) for r in batch]
    assert runner.leaves == [leaf for leaf in logged if leaf[0] > start]  # every event once, in log order


def test_a_request_whose_event_loop_closed_does_not_keep_the_others_of_its_group_unanswered(service: Service) -> None:
    record_quarter(service)
    writer = service.group_writer()
    gone, waiting = asyncio.new_event_loop(), asyncio.new_event_loop()
    jobs = [_Job(command(service, [smoking(s)]), lambda r: r, loop, loop.create_future())
            for s, loop in (("d3", gone), ("d4", waiting))]
    gone.close()
    writer.commit(jobs)
    answer = waiting.run_until_complete(jobs[1].future)
    waiting.close()
    assert answer["facts"] == [stored_ids(service, "d4")[-1]]


def test_a_group_reads_its_idempotency_keys_at_once_and_still_replays_a_stored_one(service: Service) -> None:
    """The keys of a group are looked up in one read (Ledger._absent, issue 12): a key stored by an earlier
    group is found there and replayed, the new ones are decided, nothing is appended twice."""
    record_quarter(service)
    ledger = service.ledger
    before = len(stored_ids(service, "d3"))
    (first,) = ledger.run_group([command(service, [smoking("d3")], key="k-stored")])
    keys = [command(service, [smoking("d4" if k != "k-stored" else "d3")], key=k) for k in ("k-new-1", "k-stored", "k-new-2")]
    absent = ledger._absent([command_id(scoped_key(c.actor, c.decide, c.key)) for c in keys])  # type: ignore[arg-type]
    assert len(absent) == 2
    end = ledger.recorder.max_notification_id()
    new_1, stored, new_2 = ledger.run_group(keys)
    assert stored["replayed"] is True and stored["facts"] == first["facts"]
    assert new_1["replayed"] is False and new_2["replayed"] is False
    assert ledger.recorder.max_notification_id() == end + 4  # two facts and two command records
    assert len(stored_ids(service, "d3")) == before + 1


def test_the_answers_follow_the_saves_off_the_writer_thread(service: Service) -> None:
    """The answers are a second stage (issue 12): `then` runs on the answering thread, after its group was
    saved (the log holds the command's position), each once, one call per loop;
    a `then` that fails answers its own request that it was saved (SavedUnanswered, its cause the error) and the
    others with their results."""
    record_quarter(service)
    writer = service.group_writer()
    seen: list[tuple[str, int, int]] = []

    def then(result: dict[str, Any]) -> dict[str, Any]:
        stored = service.ledger.recorder.max_notification_id()
        seen.append((threading.current_thread().name, result["position"], stored))
        if result["facts"] == ["d2:fails"]:
            raise RuntimeError("then failed")
        return {**result, "then": True}

    async def waves() -> list[Any]:
        answers: list[Any] = []
        for wave in range(3):
            futures = [writer.submit(command(service, [smoking(f"d{1 + i}", f"d{1 + i}:w{wave}{i}")]), then)
                       for i in range(4)]
            futures.append(writer.submit(command(service, [smoking("d2", "d2:fails")]), then) if wave == 1 else
                           asyncio.sleep(0, "none"))
            answers += await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), 60)
        return answers

    answers = asyncio.run(waves())
    failed = [a for a in answers if isinstance(a, Exception)]
    assert [type(a).__name__ for a in failed] == ["SavedUnanswered"]
    assert str(failed[0]).startswith("this request was saved") and str(failed[0].__cause__) == "then failed"
    assert sum(1 for a in answers if isinstance(a, dict) and a["then"] is True) == 12
    assert {name for name, _, _ in seen} == {"group-answers"}
    assert all(position <= stored for _, position, stored in seen)  # saved before its answer
    assert len({position for _, position, _ in seen}) == 13  # each answered once
    writer.close()
    assert writer._answerer is not None and not writer._answerer.is_alive()


def test_closing_the_writer_answers_what_was_saved(service: Service) -> None:
    record_quarter(service)
    writer = service.group_writer()
    loop = asyncio.new_event_loop()
    try:
        jobs = [_Job(command(service, [smoking(s)]), lambda r: {**r, "then": True}, loop, loop.create_future())
                for s in ("d3", "d4")]
        writer.commit(jobs)
        writer.close()  # the answering thread finishes what it was handed before it stops
        answers = loop.run_until_complete(asyncio.wait_for(asyncio.gather(*(j.future for j in jobs)), 60))
    finally:
        loop.close()
    assert [a["facts"] for a in answers] == [[stored_ids(service, "d3")[-1]], [stored_ids(service, "d4")[-1]]]
    assert all(a["then"] is True for a in answers)


def test_a_group_loads_its_streams_in_one_read_and_decides_as_one_by_one(service: Service) -> None:
    """The streams and key records a group's commands name are read at once (Ledger._preload, issue 12): no
    stream is read alone, what another process appended since the cache took a stream is there, a new
    stream is opened, a stored key is replayed; the outcome is the one-by-one decision's."""
    record_quarter(service)
    ledger = service.ledger
    (first,) = ledger.run_group([command(service, [smoking("d3")], key="k-pre")])
    other = build_like(service)
    try:
        other.ledger.record_facts(PERIOD, [rating("乙", "d3:theirs")], RECORDER, AT)
    finally:
        other.close()
    reads: list[Any] = []
    select_events = ledger.recorder.select_events

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(args)
        return select_events(*args, **kwargs)

    ledger.recorder.select_events = counted  # type: ignore[method-assign]
    try:
        outcomes = ledger.run_group([
            command(service, [rating("甲", corrects="d3:theirs")]),  # refused: a correction keeps the rater 乙
            command(service, [rating("乙", "d3:mine", corrects="d3:theirs")], key="k-pre-2"),
            command(service, [smoking("d3")], key="k-pre"),  # stored: replayed
            command(service, [smoking("d4", "d4:new")]),
        ])
    finally:
        ledger.recorder.select_events = select_events  # type: ignore[method-assign]
    assert reads == []  # every aggregate came from the group's one read
    refused, corrected, replayed, new = outcomes
    assert isinstance(refused, FactsInvalid) and "乙" in str(refused.problems)
    assert corrected["facts"] == ["d3:mine"] and replayed["replayed"] is True and replayed["facts"] == first["facts"]
    assert new["facts"] == ["d4:new"]
    assert stored_ids(service, "d3")[-2:] == ["d3:theirs", "d3:mine"]
    assert stored_ids(service, "d4")[-1] == "d4:new"
    fresh = build_like(service)  # the store as another process reads it: the same streams
    try:
        assert list(fresh.ledger.maybe(ledger_id(PERIOD, "d3", ledger.bureau)).facts) == stored_ids(service, "d3")
    finally:
        fresh.close()


def test_read_your_writes_folds_the_saved_events_as_the_log_gives_them(service: Service, monkeypatch: Any) -> None:
    """The answers fold the events this process just saved without reading them back (ProjectionRunner.recorded,
    issue 12) when they continue the fold; the fold, its leaves and the totals are those of reading the log,
    and a gap (another process appended between) reads the log as before."""
    import projections.runner as runner_module
    from projections.records import read_log

    record_quarter(service)
    runner, ledger = service.runner, service.ledger
    start = runner.catch_up()
    reads: list[int] = []
    monkeypatch.setattr(runner_module, "read_log", lambda *a, **k: reads.append(1) or read_log(*a, **k))
    first = ledger.run_group([command(service, [smoking(f"d{i}")]) for i in (1, 2, 3)])
    runner.fold_to(max(o["position"] for o in first))
    assert reads == []  # folded as saved
    other = build_like(service)
    try:
        other.ledger.record_facts(PERIOD, [smoking("d4", "d4:theirs")], RECORDER, AT)
    finally:
        other.close()
    second = ledger.run_group([command(service, [smoking("d4")]), command(service, [rating("乙", "d3:r")])])
    runner.fold_to(max(o["position"] for o in second))
    assert reads != []  # a gap: the log was read
    reads.clear()
    third = ledger.run_group([command(service, [smoking("d2")])])
    runner.fold_to(third[0]["position"])
    assert reads == []
    assert_folded_as_a_fresh_process_reads_it(service, start)


def test_a_catch_up_reads_the_log_once_when_its_page_is_not_full(service: Service, monkeypatch: Any) -> None:
    """Issue 12 (PostgreSQL HTTP): a request's read of what another process appended, and every catch-up, read the
    recorder's table once when the page comes back short (the empty read after it was a second round trip); full
    pages are read on until a short or empty one, and every event is folded once, in log order."""
    import projections.records as records
    from projections.leaves import leaf_digest
    from projections.records import read_log

    record_quarter(service)
    runner, ledger = service.runner, service.ledger
    start = runner.catch_up()
    assert runner.fold.position == start  # folded now (the views built from zero leave it to the first use)
    pager = records.pager
    pages: list[int] = []

    def counted(source: Any) -> Any:
        raw = pager(source)
        if raw is None:
            return None
        page, name = raw
        return (lambda after, upto, limit: pages.append(limit) or page(after, upto, limit)), name

    other = build_like(service)
    try:
        other.ledger.record_facts(PERIOD, [smoking("d4", "d4:theirs"), smoking("d3", "d3:theirs")], RECORDER, AT)
    finally:
        other.close()
    monkeypatch.setattr(records, "pager", counted)
    assert runner.catch_up(write=False) == ledger.recorder.max_notification_id()
    assert len(pages) == 1
    pages.clear()
    monkeypatch.setattr(runner, "page", 2)  # four events in pages of two: two full pages, then an empty one
    before = ledger.recorder.max_notification_id()
    for subject in ("d1", "d2", "d3", "d4"):
        ledger.record_facts(PERIOD, [smoking(subject)], RECORDER, AT)
    assert ledger.recorder.max_notification_id() == before + 4
    assert runner.catch_up(write=False) == before + 4
    assert len(pages) == 3
    logged = [(r.position, leaf_digest(r)) for batch in read_log(ledger.recorder) for r in batch]
    assert runner.leaves == [leaf for leaf in logged if leaf[0] > start]  # every event once, in log order


def test_the_saved_events_kept_for_read_your_writes_stay_bounded(service: Service) -> None:
    """Saves nobody folds from memory (imports, the CLI: the log is read) are not kept without bound."""
    from types import SimpleNamespace

    import projections.runner as runner_module

    runner = service.runner
    saves = [[SimpleNamespace(notification=SimpleNamespace(id=10 * n + i)) for i in range(10)] for n in range(1, 1000)]
    for save in saves:
        runner.recorded(save)
        assert len(runner.saved) <= runner_module.SAVED_KEEP + 10
    assert len(runner.saved) < runner_module.SAVED_KEEP + 10


def test_a_writer_still_saving_when_close_gives_up_keeps_its_ledger_and_its_last_answer(
    service: Service, monkeypatch: Any
) -> None:
    """Review (issue 12): close waits for the writer only so long. A writer still saving then must not find its
    ledger closed under it, and its group is answered after close returned; the answer stage stops after that
    last group (the writer queues that stop itself) instead of being stopped by close before it and started
    again by the writer for an answer given after everything was closed."""
    import service.group_commit as group_commit

    record_quarter(service)
    writer = service.group_writer()
    entered, release = threading.Event(), threading.Event()
    run_group = service.ledger.run_group

    def slow(commands: list[Command]) -> list[Any]:
        entered.set()
        release.wait(60)
        return run_group(commands)

    closed: list[str] = []
    monkeypatch.setattr(service.ledger, "run_group", slow)
    monkeypatch.setattr(group_commit, "CLOSE_WAIT", 0.3)
    loop = asyncio.new_event_loop()
    try:
        async def submit() -> asyncio.Future[Any]:
            return writer.submit(command(service, [smoking("d3", "d3:last")]), lambda r: {**r, "then": True})

        future = loop.run_until_complete(submit())
        assert entered.wait(30)
        close_ledger, close_views = service.ledger.close, service.views.close
        monkeypatch.setattr(service.ledger, "close", lambda: closed.append("ledger"))
        monkeypatch.setattr(service.views, "close", lambda: closed.append("views"))
        service.close()  # gives up waiting for the writer
        assert closed == []  # the stores stay open under the running writer
        assert writer._thread is not None and writer._thread.is_alive()
        release.set()
        answer = loop.run_until_complete(asyncio.wait_for(future, 60))
        assert answer["facts"] == ["d3:last"] and answer["then"] is True
        writer._thread.join(30)
        assert writer._answerer is not None
        writer._answerer.join(30)
        assert not writer._answerer.is_alive()  # stopped after the last group, not waiting for another
        assert stored_ids(service, "d3")[-1] == "d3:last"

        async def after() -> Any:
            return await writer.submit(command(service, [smoking("d4")]))

        try:
            loop.run_until_complete(asyncio.wait_for(after(), 10))
        except group_commit.WriterClosed:
            pass
        else:
            raise AssertionError("a command submitted after close ran")
        monkeypatch.setattr(service.ledger, "close", close_ledger)
        monkeypatch.setattr(service.views, "close", close_views)
    finally:
        release.set()
        loop.close()


def test_a_command_run_alone_is_checked_before_its_key_and_answered_with_its_own_result_or_refusal(
    service: Service,
) -> None:
    """Issue 12 review: a group's command taken out (it changed a shared stream and was refused) is run by itself
    after the group (`LedgerBase._alone`): its check (the caller's token) first, before its idempotency key is
    looked up, as in the group; answered with its own result, or its refusal returned (never raised into the
    group's other answers), nothing of it appended when refused."""
    from service.tokens import Unauthenticated

    record_quarter(service)
    ledger = service.ledger

    def half(subject: str, fact_id: str) -> None:
        ledger.maybe(ledger_id(PERIOD, subject, ledger.bureau)).record(smoking(subject, fact_id), RECORDER, AT)

    # accepted alone: decided again by itself, saved with its key, answered with its own position
    inner = command(service, [smoking("d3", "d3:alone")], key="k-alone")
    first_calls: list[int] = []

    def taints_once() -> Any:
        first_calls.append(1)
        if len(first_calls) == 1:
            half("d3", "d3:half")
            raise FactsInvalid("refused after changing d3", [])
        return inner.decide()

    taints_once.__qualname__ = inner.decide.__qualname__
    end = ledger.recorder.max_notification_id()
    alone, other = ledger.run_group([
        Command(taints_once, key="k-alone", request=inner.request, actor=RECORDER, at=AT),
        command(service, [smoking("d4", "d4:beside")]),
    ])
    assert len(first_calls) == 2  # refused in the group, decided again alone
    assert isinstance(alone, dict) and alone["facts"] == ["d3:alone"] and alone["replayed"] is False
    assert isinstance(other, dict) and other["facts"] == ["d4:beside"]
    assert alone["position"] == ledger.recorder.max_notification_id() == end + 3  # after the group's one fact
    assert "d3:half" not in stored_ids(service, "d3") and stored_ids(service, "d3").count("d3:alone") == 1
    assert ledger.earlier(RECORDER, type(ledger).record_facts, "k-alone") is not None

    # refused alone by its check, before its key: the key's record stored meanwhile (by the group's other command,
    # the same request under the same key) is not replayed to a caller whose token was revoked
    keyed = command(service, [smoking("d4", "d4:keyed")], key="k-checked")
    checks: list[int] = []
    decided: list[int] = []

    def check() -> None:
        checks.append(1)
        if len(checks) > 1:
            raise Unauthenticated("the bearer token changed; send the request again")

    def taints() -> Any:
        decided.append(1)
        half("d3", "d3:half-again")
        raise FactsInvalid("refused after changing d3", [])

    taints.__qualname__ = keyed.decide.__qualname__
    end = ledger.recorder.max_notification_id()
    refused, saved = ledger.run_group([
        Command(taints, key="k-checked", request=keyed.request, actor=RECORDER, at=AT, check=check),
        keyed,
    ])
    assert isinstance(saved, dict) and saved["facts"] == ["d4:keyed"] and saved["replayed"] is False
    assert isinstance(refused, Unauthenticated), refused  # not the replay of the key's record, not raised
    assert str(refused) == "the bearer token changed; send the request again"
    assert checks == [1, 1] and decided == [1]  # checked in the group and alone; not decided again
    assert ledger.recorder.max_notification_id() == end + 2  # the other command's fact and key record only
    assert "d3:half-again" not in stored_ids(service, "d3")

    # refused alone by its check before it is decided: a decision that would now be accepted appends nothing
    fresh = command(service, [smoking("d3", "d3:unchecked")])
    checks.clear()
    decided.clear()

    def taints_then_accepted() -> Any:
        decided.append(1)
        if len(decided) == 1:
            half("d3", "d3:half-2")
            raise FactsInvalid("refused after changing d3", [])
        return fresh.decide()

    end = ledger.recorder.max_notification_id()
    (unchecked,) = ledger.run_group([Command(taints_then_accepted, key=None, request=fresh.request, actor=RECORDER,
                                             at=AT, check=check)])
    assert isinstance(unchecked, Unauthenticated), unchecked
    assert checks == [1, 1] and decided == [1]
    assert ledger.recorder.max_notification_id() == end
    assert "d3:unchecked" not in stored_ids(service, "d3")

    # refused alone by its decision: the refusal is its answer
    again = command(service, [smoking("d3", "d3:alone")])  # that id is taken: refused when run alone

    def taints_then_refused() -> Any:
        half("d3", "d3:half-3")
        return again.decide()

    (refused_alone,) = ledger.run_group([Command(taints_then_refused, key=None, request=again.request,
                                                 actor=RECORDER, at=AT)])
    assert isinstance(refused_alone, FactsInvalid)
    assert "d3:half-3" not in stored_ids(service, "d3")


class _Unexpected(BaseException):
    """An error no `except Exception` takes (as KeyboardInterrupt or SystemExit would be)."""


def test_a_writer_failing_unexpectedly_stops_its_answers_and_leaves_no_request_waiting(
    service: Service, monkeypatch: Any, caplog: Any
) -> None:
    """Review (issue 12): an error `commit` does not catch (not an Exception) ended the writer without queueing the
    answers' stop, so the answering thread (and `close`, and the group's requests) waited for ever. Now the stop is
    queued whatever happens: the answering thread ends, the requests the writer held are told their outcome is
    unknown (sent again with their key, recorded once), a request queued behind them is answered by another
    writer, and close finishes."""
    from service.errors import OutcomeUnknown

    record_quarter(service)
    writer = service.group_writer()
    entered, release = threading.Event(), threading.Event()
    run_group = service.ledger.run_group
    calls: list[int] = []

    def fails_once(commands: list[Command]) -> list[Any]:
        calls.append(len(commands))
        if len(calls) == 2:
            entered.set()
            release.wait(60)
            raise _Unexpected("not caught by commit")
        return run_group(commands)

    monkeypatch.setattr(service.ledger, "run_group", fails_once)
    loop = asyncio.new_event_loop()

    def answered(future: Any) -> Any:
        return loop.run_until_complete(asyncio.wait_for(asyncio.shield(future), 30))

    async def submit(facts: list[dict[str, Any]], key: str | None = None) -> asyncio.Future[Any]:
        return writer.submit(command(service, facts, key=key), lambda r: {**r, "then": True})

    try:
        first = answered(loop.run_until_complete(submit([smoking("d1", "d1:before")])))
        assert first["facts"] == ["d1:before"]
        answerer = writer._answerer
        assert answerer is not None and answerer.is_alive()
        held = loop.run_until_complete(submit([smoking("d3", "d3:held")], key="held"))
        assert entered.wait(30)
        behind = loop.run_until_complete(submit([smoking("d4", "d4:behind")]))  # queued behind the held group
        release.set()
        try:
            answered(held)
        except OutcomeUnknown as unknown:
            assert isinstance(unknown.__cause__, _Unexpected)
            assert "the same Idempotency-Key" in str(unknown)
        else:
            raise AssertionError("the held request was answered as if saved")
        answerer.join(30)
        assert not answerer.is_alive()  # the answers' stop was queued
        assert answered(behind)["facts"] == ["d4:behind"]
        again = answered(loop.run_until_complete(submit([smoking("d3", "d3:held")], key="held")))
        assert again["facts"] == ["d3:held"] and again["then"] is True
        assert stored_ids(service, "d3").count("d3:held") == 1
        assert writer.close(wait=30)
        assert not writer._thread.is_alive() and not writer._answerer.is_alive()
        assert "the group commit writer failed" in caplog.text
    finally:
        release.set()
        loop.close()


class _Gate:
    """Holds a writer's first group in its save until opened: what is submitted meanwhile is queued behind it."""

    def __init__(self) -> None:
        self.entered, self.opened = threading.Event(), threading.Event()

    async def held(self) -> None:
        assert await asyncio.to_thread(self.entered.wait, 30)

    def open(self) -> None:
        self.opened.set()


def _gated_writer(service: Service, monkeypatch: Any, linger: float,
                  quiet: float = 60.0) -> tuple[Any, list[int], _Gate]:
    """A writer of its own lingering `linger` seconds (after a quiet spell of `quiet` seconds: not), the size of each
    group it saves noted; its first group is held by the gate returned."""
    from service.group_commit import GroupWriter

    sizes: list[int] = []
    gate = _Gate()
    run_group = service.ledger.run_group

    def noted(commands: list[Command]) -> list[Any]:
        if not sizes:
            gate.entered.set()
            gate.opened.wait(60)
        sizes.append(len(commands))
        return run_group(commands)

    monkeypatch.setattr(service.ledger, "run_group", noted)
    return GroupWriter(service.ledger, linger=linger, quiet=quiet), sizes, gate


async def _two_waves(writer: Any, gate: _Gate, service: Service, tag: str) -> list[Any]:
    """Four requests queued behind a held first group (one group of four), then one request, and a moment later
    three more (the four back)."""
    first = writer.submit(command(service, [smoking("d1", f"d1:{tag}gate")]))
    await gate.held()
    wave = [writer.submit(command(service, [smoking(f"d{1 + i}", f"d{1 + i}:{tag}a{i}")])) for i in range(4)]
    gate.open()  # the four were queued behind the first group: the next group takes them together
    answers = await asyncio.gather(first, *wave)
    lone = writer.submit(command(service, [smoking("d1", f"d1:{tag}lone")]))
    await asyncio.sleep(0.3)  # the writer is free, and one request waits of the four expected back
    rest = [writer.submit(command(service, [smoking(f"d{2 + i}", f"d{2 + i}:{tag}b{i}")])) for i in range(3)]
    return answers + list(await asyncio.wait_for(asyncio.gather(lone, *rest), 30))


def test_the_writer_waits_for_its_last_groups_clients_and_takes_them_together(
    service: Service, monkeypatch: Any
) -> None:
    """Issue 12, thirteenth round: with fewer requests waiting than its last group held, the writer waits (up to
    its linger) for as many, and saves them in one group, instead of taking a lone request at once and the others
    in another group behind it. Without a linger, the lone request is a group of its own."""
    record_quarter(service)
    for linger, expected in ((60.0, [1, 4, 4]), (0.0, [1, 4, 1])):
        writer, sizes, gate = _gated_writer(service, monkeypatch, linger)

        answers = asyncio.run(_two_waves(writer, gate, service, f"{linger:g}"))
        assert writer.close()
        assert all(isinstance(a, dict) for a in answers)
        assert sizes[:3] == expected  # without a linger: the lone one alone, then the three (one group or more)
        assert sum(sizes) == 9
        monkeypatch.undo()  # the ledger's own run_group again, for the next writer


def test_a_lone_client_is_never_kept_waiting_by_the_linger(service: Service, monkeypatch: Any) -> None:
    """A request is never held for others that are not expected: the first one, and one after a group of one,
    are saved at once even with a linger of a minute."""
    record_quarter(service)
    writer, sizes, gate = _gated_writer(service, monkeypatch, 60.0)
    gate.open()

    async def one_by_one() -> list[Any]:
        return [await asyncio.wait_for(writer.submit(command(service, [smoking("d2", f"d2:one{i}")])), 20)
                for i in range(3)]

    answers = asyncio.run(one_by_one())
    assert [a["facts"] for a in answers] == [["d2:one0"], ["d2:one1"], ["d2:one2"]]
    assert sizes == [1, 1, 1]
    assert writer.close()


def test_closing_while_the_writer_waits_for_more_saves_and_answers_what_it_holds(
    service: Service, monkeypatch: Any
) -> None:
    """close() during the linger: the request held is saved and answered at once, not after the linger."""
    record_quarter(service)
    writer, sizes, gate = _gated_writer(service, monkeypatch, 60.0)
    loop = asyncio.new_event_loop()
    try:
        async def wave() -> Any:
            first = writer.submit(command(service, [smoking("d1", "d1:cgate")]))
            await gate.held()
            rest = [writer.submit(command(service, [smoking(f"d{1 + i}", f"d{1 + i}:c{i}")])) for i in range(3)]
            gate.open()
            await asyncio.gather(first, *rest)
            return writer.submit(command(service, [smoking("d4", "d4:held")]))

        held = loop.run_until_complete(wave())
        time.sleep(0.3)  # the writer holds it and waits for two more
        assert sizes == [1, 3]
        began = time.monotonic()
        assert writer.close(wait=20)
        assert time.monotonic() - began < 10
        assert loop.run_until_complete(asyncio.wait_for(held, 10))["facts"] == ["d4:held"]
        assert sizes == [1, 3, 1] and stored_ids(service, "d4")[-1] == "d4:held"
    finally:
        loop.close()


def test_after_a_quiet_spell_a_request_is_not_held_for_the_last_groups_clients(
    service: Service, monkeypatch: Any
) -> None:
    """The last group's clients are expected back only soon after it: a request that comes after a quiet spell is
    saved at once, even with a linger of a minute."""
    record_quarter(service)
    writer, sizes, gate = _gated_writer(service, monkeypatch, 60.0, quiet=0.2)

    async def burst_then_quiet() -> Any:
        first = writer.submit(command(service, [smoking("d1", "d1:qgate")]))
        await gate.held()
        wave = [writer.submit(command(service, [smoking(f"d{1 + i}", f"d{1 + i}:q{i}")])) for i in range(4)]
        gate.open()
        await asyncio.gather(first, *wave)
        await asyncio.sleep(0.5)  # quiet: longer than `quiet`
        return await asyncio.wait_for(writer.submit(command(service, [smoking("d2", "d2:late")])), 20)

    assert asyncio.run(burst_then_quiet())["facts"] == ["d2:late"]
    assert sizes == [1, 4, 1]
    assert writer.close()
