"""`scoreledger backup DEST`: a consistent copy of a running store that proves itself.

SQLite: the online backup API copies each file in one step, inside one read transaction of a
read-only connection (the writer is never blocked, nothing is checkpointed: service/readonly.py).
The views go first and the log second, so every witnessed position is in the copied log. The
copy is then verified like a restore would (digests, every seal, the witness, the Merkle root)
and its figures written into the manifest.

PostgreSQL: a logical export of the log's rows and the witness, read through the service (for a
whole-database copy use pg_dump as well: docs/deployment.md).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from domain.errors import ScoreledgerError
from projections.records import read_log
from replay.checkpoint import PublicKey
from service.backup_check import LogCheck, bureau_keys, check_log
from service.backup_files import FORMAT, open_content, row_line, sha256_file, write_manifest
from service.bootstrap import build
from service.readonly import connect_read_only
from service.settings import Settings


class BackupRefused(ScoreledgerError):
    """Raised when a backup cannot be written where asked (the destination holds files)."""


class BackupDoesNotVerify(ScoreledgerError):
    """Raised when the copy was written but does not verify (the live store has findings)."""

    def __init__(self, message: str, findings: list[str]):
        super().__init__(message)
        self.findings = findings


def backup(
    settings: Settings, dest: Path, now: datetime | None = None, keys: Sequence[PublicKey] = ()
) -> dict[str, Any]:
    """Write a verified backup of the configured store into an empty directory; returns its manifest. Seals
    are checked against `keys`, else the configured signing key's public key."""
    if dest.exists() and any(dest.iterdir()):
        raise BackupRefused(f"{dest} is not empty: a backup goes into a new directory")
    dest.mkdir(parents=True, exist_ok=True)
    if settings.store == "sqlite":
        if (settings.data_dir / "notify.sqlite").is_file():  # what the notifier sent: not again after a restore
            copy_sqlite(settings.data_dir / "notify.sqlite", dest / "notify.sqlite")
        for name in ("views.sqlite", "log.sqlite"):  # views first: the log copy covers every witnessed row
            copy_sqlite(settings.data_dir / name, dest / name)
    else:
        export_postgres(settings, dest)
    source, witness = open_content(dest)
    try:
        log = check_log(source, witness, bureau_keys(settings, keys))
    finally:
        source.close()
    manifest = _manifest(settings, dest, log, now or datetime.now(ZoneInfo("Asia/Shanghai")))
    write_manifest(dest, manifest)
    if log.findings:
        raise BackupDoesNotVerify(f"backup written to {dest}, but the store does not verify", log.findings)
    return manifest


def copy_sqlite(source: Path, target: Path) -> None:
    """One file through the online backup API, as a single-file (rollback-journal) database."""
    reader = connect_read_only(source)
    copy = sqlite3.connect(str(target))
    try:
        reader.backup(copy, pages=-1)  # one step: one read transaction, a consistent snapshot
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        reader.close()


def export_postgres(settings: Settings, dest: Path) -> None:
    """The log's rows and the witness, read through the service after the views caught up."""
    service = build(settings)
    try:
        upto = service.ledger.recorder.max_notification_id() or 0
        witness = service.views.leaves(upto)  # read first: each witnessed row is in the rows read next
        with (dest / "log.jsonl").open("wb") as out:
            for batch in read_log(service.ledger.recorder, upto=upto):
                out.writelines(row_line((r.position, r.stream, r.version, r.topic, r.raw)) for r in batch)
        with (dest / "witness.jsonl").open("wb") as out:
            out.writelines(f"[{p}, \"{d}\"]\n".encode() for p, d in witness)
    finally:
        service.close()


def _manifest(settings: Settings, dest: Path, log: LogCheck, now: datetime) -> dict[str, Any]:
    files = {p.name: {"sha256": sha256_file(p), "bytes": p.stat().st_size} for p in sorted(dest.iterdir())}
    return {
        "format": FORMAT,
        "store": settings.store,
        "bureau": settings.bureau,
        "created_at": now.isoformat(),
        **log.figures(),
        "verified": not log.findings,
        "files": files,
    }
