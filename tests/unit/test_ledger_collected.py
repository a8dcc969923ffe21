"""A save's events collected without the library's protocol checks (service/ledger.collected, issue 12): the same
events in the same order, the same aggregates and keyword arguments as the library's ProcessingEvent collects."""

from __future__ import annotations

from typing import Any

from eventsourcing.application import ProcessingEvent

from domain.ledger.command import CommandRecord
from service.ledger import collected


def record(key: str) -> CommandRecord:
    return CommandRecord(key=key, request_hash="h", result={"facts": [key]}, actor="督查科", at="2026-03-01")


def by_library(objs: tuple[Any, ...], kwargs: dict[str, Any]) -> ProcessingEvent[Any]:
    processing_event: ProcessingEvent[Any] = ProcessingEvent()
    processing_event.collect_events(*objs, **kwargs)
    return processing_event


def test_a_saves_aggregates_are_collected_as_the_library_collects_them() -> None:
    first, second = record("a"), record("b")
    expected = by_library((first, second), {"tag": 1})
    first, second = record("a"), record("b")  # collecting empties an aggregate's pending events
    got = collected((first, second), {"tag": 1})
    assert [(e.originator_id, e.originator_version, type(e)) for e in got.events] == \
        [(e.originator_id, e.originator_version, type(e)) for e in expected.events]
    assert list(got.aggregates) == list(expected.aggregates) == [first.id, second.id]
    assert got.aggregates[first.id] is first and got.aggregates[second.id] is second
    assert got.saved_kwargs == expected.saved_kwargs == {"tag": 1}
    assert first.collect_events() == [] and second.collect_events() == []  # taken, as the library takes them


def test_anything_but_aggregates_is_left_to_the_library() -> None:
    event = record("c").collect_events()[0]
    aggregate = record("d")
    got = collected((None, event, aggregate), {})
    assert got.events[0] is event and len(got.events) == 2
    assert list(got.aggregates) == [aggregate.id]
