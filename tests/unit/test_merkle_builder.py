"""The seal's batched Merkle pass (issue 12): replay.merkle.MerkleBuilder against RFC 6962's recursive
definitions (tests/unit/test_merkle.py's `ref_mth`, `ref_subproof`), the consistency proof's subtrees kept
from the log's tree as it is built, and projections.leaves.RowLeaves against `leaf` / `leaf_digest`."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projections.leaves import RowLeaves, leaf, leaf_digest
from projections.records import Record
from replay.fast_seal import _proof_spans
from replay.merkle import MerkleBuilder, consistency_proof, leaf_hash, pieces
from tests.unit.test_merkle import distinct_leaves, ref_mth, ref_subproof


def builder(level: int, wanted: list[tuple[int, int]] | None = None) -> MerkleBuilder:
    """A builder whose perfect chunks hold 2**level leaves (the seal uses 2**12; small ones cross many chunks)."""
    return MerkleBuilder(wanted or (), level)


def fed(made: MerkleBuilder, hashes: list[bytes], seed: int) -> MerkleBuilder:
    """The hashes given in lists of random lengths (empty ones too), as batches of rows come."""
    pick, start = random.Random(seed), 0
    while start < len(hashes):
        step = pick.choice([0, 1, 2, 3, 5, 8, 13, 40])
        made.extend(hashes[start : start + step])
        start += step
    return made


@pytest.mark.parametrize("level", [0, 1, 2, 3, 12])
def test_the_root_is_the_rfc_tree_head_for_every_size_up_to_70_however_the_leaves_come(level: int) -> None:
    for n in range(71):
        leaves = distinct_leaves(n)
        made = fed(builder(level), [leaf_hash(x) for x in leaves], seed=n)
        assert made.size == n
        assert made.finish() == ref_mth(leaves)
        assert made.size == n


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 600), level=st.integers(0, 6), seed=st.integers(0, 10**6))
def test_the_root_of_a_random_size_tree_is_the_rfc_tree_head(n: int, level: int, seed: int) -> None:
    leaves = distinct_leaves(n)
    assert fed(builder(level), [leaf_hash(x) for x in leaves], seed).finish() == ref_mth(leaves)


@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_the_consistency_proofs_subtrees_are_kept_from_the_tree_as_it_is_built(level: int) -> None:
    """Every PROOF(m, D[n]) for n up to 40: the seal's spans, each made of perfect pieces the builder keeps,
    give the RFC's SUBPROOF (and replay.merkle.consistency_proof), with no leaf hashed twice."""
    for n in range(2, 41):
        leaves = distinct_leaves(n)
        hashes = [leaf_hash(x) for x in leaves]
        for old in range(1, n):
            spans = _proof_spans(old, n)
            made = fed(builder(level, [p for low, high in spans for p in pieces(low, high - low)]), hashes, old)
            assert made.finish() == ref_mth(leaves)
            proof = [made.root_of(low, high - low) for low, high in spans][::-1]
            assert proof == ref_subproof(old, leaves, True) == consistency_proof(hashes, old, hashed=True)


def test_a_subtree_not_wanted_is_not_kept_and_a_finished_tree_takes_no_more_leaves() -> None:
    made = builder(2, [(0, 1)])
    made.extend([leaf_hash(x) for x in distinct_leaves(5)])
    made.finish()
    assert made.root_of(0, 2) == ref_mth(distinct_leaves(2))
    with pytest.raises(KeyError):
        made.root_of(4, 1)
    with pytest.raises(ValueError):
        made.extend([leaf_hash(b"late")])


def test_pieces_are_the_perfect_subtrees_largest_first() -> None:
    assert pieces(0, 13) == [(0, 3), (8, 2), (12, 0)]
    assert pieces(16, 6) == [(16, 2), (20, 1)]
    assert pieces(5, 0) == []


def rows() -> list[tuple[int, str, int, str, bytes]]:
    """Stored rows as a reader returns them: ids as the library stores them (UUID hex) and one not, short and
    long payloads (a length past the prefixes made in advance), positions and versions of several widths."""
    out = []
    pick = random.Random(7)
    for position in [1, 2, 9, 10, 99, 100, 12_345, 10_806_414, 2**40]:
        stream = pick.choice(["3155d9b0357b508598f4b5f885edf7c9", "caf2c543d5a1594fa55864184fb15369",
                              "CAF2C543-D5A1-594F-A558-64184FB15369"])
        payload = b'{"a":"' + "评分".encode() * pick.choice([0, 1, 10, 3000]) + b'"}'
        out.append((position, stream, pick.choice([1, 9, 10, 1234]), pick.choice(["scoreledger:X", "t"]), payload))
    return out


def test_row_leaves_are_the_leaves_and_witness_digests_of_the_records() -> None:
    from projections.fast.reading import SQLiteReader

    name = SQLiteReader("unused", "unused").name
    records = [Record(p, name(s), v, t, b, {}) for p, s, v, t, b in rows()]
    made = RowLeaves(name)
    assert made.hashes(rows()) == [leaf_hash(leaf(r)) for r in records]
    assert made.digests(iter(rows())) == [(r.position, leaf_digest(r)) for r in records]
    assert made.hashes([]) == [] and made.digests([]) == []


class Reader:
    """A log of rows in batches, as projections.fast.reading.Reader gives them."""

    def __init__(self, rows: list[tuple[int, str, int, str, bytes]], batch: int):
        from projections.fast.reading import SQLiteReader

        self.listed, self.batch = rows, batch
        self.name = SQLiteReader("unused", "unused").name

    def count(self, upto: int) -> int:
        return sum(1 for row in self.listed if row[0] <= upto)

    def rows(self, upto: int) -> Any:
        kept = [row for row in self.listed if row[0] <= upto]
        for start in range(0, len(kept), self.batch):
            yield kept[start : start + self.batch]


class Parent:
    """The seal's parent: what it planned is there after `ready_after` polls."""

    def __init__(self, planned: tuple[int | None, set[str], set[str]], ready_after: int):
        self.planned, self.ready_after, self.polls = planned, ready_after, 0

    def poll(self) -> bool:
        self.polls += 1
        return self.polls > self.ready_after

    def recv(self) -> tuple[int | None, set[str], set[str]]:
        return self.planned


def log_rows() -> list[tuple[int, str, int, str, bytes]]:
    """A scheme registered (bound) and another (not), the period's streams and another period's, a gap."""
    ours, theirs, book = "3155d9b0357b508598f4b5f885edf7c9", "caf2c543d5a1594fa55864184fb15369", "0" * 31 + "1"
    registered = "scoreledger:SchemeBook.VersionRegistered"
    rows = [(1, book, 1, "scoreledger:SchemeBook.Started", b"{}"),
            (2, book, 2, registered, b'{"content_hash":"bound"}'),
            (3, book, 3, registered, b'{"content_hash":"other"}')]
    versions = {ours: 0, theirs: 0}
    for position in [*range(4, 30), *range(31, 41)]:
        stream = ours if position % 3 else theirs
        versions[stream] += 1
        rows.append((position, stream, versions[stream], "scoreledger:RatingRecorded", b'{"n":%d}' % position))
    return rows


@pytest.mark.parametrize("ready_after", [0, 1, 3, 100])
@pytest.mark.parametrize("ahead", [0, 5, 10**6])
@pytest.mark.parametrize("old", [None, 7, 16])
def test_the_trees_process_gives_the_roots_and_proof_however_late_the_period_comes(
    ready_after: int, ahead: int, old: int | None
) -> None:
    """replay/fast_seal.py `_trees`: rows hashed before the period is known (up to `ahead`) are taken by the
    trees once it is, in order, with their streams and scheme registrations."""
    from replay.fast_seal import REGISTERED, _trees
    from replay.merkle import merkle_root

    rows = log_rows()
    reader = Reader(rows, batch=4)
    ours = reader.name("3155d9b0357b508598f4b5f885edf7c9")
    records = [Record(p, reader.name(s), v, t, b, {}) for p, s, v, t, b in rows]
    made = _trees(Parent((old, {"bound"}, {ours}), ready_after), reader, 10**9, ahead)  # type: ignore[arg-type]
    hashes = [leaf_hash(leaf(r)) for r in records]
    own = [leaf(r) for r in records if r.stream == ours or (r.topic == REGISTERED and b'"bound"' in r.raw)]
    assert made["root"] == merkle_root(leaf(r) for r in records).hex() and made["count"] == len(rows)
    assert made["period_root"] == merkle_root(own).hex() and made["period_events"] == len(own) < len(rows)
    assert made["proof"] == (consistency_proof(hashes, old, hashed=True) if old else [])
