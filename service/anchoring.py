"""Signing a seal only when its tree extends the last checkpoint the service signed (F4, F5).

The anchor file (replay/anchor.py, `SCORELEDGER_CHECKPOINT_LOG`) lives outside the store. Under its
lock, publishing reads it, checks every entry's signature, proves the new tree extends the newest
entry, and only then signs and appends the new checkpoint (fsynced) and returns it; the publication
is saved after. A refusal appends nothing, to the file or to the log. So no seal reaches the store
unless its checkpoint is in the file first, and a checkpoint in the file whose publication was then
not saved (a concurrent change made the command decide again; the process stopped) is still a tree
the log had, which the log goes on extending.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from domain.errors import ScoreledgerError
from projections.leaves import leaf
from projections.records import NotificationSource, read_log
from replay.anchor import Anchored, AnchorInvalid, append_note, locked, newest, prefix_roots, read_notes, verified
from replay.checkpoint import PublicKey
from replay.merkle import leaf_hash, verify_consistency
from replay.seal import checkpoint_of
from service.signing import Signer


class LogRewritten(ScoreledgerError):
    """Raised when the log does not extend the newest checkpoint the service signed: nothing is published."""


class AnchorUnavailable(ScoreledgerError):
    """Raised when the anchor file is missing on a store with seals, or cannot be trusted: nothing is published."""


class CheckpointAnchor:
    """The anchor file of one installation and the public keys its entries may be signed with."""

    def __init__(self, path: Path, keys: Sequence[PublicKey]):
        self.path, self.keys = path, list(keys)
        self._lock = threading.Lock()  # flock serialises processes; threads of one process take this first

    def sign(self, source: NotificationSource, seal: dict[str, Any], bureau: str, signer: Signer, sealed: bool) -> str:
        """Check that the seal's tree extends the newest anchored checkpoint, then sign its checkpoint and append
        it to the file; `sealed` says the store already holds a seal (a missing file is then refused)."""
        with self._lock, locked(self.path):
            anchored = self.newest(bureau, sealed)
            if anchored is not None:
                self._require_extension(source, anchored, seal)
            note = signer.sign(checkpoint_of(seal, bureau).body())
            append_note(self.path, note)
            return note

    def newest(self, bureau: str, sealed: bool) -> Anchored | None:
        """The newest verified entry (None: no file on a store without seals, or an empty file)."""
        notes = read_notes(self.path)
        if notes is None and sealed:
            raise AnchorUnavailable(
                f"the checkpoint file {self.path} is missing, but the log holds signed seals: copy it back from "
                "where it is kept, or re-establish it with `scoreledger checkpoints anchor` (docs/deployment.md); "
                "nothing was published"
            )
        try:
            return newest(verified(notes or [], self.keys, f"scoreledger/{bureau}"))
        except AnchorInvalid as exc:
            raise AnchorUnavailable(
                f"the checkpoint file {self.path} cannot be trusted ({exc}): compare it with its copy, or "
                "re-establish it with `scoreledger checkpoints anchor` (docs/deployment.md); nothing was published"
            ) from None

    def _require_extension(self, source: NotificationSource, anchored: Anchored, seal: dict[str, Any]) -> None:
        """The seal's own consistency proof when it starts at the anchored tree (the usual case: the last seal
        in the log is the last one anchored); else the log's leaves read again up to both trees."""
        held, size, root = anchored.checkpoint, int(seal["event_count"]), bytes.fromhex(seal["merkle_root"])
        proof = seal.get("consistency") or {}
        if proof.get("from_size") == held.size and proof.get("from_root") == held.root.hex():
            path = [base64.b64decode(p) for p in proof["proof"]]
            if verify_consistency(held.size, size, held.root, root, path):
                return
        elif _prefix_roots_agree(source, held.size, held.root, size, root):
            return
        raise LogRewritten(
            f"the log does not extend the last checkpoint this service signed (tree size {held.size}, root "
            f"{held.root.hex()}): events up to it were changed, removed or reordered, or an older or forged "
            "backup was restored; nothing was published"
        )


def _prefix_roots_agree(source: NotificationSource, held_size: int, held_root: bytes, size: int, root: bytes) -> bool:
    """The first `held_size` leaves of the log give the anchored root and the first `size` the new one: then
    the larger tree extends the smaller (a seal older than the anchor is a publication that raced another)."""
    roots = prefix_roots(_leaf_hashes(source), (held_size, size))
    return roots.get(held_size) == held_root and roots.get(size) == root


def _leaf_hashes(source: NotificationSource) -> Iterator[bytes]:
    for batch in read_log(source):
        for record in batch:
            yield leaf_hash(leaf(record))


def anchor_for(path: Path, signer: Signer | None, retired: Sequence[PublicKey]) -> CheckpointAnchor | None:
    """The installation's anchor, its entries checked against the signing key and the retired ones."""
    return None if signer is None else CheckpointAnchor(path, [signer.public, *retired])
