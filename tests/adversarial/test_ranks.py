"""Ways around the one-award-per-rank check (B4, security review F1), tried over HTTP: each refused with a
problem detail in Chinese, and the log does not grow.

Rank awards live in the period's joint stream, where the check runs across subjects. A correction that
adds or drops a rank would move an award out of that stream (a); a retraction can bring back an award
through the facts its target names (b); a batch is saved stream by stream, so it must be admitted in
that order, not the order it was sent in (c). Awards an older version left in a subject's stream are
appended here by hand, as tests/adversarial/test_poison.py does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain.errors import FactsInvalid
from domain.facts import Subject
from domain.ledger.facts_ledger import FactLedger
from domain.ledger.ids import ledger_id
from service.bootstrap import Service, build
from service.bulk import import_facts
from service.facts_routing import JOINT
from service.settings import Settings
from tests.adversarial.world import World
from tests.integration.helpers import AT, ZJG
from tests.signing import TEST_KEY

Q2 = "/periods/2026-Q2/facts"


def _refused(world: World, caller: str, path: str, body: Any) -> list[str]:
    """Send a command that must be refused (422, nothing appended); the messages of its problem, in Chinese."""
    before = world.end()
    response = world.call(caller, "POST", path, body, **{"Accept-Language": "zh"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert world.end() == before, "a refused command appended events"
    return [e["message"] for e in response.json()["errors"]]


def _old_award(world: World, subject: str, fact: dict[str, Any]) -> None:
    """Append a fact straight onto a subject's stream, as an older version did (no command's checks)."""
    _append(world.service, "2026-Q2", subject, fact)


def _append(service: Service, code: str, subject: str, fact: dict[str, Any]) -> None:
    ledger = service.ledger
    stream = ledger.repository.get(ledger_id(code, subject))
    stream.trigger_event(FactLedger.BonusRecorded, fact={"period": code, "recorded_by": "旧版本", **fact},
                         actor="旧版本", at=AT, appeal=None)
    ledger.save(stream)


def test_a_correction_neither_adds_nor_drops_a_rank(world: World) -> None:
    city, award = world.facts["city:s003"]["id"], world.facts["rank1"]["id"]
    adds = _refused(world, "recorder:inspection", Q2,
                    {"type": "bonus", "item": "b.4", "subject": "s003", "rank": "2", "corrects": city})
    assert adds == [f"更正不能把{city}改为排名奖励（B4）：请撤销该记录，再单独录入排名奖励"]
    drops = _refused(world, "recorder:inspection", Q2,
                     {"type": "bonus", "item": "b.1", "subject": "s001", "level": "city", "corrects": award})
    assert drops == [f"排名奖励的更正须保留名次（B4）；如要取消该奖励，请撤销{award}"]


def test_a_batch_is_admitted_in_the_order_it_is_logged(world: World) -> None:
    """The batch retracts an award an older version left in s002's stream and gives its rank to s003.
    Sent in that order it would pass, but the joint stream is saved before s002's: in the log the new
    award comes first, while the old one still holds rank 2, and scoring would set it aside."""
    _old_award(world, "s002", {"id": "s002:old-award", "type": "bonus", "item": "b.4", "subject": "s002", "rank": "2"})
    batch = {"facts": [{"type": "retraction", "target": "s002:old-award", "reason": "改评"},
                       {"type": "bonus", "item": "b.4", "subject": "s003", "rank": "2"}]}
    messages = _refused(world, "recorder:inspection", f"{Q2}/batch", batch)
    assert messages == ["项目“工作创新”的第2名在2026-Q2已评定过（B4）"]
    one_by_one = [{"type": "retraction", "target": "s002:old-award", "reason": "改评"},
                  {"type": "bonus", "item": "b.4", "subject": "s003", "rank": "2"}]
    for fact in one_by_one:  # sent one after the other, the log holds them in that order
        world.ok("recorder:inspection", "POST", Q2, fact, 201)
    world.service.runner.catch_up()
    assert world.service.runner.fold.periods["default/2026-Q2"].set_aside == {}


def test_a_retraction_brings_back_an_award_only_where_its_rank_is_checked(world: World) -> None:
    """An older version let s004's award of rank 3 be corrected into a plain bonus. Retracting that
    correction would bring the award back: the check must see the joint stream's awards (b), and the
    correction is itself set aside now (a), so the retraction names nothing that counts."""
    _old_award(world, "s004", {"id": "s004:old-award", "type": "bonus", "item": "b.4", "subject": "s004", "rank": "3"})
    _old_award(world, "s004", {"id": "s004:unranked", "type": "bonus", "item": "b.1", "subject": "s004",
                               "level": "city", "corrects": "s004:old-award"})
    retraction = {"type": "retraction", "target": "s004:unranked", "reason": "x", "period": "2026-Q2", "id": "s004:r"}
    ledger = world.service.ledger
    streams = ledger._ledgers("2026-Q2", [retraction], "x", "2026-06-20T10:00:00+08:00")
    context = ledger._context("2026-Q2", [retraction], streams)
    assert JOINT in {ledger_.subject or JOINT for ledger_ in context}
    messages = _refused(world, "recorder:inspection", Q2, {"type": "retraction", "target": "s004:unranked",
                                                          "reason": "恢复名次"})
    assert messages == ["所指记录“s004:unranked”不存在（该记录未被接受）"]


@pytest.fixture
def late_names(tmp_path: Path) -> Iterator[Service]:
    """A ZJG quarter whose subjects' streams sort after the joint stream (as s001... do), and one award an
    older version left in s1's stream."""
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data"))
    ledger = service.ledger
    ledger.register_scheme(ZJG, "admin", AT)
    ledger.open_period("2026-Q1", "ZJG", 2, "admin", AT)
    ledger.register_subjects("2026-Q1", [Subject(id=f"s{i}", name=f"科室{i}", kind="department") for i in (1, 2)],
                             "admin", AT)
    ledger.record_facts("2026-Q1", [{"type": "bonus", "item": "b.1", "subject": "s1", "level": "city"}], "督查科", AT)
    _append(service, "2026-Q1", "s1", {"id": "s1:old-award", "type": "bonus", "item": "b.4", "subject": "s1",
                                       "rank": "2"})
    yield service
    service.close()


def test_a_bulk_import_is_checked_in_the_order_it_is_logged(late_names: Service) -> None:
    """The importer (command line) saves a batch stream by stream too: checked in that order, the award
    that comes before the retraction in the log is refused, named by its line in the file."""
    ledger = late_names.ledger
    before = ledger.recorder.max_notification_id()
    batch = [{"type": "retraction", "target": "s1:old-award", "reason": "改评"},
             {"type": "bonus", "item": "b.4", "subject": "s2", "rank": "2"}]
    with pytest.raises(FactsInvalid) as refused:
        import_facts(ledger, "2026-Q1", batch, "督查科", AT)
    [problem] = refused.value.problems
    assert problem.path.startswith("facts[1].rank (joint:")
    assert problem.message == "rank 2 of item b.4 is awarded twice in 2026-Q1 (B4)"
    assert ledger.recorder.max_notification_id() == before
    for fact in batch:  # one batch after the other: the log holds them in the order sent
        import_facts(ledger, "2026-Q1", [fact], "督查科", AT)
    late_names.runner.catch_up()
    assert late_names.runner.fold.periods["default/2026-Q1"].set_aside == {}
