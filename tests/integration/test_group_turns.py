"""The group commits of several processes on one PostgreSQL store take turns (LedgerBase._turn, issue 12): while
one process decides and saves a group, another's group waits instead of deciding on versions about to change
(which made groups conflict and retry up to 28 times under 32 clients). On SQLite there is no turn to take."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from service.bootstrap import Service, build, conninfo
from service.ledger import Command
from service.settings import Settings
from tests.integration.helpers import AT, record_quarter
from tests.integration.test_group_commit import PERIOD, RECORDER, command, smoking, stored_ids

FACTS = f"/periods/{PERIOD}/facts"


def _sql(cursor: Any, query: Any) -> str:
    """The text of a statement a patched `ClientCursor.execute` is given (composed or plain)."""
    return query.as_string(cursor.connection) if hasattr(query, "as_string") else str(query)


def test_a_second_process_waits_for_the_turn_of_the_first(service: Service, settings: Settings, backend: str) -> None:
    if backend == "sqlite":
        assert service.ledger._turns_lock() is None
        with service.ledger._turn():  # nothing taken
            pass
        return
    other = build(settings)
    waited: list[float] = []

    def second() -> None:
        began = time.monotonic()
        with other.ledger._turn():
            other.ledger._take_turn()
            waited.append(time.monotonic() - began)

    try:
        with service.ledger._turn():
            service.ledger._take_turn()  # the lock goes with the group's first read (here none)
            thread = threading.Thread(target=second)
            thread.start()
            time.sleep(0.3)
            assert not waited  # still waiting for the first process's turn
        thread.join(10)
        assert waited and waited[0] >= 0.25
        with service.ledger._turn():  # taken again after the other let go
            service.ledger._take_turn()
    finally:
        other.close()


def _counting(service: Service, monkeypatch: Any) -> tuple[list[str], list[int]]:
    """The statements sent over the turn's connection (one round trip each) and the pool's connections used."""
    import psycopg

    sent: list[str] = []
    pooled: list[int] = []
    parameters = service.__dict__.setdefault("parameters_sent", [])  # what psycopg was left to quote (none: inlined)
    execute = psycopg.ClientCursor.execute

    def counted(cursor: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
        sent.append(_sql(cursor, query))
        if params is not None:
            parameters.append(params)
        return execute(cursor, query, params, **kwargs)

    datastore = service.ledger.recorder.datastore
    get_connection = datastore.get_connection

    def pool_used() -> Any:
        pooled.append(1)
        return get_connection()

    monkeypatch.setattr(psycopg.ClientCursor, "execute", counted)
    monkeypatch.setattr(datastore, "get_connection", pool_used)
    return sent, pooled


def test_a_group_takes_its_turn_reads_and_saves_in_two_round_trips(
    service: Service, backend: str, monkeypatch: Any
) -> None:
    """Issue 12 (PostgreSQL HTTP): the turn's lock goes with the group's read of its streams and keys, and the
    save (table lock, insert) with the commit that lets go of the turn: two round trips, none over the pool."""
    if backend == "sqlite":
        return
    record_quarter(service)
    service.ledger.run_group([command(service, [smoking("d1")])])  # the turn's connection made, caches warm
    _path(service, monkeypatch, False, ())  # decided in its turn (another process writing; eleventh round)
    sent, pooled = _counting(service, monkeypatch)
    end = service.ledger.recorder.max_notification_id()
    pooled.clear()
    outcomes = service.ledger.run_group([command(service, [smoking(f"d{i}", f"d{i}:rt")], key=f"rt-{i}")
                                         for i in (2, 3, 4)])
    assert [o["facts"] for o in outcomes] == [["d2:rt"], ["d3:rt"], ["d4:rt"]]
    assert len(sent) == 2 and not pooled
    assert service.parameters_sent == [] and "::bytea[]" in sent[1] and "E'{" in sent[1]  # arrays written in (tenth round)
    assert "pg_advisory_xact_lock" in sent[0] and "INSERT" in sent[1] and sent[1].rstrip().endswith("COMMIT")
    assert service.ledger.recorder.max_notification_id() == end + 6  # three facts, three command records
    assert sorted(o["position"] for o in outcomes) == [end + 2, end + 4, end + 6]


def test_a_group_that_saves_nothing_or_conflicts_lets_go_of_its_turn(
    service: Service, settings: Settings, backend: str
) -> None:
    """The turn's transaction is rolled back when the group saves nothing (every command refused or replayed)
    and when its save conflicts: the lock goes with it, and another process takes the turn at once."""
    if backend == "sqlite":
        return
    record_quarter(service)
    ledger = service.ledger
    first = ledger.run_group([command(service, [smoking("d3")], key="once")])[0]
    replayed, refused = ledger.run_group([
        command(service, [smoking("d3")], key="once"),
        command(service, [{"type": "deduction", "item": "no-such-item", "subject": "d3"}]),
    ])
    assert replayed["replayed"] is True and replayed["facts"] == first["facts"] and isinstance(refused, Exception)
    other = build(settings)
    try:
        taken: list[bool] = []

        def take() -> None:
            with other.ledger._turn():
                other.ledger._take_turn()
                taken.append(True)

        thread = threading.Thread(target=take, daemon=True)
        thread.start()
        thread.join(20)
        assert taken == [True]  # not kept by the group that saved nothing
        calls: list[int] = []
        inner = command(service, [smoking("d4", "d4:grouped")])

        def decide_under_a_rival() -> Any:
            calls.append(1)
            decided = inner.decide()
            if len(calls) == 1:  # another process appends to d4 after the group read it, before it saves
                other.ledger.record_facts(PERIOD, [smoking("d4", "d4:rival")], RECORDER, AT)
            return decided

        outcome = ledger.run_group([Command(decide_under_a_rival, key=None, request=inner.request,
                                            actor=RECORDER, at=AT)])[0]
        assert len(calls) == 2 and outcome["facts"] == ["d4:grouped"]
        taken.clear()
        thread = threading.Thread(target=take, daemon=True)
        thread.start()
        thread.join(20)
        assert taken == [True]
    finally:
        other.close()


@pytest.mark.parametrize("ahead", [False, True], ids=["in-turn", "ahead"])
def test_a_group_whose_turn_connection_dies_before_its_save_is_saved_once(
    service: Service, backend: str, monkeypatch: Any, ahead: bool
) -> None:
    """The turn's connection lost under the save: the group is decided again over a new one (a group whose commit
    went through would find its keys and be replayed), nothing lost, nothing twice."""
    if backend == "sqlite":
        return
    import psycopg

    record_quarter(service)
    ledger = service.ledger
    ledger.run_group([command(service, [smoking("d1")])])
    _path(service, monkeypatch, ahead, ("d3",))
    inner = command(service, [smoking("d3", "d3:lost-connection")], key="lost")
    calls: list[int] = []

    def decide_and_cut() -> Any:
        calls.append(1)
        if len(calls) == 1:
            pid = ledger._turns[0].info.backend_pid
            with psycopg.connect(conninfo(service.settings), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return inner.decide()

    decide_and_cut.__qualname__ = inner.decide.__qualname__
    outcome = ledger.run_group([Command(decide_and_cut, key=inner.key, request=inner.request, actor=RECORDER,
                                        at=AT, streams=inner.streams)])[0]
    assert isinstance(outcome, dict) and outcome["facts"] == ["d3:lost-connection"], outcome
    assert len(calls) == 2
    assert ledger.aheads["failed"] == (1 if ahead else 0), ledger.aheads  # ahead: its one round trip failed
    assert stored_ids(service, "d3").count("d3:lost-connection") == 1


@pytest.mark.parametrize("ahead", [False, True], ids=["in-turn", "ahead"])
def test_a_group_whose_reply_is_lost_after_its_commit_is_answered_as_saved(
    service: Service, backend: str, monkeypatch: Any, ahead: bool
) -> None:
    """Issue 12 review: the COMMIT reached the server, its reply did not (the connection failed after it). The group
    is looked up on a new connection and answered as saved, with its positions: a keyless command is not decided
    again (that answered 422 "fact id used more than once" after its append), nothing is stored twice."""
    if backend == "sqlite":
        return
    import psycopg

    record_quarter(service)
    ledger = service.ledger
    ledger.run_group([command(service, [smoking("d1")])])  # the turn's connection made
    _path(service, monkeypatch, ahead, ("d3", "d4"))
    saved = ledger.aheads["saved"]
    execute = psycopg.ClientCursor.execute
    cut: list[int] = []

    def commit_then_cut(cursor: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
        text = _sql(cursor, query)
        done = execute(cursor, query, params, **kwargs)
        if "INSERT" in text and text.rstrip().endswith("COMMIT") and not cut:
            cut.append(1)
            cursor.connection.close()
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return done

    monkeypatch.setattr(psycopg.ClientCursor, "execute", commit_then_cut)
    end = ledger.recorder.max_notification_id()
    keyless, keyed = ledger.run_group([command(service, [smoking("d3", "d3:lost-reply")]),
                                       command(service, [smoking("d4", "d4:lost-reply")], key="lost-reply")])
    assert cut == [1]
    assert isinstance(keyless, dict) and keyless["facts"] == ["d3:lost-reply"], keyless
    assert isinstance(keyed, dict) and keyed["facts"] == ["d4:lost-reply"], keyed
    assert keyless["replayed"] is False and keyed["replayed"] is False
    assert ledger.recorder.max_notification_id() == end + 3  # two facts and one command record, once
    assert (keyless["position"], keyed["position"]) == (end + 1, end + 3)
    assert stored_ids(service, "d3").count("d3:lost-reply") == 1
    assert stored_ids(service, "d4").count("d4:lost-reply") == 1
    assert ledger.aheads["saved"] == saved + ahead, ledger.aheads  # saved by the path under test


@pytest.mark.parametrize("ahead", [False, True], ids=["in-turn", "ahead"])
def test_a_lock_timeout_under_the_save_retries_the_group_on_the_same_connection(
    service: Service, backend: str, monkeypatch: Any, ahead: bool
) -> None:
    """Issue 12 review: psycopg's LockNotAvailable (and QueryCanceled, DeadlockDetected) are OperationalErrors, not
    a lost connection: the group is decided again as after a conflict, its turn's connection kept."""
    if backend == "sqlite":
        return
    import psycopg

    record_quarter(service)
    ledger = service.ledger
    ledger.run_group([command(service, [smoking("d1")])])  # the turn's connection made
    _path(service, monkeypatch, ahead, ("d3",))
    turn_connection = ledger._turns[0]
    datastore = ledger.recorder.datastore
    monkeypatch.setattr(datastore, "lock_timeout", 0.2)
    sent, _ = _counting(service, monkeypatch)
    table = f'"{datastore.schema}"."{ledger.recorder.events_table_name}"'
    inner = command(service, [smoking("d3", "d3:lock-timeout")], key="lock-timeout")
    calls: list[int] = []
    with psycopg.connect(conninfo(service.settings)) as holder:

        def decide_under_a_held_lock() -> Any:
            calls.append(1)
            if len(calls) == 1:  # the save's LOCK TABLE waits for it and times out
                holder.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            else:
                holder.rollback()
            return inner.decide()

        decide_under_a_held_lock.__qualname__ = inner.decide.__qualname__
        outcome = ledger.run_group([Command(decide_under_a_held_lock, key=inner.key, request=inner.request,
                                            actor=RECORDER, at=AT, streams=inner.streams)])[0]
    assert isinstance(outcome, dict) and outcome["facts"] == ["d3:lock-timeout"], outcome
    assert len(calls) == 2
    assert ledger._turns[0] is turn_connection and not turn_connection.closed
    assert stored_ids(service, "d3").count("d3:lock-timeout") == 1
    saves = [text for text in sent if "INSERT" in text]  # the statements are composed once (_save_text): per timeout
    assert len(saves) == 2 and all("lock_timeout = '200ms'" in text for text in saves), saves
    assert ("scoreledger.moved" in saves[0]) is ahead  # ahead: its one round trip timed out, then in the turn


def _path(service: Service, monkeypatch: Any, ahead: bool, subjects: tuple[str, ...]) -> None:
    """The path a failure test's group takes (issue 12, eleventh round): decided before its turn and saved in one round
    trip (`ahead`: the subjects' streams kept here as stored), or decided and saved in its turn (two round trips)."""
    if ahead:
        _kept_here(service, subjects)
    else:
        monkeypatch.setattr(service.ledger, "_cached_ahead", lambda commands: False)


def _untold(monkeypatch: Any, committed: bool = True) -> list[int]:
    """The turn's connection cut right after the save's COMMIT went through (or before the save was sent), and every
    new connection refused from then on (the look-up of `_saved_before` fails): whether the group was saved cannot
    be told. Counts the cuts."""
    import psycopg

    execute = psycopg.ClientCursor.execute
    cut: list[int] = []

    def commit_then_cut(cursor: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
        text = _sql(cursor, query)
        saving = "INSERT" in text and text.rstrip().endswith("COMMIT")
        done = execute(cursor, query, params, **kwargs) if committed or not saving else None
        if saving:
            cut.append(1)
            cursor.connection.close()
            monkeypatch.setattr(psycopg, "connect", refused)
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return done

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise psycopg.OperationalError("connection refused")

    monkeypatch.setattr(psycopg.ClientCursor, "execute", commit_then_cut)
    return cut


@pytest.mark.parametrize("ahead", [False, True], ids=["in-turn", "ahead"])
def test_a_group_whose_save_cannot_be_told_is_answered_so_never_decided_again(
    service: Service, backend: str, monkeypatch: Any, ahead: bool
) -> None:
    """Issue 12 review: the connection lost after the COMMIT and the look-up on a new connection failing too: whether
    the group was saved cannot be told, so each command is answered OutcomeUnknown (503), not decided again (which
    could refuse, 4xx, what was appended) nor told that nothing was appended (the 500 said so before)."""
    if backend == "sqlite":
        return
    import psycopg

    from service.errors import OutcomeUnknown

    record_quarter(service)
    ledger = service.ledger
    ledger.run_group([command(service, [smoking("d1")])])
    _path(service, monkeypatch, ahead, ("d3", "d4"))
    connect = psycopg.connect
    cut = _untold(monkeypatch)
    calls: list[int] = []
    inner = command(service, [smoking("d3", "d3:untold")])

    def decide() -> Any:
        calls.append(1)
        return inner.decide()

    decide.__qualname__ = inner.decide.__qualname__
    keyless, keyed = ledger.run_group([Command(decide, key=None, request=inner.request, actor=RECORDER, at=AT,
                                               streams=inner.streams),
                                       command(service, [smoking("d4", "d4:untold")], key="untold")])
    monkeypatch.setattr(psycopg, "connect", connect)
    assert cut == [1] and calls == [1]
    assert isinstance(keyless, OutcomeUnknown) and isinstance(keyed, OutcomeUnknown)
    assert isinstance(keyless.__cause__, psycopg.OperationalError) and keyless.retry_after == 5
    assert "no Idempotency-Key" in str(keyless) and "check the record" in str(keyless)
    assert "the same Idempotency-Key" in str(keyed) and "no Idempotency-Key" not in str(keyed)
    assert stored_ids(service, "d3").count("d3:untold") == 1


@pytest.mark.parametrize("committed", [True, False], ids=["commit-reached", "commit-lost"])
def test_a_request_whose_save_cannot_be_told_is_answered_503_and_sent_again_with_its_key_is_recorded_once(
    service: Service, backend: str, monkeypatch: Any, committed: bool
) -> None:
    """Issue 12 review: over HTTP, a recording whose group's save cannot be told (the turn's connection lost under
    the save, the look-up failing too) is answered 503 `outcome-unknown` with Retry-After, in Chinese when asked,
    saying so, not a 500 saying nothing was appended. Sent again with the same Idempotency-Key it is recorded
    exactly once, whether the COMMIT had gone through (answered with its first result) or not (recorded now); a
    keyless request is told to check the record first."""
    if backend == "sqlite":
        return
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import psycopg
    from fastapi.testclient import TestClient

    from api.app import create_app
    from service.tokens import issue_token

    record_quarter(service)
    issue_token(service.ledger, "督查科", "recorder", ["inspection", "office", "personnel", "guidance"], "test", AT,
                token="untold-token")
    now = datetime(2026, 4, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    auth = {"Authorization": "Bearer untold-token"}
    fact = {"type": "deduction", "item": "3.1", "subject": "d1"}
    execute, connect = psycopg.ClientCursor.execute, psycopg.connect
    with TestClient(create_app(service=service, clock=lambda: now)) as client:
        for subject in ("d2", "d1", "d3"):  # the turn's connection made; the streams kept as stored (eleventh round:
            warm = client.post(FACTS, json={**fact, "subject": subject}, headers=auth)  # decided before the turn)
            assert warm.status_code == 201, warm.text
        before = service.ledger.recorder.max_notification_id()
        cut = _untold(monkeypatch, committed)
        untold = client.post(FACTS, json=fact, headers={**auth, "Idempotency-Key": "k-untold"})
        monkeypatch.setattr(psycopg, "connect", connect)
        monkeypatch.setattr(psycopg.ClientCursor, "execute", execute)
        assert cut == [1]
        assert untold.status_code == 503, untold.text
        assert untold.headers["retry-after"] == "5"
        assert untold.headers["content-type"].startswith("application/problem+json")
        assert untold.json() == {
            "type": "https://scoreledger.invalid/problems/outcome-unknown",
            "title": "Whether the request was saved cannot be told", "status": 503,
            "detail": "the store failed while saving this request and whether it was saved cannot be told: send the "
            "same request again with the same Idempotency-Key in 5 s; if it was saved, it is answered with its first "
            "result and nothing is recorded twice",
            "instance": FACTS}
        stored = service.ledger.recorder.max_notification_id()
        assert stored == (before + 2 if committed else before)  # the fact and its key's record, or nothing
        again = client.post(FACTS, json=fact, headers={**auth, "Idempotency-Key": "k-untold"})
        assert again.status_code == 201, again.text
        assert again.json()["replayed"] is committed
        (fact_id,) = again.json()["facts"]
        assert service.ledger.recorder.max_notification_id() == before + 2  # recorded once, whichever it was
        assert stored_ids(service, "d1").count(fact_id) == 1

        cut = _untold(monkeypatch, committed)
        keyless = client.post(FACTS, json={**fact, "subject": "d3"}, headers={**auth, "Accept-Language": "zh"})
        monkeypatch.setattr(psycopg, "connect", connect)
        monkeypatch.setattr(psycopg.ClientCursor, "execute", execute)
        assert cut == [1] and keyless.status_code == 503, keyless.text
        assert keyless.headers["retry-after"] == "5"
        body = keyless.json()
        assert body["type"] == "https://scoreledger.invalid/problems/outcome-unknown"
        assert body["title"] == "无法确定请求是否已保存"
        assert body["detail"] == ("保存本请求时数据存储出错，无法确定是否已保存：本请求未带幂等键（Idempotency-Key），"
                                  "重新发送可能重复记录；请先查看记录（本周期的历史），确认没有后再重新发送（至少5秒后）")


def test_a_groups_notification_ids_ascend_in_the_order_of_its_events(
    service: Service, backend: str, monkeypatch: Any
) -> None:
    """Issue 12 review: the save inserts the group's rows from arrays (`unnest`); their notification ids follow the
    order the events were sent in by construction (`WITH ORDINALITY … ORDER BY`), for a group of several events
    on several streams (a batch of two on one, a key's record, streams in an order that is not the log's)."""
    if backend == "sqlite":
        return
    import psycopg

    from service import ledger as ledger_module

    record_quarter(service)
    ledger = service.ledger
    ledger.run_group([command(service, [smoking("d1")])])  # the turn's connection made
    inline = ledger_module.inline
    sent: list[list[tuple[Any, int]]] = []

    def noted(statement: str, params: Any) -> str:  # the arrays are written into the statement (tenth round)
        if "INSERT" in statement and "unnest" in statement:
            sent.append(list(zip(params[0], params[1], strict=True)))
        return inline(statement, params)

    monkeypatch.setattr(ledger_module, "inline", noted)
    end = ledger.recorder.max_notification_id()
    outcomes = ledger.run_group([
        command(service, [smoking("d4", "d4:o1")]),
        command(service, [smoking("d2", "d2:o2"), smoking("d2", "d2:o3")], key="order"),
        command(service, [smoking("d1", "d1:o4")]),
        command(service, [smoking("d4", "d4:o5")]),
        command(service, [smoking("d3", "d3:o6")]),
    ])
    assert all(isinstance(o, dict) for o in outcomes), outcomes
    (events,) = sent
    assert len(events) == 7 and len({i for i, _ in events}) == 5  # four streams and the key's record
    table = f'"{ledger.recorder.datastore.schema}"."{ledger.recorder.events_table_name}"'
    with psycopg.connect(conninfo(service.settings)) as conn:
        ids = [conn.execute(f"SELECT notification_id FROM {table} WHERE originator_id = %s "  # noqa: S608
                            "AND originator_version = %s", (i, v)).fetchone()[0] for i, v in events]
    assert ids == list(range(end + 1, end + 8))  # one after another, in the group's order


def test_the_turns_transaction_bounds_how_long_a_stuck_holder_blocks_the_others(
    service: Service, settings: Settings, backend: str, monkeypatch: Any
) -> None:
    """Review (issue 12): the turn's transaction sets its own lock_timeout and idle_in_transaction_session_timeout
    (in force inside the turn, gone after it). A holder that keeps the turn's lock does not keep another process's
    group waiting for ever (it is decided without the turn, its connection kept), and a holder idle in its
    transaction loses its session, and the turn with it."""
    if backend == "sqlite":
        return
    import psycopg

    import service.ledger as ledger_module

    record_quarter(service)
    ledger = service.ledger
    with ledger._turn():
        ledger._take_turn()
        connection = ledger._turns[0]
        assert connection.execute("SHOW lock_timeout").fetchone()[0] == "10s"
        assert connection.execute("SHOW idle_in_transaction_session_timeout").fetchone()[0] == "1min"
    assert connection.execute("SHOW lock_timeout").fetchone()[0] == "0"  # the transaction's own, not the session's
    assert connection.execute("SHOW idle_in_transaction_session_timeout").fetchone()[0] == "0"

    # a stuck holder of the turn's lock (here a session holding it): the group goes on without the turn
    monkeypatch.setattr(ledger_module, "TURN_LOCK_TIMEOUT", 0.2)
    outcome: list[Any] = []
    with psycopg.connect(conninfo(settings), autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(hashtext(%s))", (ledger._turns[1],))
        group = threading.Thread(target=lambda: outcome.extend(ledger.run_group(
            [command(service, [smoking("d3", "d3:stuck-holder")])])), daemon=True)
        group.start()
        group.join(60)
        assert not group.is_alive(), "a group waits for ever for a stuck holder of the turn"
    assert isinstance(outcome[0], dict) and outcome[0]["facts"] == ["d3:stuck-holder"], outcome
    assert ledger._turns[0] is connection and not connection.closed  # not taken for a lost connection

    # a holder idle in its transaction (its process stuck between the group's round trips) loses the turn
    monkeypatch.setattr(ledger_module, "TURN_IDLE_TIMEOUT", 0.3)
    other = build(settings)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with other.ledger._turn():
            other.ledger._take_turn()
            holding.set()
            release.wait(60)

    holder_thread = threading.Thread(target=hold, daemon=True)
    taken: list[bool] = []
    try:
        holder_thread.start()
        assert holding.wait(30)
        monkeypatch.setattr(ledger_module, "TURN_LOCK_TIMEOUT", 60.0)  # waits for the turn itself, not past it

        def take() -> None:
            with ledger._turn():
                ledger._take_turn()
                taken.append(ledger._local.turn is not None and ledger._local.turn.taken)

        taker = threading.Thread(target=take, daemon=True)
        taker.start()
        taker.join(60)
        assert taken == [True]  # the idle holder's session ended, its turn with it
    finally:
        release.set()
        holder_thread.join(30)
        other.close()


@pytest.mark.parametrize("analysed", [False, True], ids=["fresh", "analysed"])
def test_a_groups_reads_of_its_streams_probe_the_key_never_scan_the_log(
    service: Service, backend: str, analysed: bool
) -> None:
    """Issue 12 (PostgreSQL HTTP): the reads of a group's streams by id (`streams_read`: its streams after their
    cached versions, its keys' records, a lost save's rows) probe the log's key once per id. Written as a join, the
    planner hashed the ids against a scan of the whole log, fresh (no statistics: 200 streams assumed) and analysed
    alike when a few streams hold most events (the bureau's subjects): ~2 ms of the server's CPU per group at 7,000
    events, growing with the log."""
    if backend == "sqlite":
        return
    import uuid

    import psycopg
    from psycopg import ClientCursor

    from service.ledger import streams_read

    recorder = service.ledger.recorder
    schema, table = recorder.datastore.schema, recorder.events_table_name
    streams = [uuid.uuid4() for _ in range(12)]
    with psycopg.connect(conninfo(service.settings), autocommit=True) as connection:
        connection.execute(
            f'INSERT INTO "{schema}"."{table}" (originator_id, originator_version, topic, state) '  # noqa: S608
            "SELECT s, v, 'bench:Fact', convert_to(repeat('x', 200), 'UTF8') "
            "FROM unnest(%s::uuid[]) AS s, generate_series(1, 1500) AS v", (streams,))
        if analysed:
            connection.execute(f'ANALYZE "{schema}"."{table}"')
        reads = {"after": (streams[:8], [1490] * 8), "at": (streams[:8], [1500] * 8), "held": (streams[:8],)}
        for what, params in reads.items():
            with ClientCursor(connection) as cursor:
                cursor.execute("EXPLAIN " + streams_read(schema, table, what), params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan" not in plan and "Hash" not in plan, (what, plan)
            with ClientCursor(connection) as cursor:
                cursor.execute(streams_read(schema, table, what), params)
                rows = cursor.fetchall()
            assert len(rows) == {"after": 80, "at": 8, "held": 8}[what]


def test_a_group_reads_what_another_process_appended_with_its_turn_and_folds_it_without_reading_the_log(
    service: Service, backend: str, monkeypatch: Any
) -> None:
    """Issue 12 (PostgreSQL HTTP, two server processes): a group's first round trip (its turn's lock, its streams) also
    reads the log after where this process's runner knows it (LedgerBase._tail_read), so the answers' read-your-writes
    folds another process's events with the group's own, as saved, instead of reading the log again for every group;
    the fold, its leaves and the totals are those of reading the log."""
    if backend == "sqlite":
        return
    from tests.integration.test_group_commit import assert_folded_as_a_fresh_process_reads_it, build_like, rating

    record_quarter(service)
    runner, ledger = service.runner, service.ledger
    start = runner.catch_up()
    assert runner.fold.position == start
    first = ledger.run_group([command(service, [smoking("d1")])])  # the turn's connection made
    runner.fold_to(first[0]["position"])
    other = build_like(service)
    try:
        other.ledger.record_facts(PERIOD, [smoking("d4", "d4:theirs"), rating("丙", "d3:theirs")], RECORDER, AT)
        other.ledger.record_facts(PERIOD, [smoking("d2", "d2:theirs")], RECORDER, AT, key="theirs")
    finally:
        other.close()
    catch_ups: list[bool] = []
    catch_up = runner.catch_up
    monkeypatch.setattr(runner, "catch_up", lambda *a, **k: catch_ups.append(True) or catch_up(*a, **k))
    sent, _ = _counting(service, monkeypatch)
    outcomes = ledger.run_group([command(service, [smoking("d4")]), command(service, [rating("乙", "d3:r")], key="r")])
    assert len(sent) == 2  # the tail read in the group's first round trip, none more
    runner.fold_to(max(o["position"] for o in outcomes))
    assert catch_ups == []  # folded as read with the turn and as saved
    assert runner.folded.position == ledger.recorder.max_notification_id()
    assert_folded_as_a_fresh_process_reads_it(service, start)


def _kept_here(service: Service, subjects: tuple[str, ...]) -> None:
    """Groups on `subjects` until one is decided before its turn: their streams then kept here as stored (the
    quarter was recorded by single commands, which leave the cache as it was)."""
    ledger = service.ledger
    for _ in range(3):
        saved = ledger.aheads["saved"]
        ledger.run_group([command(service, [smoking(s)]) for s in subjects])
        if ledger.aheads["saved"] > saved:
            return
    raise AssertionError(f"no group was decided before its turn: {ledger.aheads}")


def test_a_group_on_streams_kept_here_is_decided_before_its_turn_and_saved_in_one_round_trip(
    service: Service, backend: str, monkeypatch: Any
) -> None:
    """Issue 12, eleventh round (PostgreSQL HTTP): a group whose streams this process keeps as stored is decided
    before its turn and saved in ONE round trip: the turn's lock, the check of what it read, the insert and the
    commit, so the lock is held while the server runs that statement, not over two round trips and the decision."""
    if backend == "sqlite":
        return
    record_quarter(service)
    _kept_here(service, ("d2", "d3", "d4"))
    ledger = service.ledger
    sent, pooled = _counting(service, monkeypatch)
    end = ledger.recorder.max_notification_id()
    pooled.clear()
    saved = ledger.aheads["saved"]
    outcomes = ledger.run_group([command(service, [smoking(f"d{i}", f"d{i}:one")], key=f"one-{i}") for i in (2, 3, 4)])
    assert [o["facts"] for o in outcomes] == [["d2:one"], ["d3:one"], ["d4:one"]]
    assert ledger.aheads["saved"] == saved + 1
    assert len(sent) == 1 and not pooled, sent
    assert service.parameters_sent == [] and "E'{" in sent[0]  # arrays written in
    assert "pg_advisory_xact_lock" in sent[0] and "scoreledger.moved" in sent[0]
    assert "INSERT" in sent[0] and sent[0].rstrip().endswith("COMMIT")
    assert sorted(o["position"] for o in outcomes) == [end + 2, end + 4, end + 6]
    assert ledger.recorder.max_notification_id() == end + 6


@pytest.mark.parametrize("rival", ["stream", "key", "closed"])
def test_a_group_decided_before_its_turn_is_decided_again_when_another_process_moved_what_it_read(
    service: Service, settings: Settings, backend: str, rival: str
) -> None:
    """Issue 12, eleventh round: another process appends, between the group's decision (before its turn) and its
    turn, to a stream the group writes ("stream"), the record of the group's idempotency key ("key"), or to the
    period it only reads (closes it: "closed", which no unique key of the insert would catch). The one round trip
    finds it moved, inserts nothing and lets go of the turn; the group is decided again in its turn on what is
    stored: never saved on the versions it decided on."""
    if backend == "sqlite":
        return
    record_quarter(service)
    _kept_here(service, ("d4",))
    ledger = service.ledger
    other = build(settings)
    try:
        inner = command(service, [smoking("d4", "d4:ahead")], key="ahead" if rival == "key" else None)
        calls: list[int] = []

        def decide_then_rival() -> Any:
            calls.append(1)
            decided = inner.decide()
            if len(calls) == 1:  # decided before the turn; the rival's append lands before the turn is taken
                if rival == "stream":
                    other.ledger.record_facts(PERIOD, [smoking("d4", "d4:rival")], RECORDER, AT)
                elif rival == "key":
                    other.ledger.record_facts(PERIOD, [smoking("d4", "d4:ahead")], RECORDER, AT, key="ahead")
                else:
                    other.ledger.close_period(PERIOD, "admin", AT)
            return decided

        decide_then_rival.__qualname__ = inner.decide.__qualname__  # its key scoped as record_facts' (scoped_key)
        moved = ledger.aheads["moved"]
        end = ledger.recorder.max_notification_id()
        outcome = ledger.run_group([Command(decide_then_rival, key=inner.key, request=inner.request, actor=RECORDER,
                                            at=AT, streams=inner.streams)])[0]
    finally:
        other.close()
    if rival == "stream":
        assert len(calls) == 2 and isinstance(outcome, dict) and outcome["facts"] == ["d4:ahead"], outcome
        assert stored_ids(service, "d4")[-2:] == ["d4:rival", "d4:ahead"]
        assert ledger.recorder.max_notification_id() == end + 2
    elif rival == "key":
        assert len(calls) == 1 and isinstance(outcome, dict) and outcome["replayed"] is True, outcome
        assert stored_ids(service, "d4").count("d4:ahead") == 1
        assert ledger.recorder.max_notification_id() == end + 2  # the rival's fact and its key's record
    else:
        from domain.ledger.period import PeriodStateError

        assert len(calls) == 2 and isinstance(outcome, PeriodStateError), outcome
        assert "d4:ahead" not in stored_ids(service, "d4")
        assert ledger.recorder.max_notification_id() == end + 1  # the close only
    assert ledger.aheads["moved"] == moved + 1, ledger.aheads  # found moved by the check, not by a unique key


def test_a_group_is_decided_in_its_turn_while_another_process_writes(
    service: Service, settings: Settings, backend: str, monkeypatch: Any
) -> None:
    """Issue 12, eleventh round: once the log's tail read with a turn holds another process's append, groups are
    decided in their turn (two round trips, as before) for AHEAD_QUIET seconds: with two processes writing the same
    streams a group decided before its turn was found moved often enough to cost more than it saved. This process's
    own saves in the tail (its runner behind them) do not count."""
    if backend == "sqlite":
        return
    import service.ledger as ledger_module

    record_quarter(service)
    runner, ledger = service.runner, service.ledger
    runner.catch_up()  # the runner folds from memory: the turn reads the log's tail after it
    _kept_here(service, ("d4",))
    runner.fold_to(ledger.recorder.max_notification_id())
    import psycopg

    table = f'"{ledger.recorder.datastore.schema}"."{ledger.recorder.events_table_name}"'
    with psycopg.connect(conninfo(settings), autocommit=True) as admin:  # a hole in the log's positions (as a failed
        admin.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'notification_id'))")  # insert leaves)
    ledger.run_group([command(service, [smoking("d4")])])  # after the hole: the runner's tail begins before it, so
    saved = ledger.aheads["saved"]  # this process's own save is in the next turn's tail, and does not count
    ledger.run_group([command(service, [smoking("d4")])])
    ledger.run_group([command(service, [smoking("d4")])])
    assert ledger.aheads["saved"] == saved + 2, ledger.aheads
    other = build(settings)
    try:
        other.ledger.record_facts(PERIOD, [smoking("d2", "d2:theirs")], RECORDER, AT)
    finally:
        other.close()
    ledger.run_group([command(service, [smoking("d4")])])  # decided ahead; its turn's tail holds the other's append
    declined = ledger.aheads["declined"]
    outcome = ledger.run_group([command(service, [smoking("d4", "d4:in-turn")])])[0]
    assert ledger.aheads["declined"] == declined + 1, ledger.aheads  # decided in its turn
    assert outcome["facts"] == ["d4:in-turn"]
    monkeypatch.setattr(ledger_module, "AHEAD_QUIET", 0.0)  # quiet long enough
    saved = ledger.aheads["saved"]
    ledger.run_group([command(service, [smoking("d4")])])
    assert ledger.aheads["saved"] == saved + 1, ledger.aheads


def test_a_group_found_moved_is_decided_again_on_the_rivals_fact_not_its_own(service: Service, backend: str) -> None:
    """Issue 12, eleventh round: a group decided before its turn and found moved forgets what it kept admitted (the
    save's `unsaved`): a rival saved another fact under the id the group had decided, and the decision in the turn
    sees the rival's fact, not the group's (as after a conflict, tests/integration/test_group_commit.py)."""
    if backend == "sqlite":
        return
    from domain.errors import FactsInvalid
    from domain.ledger.ids import ledger_id
    from tests.integration.test_group_commit import rating

    record_quarter(service)
    _kept_here(service, ("d3",))
    ledger = service.ledger
    ours = command(service, [rating("甲", "d3:x")])
    calls: list[int] = []

    def decide_under_a_rival() -> Any:
        calls.append(1)
        decided = ours.decide()
        if len(calls) == 1:
            rival = threading.Thread(target=lambda: ledger.record_facts(PERIOD, [rating("乙", "d3:x")], RECORDER, AT))
            rival.start()
            rival.join()
        return decided

    decide_under_a_rival.__qualname__ = ours.decide.__qualname__
    moved = ledger.aheads["moved"]
    first, second = ledger.run_group([
        Command(decide_under_a_rival, key=None, request=ours.request, actor=RECORDER, at=AT, streams=ours.streams),
        command(service, [rating("甲", corrects="d3:x")]),  # keeps rater 甲: fits ours, not the rival's
    ])
    assert len(calls) == 2
    assert isinstance(first, FactsInvalid) and isinstance(second, FactsInvalid), (first, second)
    stream = ledger.maybe(ledger_id(PERIOD, "d3", ledger.bureau))
    assert stream.facts["d3:x"]["rater"] == "乙" and list(stream.facts)[-1] == "d3:x"
    assert ledger.aheads["moved"] == moved + 1, ledger.aheads
