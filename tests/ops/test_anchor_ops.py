"""F4/F5 on the operator's side: restore and rebuild check the log against the checkpoint file, backups leave it
out, `verify --checkpoint` reads it whole, and `scoreledger checkpoints anchor` re-establishes a lost one safely."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from cli.main import app
from replay.anchor import read_notes
from service.anchoring import LogRewritten
from service.bootstrap import build
from service.settings import Settings
from service.signing import create_key
from tests.integration.helpers import AT
from tests.ops.conftest import SEALED
from tests.signing import TEST_KEY

runner = CliRunner()


def _run(*args: str, data_dir: Path) -> object:
    return runner.invoke(app, list(args), env={"SCORELEDGER_DATA_DIR": str(data_dir)})


def _settings(data_dir: Path) -> Settings:
    return Settings(signing_key=TEST_KEY, data_dir=data_dir)


def _publish_again(data_dir: Path, day: int = 6) -> dict:  # type: ignore[type-arg]
    """A correction (after an upheld appeal) and a second publication of the sealed quarter."""
    service = build(_settings(data_dir))
    try:
        service.ledger.record_facts(SEALED, [{"type": "deduction", "item": "3.6", "subject": "d3"}], "督查科", AT,
                                    appeal=f"appeal-{day}")
        return service.ledger.publish(SEALED, date(2026, 1, day), "督查科", AT)
    finally:
        service.close()


def _wipe_store(data_dir: Path) -> None:
    """The store's files gone (a lost disk, an intruder), the checkpoint file left where it was."""
    for path in data_dir.iterdir():
        if path.name.split(".")[0] in ("log", "views", "notify"):
            path.unlink()


@pytest.fixture
def older(data_dir: Path, tmp_path: Path) -> Path:
    """A backup taken after the first seal, before a second one."""
    taken = _run("backup", str(tmp_path / "older"), data_dir=data_dir)
    assert taken.exit_code == 0, taken.output
    _publish_again(data_dir)
    return tmp_path / "older"


def test_a_backup_leaves_the_checkpoint_file_out(older: Path, data_dir: Path) -> None:
    manifest = orjson.loads((older / "manifest.json").read_bytes())
    assert "checkpoints.log" not in manifest["files"] and (data_dir / "checkpoints.log").is_file()
    assert not (older / "checkpoints.log").exists()


def test_restoring_a_backup_older_than_the_last_seal_is_refused_and_restores_nothing(
    older: Path, data_dir: Path, tmp_path: Path
) -> None:
    anchored = read_notes(data_dir / "checkpoints.log") or []
    assert len(anchored) == 2
    _wipe_store(data_dir)
    refused = _run("restore", str(older), data_dir=data_dir)
    assert refused.exit_code == 1
    assert "does not extend the checkpoints the service signed" in refused.output
    assert "shorter than the anchored checkpoint of tree size" in refused.output and "(entry 2)" in refused.output
    assert not (data_dir / "log.sqlite").exists()  # Check: nothing restored
    # Check: elsewhere, with a copy of the checkpoint file given by hand, the same
    elsewhere = _run("restore", str(older), "--checkpoint", str(data_dir / "checkpoints.log"),
                     data_dir=tmp_path / "elsewhere")
    assert elsewhere.exit_code == 1 and "does not extend the checkpoints" in elsewhere.output
    # Check: the override restores it, says so, and publishing stays refused until the anchor is re-established
    rolled = _run("restore", str(older), "--accept-rollback", data_dir=data_dir)
    assert rolled.exit_code == 0, rolled.output
    assert "--accept-rollback" in rolled.output and "publishing is refused until" in rolled.output
    with pytest.raises(LogRewritten):
        _publish_again(data_dir, day=7)
    checked = _run("verify", SEALED, "--checkpoint", str(data_dir / "checkpoints.log"), data_dir=data_dir)
    assert checked.exit_code == 1 and "the log no longer extends the held checkpoint of size" in checked.output
    assert (data_dir / "checkpoints.log").read_text(encoding="utf-8") == "".join(n + "\n" for n in anchored)


def test_a_backup_that_extends_every_anchored_checkpoint_restores_and_says_so(
    older: Path, data_dir: Path, tmp_path: Path
) -> None:
    newer = _run("backup", str(tmp_path / "newer"), data_dir=data_dir)
    assert newer.exit_code == 0, newer.output
    _wipe_store(data_dir)
    restored = _run("restore", str(tmp_path / "newer"), data_dir=data_dir)
    assert restored.exit_code == 0, restored.output
    assert "the backup extends the 2 anchored checkpoint(s)" in restored.output
    _publish_again(data_dir, day=8)  # Check: and the service publishes on from it
    assert len(read_notes(data_dir / "checkpoints.log") or []) == 3
    # Check: a restore with no checkpoint file anywhere goes ahead, but says nothing vouches for it
    bare = _run("restore", str(tmp_path / "newer"), data_dir=tmp_path / "bare")
    assert bare.exit_code == 0 and "no checkpoint file to check against" in bare.output


def test_a_restore_against_a_checkpoint_file_with_a_forged_entry_is_refused(
    older: Path, data_dir: Path, tmp_path: Path
) -> None:
    forger = create_key(tmp_path / "forger.key", "test-bureau")
    path = data_dir / "checkpoints.log"
    notes = read_notes(path) or []
    body = notes[0][: notes[0].index("\n\n") + 1]
    with path.open("a", encoding="utf-8") as file:
        file.write(forger.sign(body) + "\n")
    refused = _run("restore", str(older), "--checkpoint", str(path), data_dir=tmp_path / "target")
    assert refused.exit_code == 1
    assert "cannot be trusted" in refused.output and "entry 3 (tree size" in refused.output
    assert not (tmp_path / "target" / "log.sqlite").exists()


def test_rebuild_refuses_a_log_copied_back_from_an_older_backup(older: Path, data_dir: Path) -> None:
    _wipe_store(data_dir)
    for name in ("log.sqlite", "views.sqlite"):  # log and witness agree with each other: only the anchor knows
        shutil.copyfile(older / name, data_dir / name)
    refused = _run("rebuild", data_dir=data_dir)
    assert refused.exit_code == 1
    assert "refusing to rebuild: the log does not extend the checkpoints the service signed" in refused.output
    assert "shorter than the anchored checkpoint" in refused.output


def test_verify_reads_the_whole_checkpoint_file_and_names_the_newest_entry(older: Path, data_dir: Path) -> None:
    second = (read_notes(data_dir / "checkpoints.log") or [])[-1]
    size = second.splitlines()[1]
    checked = _run("verify", SEALED, "--checkpoint", str(data_dir / "checkpoints.log"), data_dir=data_dir)
    assert checked.exit_code == 0, checked.output
    assert f"newest held checkpoint the log extends: tree size {size}" in checked.output
    assert "(2 checkpoint(s) held)" in checked.output
    shown = _run("checkpoints", "show", data_dir=data_dir)
    assert shown.exit_code == 0 and f"2 checkpoint(s), each signed by the bureau's key; the newest has tree size {size}" \
        in shown.output


def test_a_lost_checkpoint_file_is_re_established_from_a_kept_copy_or_the_verified_store(
    older: Path, data_dir: Path, tmp_path: Path
) -> None:
    path = data_dir / "checkpoints.log"
    kept = tmp_path / "offsite.log"
    path.rename(kept)
    assert _run("checkpoints", "anchor", data_dir=data_dir).exit_code == 1  # Check: it must be told where from
    # Check: from the kept copy: the same entries, and publishing goes on
    copied = _run("checkpoints", "anchor", "--from", str(kept), data_dir=data_dir)
    assert copied.exit_code == 0, copied.output
    assert path.read_text(encoding="utf-8") == kept.read_text(encoding="utf-8")
    again = _run("checkpoints", "anchor", "--from", str(kept), data_dir=data_dir)
    assert again.exit_code == 1 and "exists: move it aside first" in again.output
    _publish_again(data_dir, day=9)
    # Check: from the store, as a last resort: its newest verified seal, and it says what that proves
    path.unlink()
    from_store = _run("checkpoints", "anchor", "--from-store", data_dir=data_dir)
    assert from_store.exit_code == 0, from_store.output
    assert "1 checkpoint(s)" in from_store.output and "--from-store" in from_store.output
    _publish_again(data_dir, day=12)
    assert len(read_notes(path) or []) == 2


def test_a_kept_copy_the_log_does_not_extend_or_not_signed_by_the_bureau_is_not_anchored(
    older: Path, data_dir: Path, tmp_path: Path
) -> None:
    path = data_dir / "checkpoints.log"
    genuine = path.read_text(encoding="utf-8")
    path.unlink()
    _wipe_store(data_dir)
    assert _run("restore", str(older), data_dir=data_dir).exit_code == 0  # no file: restored, with a note
    kept = tmp_path / "kept.log"
    kept.write_text(genuine, encoding="utf-8")
    refused = _run("checkpoints", "anchor", "--from", str(kept), data_dir=data_dir)
    assert refused.exit_code == 1 and "the log does not extend the checkpoints you kept" in refused.output
    forged = tmp_path / "forged.log"
    forged.write_text(create_key(tmp_path / "other.key", "test-bureau").sign(genuine.split("\n\n")[0] + "\n"),
                      encoding="utf-8")
    refused = _run("checkpoints", "anchor", "--from", str(forged), data_dir=data_dir)
    assert refused.exit_code == 1 and "not signed by the bureau's key" in refused.output
    assert not path.exists()


def test_verify_checks_the_store_against_the_configured_checkpoint_file_unasked(older: Path, data_dir: Path) -> None:
    size = (read_notes(data_dir / "checkpoints.log") or [])[-1].splitlines()[1]
    checked = _run("verify", SEALED, data_dir=data_dir)
    said = " ".join(checked.output.split())  # the console wraps long lines
    assert checked.exit_code == 0, checked.output
    assert f"checking against the checkpoint file {data_dir / 'checkpoints.log'} (2 signed checkpoint(s))" in said
    assert f"newest held checkpoint the log extends: tree size {size}" in said
    _wipe_store(data_dir)
    for name in ("log.sqlite", "views.sqlite"):  # the older log and its witness, copied back by hand
        shutil.copyfile(older / name, data_dir / name)
    rolled_back = _run("verify", SEALED, data_dir=data_dir)
    assert rolled_back.exit_code == 1, rolled_back.output
    assert f"the log no longer extends the held checkpoint of size {size}: events up to it were rewritten, or the log was cut" \
        in " ".join(rolled_back.output.split()), rolled_back.output
