"""An appeal that contests an item with no fact (P3): "our city-level commendation was never recorded".

On both stores: the quarter is published; 科室2 appeals within the window naming item b.1 (受表彰获奖,
ZJG 第二章第三条 1); the reviewer previews the ripple, is refused when the correction reaches beyond
the appeal (another department, another item), then upholds it by recording the missing commendation
(B1 city level: +2). Before and after are compared from the seal: 科室2's total rises by exactly 2 (its
cause: the new bonus), every other change is a knock-on. Published again, both seals verify.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import FactsInvalid
from replay.asof import fold_log, result_as_of
from replay.compare import compare
from replay.verify import verify_records
from service.bootstrap import Service
from tests.integration.helpers import AT, record_quarter
from tests.signing import SIGNER

COMMENDATION = {"type": "bonus", "item": "b.1", "subject": "d2", "level": "city", "evidence": "市政府通报表彰文件"}


def test_a_missing_commendation_is_appealed_as_an_item_and_recorded_when_upheld(service: Service) -> None:
    record_quarter(service)
    ledger = service.ledger
    ledger.close_period("2026-Q1", "admin", AT)
    seal = ledger.publish("2026-Q1", date(2026, 6, 1), "督查科", AT)["seal"]

    # Check the appeal names the item, not a fact: there is none to name (P3)
    filed = ledger.file_appeal("2026-Q1", "d2", [], "市级表彰未录入", ["市政府通报表彰文件"], date(2026, 6, 2), "d2代表",
                               AT, items=["b.1"])
    appeal = filed["appeal"]
    ledger.accept_appeal(appeal, date(2026, 6, 2), "领导小组", AT)

    # Check a correction reaching beyond the appeal is refused, and nothing is appended
    end = ledger.recorder.max_notification_id()
    for beyond in ({**COMMENDATION, "subject": "d3"}, {**COMMENDATION, "item": "b.2", "level": "city"}):
        with pytest.raises(FactsInvalid) as refused:
            ledger.uphold_appeal(appeal, [beyond], "属实", date(2026, 6, 3), "领导小组", AT)
        assert "P3" in str(refused.value) or "P5" in str(refused.value)
    assert ledger.recorder.max_notification_id() == end

    # Check upholding records the missing fact, with the appeal, after the period closed
    upheld = ledger.uphold_appeal(appeal, [COMMENDATION], "属实，补录市级表彰", date(2026, 6, 3), "领导小组", AT)
    assert upheld["status"] == "upheld" and upheld["corrections"][0].startswith("d2:")

    # Check before (as sealed) and after: d2 gains exactly the city-level 2 points (B1); others are knock-ons
    source = service.ledger.recorder
    before = result_as_of(source, "2026-Q1", seal["position"])
    after = result_as_of(source, "2026-Q1")
    assert after.subject("d2").total - before.subject("d2").total == Decimal(2)
    _, records = fold_log(source)
    diff = {row["subject"]: row for row in compare(before, after, [r for r in records if r.position > seal["position"]])
            ["changes"]}
    assert diff["d2"]["knock_on"] is False and diff["d2"]["items"] == ["b.1"]
    assert diff["d2"]["events"][0]["type"] == "bonus"
    assert all(row["knock_on"] for subject, row in diff.items() if subject != "d2")

    # Check the re-publication is sealed and both seals verify against the bureau's key
    ledger.publish("2026-Q1", date(2026, 6, 4), "督查科", AT)
    service.runner.catch_up()
    report = verify_records(list(fold_log(source)[1]), service.views.leaves(), "2026-Q1", keys=[SIGNER.public])
    assert report.ok, report.findings
    assert len(report.verified_seals) == 2
