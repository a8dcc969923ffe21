"""Checking a log (a backup's or a restored store's): digests, every period's seals, the Merkle root.

The same check runs when a backup is written (its figures go into the manifest), before a restore
(a backup that does not verify is refused) and after it (the restored store must give the
manifest's figures back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from projections.leaves import leaf
from projections.records import NotificationSource, Record
from replay.anchor import Anchored, not_extended
from replay.asof import fold_log
from replay.checkpoint import PublicKey
from replay.merkle import leaf_hash
from replay.seal import merkle_root_hex
from replay.verify import verify_records
from service.backup_files import MANIFEST, BackupUnreadable, open_content, read_manifest, sha256_file


def bureau_keys(settings: Any, given: Sequence[PublicKey] = ()) -> list[PublicKey]:
    """The keys seals are checked against: those given, else the configured signing key's public key."""
    if given:
        return list(given)
    if settings.signing_key is None:
        return []
    from service.signing import load_key

    return [load_key(settings.signing_key).public]


@dataclass
class LogCheck:
    """A log's figures and what verification found in it."""

    position: int = 0
    events: int = 0
    merkle_root: str = ""
    periods: list[str] = field(default_factory=list)
    seals: int = 0
    findings: list[str] = field(default_factory=list)
    not_extended: list[str] = field(default_factory=list)  # anchored checkpoints this log does not extend
    anchors: int = 0  # how many anchored checkpoints it was checked against (a restore)
    anchored: int | None = None  # the tree size of the newest one, which it extends

    def figures(self) -> dict[str, Any]:
        return {"position": self.position, "event_count": self.events, "merkle_root": self.merkle_root,
                "periods": self.periods, "seals": self.seals}


def check_log(
    source: NotificationSource, witness: list[tuple[int, str]], keys: Sequence[PublicKey],
    anchors: Sequence[Anchored] = (),
) -> LogCheck:
    """Verify every period of a log against its witness, and every seal against the bureau's key(s), and
    take its figures (a period never published passes on its rows); with `anchors` (the checkpoints the
    service signed, replay/anchor.py), also which of them the log does not extend."""
    fold, records = fold_log(source)
    check = LogCheck(records[-1].position if records else 0, len(records), merkle_root_hex(records))
    if anchors:
        check.not_extended = not_extended((leaf_hash(leaf(r)) for r in records), anchors)
    for period in sorted(fold.periods.values(), key=lambda p: (p.bureau, p.code)):
        check.periods.append(period.code if period.bureau == "default" else f"{period.bureau}/{period.code}")
        report = verify_records(records, witness, period.code, period.bureau, keys, require_seal=False)
        check.seals += report.checked_seals
        check.findings += [f"{period.code}: {finding}" for finding in report.findings]
    if not fold.periods:  # no period to verify: the witness is still checked
        check.findings += _witness_only(records, witness)
    return check


def _witness_only(records: list[Record], witness: list[tuple[int, str]]) -> list[str]:
    from replay.verify import witness_findings

    return witness_findings(records, witness)


def check_files(directory: Path, manifest: dict[str, Any]) -> list[str]:
    """Each file the manifest lists against its SHA-256 and size; files it does not list."""
    findings = []
    listed: dict[str, dict[str, Any]] = manifest.get("files") or {}
    for name, expected in sorted(listed.items()):
        path = directory / name
        if not path.is_file():
            findings.append(f"{name}: missing")
        elif path.stat().st_size != expected.get("bytes") or sha256_file(path) != expected.get("sha256"):
            findings.append(f"{name}: altered (SHA-256 or size differs from the manifest)")
    extra = {p.name for p in directory.iterdir()} - set(listed) - {MANIFEST}
    findings += [f"{name}: not in the manifest" for name in sorted(extra)]
    return findings


@dataclass
class BackupCheck:
    manifest: dict[str, Any]
    log: LogCheck | None
    findings: list[str]

    @property
    def ok(self) -> bool:
        return not self.findings


def check_backup(directory: Path, keys: Sequence[PublicKey], anchors: Sequence[Anchored] = ()) -> BackupCheck:
    """Every digest first (a damaged file is never opened as a database), then the log itself, its seals
    against the bureau's key(s)."""
    manifest = read_manifest(directory)
    findings = check_files(directory, manifest)
    if findings:
        return BackupCheck(manifest, None, findings)
    try:
        source, witness = open_content(directory)
    except (BackupUnreadable, OSError) as exc:
        return BackupCheck(manifest, None, [str(exc)])
    try:
        log = check_log(source, witness, keys, anchors)
    finally:
        source.close()
    findings = list(log.findings) + compare_figures(manifest, log)
    return BackupCheck(manifest, log, findings)


def compare_figures(manifest: dict[str, Any], log: LogCheck) -> list[str]:
    """The manifest's figures against the log's: position, count, Merkle root, periods."""
    return [
        f"{name}: the manifest says {manifest.get(name)!r}, the log gives {value!r}"
        for name, value in log.figures().items()
        if manifest.get(name) != value
    ]
