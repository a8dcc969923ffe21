"""RFC 6962 (Certificate Transparency) Merkle tree heads, inclusion proofs and consistency proofs.

A publication seal records the tree head over the hashes of every event up to a log position; an
inclusion proof shows one event is under that head, and a consistency proof shows a later head
extends a sealed one without rewriting it. Hashing follows RFC 6962 §2.1 (RFC 9162 §2.1.1):
leaves are SHA-256(0x00 || leaf), interior nodes SHA-256(0x01 || left || right), the empty tree
is SHA-256 of the empty string, and a tree of n leaves splits at the largest power of two below n.
Verification follows the RFC 9162 §2.1.3.2 and §2.1.4.2 algorithms step by step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from hashlib import sha256

__all__ = [
    "EMPTY_ROOT",
    "MerkleAccumulator",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "merkle_root",
    "node_hash",
    "verify_consistency",
    "verify_inclusion",
]

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

EMPTY_ROOT: bytes = sha256(b"").digest()
"""The root of the empty tree, SHA-256 of the empty string (RFC 6962 §2.1)."""


def leaf_hash(leaf: bytes) -> bytes:
    """Return the RFC 6962 §2.1 leaf hash SHA-256(0x00 || leaf)."""
    return sha256(_LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 §2.1 interior node hash SHA-256(0x01 || left || right)."""
    return sha256(_NODE_PREFIX + left + right).digest()


class MerkleAccumulator:
    """Streaming RFC 6962 §2.1 tree head that keeps only the roots of its perfect subtrees (O(log n) memory)."""

    __slots__ = ("_size", "_peaks")

    def __init__(self) -> None:
        """Start an empty tree (RFC 6962 §2.1), whose root is SHA-256 of the empty string."""
        self._size = 0
        self._peaks: list[bytes] = []  # roots of the perfect subtrees, largest (leftmost) first

    @property
    def size(self) -> int:
        """Return the number of leaves added so far, the tree size n of RFC 6962 §2.1."""
        return self._size

    def add(self, leaf: bytes) -> None:
        """Append one leaf, merging equal-sized perfect subtrees as RFC 6962 §2.1 pairs them."""
        self.add_leaf_hash(leaf_hash(leaf))

    def add_leaf_hash(self, digest: bytes) -> None:
        """Append a leaf already hashed as RFC 6962 §2.1 prescribes (SHA-256(0x00 || leaf))."""
        peaks = self._peaks
        carried = self._size
        while carried & 1:  # each trailing 1 bit of the old size is a perfect subtree now completed
            digest = node_hash(peaks.pop(), digest)
            carried >>= 1
        peaks.append(digest)
        self._size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Append many leaves in order, each as `add` would (RFC 6962 §2.1)."""
        peaks = self._peaks
        size = self._size
        for leaf in leaves:  # `add_leaf_hash` inlined: this loop is the hot path for large logs
            digest = sha256(_LEAF_PREFIX + leaf).digest()
            carried = size
            while carried & 1:
                digest = sha256(_NODE_PREFIX + peaks.pop() + digest).digest()
                carried >>= 1
            peaks.append(digest)
            size += 1
        self._size = size

    def root(self) -> bytes:
        """Return MTH(D[n]) of RFC 6962 §2.1 by folding the perfect-subtree roots from the right."""
        if not self._peaks:
            return EMPTY_ROOT
        root = self._peaks[-1]
        for peak in reversed(self._peaks[:-1]):
            root = node_hash(peak, root)
        return root


def merkle_root(leaves: Iterable[bytes]) -> bytes:
    """Return the RFC 6962 §2.1 Merkle Tree Hash of the leaves in O(n) time and O(log n) memory."""
    accumulator = MerkleAccumulator()
    accumulator.extend(leaves)
    return accumulator.root()


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Return PATH(index, D[n]) of RFC 6962 §2.1.1: the sibling subtree roots from the leaf up to the root."""
    _require_index(index, len(leaves))
    proof: list[bytes] = []
    low, high = 0, len(leaves)
    while high - low > 1:  # descend from the root; each step records the subtree not taken
        middle = low + _split(high - low)
        if index < middle:
            proof.append(_range_root(leaves, middle, high))
            high = middle
        else:
            proof.append(_range_root(leaves, low, middle))
            low = middle
    proof.reverse()
    return proof


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Return whether proof shows leaf at index under root of a size-leaf tree, per RFC 9162 §2.1.3.2."""
    _require_index(index, size)
    fn, sn = index, size - 1
    result = leaf_hash(leaf)
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            fn, sn = _shift_to_right_child(fn, sn)
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and result == root


def consistency_proof(leaves: Sequence[bytes], old_size: int, hashed: bool = False) -> list[bytes]:
    """Return PROOF(old_size, D[n]) of RFC 6962 §2.1.2 (empty when old_size is 0 or n); with `hashed`,
    `leaves` are leaf hashes already (SHA-256(0x00 || leaf)), 32 bytes each instead of whole rows."""
    size = len(leaves)
    _require_sizes(old_size, size)
    if old_size in (0, size):
        return []
    proof: list[bytes] = []
    low, high, known = 0, size, True  # SUBPROOF(m, D[low:high], b) with m = old_size - low
    span = _range_root_hashed if hashed else _range_root
    while old_size != high:
        middle = low + _split(high - low)
        if old_size <= middle:
            proof.append(span(leaves, middle, high))
            high = middle
        else:
            proof.append(span(leaves, low, middle))
            low, known = middle, False
    if not known:  # b is false: the verifier does not hold this subtree's root already
        proof.append(span(leaves, low, high))
    proof.reverse()
    return proof


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """Return whether proof shows the new_size tree extends the old_size tree, per RFC 9162 §2.1.4.2."""
    _require_sizes(old_size, new_size)
    if old_size == 0:  # every log extends the empty one, whose root is fixed
        return not proof and old_root == EMPTY_ROOT and (new_size > 0 or new_root == EMPTY_ROOT)
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = [old_root, *proof] if _is_power_of_two(old_size) else list(proof)
    return _verify_consistency_path(old_size, new_size, old_root, new_root, path)


def _verify_consistency_path(old_size: int, new_size: int, old_root: bytes, new_root: bytes, path: list[bytes]) -> bool:
    """Run steps 3 to 7 of RFC 9162 §2.1.4.2 over a consistency path already seeded as in step 2."""
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    old, new = path[0], path[0]
    for sibling in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            old, new = node_hash(sibling, old), node_hash(sibling, new)
            fn, sn = _shift_to_right_child(fn, sn)
        else:
            new = node_hash(new, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and old == old_root and new == new_root


def _shift_to_right_child(fn: int, sn: int) -> tuple[int, int]:
    """Right-shift fn and sn until LSB(fn) is set or fn is 0, as RFC 9162 §2.1.3.2 and §2.1.4.2 prescribe."""
    while fn and not fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def _range_root(leaves: Sequence[bytes], low: int, high: int) -> bytes:
    """Return MTH(D[low:high]) of RFC 6962 §2.1 without copying the slice."""
    return merkle_root(leaves[i] for i in range(low, high))


def _range_root_hashed(hashes: Sequence[bytes], low: int, high: int) -> bytes:
    """Return MTH(D[low:high]) from leaf hashes."""
    accumulator = MerkleAccumulator()
    for i in range(low, high):
        accumulator.add_leaf_hash(hashes[i])
    return accumulator.root()


def _split(n: int) -> int:
    """Return k, the largest power of two smaller than n (n > 1), where RFC 6962 §2.1 splits D[n]."""
    return 1 << ((n - 1).bit_length() - 1)


def _is_power_of_two(n: int) -> bool:
    """Return whether n is an exact power of two, the test in RFC 9162 §2.1.4.2 step 2."""
    return n > 0 and n & (n - 1) == 0


def _require_index(index: int, size: int) -> None:
    """Raise ValueError unless 0 <= index < size, the leaf range of RFC 6962 §2.1.1."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is out of range for a tree of {size} leaves (need 0 <= index < size)")


def _require_sizes(old_size: int, new_size: int) -> None:
    """Raise ValueError unless 0 <= old_size <= new_size, the sizes RFC 6962 §2.1.2 relates."""
    if not 0 <= old_size <= new_size:
        raise ValueError(
            f"old tree size {old_size} is out of range for a new tree of {new_size} leaves "
            "(need 0 <= old_size <= new_size)"
        )
