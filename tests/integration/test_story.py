"""The audit story on both stores: record, publish, appeal, correct, replay, compare, verify, tamper."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.canonical import canonical_bytes, sha256_hex
from projections.runner import ProjectionRunner
from replay.asof import fold_log, result_as_of
from replay.bundle import make_bundle, verify_bundle
from replay.compare import compare
from replay.verify import verify_records
from service.bootstrap import Service
from service.errors import AppealLate
from tests.integration.helpers import AT, events_table, execute, position_column, record_quarter
from tests.signing import SIGNER


def publish(service: Service) -> dict:
    service.ledger.close_period("2026-Q1", "admin", AT)
    return service.ledger.publish("2026-Q1", date(2026, 6, 1), "督查科", AT)["seal"]


def verify(service: Service):
    service.runner.catch_up()
    _, records = fold_log(service.ledger.recorder)
    return verify_records(records, service.views.leaves(), "2026-Q1", keys=[SIGNER.public])


def test_a_published_quarter_is_corrected_by_an_appeal_and_both_states_replay(service: Service) -> None:
    facts = record_quarter(service)
    ledger = service.ledger
    # Check the published numbers: d1 lost 4 x 0.5 for late arrivals (ZJG 第二章第一条 二.1)
    seal = publish(service)
    published = result_as_of(ledger.recorder, "2026-Q1", seal["position"])
    assert published.subject("d1").total == Decimal("96.50")  # 90 - 4 x 0.5 + (5x90 + 5x80)/10/100x10 = 88 + 8.5
    assert sha256_hex(published) == seal["results_hash"]

    # Check the appeal window (P2): 3 working days after 2026-06-01 is 2026-06-04; the 5th is too late
    with pytest.raises(AppealLate) as late:
        ledger.file_appeal("2026-Q1", "d1", [facts["late"]], "考勤机故障", ["ev-1"], date(2026, 6, 5), "d1代表", AT)
    assert late.value.deadline == "2026-06-04"
    filed = ledger.file_appeal("2026-Q1", "d1", [facts["late"]], "考勤机故障", ["ev-1"], date(2026, 6, 3), "d1代表", AT)
    ledger.accept_appeal(filed["appeal"], date(2026, 6, 4), "领导小组", AT)
    ledger.uphold_appeal(filed["appeal"], [{"type": "retraction", "target": facts["late"], "reason": "考勤机故障"}],
                         "属实", date(2026, 6, 5), "领导小组", AT)

    # Check replay as of publication gives the old numbers, replay now the new ones
    assert result_as_of(ledger.recorder, "2026-Q1", seal["position"]).subject("d1").total == Decimal("96.50")
    now = result_as_of(ledger.recorder, "2026-Q1")
    assert now.subject("d1").total == Decimal("98.50")
    assert now.subject("d1").rank == 1

    # Check the comparison names the cause and marks the others' rank changes as knock-ons
    _, records = fold_log(ledger.recorder)
    between = [r for r in records if r.position > seal["position"]]
    diff = {row["subject"]: row for row in compare(published, now, between)["changes"]}
    assert diff["d1"]["before"]["total"] == "96.5" and diff["d1"]["after"]["total"] == "98.5"
    assert diff["d1"]["items"] == ["2.1"] and diff["d1"]["events"][0]["type"] == "retraction"
    assert all(row["knock_on"] for subject, row in diff.items() if subject != "d1")

    # Check the views match the replay, byte for byte, and a rebuild from zero gives the same bytes
    service.runner.catch_up()
    stored = service.views.results("default/2026-Q1")
    assert stored is not None and stored[1] == canonical_bytes(now)
    service.views.reset()
    rebuilt = ProjectionRunner(ledger.recorder, service.views)
    rebuilt.catch_up()
    assert service.views.results("default/2026-Q1")[1] == canonical_bytes(now)  # type: ignore[index]

    # Check verification passes, offline too
    assert verify(service).ok, verify(service).findings
    fold, records = fold_log(ledger.recorder)
    bundle = make_bundle(fold, records, service.views.leaves(), "2026-Q1", "default")
    assert verify_bundle(bundle, [SIGNER.public]).ok


@pytest.mark.parametrize("hashes", ["subject", "group"])
def test_an_edited_row_is_detected_and_located(service: Service, hashes: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if hashes == "group":  # a large period's seal names a hash per group (see replay/seal.py)
        monkeypatch.setattr("replay.seal.SUBJECT_HASHES_MAX", 0)
    facts = record_quarter(service)
    seal = publish(service)
    assert (f"{hashes}_hashes" in seal) and {"checkpoint", "period_root", "period_events"} <= seal.keys()
    service.runner.catch_up()
    col = position_column(service)
    target = service.ledger.recorder.select_notifications(start=1, limit=1000)
    row = next(n for n in target if b'"count":4' in n.state or b'"count": 4' in n.state)
    forged = row.state.replace(b'"count":4', b'"count":1').replace(b'"count": 4', b'"count": 1')
    table = events_table(service)
    execute(service, f"UPDATE {table} SET state = ? WHERE {col} = ?",
            f"UPDATE {table} SET state = %s WHERE {col} = %s", (forged, row.id))
    report = verify(service)
    assert not report.ok
    assert any(f.startswith(f"position {row.id}: event altered") for f in report.findings)
    assert any("Merkle root differs" in f for f in report.findings)
    located = "d1" if hashes == "subject" else "group(s) all"  # record_quarter registers one group
    assert any(located in f and "results differ" in f for f in report.findings), report.findings
    assert facts["late"]  # the forged fact is the late-arrival deduction
    assert seal["position"] >= row.id


@pytest.mark.parametrize("damage", ["delete", "truncate"])
def test_deleted_and_truncated_rows_are_detected_and_located(service: Service, damage: str) -> None:
    record_quarter(service)
    publish(service)
    service.runner.catch_up()
    col = position_column(service)
    last = service.ledger.recorder.max_notification_id()
    victim = 7 if damage == "delete" else last - 2
    op = "=" if damage == "delete" else ">="
    table = events_table(service)
    execute(service, f"DELETE FROM {table} WHERE {col} {op} ?", f"DELETE FROM {table} WHERE {col} {op} %s", (victim,))
    report = verify(service)
    assert f"position {victim}: event missing (deleted or truncated)" in report.findings
    if damage == "truncate":
        assert any(f.startswith("log truncated after position") for f in report.findings)


def test_an_untouched_log_verifies_with_no_false_alarm(service: Service) -> None:
    record_quarter(service)
    publish(service)
    report = verify(service)
    assert report.ok and report.checked_seals == 1 and report.checked_events > 10
