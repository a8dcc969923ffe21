"""`scoreledger verify`, `export`, `replay` and `rebuild` on the embedded store, as an auditor runs them."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from cli.main import app
from service.bootstrap import build
from service.settings import Settings
from tests.integration.helpers import AT, record_quarter
from tests.signing import TEST_KEY, VERIFIER

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "data"
    service = build(Settings(signing_key=TEST_KEY, data_dir=directory))
    record_quarter(service)
    service.ledger.close_period("2026-Q1", "admin", AT)
    service.ledger.publish("2026-Q1", date(2026, 6, 1), "督查科", AT)
    service.runner.catch_up()
    service.close()
    monkeypatch.setenv("SCORELEDGER_DATA_DIR", str(directory))
    return directory


def test_verify_reports_ok_then_locates_a_row_edited_by_hand(data_dir: Path) -> None:
    ok = runner.invoke(app, ["verify", "2026-Q1"])
    assert ok.exit_code == 0, ok.output
    assert "OK 2026-Q1" in ok.output and "1 seal(s) verified" in ok.output
    with sqlite3.connect(data_dir / "log.sqlite") as conn:
        rows = conn.execute("SELECT rowid, state FROM stored_events").fetchall()
        rowid, state = next((r, s) for r, s in rows if b'"count":4' in s)
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (state.replace(b'"count":4', b'"count":1'), rowid))
    bad = runner.invoke(app, ["verify", "2026-Q1"])
    assert bad.exit_code == 1
    assert "event altered (scoreledger:DeductionRecorded" in bad.output
    assert "Merkle root differs" in bad.output and "subject(s) d1" in bad.output


def test_an_exported_bundle_verifies_offline_against_the_key_and_its_tampering_is_located(
    data_dir: Path, tmp_path: Path
) -> None:
    bundle = tmp_path / "2026-Q1.bundle.json"
    exported = runner.invoke(app, ["export", "2026-Q1", str(bundle)])
    assert exported.exit_code == 0, exported.output
    # Check it verifies against the bureau's key the auditor holds, and never without one
    ok = runner.invoke(app, ["verify", "--bundle", str(bundle), "--key", VERIFIER])
    assert ok.exit_code == 0, ok.output
    assert "OK 2026-Q1" in ok.output and "signed by test-bureau" in ok.output
    keyless = runner.invoke(app, ["verify", "--bundle", str(bundle)])
    assert keyless.exit_code == 2 and "give --key" in keyless.output
    # Check two events swapped in the bundle are located
    data = orjson.loads(bundle.read_bytes())
    data["records"][3], data["records"][4] = data["records"][4], data["records"][3]
    moved = (data["records"][3]["position"], data["records"][4]["position"])
    bundle.write_bytes(orjson.dumps(data))
    swapped = runner.invoke(app, ["verify", "--bundle", str(bundle), "--key", VERIFIER])
    assert swapped.exit_code == 1
    assert any(f"position {p}: event altered or out of place" in swapped.output for p in moved), swapped.output


def test_a_file_named_like_a_period_is_never_read_as_a_bundle(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "2026-Q1").write_text('{"format": "scoreledger-bundle/2"}')
    result = runner.invoke(app, ["verify", "2026-Q1"])
    assert result.exit_code == 0, result.output
    assert "OK 2026-Q1" in result.output and "checking against the configured signing key" in result.output


def test_replay_and_rebuild_give_the_same_bytes_as_the_views(data_dir: Path) -> None:
    replayed = runner.invoke(app, ["replay", "2026-Q1"])
    assert replayed.exit_code == 0
    rebuilt = runner.invoke(app, ["rebuild"])
    assert rebuilt.exit_code == 0 and "views rebuilt up to position" in rebuilt.output
    with sqlite3.connect(data_dir / "views.sqlite") as conn:  # the stored parts, read without the service
        (head,) = conn.execute("SELECT head FROM sl_view_heads WHERE period = 'default/2026-Q1'").fetchone()
        rows = conn.execute("SELECT grp, place, body FROM sl_view_rows WHERE period = 'default/2026-Q1'").fetchall()
    body = head + b",".join(b for _, _, b in sorted(rows)) + b"]}"
    assert replayed.stdout_bytes.strip() == bytes(body)
