"""F4/F5: the checkpoint file outside the store remembers every checkpoint the service signed, and publishing
refuses to sign a tree that does not extend the newest one (a rewritten log, a missing or forged anchor).

The stores are tampered as an intruder with write access would: SQL on the stored rows, a truncated and
re-appended log, a hand-edited checkpoint file. Each refusal is checked to append nothing, to the log or
to the file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from domain.facts import Subject
from domain.texts.catalog import translate_message
from replay.anchor import read_notes, split_notes, verified
from replay.asof import fold_log
from replay.seal import make_seal
from replay.verify import verify_records
from service.anchoring import AnchorUnavailable, LogRewritten
from service.bootstrap import Service, build
from service.settings import Settings
from service.signing import create_key
from tests.integration.helpers import AT, events_table, execute, position_column, record_quarter
from tests.signing import SIGNER, TEST_KEY

KEYS = [SIGNER.public]
DEDUCTION = [{"type": "deduction", "item": "3.6", "subject": "d3"}]


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data")


@pytest.fixture
def published(sqlite_settings: Settings) -> Iterator[Service]:
    """2026-Q1 recorded, closed and published once (one anchored checkpoint); the service stays open."""
    service = build(sqlite_settings)
    record_quarter(service)
    service.ledger.close_period("2026-Q1", "admin", AT)
    service.ledger.publish("2026-Q1", date(2026, 6, 1), "督查科", AT)
    yield service
    service.close()


def anchored_sizes(settings: Settings) -> list[int]:
    """The tree sizes in the checkpoint file, each entry verified with the bureau's key."""
    return [e.checkpoint.size for e in verified(read_notes(settings.anchor_file()) or [], KEYS)]


def end(service: Service) -> int:
    return service.ledger.recorder.max_notification_id() or 0


def publish_again(service: Service, day: int = 2) -> dict:  # type: ignore[type-arg]
    """A correction after an upheld appeal, then the period published again (a new seal)."""
    service.ledger.record_facts("2026-Q1", DEDUCTION, "督查科", AT, appeal=f"appeal-{day}")
    return service.ledger.publish("2026-Q1", date(2026, 6, day), "督查科", AT)


def second_quarter(service: Service) -> None:
    """2026-Q2 with the same departments, rated; facts of a period are in its own streams."""
    ledger = service.ledger
    ledger.open_period("2026-Q2", "ZJG", 2, "admin", AT)
    ledger.register_subjects("2026-Q2", [Subject(id=f"d{i}", name=f"科室{i}", kind="department") for i in (1, 2)],
                             "admin", AT)
    ledger.record_facts("2026-Q2", [{"type": "rating", "item": "rating", "subject": f"d{i}", "role": role,
                                     "rater": rater, "value": "85"}
                                    for i in (1, 2) for role, rater in (("principal", "局长"), ("supervising", "副局长"))],
                        "督查科", AT)


def test_every_publication_extends_the_last_anchored_checkpoint_and_a_restart_reads_the_file(
    service: Service,
) -> None:
    facts = record_quarter(service)
    ledger = service.ledger
    ledger.close_period("2026-Q1", "admin", AT)
    ledger.publish("2026-Q1", date(2026, 6, 1), "督查科", AT)
    filed = ledger.file_appeal("2026-Q1", "d1", [facts["late"]], "考勤机故障", [], date(2026, 6, 2), "d1代表", AT)
    ledger.accept_appeal(filed["appeal"], date(2026, 6, 2), "领导小组", AT)
    ledger.uphold_appeal(filed["appeal"], [{"type": "retraction", "target": facts["late"], "reason": "核实"}],
                         "属实", date(2026, 6, 3), "领导小组", AT)
    second = ledger.publish("2026-Q1", date(2026, 6, 4), "督查科", AT)
    second_quarter(service)  # another period: the log is one tree
    ledger.close_period("2026-Q2", "admin", AT)
    third = ledger.publish("2026-Q2", date(2026, 9, 1), "督查科", AT)
    notes = read_notes(service.settings.anchor_file()) or []
    sizes = anchored_sizes(service.settings)
    # Check: one entry per publication, in order, each signed, each the checkpoint its seal carries
    assert len(sizes) == 3 and sizes == sorted(sizes) and sizes[0] < sizes[1] < sizes[2]
    assert notes[1] == second["seal"]["checkpoint"] and notes[2] == third["seal"]["checkpoint"]
    assert sizes[2] == third["seal"]["event_count"]
    # Check: a restart reads the file, and the next publication extends its newest entry
    settings = service.settings
    service.close()
    again = build(settings)
    try:
        again.ledger.record_facts("2026-Q2", [{"type": "deduction", "item": "3.6", "subject": "d2"}], "督查科", AT,
                                  appeal="after-restart")
        fourth = again.ledger.publish("2026-Q2", date(2026, 9, 2), "督查科", AT)
        assert fourth["seal"]["consistency"]["from_size"] == sizes[2]
        assert anchored_sizes(settings)[-1] == fourth["seal"]["event_count"]
        # Check: verify takes the whole file and names the newest anchored checkpoint it checked
        _, records = fold_log(again.ledger.recorder)
        held = split_notes(settings.anchor_file().read_text(encoding="utf-8"))
        report = verify_records(records, [], "2026-Q2", keys=KEYS, held=held)
        assert report.anchored == {"size": fourth["seal"]["event_count"], "merkle_root": fourth["seal"]["merkle_root"],
                                   "period": "2026-Q2", "held": 4}
        assert not [f for f in report.findings if "held checkpoint" in f]
    finally:
        again.close()


def test_an_edited_event_before_the_anchored_checkpoint_is_never_signed_over(service: Service) -> None:
    record_quarter(service)
    service.ledger.close_period("2026-Q1", "admin", AT)
    service.ledger.publish("2026-Q1", date(2026, 6, 1), "督查科", AT)
    before_file = service.settings.anchor_file().read_bytes()
    row = next(n for n in service.ledger.recorder.select_notifications(start=1, limit=1000) if b'"count":4' in n.state)
    table, col = events_table(service), position_column(service)
    execute(service, f"UPDATE {table} SET state = ? WHERE {col} = ?", f"UPDATE {table} SET state = %s WHERE {col} = %s",
            (row.state.replace(b'"count":4', b'"count":1'), row.id))
    before = end(service)
    with pytest.raises(LogRewritten, match="does not extend the last checkpoint this service signed") as refused:
        publish_again(service)
    # Check: nothing published, nothing anchored; the refusal reads in Chinese
    assert end(service) == before + 1  # the correction only: the publication was never appended
    assert service.settings.anchor_file().read_bytes() == before_file
    assert translate_message(str(refused.value)).startswith("日志未延续本服务上次签名的检查点（树大小")


def test_a_log_truncated_and_appended_again_is_refused(published: Service, sqlite_settings: Settings) -> None:
    published.close()
    anchored = anchored_sizes(sqlite_settings)[-1]
    with sqlite3.connect(sqlite_settings.data_dir / "log.sqlite") as conn:  # the last fact, the close, the seal
        conn.execute("DELETE FROM stored_events WHERE rowid > ?", (anchored - 2,))
    conn.close()
    service = build(sqlite_settings)
    try:  # another history from there on: a different last fact, closed again, longer than the anchored tree
        for subject in ("d3", "d4", "d1"):
            service.ledger.record_facts("2026-Q1", [{"type": "deduction", "item": "3.6", "subject": subject}],
                                        "咨询指导科", AT)
        service.ledger.close_period("2026-Q1", "admin", AT)
        before = end(service)
        assert before > anchored
        with pytest.raises(LogRewritten):
            service.ledger.publish("2026-Q1", date(2026, 6, 2), "督查科", AT)
        assert end(service) == before and anchored_sizes(sqlite_settings) == [anchored]
    finally:
        service.close()


def test_a_missing_checkpoint_file_on_a_sealed_store_is_refused_until_it_is_copied_back(
    published: Service, sqlite_settings: Settings, tmp_path: Path
) -> None:
    kept = tmp_path / "offsite.log"
    sqlite_settings.anchor_file().rename(kept)
    before = end(published)
    with pytest.raises(AnchorUnavailable, match="is missing, but the log holds signed seals") as refused:
        published.ledger.publish("2026-Q1", date(2026, 6, 2), "督查科", AT)
    assert end(published) == before and not sqlite_settings.anchor_file().exists()
    assert translate_message(str(refused.value)).startswith("检查点文件")
    kept.rename(sqlite_settings.anchor_file())  # copied back from where it was kept
    publish_again(published)
    assert len(anchored_sizes(sqlite_settings)) == 2


def test_a_checkpoint_file_with_a_forged_or_altered_entry_is_refused(
    published: Service, sqlite_settings: Settings, tmp_path: Path
) -> None:
    path = sqlite_settings.anchor_file()
    genuine = path.read_text(encoding="utf-8")
    forger = create_key(tmp_path / "forger.key", SIGNER.name)  # the bureau's key name, another key
    note = split_notes(genuine)[0]
    body = note[: note.index("\n\n") + 1]
    before = end(published)
    root = body.splitlines()[2]
    edited = ("B" if root.startswith("A") else "A") + root[1:]  # its first character changed (a root may begin "A")
    assert edited != root
    for damaged in (genuine + forger.sign(body.replace("\n23\n", "\n2\n")) + "\n",  # a forged, smaller tree
                    genuine.replace(root, edited)):  # the root edited
        path.write_text(damaged, encoding="utf-8")
        with pytest.raises(AnchorUnavailable, match="cannot be trusted") as refused:
            published.ledger.publish("2026-Q1", date(2026, 6, 2), "督查科", AT)
        assert "not signed by the bureau's key" in str(refused.value)
        assert end(published) == before and path.read_text(encoding="utf-8") == damaged
    path.write_text(genuine, encoding="utf-8")
    published.ledger.publish("2026-Q1", date(2026, 6, 2), "督查科", AT)


def test_a_checkpoint_anchored_but_not_published_is_extended_by_the_next_seal(published: Service) -> None:
    """A publication whose save failed after its checkpoint was anchored (a retried conflict, a stop): the
    log's last seal is older than the anchor, so the next seal is checked against the log's leaves."""
    ledger = published.ledger
    ledger.record_facts("2026-Q1", DEDUCTION, "督查科", AT, appeal="between")
    seal = make_seal(ledger.recorder, "2026-Q1", ledger.bureau)
    assert ledger.anchor is not None and ledger.signer is not None
    ledger.anchor.sign(ledger.recorder, seal, ledger.bureau, ledger.signer, sealed=True)  # anchored, never saved
    ledger.record_facts("2026-Q1", DEDUCTION, "督查科", AT, appeal="after")
    after = ledger.publish("2026-Q1", date(2026, 6, 3), "督查科", AT)
    assert after["seal"]["consistency"]["from_size"] < seal["event_count"]  # the log's last seal: the first one
    assert anchored_sizes(published.settings)[1:] == [seal["event_count"], after["seal"]["event_count"]]


def test_after_a_key_rotation_the_retired_key_still_vouches_for_the_anchor(
    published: Service, sqlite_settings: Settings, tmp_path: Path
) -> None:
    published.close()
    new_key = tmp_path / "new.key"
    create_key(new_key, "test-bureau-2027")
    rotated = sqlite_settings.model_copy(update={"signing_key": new_key})
    service = build(rotated)
    try:
        with pytest.raises(AnchorUnavailable, match="not signed by the bureau's key"):
            publish_again(service)
    finally:
        service.close()
    service = build(rotated.model_copy(update={"retired_keys": SIGNER.public.verifier()}))
    try:
        service.ledger.publish("2026-Q1", date(2026, 6, 3), "督查科", AT)
    finally:
        service.close()
