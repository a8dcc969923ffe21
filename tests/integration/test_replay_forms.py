"""Replay in its other forms: as of a timestamp, what-if without appending, inclusion proofs."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from projections.period_input import key_of
from replay.asof import fold_log, position_at, result_as_of
from replay.compare import compare, what_if
from replay.proofs import check_proof, prove_event
from service.bootstrap import Service, build
from service.settings import Settings
from tests.integration.helpers import AT, ROOT, record_quarter
from tests.signing import TEST_KEY


def test_results_as_of_a_timestamp_match_results_as_of_its_position(service: Service) -> None:
    record_quarter(service)
    cut = datetime.now(UTC)
    service.ledger.record_facts("2026-Q1", [{"type": "deduction", "item": "3.6", "subject": "d3"}], "咨询指导科", AT)
    position = position_at(service.ledger.recorder, cut)
    assert position < (service.ledger.recorder.max_notification_id() or 0)
    then = result_as_of(service.ledger.recorder, "2026-Q1", position)
    now = result_as_of(service.ledger.recorder, "2026-Q1")
    assert now.subject("d3").total == then.subject("d3").total - Decimal(2)  # ZJG 三.6 smoking: 2


def test_a_what_if_shows_the_ripple_of_a_proposed_decision_and_appends_nothing(service: Service) -> None:
    facts = record_quarter(service)
    end = service.ledger.recorder.max_notification_id()
    fold, _ = fold_log(service.ledger.recorder)
    proposed = [{"type": "retraction", "id": "d1:proposed", "target": facts["late"], "reason": "申诉拟支持",
                 "recorded_by": "领导小组"}]
    now, then = what_if(fold, key_of("default", "2026-Q1"), proposed)
    diff = {row["subject"]: row for row in compare(now, then)["changes"]}
    assert diff["d1"]["after"]["total"] == "98.5" and diff["d1"]["after"]["rank"] == 1
    assert diff["d3"]["knock_on"] and diff["d3"]["before"]["rank"] == 1 and diff["d3"]["after"]["rank"] == 2
    assert service.ledger.recorder.max_notification_id() == end


def test_one_event_is_proved_to_be_in_the_sealed_log(service: Service) -> None:
    record_quarter(service)
    service.ledger.close_period("2026-Q1", "admin", AT)
    seal = service.ledger.publish("2026-Q1", date(2026, 6, 1), "督查科", AT)["seal"]
    _, records = fold_log(service.ledger.recorder)
    proof = prove_event(records, seal, 9)
    assert check_proof(proof, seal)
    forged = {**proof, "leaf": proof["leaf"].replace("34", "35", 1)}
    assert not check_proof(forged, seal)


def test_a_second_process_cannot_open_the_embedded_store(tmp_path: Path) -> None:
    """SQLite (the WAL-reset bug): one process owns the store; a second one is refused, clearly."""
    settings = Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data")
    first = build(settings)
    try:
        code = ("from pathlib import Path; from service.bootstrap import build; from service.settings import Settings; "
                f"build(Settings(data_dir=Path({str(settings.data_dir)!r})))")
        second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False,
                                cwd=ROOT)
        assert second.returncode != 0
        assert "StoreBusy" in second.stderr and "several processes need PostgreSQL" in second.stderr
    finally:
        first.close()
