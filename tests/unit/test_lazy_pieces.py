"""The lazy fold's checks of a stored fact's place (projections/lazy.py), and the start's reads in pieces."""

from __future__ import annotations

from projections.fast.joint import JOINT
from projections.lazy import PIECE, _pieces, kept_to_discipline


def test_a_span_is_read_in_pieces_that_cover_it_once() -> None:
    spans = [(1, 2 * PIECE + 5), (3 * PIECE, 3 * PIECE)]
    pieces = _pieces(spans)
    assert pieces == [(1, PIECE), (PIECE + 1, 2 * PIECE), (2 * PIECE + 1, 2 * PIECE + 5), (3 * PIECE, 3 * PIECE)]
    assert all(last - first < PIECE for first, last in pieces)


def test_a_fact_is_kept_to_its_stream_only_as_the_ledger_writes_it() -> None:
    own = {"id": "s1:a", "type": "deduction", "subject": "s1"}
    assert kept_to_discipline("s1", own)
    assert kept_to_discipline("s1", {"id": "s1:r", "type": "retraction", "target": "s1:a"})
    assert not kept_to_discipline("s2", own)  # in another subject's stream
    assert not kept_to_discipline("s1", {**own, "id": "s2:a"})  # an id naming another stream
    assert not kept_to_discipline("s1", {**own, "subject": "s2"})  # about another subject
    assert not kept_to_discipline("s1", {"id": "s1:r", "type": "retraction", "target": "s2:a"})  # another's target
    assert not kept_to_discipline("s1", {**own, "parties": [{"subject": "s2", "role": "co"}]})  # joint, in s1's
    assert not kept_to_discipline("s1", {"id": "s1:c", "corrects": "s1:a", "subject": "s1",
                                         "parties": [{"subject": "s2", "role": "co"}]})  # names s2 through s1's
    joint = {"id": "joint:b", "type": "bonus", "parties": [{"subject": "s1", "role": "lead"}]}
    assert kept_to_discipline(JOINT, joint)
    assert kept_to_discipline(JOINT, {"id": "joint:x", "type": "bonus", "subject": "s1", "rank": "1"})
    assert not kept_to_discipline(JOINT, own)
    assert not kept_to_discipline("s1", None) and not kept_to_discipline("s1", {"id": 3})
