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
    "MerkleBuilder",
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


class MerkleBuilder:
    """The same tree head as `MerkleAccumulator`, fed leaf hashes a list at a time (issue 12: the seal's pass).

    Leaf hashes wait until 2**`CHUNK_LEVEL` of them (a power of two) are pending; each such perfect subtree is then
    hashed level by level, a level in one comprehension (no Python call per node), and its root joins the
    perfect subtrees' roots as one node of that level. `finish` takes what is left in perfect pieces,
    largest first (each starts at a multiple of its size, so the pieces are subtrees of the RFC 6962 tree).
    `wanted` names perfect subtrees (first leaf, level) whose roots to keep (`kept`): every subtree of a
    consistency proof is made of such pieces (`pieces`), so the proof needs no leaf hashed again."""

    CHUNK_LEVEL = 12

    __slots__ = ("_size", "_peaks", "_pending", "_wanted", "kept", "_root", "_level")

    def __init__(self, wanted: Iterable[tuple[int, int]] = (), level: int | None = None) -> None:
        self._level = self.CHUNK_LEVEL if level is None else level  # a chunk is 2**level leaf hashes
        self._size = 0  # leaves in the perfect subtrees of _peaks
        self._peaks: list[tuple[int, int, bytes]] = []  # (level, first leaf, root), largest (leftmost) first
        self._pending: list[bytes] = []
        self._wanted: dict[int, set[int]] = {}
        for first, level in wanted:
            self._wanted.setdefault(level, set()).add(first)
        self.kept: dict[tuple[int, int], bytes] = {}
        self._root: bytes | None = None

    @property
    def size(self) -> int:
        return self._size + len(self._pending)

    def extend(self, hashes: Sequence[bytes]) -> None:
        """Append leaf hashes (SHA-256(0x00 || leaf) each) in order."""
        if self._root is not None:
            raise ValueError("the tree is finished")
        pending = self._pending
        pending += hashes
        chunk = 1 << self._level
        if len(pending) >= chunk:
            full = len(pending) - len(pending) % chunk
            for start in range(0, full, chunk):
                self._perfect(pending[start : start + chunk], self._level)
            del pending[:full]

    def finish(self) -> bytes:
        """MTH(D[n]) of every leaf hash given; the builder takes no more after it."""
        if self._root is None:
            pending, start = self._pending, 0
            for level in range(self._level - 1, -1, -1):
                if len(pending) - start >= 1 << level:
                    self._perfect(pending[start : start + (1 << level)], level)
                    start += 1 << level
            self._pending = []
            if not self._peaks:
                self._root = EMPTY_ROOT
            else:
                self._root = _folded([digest for _, _, digest in self._peaks])
        return self._root

    def root_of(self, first: int, size: int) -> bytes:
        """MTH(D[first:first + size]) of a subtree of the finished tree whose pieces were `wanted`."""
        return _folded([self.kept[piece] for piece in pieces(first, size)])

    def _perfect(self, nodes: list[bytes], top: int) -> None:
        """A perfect subtree of 2**top leaf hashes starting at leaf `self._size`, hashed level by level."""
        first, wanted, sha = self._size, self._wanted, sha256
        if wanted:
            self._keep(nodes, 0, first)
        for level in range(1, top + 1):
            pairs = iter(nodes)
            nodes = [sha(_NODE_PREFIX + left + right).digest() for left, right in zip(pairs, pairs, strict=True)]
            if wanted:
                self._keep(nodes, level, first)
        self._push(top, first, nodes[0])

    def _keep(self, nodes: list[bytes], level: int, first: int) -> None:
        starts = self._wanted.get(level)
        if starts:
            end = first + (len(nodes) << level)
            for start in starts:
                if first <= start < end:
                    self.kept[start, level] = nodes[(start - first) >> level]

    def _push(self, level: int, first: int, digest: bytes) -> None:
        peaks = self._peaks
        while peaks and peaks[-1][0] == level:
            _, first, left = peaks.pop()
            digest = sha256(_NODE_PREFIX + left + digest).digest()
            level += 1
            if level in self._wanted and first in self._wanted[level]:
                self.kept[first, level] = digest
        peaks.append((level, first, digest))
        self._size = first + (1 << level)


def pieces(first: int, size: int) -> list[tuple[int, int]]:
    """The perfect subtrees (first leaf, level) of D[first:first + size], largest first, when `first` is a
    multiple of the largest power of two not above `size` (every subtree of an RFC 6962 tree is)."""
    out: list[tuple[int, int]] = []
    while size:
        level = size.bit_length() - 1
        out.append((first, level))
        first += 1 << level
        size -= 1 << level
    return out


def _folded(roots: Sequence[bytes]) -> bytes:
    """The root over perfect subtrees' roots, largest first: folded from the right (RFC 6962 §2.1)."""
    root = roots[-1]
    for peak in reversed(roots[:-1]):
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
