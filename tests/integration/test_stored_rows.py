"""The stored events StoredRows makes (service/stored_rows.py) are the library's Mapper's, byte for byte, for every
kind of event a story appends: schemes, periods (Opened at class_version 2), subjects, facts of every kind with text
that JSON escapes, command records, closing, seals, appeals."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.persistence import Mapper

from service.bootstrap import Service
from service.stored_rows import StoredRows
from tests.integration.helpers import AT, record_quarter

AWKWARD = '引号"\\ 反斜杠\n换行\t制表\x01控制\u2028分隔 😀 \x7f'


def test_every_event_of_a_story_is_stored_as_the_library_stores_it(service: Service) -> None:
    ledger = service.ledger
    ours = ledger.mapper
    assert isinstance(ours, StoredRows)
    library = Mapper(transcoder=ours.transcoder)
    seen: list[Any] = []

    def compared(event: Any) -> Any:
        stored = StoredRows.to_stored_event(ours, event)
        expected = library.to_stored_event(event)
        assert (stored.originator_id, stored.originator_version, stored.topic, stored.state) == (
            expected.originator_id, expected.originator_version, expected.topic, expected.state)
        seen.append(type(event).__name__)
        return stored

    ours.to_stored_event = compared  # type: ignore[method-assign]
    facts = record_quarter(service)
    ledger.record_facts("2026-Q1", [{"type": "deduction", "item": "3.6", "subject": "d3", "evidence": AWKWARD}], AWKWARD,
                        AT, key=AWKWARD)
    bonus = ledger.record_facts("2026-Q1", [{"type": "bonus", "item": "b.4", "subject": "d3", "rank": "1"}], "办公室", AT)
    ledger.record_facts("2026-Q1", [{"type": "retraction", "target": bonus["facts"][0], "reason": AWKWARD}], "办公室",
                        AT)
    ledger.close_period("2026-Q1", "admin", AT)
    ledger.publish("2026-Q1", date(2026, 6, 1), "督查科", AT)
    filed = ledger.file_appeal("2026-Q1", "d1", [facts["late"]], AWKWARD, ["ev-1"], date(2026, 6, 3), "d1代表", AT)
    ledger.accept_appeal(filed["appeal"], date(2026, 6, 4), "领导小组", AT)
    ledger.uphold_appeal(filed["appeal"], [{"type": "retraction", "target": facts["late"], "reason": "考勤机故障"}],
                         "属实", date(2026, 6, 5), "领导小组", AT)
    kinds = set(seen)
    for kind in ("Registered", "Opened", "SubjectRegistered", "RatingRecorded", "DeductionRecorded", "BonusRecorded",
                 "FactRetracted", "Accepted", "Closed", "Published", "Filed", "Upheld"):
        assert any(kind in name for name in kinds), (kind, sorted(kinds))
