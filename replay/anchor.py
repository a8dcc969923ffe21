"""The checkpoint anchor: every checkpoint the service signed, in a file kept outside the store (F4, F5).

The store records its own seals, so whoever can write to it (or restore an older or forged backup
into it) could rewrite history and have the service sign a tree that does not extend what it signed
before. Transparency logs answer this with a witness that remembers the last signed tree head; this
file is ours. Publishing refuses to sign a tree that does not extend the newest checkpoint in it;
restore, rebuild and verify check a log against it.

Format (a text file, UTF-8, append only): one entry after another, each a C2SP signed note exactly
as signed (the checkpoint body: origin, tree size, base64 root, extension lines; an empty line; one
or more signature lines starting with an em dash), followed by one empty line:

    scoreledger/default
    203
    <base64 root>
    period 2026-Q1
    ...

    — test-bureau <base64 signature>

    scoreledger/default
    251
    ...

A file holding one note without the closing empty line (a checkpoint saved from `GET /checkpoints`)
reads as one entry. Nothing in it is trusted because it is there: every entry must be signed by one
of the bureau's keys, and the log must extend the newest (largest) one.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from domain.errors import ScoreledgerError
from replay.checkpoint import DASH, Checkpoint, CheckpointInvalid, PublicKey, signed_by
from replay.merkle import MerkleAccumulator


class AnchorInvalid(ScoreledgerError):
    """Raised when an anchor file cannot be read as signed notes, or an entry in it is not the bureau's."""


@dataclass(frozen=True)
class Anchored:
    """One verified entry of an anchor file: its place (1-based), the checkpoint and the note as signed."""

    entry: int
    checkpoint: Checkpoint
    note: str


def split_notes(text: str) -> list[str]:
    """The signed notes of an anchor file, in file order (each note's text as it was signed)."""
    notes: list[str] = []
    lines: list[str] = []
    signing = False  # past the empty line between a note's body and its signatures
    for line in text.splitlines(keepends=True):
        blank = line.strip() == ""
        if blank and not lines:
            continue  # empty lines between entries
        if blank and signing:  # the empty line closing an entry
            notes.append("".join(lines))
            lines, signing = [], False
            continue
        if signing and not line.startswith(DASH):
            raise AnchorInvalid(f"entry {len(notes) + 1}: a line after the signatures that is not a signature")
        signing = signing or blank
        lines.append(line)
    if lines:
        notes.append("".join(lines))
    return notes


def read_notes(path: Path) -> list[str] | None:
    """The notes of an anchor file; None when there is no such file."""
    try:
        return split_notes(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise AnchorInvalid(f"{path} cannot be read: {exc}") from None


def verified(notes: Sequence[str], keys: Sequence[PublicKey], origin: str | None = None) -> list[Anchored]:
    """Every entry, each signed by one of `keys` (and of the log `origin`, when given); else AnchorInvalid."""
    entries = []
    for number, note in enumerate(notes, start=1):
        try:
            checkpoint, signers = signed_by(note, keys)
        except CheckpointInvalid as exc:
            raise AnchorInvalid(f"entry {number} cannot be read: {exc}") from None
        if not signers:
            raise AnchorInvalid(f"entry {number} (tree size {checkpoint.size}) is not signed by the bureau's key")
        if origin is not None and checkpoint.origin != origin:
            raise AnchorInvalid(f"entry {number} is a checkpoint of another log ({checkpoint.origin})")
        entries.append(Anchored(number, checkpoint, note))
    return entries


def newest(entries: Sequence[Anchored]) -> Anchored | None:
    """The entry with the largest tree (the last of equals): what a log must extend."""
    return max(reversed(entries), key=lambda e: e.checkpoint.size, default=None)


def prefix_roots(leaf_hashes: Iterable[bytes], sizes: Iterable[int]) -> dict[int, bytes]:
    """The Merkle root of the first n leaves for each n in `sizes`, in one pass; a size beyond the leaves
    is left out (the log is shorter than that tree)."""
    wanted = set(sizes)
    accumulator = MerkleAccumulator()
    roots = {0: accumulator.root()} if 0 in wanted else {}
    largest = max(wanted, default=0)
    for digest in leaf_hashes:
        if accumulator.size >= largest:
            break
        accumulator.add_leaf_hash(digest)
        if accumulator.size in wanted:
            roots[accumulator.size] = accumulator.root()
    return roots


def not_extended(leaf_hashes: Iterable[bytes], entries: Sequence[Anchored]) -> list[str]:
    """What the log (its leaf hashes, in order) fails to extend among the anchored checkpoints."""
    roots = prefix_roots(leaf_hashes, (e.checkpoint.size for e in entries))
    findings = []
    for entry in entries:
        size = entry.checkpoint.size
        if size not in roots:
            findings.append(f"the log is shorter than the anchored checkpoint of tree size {size} "
                            f"(entry {entry.entry}): events it covers were removed")
        elif roots[size] != entry.checkpoint.root:
            findings.append(f"the log does not extend the anchored checkpoint of tree size {size} "
                            f"(entry {entry.entry}): events up to it were changed, removed or reordered")
    return findings


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the anchor's lock file (`<path>.lock`) while a checkpoint is checked and appended: another
    thread or process of this host signing at the same time waits its turn."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o640)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def append_note(path: Path, note: str) -> None:
    """Append one signed note as an entry and fsync it (and the directory, when the file is new): when this
    returns, the checkpoint survives a power cut. Opened O_APPEND: nothing in the file is ever rewritten."""
    created = not path.exists()
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        entry = (_separator(path) + note + "\n").encode()
        written = 0
        while written < len(entry):
            written += os.write(descriptor, entry[written:])
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    if created:
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _separator(path: Path) -> str:
    """An empty line first when the file's last entry lacks its closing one (a note copied in by hand)."""
    size = path.stat().st_size
    if size == 0:
        return ""
    with path.open("rb") as file:
        file.seek(max(0, size - 2))
        return "" if file.read() == b"\n\n" else "\n"
