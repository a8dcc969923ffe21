"""A command's kept admission of its streams' stored facts (service/commands.py, issue 12) is continued only when
every stream still holds the facts it admitted, the fact where it admitted its last one being that one, and only the
last stream grew (then by how many it admitted of it); read from the streams' ends, never copied."""

from __future__ import annotations

from typing import Any

from service.commands import _grown, _last


class Stream:
    def __init__(self, *facts: dict[str, Any]) -> None:
        self.facts = {f["id"]: f for f in facts}


A, B, C = {"id": "a"}, {"id": "b"}, {"id": "c"}


def test_a_kept_admission_continues_from_the_fact_it_admitted_last() -> None:
    stream = Stream(A, B)
    assert _grown(((2, B),), [stream]) == 2  # nothing new
    assert _grown(((1, A),), [stream]) == 1  # one fact more
    assert _grown(((0, None),), [stream]) == 0
    assert _grown(((1, dict(A)),), [stream]) == 1  # the same fact, read again from the store


def test_a_kept_admission_is_not_continued_when_a_stream_holds_other_facts() -> None:
    stream = Stream(A, B)
    assert _grown(((2, C),), [stream]) is None  # another fact where the last admitted was
    assert _grown(((1, B),), [stream]) is None
    assert _grown(((3, C),), [stream]) is None  # fewer facts than admitted
    assert _grown(((2, B), (1, C)), [stream]) is None  # another number of streams


def test_only_the_last_stream_may_have_grown() -> None:
    first, last = Stream(C), Stream(A, B)
    assert _grown(((1, C), (1, A)), [first, last]) == 1
    assert _grown(((0, None), (2, B)), [first, last]) is None


def test_the_new_facts_are_read_from_the_end_in_order() -> None:
    facts = Stream(A, B, C).facts
    assert _last(facts, 2) == [B, C]
    assert _last(facts, 0) == []
