"""The messages between the bulk import's writer and its worker (service/bulk_pipe.py, issue 12): sent as
marshal's bytes when marshal takes them (cheaper than pickling a batch of decoded facts), pickled otherwise;
either way the other side reads the same values of the same types, so the worker judges what it was sent."""

from __future__ import annotations

import multiprocessing
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from service import bulk_pipe


class Words(str):
    """A str subclass: the lane in one process declines it (`type(x) is str`), so the worker must see it too."""


def _through(message: Any) -> tuple[bytes, Any]:
    """How the message went (b"m": marshal, b"p": pickle) and what the other side read."""
    receiving, sending = multiprocessing.Pipe(duplex=False)
    try:
        bulk_pipe._send(sending, message)
        size, kind = bulk_pipe._FRAME.unpack(bulk_pipe._read_all(receiving.fileno(), bulk_pipe._FRAME.size))
        bulk_pipe._read_all(receiving.fileno(), size)
        bulk_pipe._send(sending, message)
        return kind, bulk_pipe._recv(receiving)
    finally:
        receiving.close()
        sending.close()


def test_a_message_larger_than_the_pipe_arrives_whole() -> None:
    """A batch's rows (~1.5 MB) are more than the pipe holds: the reader takes them in pieces as they come."""
    import threading

    rows = ("rows", 1, [("ab" * 16, n, "topic", b"x" * 300) for n in range(10_000)], ["p1"])
    receiving, sending = multiprocessing.Pipe(duplex=False)
    sender = threading.Thread(target=bulk_pipe._send, args=(sending, rows), daemon=True)
    sender.start()
    try:
        assert bulk_pipe._recv(receiving) == rows
    finally:
        receiving.close()  # a sender still writing (a reader that stopped short) fails instead of hanging
        sender.join(5)
        sending.close()


def test_the_reader_is_told_when_the_other_side_is_gone() -> None:
    receiving, sending = multiprocessing.Pipe(duplex=False)
    bulk_pipe._send(sending, ("rows", 1, [], []))
    sending.close()
    assert bulk_pipe._recv(receiving) == ("rows", 1, [], [])
    with pytest.raises(EOFError):
        bulk_pipe._recv(receiving)
    receiving.close()


def _types(value: Any) -> Any:
    if isinstance(value, dict):
        return (dict, [(type(k), _types(v)) for k, v in value.items()])
    if isinstance(value, list | tuple):
        return (type(value), [_types(v) for v in value])
    return type(value)


def test_a_batch_of_plain_facts_goes_as_marshal_and_arrives_the_same() -> None:
    chunk = [{"id": "p1:r1", "type": "rating", "value": "93", "n": 2**70, "x": 1.5, "ok": True, "none": None,
              "evidence": ["a", ("b", "c")], "nested": {"k": [1, -0.0]}}]
    message = ("batch", 3, chunk, {"p1": (2, [{"id": "p1:d1"}]), "p2": None}, ["p0"])
    kind, arrived = _through(message)
    assert kind == b"m"
    assert arrived == message and _types(arrived) == _types(message)
    rows = ("rows", 3, [("ab" * 16, 1, "topic", b'{"a":1}')], ["p1"])
    assert _through(rows) == (b"m", rows)


def test_what_marshal_refuses_is_pickled_and_arrives_with_its_types() -> None:
    for odd in (Words("甲"), date(2026, 1, 1), Decimal("1.5")):
        message = ("batch", 1, [{"id": "p1:r1", "rater": odd}], {}, [])
        kind, arrived = _through(message)
        assert kind == b"p"
        assert arrived == message and type(arrived[2][0]["rater"]) is type(odd)


def test_the_worker_stamps_its_own_copy_as_the_writer_stamps_a_new_one() -> None:
    """lane_batch(own=True) (the worker's copy, stamped in place) gives the same facts, keys in the same
    order (so the same stored bytes), as the copy the writer stamps, and leaves no fact it was not given."""
    import orjson

    chunk = [
        {"id": "p1:r1", "type": "rating", "item": "c.1", "subject": "p1", "role": "r", "rater": "甲", "value": "9"},
        {"period": "1999", "id": "p1:r2", "type": "rating", "subject": "p1", "value": "8"},
        {"type": "deduction", "recorded_by": "someone", "id": "p2:d1", "subject": "p2", "item": "a.1"},
        {"subject": "p3", "type": "veto", "veto": "v1", "id": "p3:v1", "evidence": ["x"]},
    ]
    copied = bulk_pipe.lane_batch("2026-Q1", orjson.loads(orjson.dumps(chunk)), "督查科")
    own = orjson.loads(orjson.dumps(chunk))
    stamped = bulk_pipe.lane_batch("2026-Q1", own, "督查科", own=True)
    assert copied is not None and stamped is not None
    assert [orjson.dumps(f) for f in stamped[0]] == [orjson.dumps(f) for f in copied[0]]
    assert stamped[1] == copied[1] == ["p1", "p1", "p2", "p3"]
    assert all(a is b for a, b in zip(stamped[0], own, strict=True))
