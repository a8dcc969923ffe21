"""What an event commits to: the stored row, byte for byte, as a Merkle leaf and a witness digest."""

from __future__ import annotations

import hashlib

from projections.records import Record


def leaf(record: Record) -> bytes:
    """The bytes a Merkle leaf commits to: the stored row, field by field, length-prefixed."""
    parts = [
        str(record.position).encode(),
        record.stream.encode(),
        str(record.version).encode(),
        record.topic.encode(),
        record.raw,
    ]
    return b"".join(len(p).to_bytes(8, "big") + p for p in parts)


def leaf_digest(record: Record) -> str:
    """The SHA-256 of a leaf, as hex: what the witness keeps for each event."""
    return hashlib.sha256(leaf(record)).hexdigest()
