"""The operator's side of the checkpoint anchor: reading it for restore and rebuild, and re-establishing it.

A lost anchor file is never re-made silently. `scoreledger checkpoints anchor` writes a new one, and
only into a place where none is: from copies kept elsewhere (`--from FILE`: every entry signed by the
bureau's key and extended by the log), and/or, as a last resort, from the store itself
(`--from-store`: every seal of every period verified with the key, then its newest checkpoint). The
second trusts the store as it stands: a rewrite made before it cannot be seen any more, which is why
docs/deployment.md asks for a copy off the machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.errors import ScoreledgerError
from projections.leaves import leaf
from projections.records import Record
from replay.anchor import Anchored, AnchorInvalid, append_note, locked, newest, not_extended, read_notes, verified
from replay.asof import fold_log
from replay.checkpoint import PublicKey, signed_by
from replay.merkle import leaf_hash
from service.backup_check import bureau_keys, check_log
from service.settings import Settings
from service.signing import retired_keys


class AnchorRefused(ScoreledgerError):
    """Raised when an anchor cannot be re-established as asked; nothing is written."""

    def __init__(self, message: str, findings: Sequence[str] = ()):
        super().__init__(message)
        self.findings = list(findings)


@dataclass
class Held:
    """The anchored checkpoints a log is checked against: the configured file's and those given."""

    entries: list[Anchored] = field(default_factory=list)

    def newest(self) -> Anchored | None:
        return newest(self.entries)


def anchor_keys(settings: Settings, given: Sequence[PublicKey] = ()) -> list[PublicKey]:
    """The keys anchored checkpoints are checked with: the bureau's (given, else configured) and retired ones."""
    return [*bureau_keys(settings, given), *retired_keys(settings)]


def held_anchors(settings: Settings, keys: Sequence[PublicKey], files: Sequence[Path] = ()) -> Held:
    """The configured anchor file's entries and those of `files`, each verified with `keys`; AnchorInvalid
    names the file of an entry that is not the bureau's."""
    own = read_notes(settings.anchor_file())
    entries = _verified_in(settings.anchor_file(), own or [], keys, settings.bureau)
    return Held(entries + kept_entries(files, keys, settings.bureau))


def kept_entries(files: Sequence[Path], keys: Sequence[PublicKey], bureau: str) -> list[Anchored]:
    """The entries of checkpoint files given by hand (copies of the anchor file, or single notes), verified."""
    entries: list[Anchored] = []
    for path in files:
        notes = read_notes(path)
        if notes is None:
            raise AnchorInvalid(f"{path} cannot be read: no such file")
        entries += _verified_in(path, notes, keys, bureau)
    return entries


def _verified_in(path: Path, notes: Sequence[str], keys: Sequence[PublicKey], bureau: str) -> list[Anchored]:
    try:
        return verified(notes, keys, f"scoreledger/{bureau}")
    except AnchorInvalid as exc:
        raise AnchorInvalid(f"{path}: {exc}") from None


def reestablish(
    settings: Settings, files: Sequence[Path], from_store: bool, given: Sequence[PublicKey] = ()
) -> list[Anchored]:
    """Write a new anchor file from kept copies and/or the store's newest verified seal; returns what it wrote."""
    from service.readonly import build_for_reading

    path, keys = settings.anchor_file(), anchor_keys(settings, given)
    if not files and not from_store:
        raise AnchorRefused("say where the anchor comes from: --from FILE (a copy you kept) and/or --from-store")
    if not keys:
        raise AnchorRefused("no key to check checkpoints with: configure SCORELEDGER_SIGNING_KEY or give --key")
    with locked(path):
        if path.exists() and path.stat().st_size > 0:
            raise AnchorRefused(f"{path} exists: move it aside first (keep it: it may be evidence), then run again")
        try:
            kept = kept_entries(files, keys, settings.bureau)
        except AnchorInvalid as exc:
            raise AnchorRefused(str(exc)) from None
        reader = build_for_reading(settings)
        try:
            entries = _checked(settings, reader, kept, keys, from_store)
        finally:
            reader.close()
        for entry in entries:
            append_note(path, entry.note)
    return entries


def _checked(
    settings: Settings, reader: Any, kept: list[Anchored], keys: Sequence[PublicKey], from_store: bool
) -> list[Anchored]:
    """The kept entries the log extends, then (with `from_store`) the store's newest seal when it is newer."""
    source, witness = reader.ledger.recorder, reader.views.leaves()
    _, records = fold_log(source)
    findings = not_extended((leaf_hash(leaf(r)) for r in records), kept)
    if findings:
        raise AnchorRefused("the log does not extend the checkpoints you kept: nothing was written", findings)
    if not from_store:
        return kept
    check = check_log(source, witness, keys)
    if check.findings:
        raise AnchorRefused("the store does not verify with the bureau's key: nothing was written", check.findings)
    store = _newest_seal(records, keys, settings.bureau)
    top = newest(kept)
    if store is None or (top is not None and store.checkpoint.size <= top.checkpoint.size):
        return kept
    return [*kept, store]


def _newest_seal(records: Sequence[Record], keys: Sequence[PublicKey], bureau: str) -> Anchored | None:
    """The signed checkpoint of the log's largest seal (every seal was verified just before)."""
    seals = [r.state.get("seal") for r in records if r.topic == "scoreledger:Period.Published"]
    notes = [s["checkpoint"] for s in seals if isinstance(s, dict) and isinstance(s.get("checkpoint"), str)]
    return newest(verified([n for n in notes if signed_by(n, keys)[1]], keys, f"scoreledger/{bureau}"))
