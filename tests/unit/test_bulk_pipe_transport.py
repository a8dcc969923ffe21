"""The messages between the bulk import's writer and its worker (service/bulk_pipe.py, issue 12): sent as
marshal's bytes when marshal takes them (cheaper than pickling a batch of decoded facts), pickled otherwise;
either way the other side reads the same values of the same types, so the worker judges what it was sent."""

from __future__ import annotations

import multiprocessing
from datetime import date
from decimal import Decimal
from typing import Any

from service import bulk_pipe


class Words(str):
    """A str subclass: the lane in one process declines it (`type(x) is str`), so the worker must see it too."""


def _through(message: Any) -> Any:
    receiving, sending = multiprocessing.Pipe(duplex=False)
    try:
        bulk_pipe._send(sending, message)
        return receiving.recv_bytes()[:1], _unpacked(message)
    finally:
        receiving.close()
        sending.close()


def _unpacked(message: Any) -> Any:
    receiving, sending = multiprocessing.Pipe(duplex=False)
    try:
        bulk_pipe._send(sending, message)
        return bulk_pipe._recv(receiving)
    finally:
        receiving.close()
        sending.close()


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

