"""The read-only commands beside a running service on SQLite; the others refuse in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
from typer.testing import CliRunner

from cli.main import app
from tests.ops.conftest import SEALED, Load
from tests.reliability.harness import Server
from tests.signing import VERIFIER

runner = CliRunner()


def test_replay_compare_verify_and_export_work_while_the_service_writes(
    server: Server, data_dir: Path, tmp_path: Path
) -> None:
    with Load(server.base) as load:
        load.wait_for(10)
        verified = runner.invoke(app, ["verify", SEALED])
        assert verified.exit_code == 0, verified.output
        assert f"OK {SEALED}" in verified.output and "1 seal(s) verified" in verified.output
        busy = runner.invoke(app, ["verify", "2026-Q1"])  # the period being written, read at a pinned position
        assert busy.exit_code == 1 and "FAILED 2026-Q1: 1 finding(s)" in busy.output, busy.output
        assert "no seal of 2026-Q1 verifies" in busy.output  # open: its rows check, but nothing is sealed yet
        replayed = runner.invoke(app, ["replay", SEALED])
        assert replayed.exit_code == 0 and orjson.loads(replayed.stdout_bytes)["period"] == SEALED
        compared = runner.invoke(app, ["compare", SEALED, "--from", "5"])
        assert compared.exit_code == 0 and b"\"changes\"" in compared.stdout_bytes
        bundle = tmp_path / "q4.bundle.json"
        exported = runner.invoke(app, ["export", SEALED, str(bundle)])
        assert exported.exit_code == 0, exported.output
    assert runner.invoke(app, ["verify", "--bundle", str(bundle), "--key", VERIFIER]).exit_code == 0
    assert len(load.ledger.acknowledged) >= 10


def _command(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "scoreledger"
    return subprocess.run([str(script), *args], capture_output=True, text=True, timeout=120,  # noqa: S603
                          env={**os.environ, "SCORELEDGER_DATA_DIR": str(data_dir)})


def test_commands_that_write_say_in_one_line_what_to_do_never_a_traceback(server: Server, data_dir: Path) -> None:
    facts = str(Path(__file__).resolve().parents[2] / "schemes" / "demo" / "zjg-2026-Q1.jsonl")
    for args in (["rebuild"], ["tokens", "create", "someone", "auditor"], ["serve", "--port", "0"], ["serve", "--demo"],
                 ["facts", "import", "2026-Q1", facts, "--token", "demo-admin-token"]):
        refused = _command(*args, data_dir=data_dir)
        assert refused.returncode == 1
        assert "Traceback" not in refused.stderr and refused.stderr.strip().count("\\n") == 0
        assert "存储正被另一个进程" in refused.stderr and "stop it before this command" in refused.stderr, refused.stderr


def test_a_refused_read_says_so_in_one_line(tmp_path: Path) -> None:
    refused = _command("replay", SEALED, data_dir=tmp_path / "empty")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.strip() == "操作被拒绝：period 2025-Q4 is not open at position now / refused: period 2025-Q4 is not open at position now"
