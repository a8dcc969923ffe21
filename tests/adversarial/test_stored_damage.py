"""Stored events edited by hand never stop the service, verification or a rebuild; a publication moved
into another period's stream publishes nothing there (found by the security review: F3, F8).

Each edit is made to a copy of a published store, then the witness is rewritten to match (the attacker
covers the tracks): the app starts and answers, `verify` reports instead of crashing, `rebuild` runs.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from cli.main import app
from domain.facts import Subject
from projections.leaves import leaf_digest
from replay.asof import fold_log
from service.bootstrap import build
from service.settings import Settings
from service.tokens import issue_token
from tests.integration.helpers import AT, ZJG, record_quarter
from tests.signing import TEST_KEY

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2026-Q1 published and appealed, 2026-Q2 open."""
    data = tmp_path_factory.mktemp("damage") / "data"
    service = build(Settings(signing_key=TEST_KEY, data_dir=data))
    try:
        facts = record_quarter(service)
        service.ledger.open_period("2026-Q2", "ZJG", ZJG.version, "admin", AT)
        service.ledger.register_subjects("2026-Q2", [Subject(id="d1", name="科室1", kind="department")], "admin", AT)
        service.ledger.close_period("2026-Q1", "admin", AT)
        service.ledger.publish("2026-Q1", date(2026, 6, 1), "督查科", AT)
        service.ledger.file_appeal("2026-Q1", "d1", [facts["late"]], "考勤机故障", [], date(2026, 6, 2), "d1代表", AT)
        issue_token(service.ledger, "审计员", "auditor", [], "test", AT, token="damage-auditor")
        service.runner.catch_up()
    finally:
        service.close()
    return data


@pytest.fixture
def copy(store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data = tmp_path / "data"
    shutil.copytree(store, data, ignore=shutil.ignore_patterns("*.lock"))
    monkeypatch.setenv("SCORELEDGER_DATA_DIR", str(data))
    yield data


def _edit(data: Path, topic: str, change: Edit, nth: int = 0, stream_of: str | None = None) -> int:
    """Change the nth stored event of a topic (optionally moving it to another event's stream), then rewrite
    every witness digest to match, as an intruder covering the tracks would. Returns its position."""
    with sqlite3.connect(data / "log.sqlite") as conn:
        rows = conn.execute("SELECT rowid, state, originator_id FROM stored_events WHERE topic = ? ORDER BY rowid",
                            (topic,)).fetchall()
        rowid, state, _ = rows[nth]
        changed = orjson.loads(state)
        change(changed)
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (orjson.dumps(changed), rowid))
        if stream_of is not None:
            (stream,) = conn.execute("SELECT originator_id FROM stored_events WHERE topic = ? ORDER BY rowid DESC",
                                     (stream_of,)).fetchone()
            (last,) = conn.execute("SELECT MAX(originator_version) FROM stored_events WHERE originator_id = ?",
                                   (stream,)).fetchone()
            conn.execute("UPDATE stored_events SET originator_id = ?, originator_version = ? WHERE rowid = ?",
                         (stream, last + 1, rowid))
    service = build(Settings(signing_key=TEST_KEY, data_dir=data))
    try:
        _, records = fold_log(service.ledger.recorder)
    finally:
        service.close()
    with sqlite3.connect(data / "views.sqlite") as conn:
        conn.executemany("UPDATE sl_view_leaves SET digest = ? WHERE position = ?",
                         [(leaf_digest(r), r.position) for r in records])
    return int(rowid)


def _seal(change: Edit) -> Edit:
    return lambda state: change(state["seal"])


EDITS: dict[str, tuple[str, Edit]] = {
    "a subject without its name": ("scoreledger:Period.SubjectRegistered", lambda s: s["subject"].pop("name")),
    "a subject whose group is a number": ("scoreledger:Period.SubjectRegistered",
                                          lambda s: s["subject"].update(group=7)),
    "a period opened under a scheme not in the log": ("scoreledger:Period.Opened",
                                                      lambda s: s.update(scheme_hash="0" * 64)),
    "an appeal without reasons": ("scoreledger:Appeal.Filed", lambda s: s.pop("reasons")),
    "a publication date that is not a date": ("scoreledger:Period.Published",
                                              lambda s: s.update(published_on="soon")),
    "a seal whose root is not hexadecimal": ("scoreledger:Period.Published",
                                             _seal(lambda seal: seal.update(merkle_root="zz" * 32))),
    "a seal without its period's event count": ("scoreledger:Period.Published",
                                                _seal(lambda seal: seal.pop("period_events"))),
}


@pytest.mark.parametrize("what", list(EDITS))
def test_an_edited_event_never_stops_the_app_verify_or_rebuild(copy: Path, what: str) -> None:
    topic, change = EDITS[what]
    _edit(copy, topic, change)
    service = build(Settings(signing_key=TEST_KEY, data_dir=copy))
    try:
        with TestClient(create_app(service=service)) as client:  # the lifespan catches up: it must not fail
            headers = {"Authorization": "Bearer damage-auditor"}
            for path in ("/periods/2026-Q1", "/periods/2026-Q2/rankings", "/appeals", "/periods/2026-Q1/verification"):
                response = client.get(path, headers=headers)
                assert response.status_code < 500, (path, response.text)
    finally:
        service.close()
    runner = CliRunner()
    verified = runner.invoke(app, ["verify", "2026-Q1"])
    assert verified.exception is None or isinstance(verified.exception, SystemExit), verified.output
    assert verified.exit_code in (0, 1), verified.output
    rebuilt = runner.invoke(app, ["rebuild"])
    if rebuilt.exit_code == 1:  # an event under the signed tree: the checkpoint file outside the store says so
        assert "does not extend the checkpoints the service signed" in rebuilt.output, rebuilt.output
        (copy / "checkpoints.log").unlink()  # an intruder with the data directory; rebuild must still not crash
        rebuilt = runner.invoke(app, ["rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output


def test_a_publication_moved_into_another_periods_stream_publishes_nothing_there(copy: Path) -> None:
    """The last publication event sits beyond its own signed tree: its stream is not signed. Moved into
    2026-Q2's stream, it must not make 2026-Q2 published nor verify as 2026-Q2's seal (F3)."""
    _edit(copy, "scoreledger:Period.Published", lambda s: None, stream_of="scoreledger:Period.Opened")
    runner = CliRunner()
    moved = runner.invoke(app, ["verify", "2026-Q2"])
    assert moved.exit_code == 1 and "no seal of 2026-Q2 verifies" in moved.output
    service = build(Settings(signing_key=TEST_KEY, data_dir=copy))
    try:
        service.runner.catch_up()
        assert service.runner.fold.periods["default/2026-Q2"].seals == []
        assert service.ledger.period("2026-Q2").status == "open"
        assert any(topic == "scoreledger:Period.Published" for _, topic, _ in service.runner.fold.unreadable)
    finally:
        service.close()
