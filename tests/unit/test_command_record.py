"""CommandRecord.accepted (issue 12) makes the record `CommandRecord(...)` makes: the same event class, the same
event state but its time, the same aggregate."""

from __future__ import annotations

from domain.ledger.command import CommandRecord


def test_an_accepted_record_is_the_one_the_constructor_makes() -> None:
    values = {"key": "督查科\x1fLedger.record_facts\x1fk-1", "request_hash": "ab" * 32,
              "result": {"period": "2026-Q1", "facts": ["d1:x"]}, "actor": "督查科", "at": "2026-04-01T09:00:00+08:00"}
    made, accepted = CommandRecord(**values), CommandRecord.accepted(**values)
    (first,), (second,) = made.collect_events(), accepted.collect_events()
    assert type(first) is type(second) is CommandRecord.Accepted
    assert list(vars(first)) == list(vars(second))
    assert {k: v for k, v in vars(first).items() if k != "timestamp"} == {
        k: v for k, v in vars(second).items() if k != "timestamp"}
    assert list(vars(made)) == list(vars(accepted))
    assert {k: v for k, v in vars(made).items() if k not in ("_created_on", "_modified_on")} == {
        k: v for k, v in vars(accepted).items() if k not in ("_created_on", "_modified_on")}
