"""The ledger's own rules on both stores: idempotency, optimistic concurrency, read-your-writes,
quota knock-ons in the views, scheme rebinding, and old stored events that still replay."""

from __future__ import annotations

import threading
from decimal import Decimal

import orjson
import pytest
from eventsourcing.persistence import StoredEvent

from domain.errors import FactsInvalid
from domain.facts import Subject
from domain.ledger.ids import ledger_id, period_id
from domain.ledger.period import Period
from domain.scheme.loader import load_scheme_file, load_scheme_text
from domain.scheme.nodes import RatingItem
from domain.scoring.applicability import applicable_ids
from replay.asof import fold_log, result_as_of
from service.bootstrap import Service
from service.errors import IdempotencyKeyReused
from tests.integration.helpers import AT, ROOT, ZJG, record_quarter


def test_a_repeated_idempotency_key_returns_the_first_result_and_appends_nothing(service: Service) -> None:
    record_quarter(service)
    ledger = service.ledger
    fact = [{"type": "deduction", "item": "3.6", "subject": "d3"}]
    first = ledger.record_facts("2026-Q1", fact, "咨询指导科", AT, key="k-42")
    end = ledger.recorder.max_notification_id()
    again = ledger.record_facts("2026-Q1", fact, "咨询指导科", AT, key="k-42")
    assert again["facts"] == first["facts"] and again["replayed"] is True
    assert ledger.recorder.max_notification_id() == end
    with pytest.raises(IdempotencyKeyReused):
        ledger.record_facts("2026-Q1", [{**fact[0], "count": 2}], "咨询指导科", AT, key="k-42")
    assert ledger.recorder.max_notification_id() == end


def test_the_key_is_stored_in_the_same_transaction_as_its_events(service: Service) -> None:
    record_quarter(service)
    ledger = service.ledger
    result = ledger.record_facts("2026-Q1", [{"type": "deduction", "item": "3.6", "subject": "d3"}], "咨询指导科",
                                 AT, key="k-atomic")
    _, records = fold_log(ledger.recorder)
    last = [r for r in records if r.position > result["position"] - 2]
    topics = {r.topic for r in last}
    assert {"scoreledger:DeductionRecorded", "scoreledger:CommandRecord.Accepted"} <= topics
    # one insert: consecutive positions, nothing else in between
    assert [r.position for r in last] == list(range(last[0].position, last[0].position + len(last)))


def test_concurrent_writers_lose_nothing_and_leave_no_version_gaps(service: Service) -> None:
    record_quarter(service)
    acknowledged: list[str] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        for i in range(15):
            result = service.ledger.record_facts(
                "2026-Q1", [{"type": "deduction", "item": "3.1", "subject": "d4"}], "咨询指导科", AT,
                key=f"w{n}-{i}")
            with lock:
                acknowledged.extend(result["facts"])

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stream = service.ledger.repository.get(ledger_id("2026-Q1", "d4"))
    stored = [f for f, fact in stream.facts.items() if fact["type"] == "deduction"]
    assert sorted(stored) == sorted(acknowledged) and len(acknowledged) == 90
    events = service.ledger.events.get(ledger_id("2026-Q1", "d4"))
    versions = [e.originator_version for e in events]
    assert versions == list(range(1, len(versions) + 1))


def test_a_command_can_read_its_own_write_and_a_quota_moves_other_subjects_grades(service: Service) -> None:
    ledger = service.ledger
    qf = load_scheme_file(ROOT / "schemes" / "qf.yaml")
    ledger.register_scheme(qf, "admin", AT)
    ledger.open_period("2026-Q2", "QF", qf.version, "admin", AT)
    staff = [Subject(id=f"p{i}", name=f"员工{i}", kind="counter") for i in range(1, 6)]
    ledger.register_subjects("2026-Q2", staff, "admin", AT)
    counter_items = applicable_ids(qf, "counter")
    rating_items = sorted(i for i, node in qf.items.items() if isinstance(node, RatingItem) and i in counter_items)
    facts = []
    for number, subject in enumerate(staff):
        for item in rating_items:
            for role in qf.items[item].rating.roles:  # type: ignore[union-attr]
                facts.append({"type": "rating", "item": item, "subject": subject.id, "role": role,
                              "rater": f"{role}-1", "value": str(95 - number)})
    ledger.record_facts("2026-Q2", facts, "督查指导科", AT)
    service.runner.catch_up()
    before = orjson.loads(service.views.results("default/2026-Q2")[1])  # type: ignore[index]
    grades_before = {s["subject"]: s["grade"] for s in before["subjects"]}
    assert list(grades_before.values()).count("好") == 2  # at most 40% of 5 (G2)
    # An affirmation (V4) for p5, its ground recorded with it, takes one of the two 好 places: p2 falls
    aff = qf.affirmations[0]
    grounds = [{"type": "condition", "condition": c, "subject": "p5"} for c in aff.requires or []]
    result = ledger.record_facts("2026-Q2", [*grounds, {"type": "affirmation", "affirmation": aff.id,
                                                         "subject": "p5"}], "领导小组", AT)
    position = service.runner.wait_for(result["position"])
    assert position >= result["position"]
    after = orjson.loads(service.views.results("default/2026-Q2")[1])  # type: ignore[index]
    grades_after = {s["subject"]: s["grade"] for s in after["subjects"]}
    assert grades_after["p5"] == "好" and grades_after["p1"] == "好"
    assert grades_before["p2"] == "好" and grades_after["p2"] != "好"


def test_a_replay_uses_the_scheme_in_force_at_its_position(service: Service) -> None:
    record_quarter(service)
    ledger = service.ledger
    amended_text = (ROOT / "schemes" / "zjg.yaml").read_text(encoding="utf-8").replace(
        "version: 2", "version: 3", 1).replace(
        "{id: \"2.1\", title: 迟到、早退, article: 第二章第一条 二.1, deduct: {per: 0.5}",
        "{id: \"2.1\", title: 迟到、早退, article: 第二章第一条 二.1, deduct: {per: 1}")
    amended = load_scheme_text(amended_text)
    assert amended.content_hash != ZJG.content_hash
    ledger.register_scheme(amended, "admin", AT)
    before = ledger.recorder.max_notification_id()
    ledger.bind_scheme("2026-Q1", 3, "局党组修订", "admin", AT)
    old = result_as_of(ledger.recorder, "2026-Q1", before)
    new = result_as_of(ledger.recorder, "2026-Q1")
    assert old.scheme_hash == ZJG.content_hash and new.scheme_hash == amended.content_hash
    assert new.subject("d1").total == old.subject("d1").total - Decimal(2)  # 4 late arrivals at 1, not 0.5


def test_a_period_opened_by_an_older_version_of_the_event_still_replays(service: Service) -> None:
    """class_version 2 of Period.Opened added the bureau; a stored v1 event is upcast on load."""
    ledger = service.ledger
    ledger.register_scheme(ZJG, "admin", AT)
    state = {"timestamp": {"_type_": "datetime_iso", "_data_": "2020-04-01T00:00:00+00:00"},
             "originator_topic": "scoreledger:Period", "code": "2020-Q2", "scheme": "ZJG", "scheme_version": 2,
             "scheme_hash": ZJG.content_hash, "actor": "admin", "at": AT}
    old = StoredEvent(originator_id=period_id("2020-Q2"), originator_version=1, topic="scoreledger:Period.Opened",
                      state=orjson.dumps(state))
    ledger.recorder.insert_events([old])
    period = ledger.repository.get(period_id("2020-Q2"))
    assert isinstance(period, Period) and period.bureau == "default" and period.code == "2020-Q2"
    assert result_as_of(ledger.recorder, "2020-Q2").scheme_hash == ZJG.content_hash


def test_a_unit_named_once_is_stored_as_each_of_its_members_and_a_unit_without_members_appends_nothing_D11(
    service: Service,
) -> None:
    """IND 五 (version 2): 由分管领导和科室共同承担 — recorded once, with the unit (科室) as a party; the stored
    fact lists every member registered in the period (and the leader), so it reads the same later."""
    ind = load_scheme_file(ROOT / "schemes" / "ind.yaml")
    ledger = service.ledger
    ledger.register_scheme(ind, "admin", AT)
    ledger.open_period("2026", "IND", ind.version, "admin", AT)
    staff = [Subject(id="w", name="王", kind="staff", unit="leaders"), Subject(id="a", name="甲", kind="staff", unit="zf"),
             Subject(id="b", name="乙", kind="staff", unit="zf"), Subject(id="d", name="丁", kind="staff")]
    ledger.register_subjects("2026", staff, "admin", AT)
    finding = {"type": "deduction", "item": "2.1", "parties": [{"subject": "w", "role": "leader"},
                                                               {"unit": "zf", "role": "member"}]}
    (fact_id,) = ledger.record_facts("2026", [finding], "办公室", AT)["facts"]
    stored = fold_log(ledger.recorder)[0].periods
    (period,) = stored.values()
    assert period.facts[fact_id]["parties"] == [{"subject": "w", "role": "leader"}, {"subject": "a", "role": "member"},
                                                {"subject": "b", "role": "member"}]
    assert {s.subject: s.total for s in result_as_of(ledger.recorder, "2026").subjects} == {
        "w": Decimal("77"), "a": Decimal("77"), "b": Decimal("77"), "d": Decimal("80")}  # 80 full, 2.1 −3 each
    end = ledger.recorder.max_notification_id()
    with pytest.raises(FactsInvalid, match="unit 'kj' has no registered member"):
        ledger.record_facts("2026", [{**finding, "parties": [{"unit": "kj", "role": "member"}]}], "办公室", AT)
    assert ledger.recorder.max_notification_id() == end


def test_a_bulk_import_refuses_a_rating_typed_on_the_items_points_and_stores_nothing_of_its_batch_R2(
    service: Service,
) -> None:
    """ZJG 班子测评 (10 points on 100): a facts file whose principal typed 8 for one department is refused,
    told the scale; the same file with 80 imports."""
    from service.bulk import import_rows

    ledger = service.ledger
    ledger.register_scheme(ZJG, "admin", AT)
    ledger.open_period("2026-Q1", "ZJG", 2, "admin", AT)
    rows = [{"type": "subject", "id": "d1", "name": "办公室", "kind": "department"},
            {"type": "rating", "item": "rating", "subject": "d1", "role": "principal", "rater": "局长", "value": "8"}]
    end = ledger.recorder.max_notification_id()
    with pytest.raises(FactsInvalid, match="look typed on the item's points") as refused:
        import_rows(ledger, "2026-Q1", rows, "督查科", AT)
    assert "on its scale of 100" in refused.value.problems[0].message
    assert ledger.recorder.max_notification_id() == end + 1  # the subject's batch only
    report = import_rows(ledger, "2026-Q1", [{**rows[1], "value": "80"}], "督查科", AT)
    assert report.facts == 1
