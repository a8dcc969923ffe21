"""The seal's batched Merkle pass (issue 12): replay.merkle.MerkleBuilder against RFC 6962's recursive
definitions (tests/unit/test_merkle.py's `ref_mth`, `ref_subproof`), the consistency proof's subtrees kept
from the log's tree as it is built, and projections.leaves.RowLeaves against `leaf` / `leaf_digest`."""

from __future__ import annotations

import random

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
