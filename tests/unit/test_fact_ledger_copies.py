"""The aggregate cache hands out copies of a fact stream: a decision made on a copy that is never
saved (a conflict, a refusal) must leave the cached stream exactly as it was."""

from __future__ import annotations

import copy

from domain.ledger.facts_ledger import FactLedger

AT = "2026-04-01T09:00:00+08:00"


def deduction(n: int) -> dict:
    return {"id": f"d1:{n}", "type": "deduction", "item": "2.1", "subject": "d1", "period": "2026-Q1",
            "recorded_by": "人事教育科", "count": 1}


def test_recording_on_a_copy_leaves_the_original_stream_untouched() -> None:
    cached = FactLedger(period="2026-Q1", bureau="default", subject="d1", actor="admin", at=AT)
    cached.record(deduction(1), "人事教育科", AT)
    cached.collect_events()  # as after saving: nothing pending
    version = cached.version

    copied = copy.deepcopy(cached)
    copied.record(deduction(2), "人事教育科", AT)

    assert set(cached.facts) == {"d1:1"} and cached.version == version and not cached.collect_events()
    assert set(copied.facts) == {"d1:1", "d1:2"} and copied.version == version + 1
    assert [e.fact["id"] for e in copied.collect_events()] == ["d1:2"]
    assert copied.facts["d1:1"] is cached.facts["d1:1"]  # facts never change once applied: shared, not copied
