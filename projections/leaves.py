"""What an event commits to: the stored row, byte for byte, as a Merkle leaf and a witness digest."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

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


_LENGTHS = [n.to_bytes(8, "big") for n in range(1 << 12)]  # a part's length as a leaf writes it, for short parts


class RowLeaves:
    """`leaf` of raw rows (position, stream id as stored, version, topic, payload bytes), a batch at a time, with
    each stream's and topic's length-prefixed bytes made once (issue 12: the seal's and the witness's pass
    over every row). `name` turns a stored stream id into the projections' name (the UUID's text)."""

    __slots__ = ("_name", "streams", "_topics", "_versions")

    def __init__(self, name: Callable[[str], str]):
        self._name = name
        self.streams: dict[str, bytes] = {}  # stored id -> its name, length-prefixed
        self._topics: dict[str, bytes] = {}
        self._versions: dict[int, bytes] = {}

    def stream(self, raw: str) -> bytes:
        found = self.streams.get(raw)
        if found is None:
            found = self.streams[raw] = _prefixed(self._name(raw).encode())
        return found

    def hashes(self, rows: Iterable[tuple[int, str, int, str, bytes]], prefix: bytes = b"\x00") -> list[bytes]:
        """SHA-256(prefix || leaf) of each row: with the default prefix, the RFC 6962 leaf hash."""
        return [h.digest() for h in self._hashed(rows, prefix)]

    def digests(self, rows: Iterable[tuple[int, str, int, str, bytes]]) -> list[tuple[int, str]]:
        """(position, `leaf_digest`) of each row: what the witness keeps."""
        rows = rows if isinstance(rows, list) else list(rows)
        return [(row[0], h.hexdigest()) for row, h in zip(rows, self._hashed(rows, b""), strict=True)]

    def hexdigests(self, rows: Iterable[tuple[int, str, int, str, bytes]]) -> list[str]:
        """`leaf_digest` of each row."""
        return [h.hexdigest() for h in self._hashed(rows, b"")]

    def lines(self, rows: list[tuple[int, str, int, str, bytes]]) -> bytes:
        """`leaf_digest` of each row as COPY's text lines (`position<TAB>digest<LF>`), in the order of positions:
        what `PostgresReader.leaf_lines` makes on the server, here of rows already read (the views from zero)."""
        rows = sorted(rows, key=_position)
        return "".join(map(_LINE, [row[0] for row in rows], self.hexdigests(rows))).encode()

    def _hashed(self, rows: Iterable[tuple[int, str, int, str, bytes]], prefix: bytes) -> list[Any]:
        streams, topics, versions, lengths = self.streams, self._topics, self._versions, _LENGTHS
        sha, out = hashlib.sha256, []
        append = out.append
        for position, raw, version, topic, payload in rows:
            name = streams.get(raw)
            if name is None:
                name = self.stream(raw)
            kind = topics.get(topic)
            if kind is None:
                kind = topics[topic] = _prefixed(topic.encode())
            of = versions.get(version)
            if of is None:
                of = versions[version] = _prefixed(b"%d" % version)
            at, size = b"%d" % position, len(payload)
            append(sha(b"".join((prefix, lengths[len(at)], at, name, of, kind,
                                 lengths[size] if size < 4096 else size.to_bytes(8, "big"), payload))))
        return out


_LINE = "{}\t{}\n".format  # a digest is hex: nothing to escape


def _position(row: tuple[Any, ...]) -> Any:
    return row[0]


def _prefixed(part: bytes) -> bytes:
    """A part of a leaf as `leaf` writes it: its length (8 bytes, big-endian), then itself."""
    return len(part).to_bytes(8, "big") + part
