"""Stored facts that cannot be applied never stop the service: they are set aside and named.

The commands refuse them now, but logs written by older versions, restored backups and hand edits
exist. Here they are appended straight to their streams, bypassing the command's checks, as an
older version would have: the rating of d2 that "corrects" a rating of d1 (the issue's
reproduction), a second rank-1 award slipped in as a correction, a fact naming an unregistered
subject, and a fact with no item at all. The views, a replay from zero, a new start of the app,
publication, verification and a rebuild all go on; the period's results name each one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from cli.main import app
from domain.canonical import canonical_bytes
from domain.ledger.facts_ledger import FactLedger
from domain.ledger.ids import joint_id, ledger_id
from replay.asof import result_as_of
from service.bootstrap import Service, build
from service.settings import Settings
from service.tokens import issue_token
from tests.integration.helpers import AT, record_quarter
from tests.signing import TEST_KEY


@pytest.fixture
def poisoned(tmp_path: Path) -> Iterator[Service]:
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data"))
    record_quarter(service)
    ledger = service.ledger
    ledger.record_facts("2026-Q1", [{"type": "bonus", "item": "b.4", "subject": "d1", "rank": "1"},
                                    {"type": "bonus", "item": "b.1", "subject": "d3", "level": "city"}],
                        "督查科", AT)
    d1 = ledger.repository.get(ledger_id("2026-Q1", "d1"))
    rating_d1 = next(f for f in d1.facts.values() if f["type"] == "rating" and f["rater"] == "局长")
    bonus_d3 = next(f for f in ledger.repository.get(ledger_id("2026-Q1", "d3")).facts.values()
                    if f["type"] == "bonus")
    base = {"period": "2026-Q1", "recorded_by": "旧版本"}
    _append(ledger, ledger_id("2026-Q1", "d1"), {**base, "id": "d1:moved", "type": "rating", "item": "rating",
                                                 "subject": "d2", "rater": "局长", "role": "principal",
                                                 "value": "10", "corrects": rating_d1["id"]})
    _append(ledger, ledger_id("2026-Q1", "d3"), {**base, "id": "d3:rank", "type": "bonus", "item": "b.4",
                                                 "subject": "d3", "rank": "1", "corrects": bonus_d3["id"]})
    _append(ledger, joint_id("2026-Q1"), {**base, "id": "joint:ghost", "type": "deduction", "item": "4.1",
                                          "subject": "ghost"})
    _append(ledger, ledger_id("2026-Q1", "d4"), {**base, "id": "d4:broken", "type": "deduction", "subject": "d4"})
    issue_token(ledger, "审计员", "auditor", [], "test", AT, token="poison-auditor")
    yield service
    service.close()


def _append(ledger: object, stream: object, fact: dict) -> None:
    """Straight onto the stream, as an older version did: the stream's own checks only."""
    found = ledger.repository.get(stream)  # type: ignore[attr-defined]
    found.trigger_event(FactLedger.RatingRecorded if fact["type"] == "rating" else FactLedger.BonusRecorded
                        if fact["type"] == "bonus" else FactLedger.DeductionRecorded,
                        fact=fact, actor="旧版本", at=AT, appeal=None)
    ledger.save(found)  # type: ignore[attr-defined]


def test_the_views_set_the_facts_aside_name_them_and_score_the_rest(poisoned: Service) -> None:
    poisoned.runner.catch_up()  # never raises on a stored fact
    stored = poisoned.views.results("default/2026-Q1")
    assert stored is not None
    results = orjson.loads(stored[1])
    named = {entry["fact"]: " ".join(entry["problems"]) for entry in results["set_aside"]}
    assert set(named) == {"d1:moved", "d3:rank", "joint:ghost", "d4:broken"}
    assert "keeps the subject and parties" in named["d1:moved"]
    assert "awarded twice" in named["d3:rank"]
    assert "unknown subject 'ghost'" in named["joint:ghost"]
    assert "item" in named["d4:broken"] and "Field required" in named["d4:broken"]
    # Check d1 keeps 局长's rating (the "correction" moved nothing) and the rest is scored as if it never came
    d1 = next(s for s in results["subjects"] if s["subject"] == "d1")
    rating = next(c for c in d1["card"]["children"] if c["id"] == "rating")
    assert [line["status"] for line in rating["lines"]] == ["counted", "counted"]
    assert stored[1] == canonical_bytes(result_as_of(poisoned.ledger.recorder, "2026-Q1"))


def test_the_app_starts_answers_publishes_and_verifies_with_them_named(poisoned: Service, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with TestClient(create_app(service=poisoned)) as client:  # the lifespan catches up: it must not fail
        rankings = client.get("/periods/2026-Q1/rankings", headers={"Authorization": "Bearer poison-auditor"})
        assert rankings.status_code == 200, rankings.text
        assert len(rankings.json()["groups"]["all"]) == 4
    poisoned.ledger.close_period("2026-Q1", "admin", AT)
    poisoned.ledger.publish("2026-Q1", date(2026, 6, 1), "督查科", AT)
    poisoned.runner.catch_up()
    poisoned.close()
    monkeypatch.setenv("SCORELEDGER_DATA_DIR", str(poisoned.settings.data_dir))
    verified = CliRunner().invoke(app, ["verify", "2026-Q1"])
    assert verified.exit_code == 0, verified.output
    assert "OK 2026-Q1" in verified.output and "fact d1:moved set aside" in verified.output
    rebuilt = CliRunner().invoke(app, ["rebuild"])
    assert rebuilt.exit_code == 0 and "views rebuilt" in rebuilt.output
