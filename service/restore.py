"""`scoreledger restore SOURCE`: only a backup that verifies, only into an empty store, checked after.

An SQLite backup restored to SQLite is copied file by file (the same bytes the backup verified).
Any other pair (a PostgreSQL export, or SQLite into PostgreSQL) is restored row by row with each
row's log position kept, since seals and the witness commit to positions; the views are then
made again from the log. Either way the restored store is verified and must give the manifest's
position, event count, Merkle root and periods.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from domain.errors import ScoreledgerError
from projections.records import read_log
from replay.anchor import AnchorInvalid
from replay.checkpoint import PublicKey
from service.anchor_setup import Held, anchor_keys, held_anchors
from service.backup_check import LogCheck, bureau_keys, check_backup, check_log, compare_figures
from service.backup_files import open_content
from service.bootstrap import Service, build
from service.settings import Settings
from service.stores import hold, release


class RestoreRefused(ScoreledgerError):
    """Raised when a backup does not verify, or the target store is not empty; nothing is restored."""

    def __init__(self, message: str, findings: list[str]):
        super().__init__(message)
        self.findings = findings


def restore(
    source: Path, settings: Settings, keys: Sequence[PublicKey] = (), checkpoints: Sequence[Path] = (),
    accept_rollback: bool = False,
) -> LogCheck:
    """Verify the backup (every digest, and every seal against `keys`, else the configured signing key's
    public key), check that its log extends every checkpoint the service signed (the anchor file, and the
    `checkpoints` files given: F4/F5), restore it into the configured (empty) store, verify the result.

    A backup that does not extend them (older than the last publication, or rewritten) is refused unless
    `accept_rollback`: then it is restored, what it does not extend is reported, and publishing refuses until
    the anchor is re-established (docs/deployment.md)."""
    keys = bureau_keys(settings, keys)
    held = _held(settings, keys, checkpoints)
    checked = check_backup(source, keys, held.entries)
    if not checked.ok:
        raise RestoreRefused(f"{source} does not verify: nothing was restored", checked.findings)
    rolled_back = checked.log.not_extended if checked.log is not None else []
    if rolled_back and not accept_rollback:
        raise RestoreRefused(f"{source} does not extend the checkpoints the service signed (a backup older than the "
                             "last publication, or a rewritten one): nothing was restored", rolled_back)
    if settings.store == "sqlite" and (source / "log.sqlite").is_file():
        _copy_files(source, settings.data_dir)
    else:
        _insert_rows(source, settings)
    log = _verify_restored(settings, checked.manifest, keys)
    log.not_extended, log.anchors = rolled_back, len(held.entries)
    top = held.newest()
    log.anchored = top.checkpoint.size if top is not None and not rolled_back else None
    return log


def _held(settings: Settings, keys: Sequence[PublicKey], checkpoints: Sequence[Path]) -> Held:
    try:
        return held_anchors(settings, anchor_keys(settings, keys), checkpoints)
    except AnchorInvalid as exc:
        raise RestoreRefused("the anchored checkpoints cannot be trusted: nothing was restored", [str(exc)]) from None


def _copy_files(source: Path, data_dir: Path) -> None:
    log = data_dir / "log.sqlite"
    hold(log)  # refused while a service runs on the target
    try:
        _require_empty_sqlite(log)
        for name in ("log.sqlite", "views.sqlite", "notify.sqlite"):
            if not (source / name).is_file():
                continue
            for stale in (data_dir / f"{name}-wal", data_dir / f"{name}-shm", data_dir / name):
                stale.unlink(missing_ok=True)
            partial = data_dir / f"{name}.restoring"
            shutil.copyfile(source / name, partial)
            os.replace(partial, data_dir / name)  # a file appears whole or not at all
    finally:
        release(log)


def _require_empty_sqlite(log: Path) -> None:
    if not log.is_file():
        return
    from service.readonly import ReadOnlyLog

    reader = ReadOnlyLog(log)
    try:
        if reader.pinned:
            raise RestoreRefused(f"{log} holds {reader.pinned} event(s): restore goes into an empty store", [])
    finally:
        reader.close()


def _insert_rows(source: Path, settings: Settings) -> None:
    service = build(settings)
    try:
        recorder = service.ledger.recorder
        if recorder.max_notification_id():
            raise RestoreRefused("the configured store is not empty: restore goes into an empty store", [])
        rows, _ = open_content(source)
        try:
            with recorder.datastore.transaction(commit=True) as cursor:
                for batch in read_log(rows):
                    found = [(r.position, r.stream, r.version, r.topic, r.raw) for r in batch]
                    _insert(settings, recorder, cursor, found)
                if settings.store == "postgres":
                    cursor.execute(_sequence_sql(recorder))
        finally:
            rows.close()
    finally:
        service.close()


def _insert(settings: Settings, recorder: Any, cursor: Any, rows: list[tuple[int, str, int, str, bytes]]) -> None:
    if settings.store == "sqlite":
        from uuid import UUID

        statement = (
            f"INSERT INTO {recorder.events_table_name} "  # noqa: S608 - the library's table name
            "(rowid, originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?, ?)"
        )
        cursor.executemany(statement, [(p, UUID(s).hex, v, t, b) for p, s, v, t, b in rows])
        return
    from psycopg.sql import SQL, Identifier

    statement = SQL("INSERT INTO {}.{} (notification_id, originator_id, originator_version, topic, state) "
                    "VALUES (%s, %s, %s, %s, %s)").format(
        Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
    cursor.executemany(statement, rows)


def _sequence_sql(recorder: Any) -> Any:
    from psycopg.sql import SQL, Literal

    table = f"{recorder.datastore.schema}.{recorder.events_table_name}"
    return SQL("SELECT setval(pg_get_serial_sequence({t}, 'notification_id'), "
               "(SELECT COALESCE(MAX(notification_id), 1) FROM {i}))").format(
        t=Literal(table), i=SQL(table))


def _verify_restored(settings: Settings, manifest: dict[str, Any], keys: Sequence[PublicKey]) -> LogCheck:
    service: Service = build(settings)
    try:
        service.runner.catch_up()
        log = check_log(service.ledger.recorder, service.views.leaves(), keys)
    finally:
        service.close()
    findings = log.findings + compare_figures(manifest, log)
    if findings:
        raise RestoreRefused("the restored store does not give the backup's figures", findings)
    return log
