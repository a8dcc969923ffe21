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


def rating(n: int, **extra: str) -> dict:
    return {"id": f"d1:r{n}", "type": "rating", "item": "rating", "subject": "d1", "role": "principal",
            "rater": "局长", "value": "90", "period": "2026-Q1", "recorded_by": "督查科", **extra}


def test_a_rater_has_one_live_rating_per_item_and_a_new_opinion_is_a_correction() -> None:
    import pytest

    from domain.errors import FactsInvalid

    stream = FactLedger(period="2026-Q1", bureau="default", subject="d1", actor="admin", at=AT)
    stream.record(rating(1), "督查科", AT)
    with pytest.raises(FactsInvalid, match="record a correction"):  # R3: the same rater again
        stream.record(rating(2), "督查科", AT)
    stream.record(rating(3, corrects="d1:r1"), "督查科", AT)  # the correction is now the live rating
    with pytest.raises(FactsInvalid, match="record a correction"):
        stream.record(rating(4), "督查科", AT)
    stream.record({"id": "d1:x", "type": "retraction", "target": "d1:r3", "reason": "误录", "period": "2026-Q1",
                   "recorded_by": "督查科"}, "督查科", AT)
    stream.record(rating(5), "督查科", AT)  # nothing of that rater is live any more: a new rating counts
    stream.record(rating(6, rater="副局长", role="supervising"), "督查科", AT)  # another rater is another rating
    assert {"d1:r5", "d1:r6"} <= set(stream.facts)
