"""Backups taken while the service writes, restored elsewhere, verified; a damaged backup is refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from cli.main import app
from service.backup_files import sha256_file
from service.restore import RestoreRefused, restore
from service.settings import Settings
from tests.ops.conftest import SEALED, Load
from tests.reliability.harness import Server
from tests.signing import TEST_KEY

runner = CliRunner()


def _run(*args: str, data_dir: Path | None = None) -> object:
    env = {"SCORELEDGER_DATA_DIR": str(data_dir)} if data_dir else {}
    return runner.invoke(app, list(args), env=env)


def test_a_backup_taken_under_write_load_restores_elsewhere_and_gives_the_same_bytes(
    server: Server, data_dir: Path, tmp_path: Path
) -> None:
    backup_dir, restored_dir = tmp_path / "backup", tmp_path / "restored"
    with Load(server.base) as load:
        load.wait_for(20)
        # Check: the backup runs beside the service while both writers append
        taken = _run("backup", str(backup_dir), data_dir=data_dir)
        assert taken.exit_code == 0, taken.output
        load.wait_for(len(load.ledger.acknowledged) + 20)  # the writers went on meanwhile
    assert "1 seal(s) verified" in taken.output and "backup written" in taken.output
    manifest = orjson.loads((backup_dir / "manifest.json").read_bytes())
    assert manifest["verified"] is True and manifest["periods"] == [SEALED, "2026-Q1"]
    assert manifest["event_count"] == manifest["position"] > 60  # every row up to the position, none torn
    # Check: the restore says what it restored, and the restored store verifies
    restored = _run("restore", str(backup_dir), data_dir=restored_dir)
    assert restored.exit_code == 0, restored.output
    assert f"up to position {manifest['position']}" in restored.output and manifest["merkle_root"] in restored.output
    assert "OK 2025-Q4" in _run("verify", SEALED, data_dir=restored_dir).output
    # Check: byte-identical results, as of the backup's position, from the live store (read-only beside the
    # server) and from the restored one; the restored store has nothing after that position
    for period in (SEALED, "2026-Q1"):
        live = _run("replay", period, "--as-of", str(manifest["position"]), data_dir=data_dir)
        again = _run("replay", period, data_dir=restored_dir)
        assert live.exit_code == 0 and again.exit_code == 0
        assert live.stdout_bytes == again.stdout_bytes and b'"subjects"' in live.stdout_bytes
    with sqlite3.connect(restored_dir / "log.sqlite") as conn:
        published = conn.execute("SELECT state FROM stored_events WHERE topic = 'scoreledger:Period.Published'").fetchone()
    with sqlite3.connect(f"file:{data_dir / 'log.sqlite'}?mode=ro", uri=True) as conn:
        original = conn.execute("SELECT state FROM stored_events WHERE topic = 'scoreledger:Period.Published'").fetchone()
    assert published == original  # the seal itself, byte for byte
    with sqlite3.connect(f"file:{data_dir / 'log.sqlite'}?mode=ro", uri=True) as conn:
        (live_end,) = conn.execute("SELECT MAX(rowid) FROM stored_events").fetchone()
    assert live_end > manifest["position"]  # the live log went on growing past the copy


@pytest.fixture
def taken(data_dir: Path, tmp_path: Path) -> Path:
    backup_dir = tmp_path / "backup"
    result = _run("backup", str(backup_dir), data_dir=data_dir)
    assert result.exit_code == 0, result.output
    return backup_dir


def test_a_backup_with_one_altered_byte_is_refused_and_nothing_is_restored(taken: Path, tmp_path: Path) -> None:
    log = taken / "log.sqlite"
    data = bytearray(log.read_bytes())
    data[len(data) // 2] ^= 0x01
    log.write_bytes(bytes(data))
    target = tmp_path / "target"
    refused = _run("restore", str(taken), data_dir=target)
    assert refused.exit_code == 1
    assert "备份未通过核验" in refused.output and "log.sqlite: altered" in refused.output
    assert not (target / "log.sqlite").exists()


def test_a_row_edited_in_a_backup_with_its_manifest_rewritten_is_still_refused(taken: Path, tmp_path: Path) -> None:
    with sqlite3.connect(taken / "log.sqlite") as conn:
        rowid, state = next(r for r in conn.execute("SELECT rowid, state FROM stored_events") if b'"count":4' in r[1])
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (state.replace(b'"count":4', b'"count":1'), rowid))
    conn.close()
    manifest = orjson.loads((taken / "manifest.json").read_bytes())
    manifest["files"]["log.sqlite"] = {"sha256": sha256_file(taken / "log.sqlite"), "bytes": (taken / "log.sqlite").stat().st_size}
    (taken / "manifest.json").write_bytes(orjson.dumps(manifest))
    with pytest.raises(RestoreRefused) as refused:
        restore(taken, Settings(signing_key=TEST_KEY, data_dir=tmp_path / "target"))
    found = "\n".join(refused.value.findings)
    assert f"position {rowid}: event altered" in found and "Merkle root differs" in found and "merkle_root" in found


def test_restore_goes_only_into_an_empty_store(taken: Path, data_dir: Path) -> None:
    refused = _run("restore", str(taken), data_dir=data_dir)
    assert refused.exit_code == 1 and "restore goes into an empty store" in refused.output


def test_a_postgresql_store_is_exported_and_restored_into_postgresql_and_sqlite(
    pg_schema: str, tmp_path: Path
) -> None:
    from replay.asof import canonical_as_of
    from service.backup import backup
    from service.bootstrap import build
    from tests.integration.conftest import PG
    from tests.ops.conftest import seal_a_quarter

    source = Settings(signing_key=TEST_KEY, store="postgres", pg_schema=pg_schema, data_dir=tmp_path / "pg", **PG)  # type: ignore[arg-type]
    seal_a_quarter(source)
    manifest = backup(source, tmp_path / "pg-backup")
    assert set(manifest["files"]) == {"log.jsonl", "witness.jsonl"} and manifest["seals"] == 1
    into_sqlite = Settings(signing_key=TEST_KEY, data_dir=tmp_path / "restored")
    restored = restore(tmp_path / "pg-backup", into_sqlite)
    assert restored.merkle_root == manifest["merkle_root"] and restored.position == manifest["position"]

    def replayed(settings: Settings) -> bytes:
        service = build(settings)
        try:
            return b"".join(canonical_as_of(service.ledger.recorder, SEALED))
        finally:
            service.close()

    assert replayed(source) == replayed(into_sqlite)
    # Check: into another PostgreSQL schema, positions kept, and the next append follows the last position
    import uuid

    import psycopg

    other = f"sl_{uuid.uuid4().hex[:12]}"
    conninfo = f"host={PG['pg_host']} port={PG['pg_port']} user={PG['pg_user']} dbname={PG['pg_dbname']}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {other}")
    try:
        into_pg = Settings(signing_key=TEST_KEY, store="postgres", pg_schema=other, data_dir=tmp_path / "pg2", **PG)  # type: ignore[arg-type]
        assert restore(tmp_path / "pg-backup", into_pg).merkle_root == manifest["merkle_root"]
        assert replayed(into_pg) == replayed(source)
        service = build(into_pg)
        try:
            appended = service.ledger.open_period("2026-Q1", "ZJG", 2, "admin", "2026-04-01T09:00:00+08:00")
        finally:
            service.close()
        assert appended["position"] == manifest["position"] + 1
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {other} CASCADE")


def test_a_store_that_does_not_verify_is_backed_up_but_the_command_says_what_is_wrong(
    data_dir: Path, tmp_path: Path
) -> None:
    with sqlite3.connect(data_dir / "log.sqlite") as conn:
        rowid, state = next(r for r in conn.execute("SELECT rowid, state FROM stored_events") if b'"count":4' in r[1])
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (state.replace(b'"count":4', b'"count":1'), rowid))
    conn.close()
    taken = _run("backup", str(tmp_path / "b"), data_dir=data_dir)
    assert taken.exit_code == 1 and f"position {rowid}: event altered" in taken.output
    assert orjson.loads((tmp_path / "b" / "manifest.json").read_bytes())["verified"] is False
    refused = _run("restore", str(tmp_path / "b"), data_dir=tmp_path / "target")
    assert refused.exit_code == 1 and "event altered" in refused.output


def test_an_sqlite_backup_restores_into_postgresql_with_its_positions(
    taken: Path, pg_schema: str, tmp_path: Path
) -> None:
    from tests.integration.conftest import PG

    manifest = orjson.loads((taken / "manifest.json").read_bytes())
    into_pg = Settings(signing_key=TEST_KEY, store="postgres", pg_schema=pg_schema, data_dir=tmp_path / "pg", **PG)  # type: ignore[arg-type]
    restored = restore(taken, into_pg)
    assert (restored.position, restored.events, restored.merkle_root, restored.seals) == (
        manifest["position"], manifest["event_count"], manifest["merkle_root"], 1)
    assert restored.periods == [SEALED]
