"""RFC 6962 Merkle tree heads and proofs (replay.merkle), checked against the RFC's recursive definitions.

The reference functions below transcribe RFC 6962 §2.1 (MTH), §2.1.1 (PATH) and §2.1.2 (PROOF /
SUBPROOF) literally, recursion and slicing included, so the iterative module is compared with the
standard's own text rather than with itself. The CT vectors are those of the Certificate
Transparency / trillian test data (transparency-dev/merkle testonly/constants.go and
proof/verify_test.go), each one reproduced by this implementation before being written down here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay.merkle import (
    EMPTY_ROOT,
    MerkleAccumulator,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

PROPERTIES = settings(max_examples=200, deadline=None)


# --- RFC 6962 §2.1, written out as the RFC states it --------------------------------------------


def ref_split(n: int) -> int:
    """The largest power of two smaller than n (n > 1), by counting up."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 6962 §2.1."""
    if len(leaves) == 0:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = ref_split(len(leaves))
    return hashlib.sha256(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:])).digest()


def ref_path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 §2.1.1."""
    if len(leaves) == 1:
        return []
    k = ref_split(len(leaves))
    if m < k:
        return ref_path(m, leaves[:k]) + [ref_mth(leaves[k:])]
    return ref_path(m - k, leaves[k:]) + [ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: Sequence[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 6962 §2.1.2."""
    n = len(leaves)
    if m == n:
        return [] if b else [ref_mth(leaves)]
    k = ref_split(n)
    if m <= k:
        return ref_subproof(m, leaves[:k], b) + [ref_mth(leaves[k:])]
    return ref_subproof(m - k, leaves[k:], False) + [ref_mth(leaves[:k])]


def ref_sides(m: int, n: int) -> list[str]:
    """The side of each PATH(m, D[n]) element, bottom up: the shape an audit path has."""
    if n == 1:
        return []
    k = ref_split(n)
    if m < k:
        return ref_sides(m, k) + ["right"]
    return ref_sides(m - k, n - k) + ["left"]


def distinct_leaves(n: int) -> list[bytes]:
    """n different leaves of varying length, like serialised events."""
    return [b"event-%d" % i * (1 + i % 3) for i in range(n)]


def flip_bit(data: bytes, position: int) -> bytes:
    """data with one bit flipped in the byte at position."""
    return data[:position] + bytes([data[position] ^ 0x10]) + data[position + 1 :]


# --- Certificate Transparency test data ---------------------------------------------------------

CT_LEAVES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
]
CT_ROOTS = [  # by tree size 0..8
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [  # (leaf index, tree size, audit path); trillian numbers these leaves from 1
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CT_CONSISTENCY = [  # (old size, new size, consistency proof)
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


# --- hashing and tree heads ---------------------------------------------------------------------


def test_the_empty_tree_root_is_the_sha256_of_the_empty_string() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle_root([]) == EMPTY_ROOT
    assert MerkleAccumulator().root() == EMPTY_ROOT


def test_leaf_and_node_hashes_carry_the_rfc_6962_domain_separation_prefixes() -> None:
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert node_hash(b"L" * 32, b"R" * 32) == hashlib.sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()


def test_a_one_leaf_tree_has_the_leaf_hash_as_its_root() -> None:
    assert merkle_root([b"only"]) == leaf_hash(b"only")


def test_the_root_and_the_accumulator_match_the_recursive_definition_for_every_size_up_to_70() -> None:
    leaves = distinct_leaves(70)
    accumulator = MerkleAccumulator()
    for n in range(71):
        expected = ref_mth(leaves[:n])
        assert accumulator.size == n
        assert accumulator.root() == expected, f"accumulator root differs at n={n}"
        assert merkle_root(leaves[:n]) == expected, f"merkle_root differs at n={n}"
        if n < 70:
            accumulator.add(leaves[n])


@PROPERTIES
@given(st.lists(st.binary(max_size=48), max_size=300))
def test_the_root_of_any_list_of_leaves_matches_the_recursive_definition(leaves: list[bytes]) -> None:
    accumulator = MerkleAccumulator()
    for leaf in leaves:
        accumulator.add(leaf)
    assert accumulator.root() == merkle_root(leaves) == ref_mth(leaves)


@PROPERTIES
@given(st.integers(min_value=0, max_value=3000))
def test_the_root_of_a_random_size_tree_matches_the_recursive_definition(n: int) -> None:
    leaves = distinct_leaves(n)
    assert merkle_root(leaves) == ref_mth(leaves)


def test_the_root_can_be_computed_from_a_stream_of_leaves() -> None:
    leaves = distinct_leaves(1000)
    assert merkle_root(iter(leaves)) == merkle_root(leaves)


def test_the_accumulator_keeps_one_subtree_root_per_set_bit_of_its_size() -> None:
    accumulator = MerkleAccumulator()
    for n, leaf in enumerate(distinct_leaves(1025), start=1):
        accumulator.add(leaf)
        assert len(accumulator._peaks) == n.bit_count()  # O(log n) memory, whatever n is


def test_the_accumulator_keeps_accepting_leaves_after_reporting_a_root() -> None:
    leaves = distinct_leaves(13)
    accumulator = MerkleAccumulator()
    accumulator.extend(leaves[:5])
    assert accumulator.root() == ref_mth(leaves[:5])
    accumulator.extend(leaves[5:9])
    accumulator.add_leaf_hash(leaf_hash(leaves[9]))
    for leaf in leaves[10:]:
        accumulator.add(leaf)
    assert accumulator.root() == ref_mth(leaves)


def test_the_roots_match_the_certificate_transparency_test_vectors() -> None:
    for n, expected in enumerate(CT_ROOTS):
        assert merkle_root(CT_LEAVES[:n]).hex() == expected, f"size {n}"
        assert ref_mth(CT_LEAVES[:n]).hex() == expected, f"reference at size {n}"


# --- inclusion proofs ---------------------------------------------------------------------------


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_inclusion_proofs_match_the_certificate_transparency_test_vectors(
    index: int, size: int, path: list[str]
) -> None:
    proof = inclusion_proof(CT_LEAVES[:size], index)
    assert [node.hex() for node in proof] == path
    assert verify_inclusion(CT_LEAVES[index], index, size, proof, bytes.fromhex(CT_ROOTS[size]))


def test_every_inclusion_proof_is_the_rfc_path_and_verifies_for_every_index_up_to_40_leaves() -> None:
    leaves = distinct_leaves(40)
    for n in range(1, 41):
        root = ref_mth(leaves[:n])
        for index in range(n):
            proof = inclusion_proof(leaves[:n], index)
            assert proof == ref_path(index, leaves[:n]), f"index {index} of {n}"
            assert verify_inclusion(leaves[index], index, n, proof, root), f"index {index} of {n}"


@PROPERTIES
@given(st.lists(st.binary(max_size=32), min_size=1, max_size=200), st.data())
def test_an_inclusion_proof_for_any_leaf_of_any_log_verifies(leaves: list[bytes], data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(leaves) - 1))
    proof = inclusion_proof(leaves, index)
    assert proof == ref_path(index, leaves)
    assert verify_inclusion(leaves[index], index, len(leaves), proof, merkle_root(leaves))


def test_an_inclusion_proof_fails_for_a_different_leaf_or_root() -> None:
    leaves = distinct_leaves(40)
    for n in range(1, 41):
        root = merkle_root(leaves[:n])
        for index in range(n):
            proof = inclusion_proof(leaves[:n], index)
            assert not verify_inclusion(leaves[index] + b"!", index, n, proof, root)
            assert not verify_inclusion(leaf_hash(leaves[index]), index, n, proof, root)  # hashed twice
            assert not verify_inclusion(leaves[index], index, n, proof, flip_bit(root, 31))
            assert not verify_inclusion(leaves[index], index, n, proof, EMPTY_ROOT)


def test_an_inclusion_proof_fails_for_every_other_index() -> None:
    leaves = distinct_leaves(40)
    for n in range(1, 41):
        root = merkle_root(leaves[:n])
        for index in range(n):
            proof = inclusion_proof(leaves[:n], index)
            for other in set(range(n)) - {index}:
                assert not verify_inclusion(leaves[index], other, n, proof, root), f"{index} as {other} of {n}"


def test_an_inclusion_proof_fails_against_the_root_of_any_other_tree_size() -> None:
    leaves = distinct_leaves(41)
    roots = [merkle_root(leaves[:n]) for n in range(42)]
    for n in range(1, 41):
        for index in range(n):
            proof = inclusion_proof(leaves[:n], index)
            for other in set(range(index + 1, 42)) - {n}:
                assert not verify_inclusion(leaves[index], index, other, proof, roots[other]), f"{n} as {other}"


def test_an_inclusion_proof_binds_the_size_only_through_the_root_so_seals_must_sign_both() -> None:
    # Under its own root, a proof also "verifies" for any claimed size that gives the leaf the same
    # audit path shape (index 0 of 3 and of 4, say), and for no other size.
    leaves = distinct_leaves(41)
    for n in range(1, 41):
        root = merkle_root(leaves[:n])
        for index in range(n):
            proof = inclusion_proof(leaves[:n], index)
            for other in set(range(index + 1, 42)) - {n}:
                same_shape = ref_sides(index, other) == ref_sides(index, n)
                assert verify_inclusion(leaves[index], index, other, proof, root) == same_shape, f"{n} as {other}"


def test_a_tampered_inclusion_proof_fails() -> None:
    leaves = distinct_leaves(40)
    for n in range(1, 41):
        root = merkle_root(leaves[:n])
        for index in range(n):
            proof = inclusion_proof(leaves[:n], index)
            tampered = [proof + [root], proof + [b""], [root, *proof], [b"", *proof]]
            tampered += [proof[:i] + [flip_bit(node, 0)] + proof[i + 1 :] for i, node in enumerate(proof)]
            if proof:
                tampered += [proof[:-1], proof[1:], proof[::-1] if len(proof) > 1 else [root]]
            for bad in tampered:
                assert not verify_inclusion(leaves[index], index, n, bad, root), f"index {index} of {n}: {bad}"


@pytest.mark.parametrize(("index", "size"), [(-1, 5), (5, 5), (6, 5), (0, 0)])
def test_an_out_of_range_leaf_index_is_refused_with_a_value_error(index: int, size: int) -> None:
    leaves = distinct_leaves(size)
    with pytest.raises(ValueError, match="leaf index"):
        inclusion_proof(leaves, index)
    with pytest.raises(ValueError, match="leaf index"):
        verify_inclusion(b"event", index, size, [], merkle_root(leaves))


# --- consistency proofs -------------------------------------------------------------------------


@pytest.mark.parametrize(("old_size", "new_size", "path"), CT_CONSISTENCY)
def test_consistency_proofs_match_the_certificate_transparency_test_vectors(
    old_size: int, new_size: int, path: list[str]
) -> None:
    proof = consistency_proof(CT_LEAVES[:new_size], old_size)
    assert [node.hex() for node in proof] == path
    old_root, new_root = bytes.fromhex(CT_ROOTS[old_size]), bytes.fromhex(CT_ROOTS[new_size])
    assert verify_consistency(old_size, new_size, old_root, new_root, proof)


def test_every_consistency_proof_is_the_rfc_proof_and_verifies_for_all_sizes_up_to_30() -> None:
    leaves = distinct_leaves(30)
    roots = [ref_mth(leaves[:n]) for n in range(31)]
    for new_size in range(31):
        for old_size in range(new_size + 1):
            proof = consistency_proof(leaves[:new_size], old_size)
            expected = ref_subproof(old_size, leaves[:new_size], True) if 0 < old_size < new_size else []
            assert proof == expected, f"{old_size} -> {new_size}"
            assert verify_consistency(old_size, new_size, roots[old_size], roots[new_size], proof), (
                f"{old_size} -> {new_size}"
            )


@PROPERTIES
@given(st.lists(st.binary(max_size=32), max_size=200), st.data())
def test_any_log_is_consistent_with_each_of_its_prefixes(leaves: list[bytes], data: st.DataObject) -> None:
    old_size = data.draw(st.integers(min_value=0, max_value=len(leaves)))
    proof = consistency_proof(leaves, old_size)
    assert verify_consistency(old_size, len(leaves), merkle_root(leaves[:old_size]), merkle_root(leaves), proof)


def test_a_consistency_proof_fails_when_any_event_of_the_sealed_log_was_altered() -> None:
    leaves = distinct_leaves(30)
    for new_size in range(2, 31):
        for old_size in range(1, new_size):
            sealed_root = merkle_root(leaves[:old_size])
            for altered in range(old_size):
                edited = [*leaves[:new_size]]
                edited[altered] += b" (edited)"
                edited_root = merkle_root(edited)
                # the edited log's own proof cannot link the sealed head to the edited head ...
                assert not verify_consistency(
                    old_size, new_size, sealed_root, edited_root, consistency_proof(edited, old_size)
                ), f"event {altered} of {old_size} -> {new_size}"
                # ... and the honest proof cannot link the edited head to the honest one
                honest = consistency_proof(leaves[:new_size], old_size)
                assert not verify_consistency(
                    old_size, new_size, merkle_root(edited[:old_size]), merkle_root(leaves[:new_size]), honest
                ), f"event {altered} of {old_size} -> {new_size}"


@PROPERTIES
@given(st.lists(st.binary(max_size=32), min_size=2, max_size=200), st.data())
def test_a_consistency_proof_fails_when_a_random_sealed_event_was_altered(
    leaves: list[bytes], data: st.DataObject
) -> None:
    old_size = data.draw(st.integers(min_value=1, max_value=len(leaves) - 1))
    altered = data.draw(st.integers(min_value=0, max_value=old_size - 1))
    edited = [*leaves]
    edited[altered] += b"\xff"
    proof = consistency_proof(edited, old_size)
    assert not verify_consistency(old_size, len(leaves), merkle_root(leaves[:old_size]), merkle_root(edited), proof)


def test_a_consistency_proof_fails_for_any_other_old_size_or_for_another_size_and_its_root() -> None:
    leaves = distinct_leaves(40)
    roots = [merkle_root(leaves[:n]) for n in range(41)]
    for new_size in range(2, 31):
        for old_size in range(1, new_size):
            proof = consistency_proof(leaves[:new_size], old_size)
            for other in set(range(new_size + 1)) - {old_size}:
                assert not verify_consistency(other, new_size, roots[old_size], roots[new_size], proof)
                assert not verify_consistency(other, new_size, roots[other], roots[new_size], proof)
            for other in set(range(old_size, 41)) - {new_size}:
                assert not verify_consistency(old_size, other, roots[old_size], roots[other], proof)


def test_a_tampered_consistency_proof_or_swapped_roots_fail() -> None:
    leaves = distinct_leaves(30)
    for new_size in range(2, 31):
        for old_size in range(1, new_size):
            old_root, new_root = merkle_root(leaves[:old_size]), merkle_root(leaves[:new_size])
            proof = consistency_proof(leaves[:new_size], old_size)
            tampered = [[], proof[:-1], proof + [old_root], proof + [new_root], [new_root, *proof], [proof[0], *proof]]
            tampered += [proof[:i] + [flip_bit(node, 0)] + proof[i + 1 :] for i, node in enumerate(proof)]
            for bad in tampered:
                assert not verify_consistency(old_size, new_size, old_root, new_root, bad), f"{old_size}->{new_size}"
            assert not verify_consistency(old_size, new_size, new_root, old_root, proof)


def test_equal_sizes_are_consistent_only_with_an_empty_proof_and_the_same_root() -> None:
    leaves = distinct_leaves(5)
    root = merkle_root(leaves)
    assert consistency_proof(leaves, 5) == []
    assert verify_consistency(5, 5, root, root, [])
    assert not verify_consistency(5, 5, root, flip_bit(root, 0), [])
    assert not verify_consistency(5, 5, root, root, [root])


def test_every_log_extends_the_empty_log_whose_root_is_fixed() -> None:
    leaves = distinct_leaves(5)
    root = merkle_root(leaves)
    assert consistency_proof(leaves, 0) == []
    assert verify_consistency(0, 5, EMPTY_ROOT, root, [])
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(0, 5, root, root, [])  # a non-empty root cannot seal an empty log
    assert not verify_consistency(0, 0, root, root, [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, root, [root])


@pytest.mark.parametrize(("old_size", "new_size"), [(-1, 5), (6, 5), (1, 0)])
def test_out_of_range_tree_sizes_are_refused_with_a_value_error(old_size: int, new_size: int) -> None:
    with pytest.raises(ValueError, match="old tree size"):
        consistency_proof(distinct_leaves(new_size), old_size)
    with pytest.raises(ValueError, match="old tree size"):
        verify_consistency(old_size, new_size, EMPTY_ROOT, EMPTY_ROOT, [])
