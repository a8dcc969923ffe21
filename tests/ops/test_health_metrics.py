"""/healthz, /readyz and /metrics as a load balancer and Prometheus see them; the request log's fields."""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.jsonlog import JsonFormatter
from service.bootstrap import Service, build
from service.settings import Settings
from tests.api.conftest import TOKENS, Clock, auth
from tests.ops.conftest import seal_a_quarter
from tests.reliability.harness import RECORDER
from tests.signing import TEST_KEY

SUBJECTS = [f"d{i}" for i in range(1, 5)]


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    settings = Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data", keeper_interval_ms=100, ready_max_lag_events=50)
    seal_a_quarter(settings)
    built = build(settings)
    from service.demo import DEMO_TOKENS
    from service.tokens import issue_token

    for role, (token, principal, scope) in DEMO_TOKENS.items():
        issue_token(built.ledger, principal, role, scope, "test", "2026-03-01T00:00:00+08:00", token=token)
    built.ledger.open_period("2026-Q1", "ZJG", 2, "admin", "2026-03-01T00:00:00+08:00")
    from domain.facts import Subject

    built.ledger.register_subjects("2026-Q1", [Subject(id=s, name=f"科室{s}", kind="department") for s in SUBJECTS],
                                   "admin", "2026-03-01T00:00:00+08:00")
    yield built
    built.close()


@pytest.fixture
def client(service: Service) -> Iterator[TestClient]:
    with TestClient(create_app(service=service, clock=Clock())) as test_client:
        yield test_client


def sample(text: str, name: str, **labels: str) -> float:
    """One sample's value from the Prometheus text format."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        found = re.fullmatch(rf"{re.escape(name)}(?:\{{(.*)\}})? (\S+)", line)
        if found and ",".join(sorted((found.group(1) or "").split(","))) == ",".join(sorted(wanted.split(","))):
            return float(found.group(2))
    raise AssertionError(f"{name}{{{wanted}}} not in the scrape")


def test_health_and_readiness_say_what_they_checked(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready" and body["store"] == "reachable" and body["lag_events"] == 0
    assert body["log_position"] == body["views_position"] > 0


def test_requests_are_counted_by_route_template_and_status_and_appends_by_event(client: TestClient) -> None:
    before = client.get("/metrics").text
    appended = sample(before, "scoreledger_events_appended_total")
    fact = {"type": "deduction", "item": "3.6", "subject": "d1"}
    created = client.post("/periods/2026-Q1/facts", json=fact, headers={**auth("recorder"), "Idempotency-Key": "m1"})
    assert created.status_code == 201, created.text
    assert client.get("/periods/2027-Q3/rankings", headers=auth("auditor")).status_code == 404
    scrape = client.get("/metrics").text
    assert sample(scrape, "scoreledger_http_requests_total", method="POST", route="/periods/{code}/facts",
                  status="201") == 1
    assert sample(scrape, "scoreledger_http_requests_total", method="GET", route="/periods/{code}/rankings",
                  status="404") == 1
    assert "2027-Q3" not in scrape  # label values are templates, never raw paths
    assert sample(scrape, "scoreledger_http_request_duration_seconds_count", method="POST",
                  route="/periods/{code}/facts") == 1
    grown = sample(scrape, "scoreledger_log_position") - sample(before, "scoreledger_log_position")
    assert sample(scrape, "scoreledger_events_appended_total") - appended == grown >= 2  # fact, command record, …


def test_the_projection_lag_rises_with_a_burst_and_goes_back_to_zero(client: TestClient, service: Service) -> None:
    with service.runner.lock:  # the views are held still while the burst is appended
        for n in range(60):
            service.ledger.record_facts("2026-Q1", [{"type": "deduction", "item": "3.6", "subject": SUBJECTS[n % 4]}],
                                        "督查科", "2026-03-20T10:00:00+08:00")
        time.sleep(0.05)
        scrape = client.get("/metrics").text
        lag = sample(scrape, "scoreledger_projection_lag_events")
        assert lag >= 60 and lag == sample(scrape, "scoreledger_log_position") - sample(scrape, "scoreledger_views_position")
        assert sample(scrape, "scoreledger_projection_lag_seconds") >= 0.05
        behind = client.get("/readyz")
        assert behind.status_code == 503 and behind.json()["lag_events"] == lag and behind.json()["status"] == "not ready"
    deadline = time.monotonic() + 20
    while sample(client.get("/metrics").text, "scoreledger_projection_lag_events") > 0:
        assert time.monotonic() < deadline, "the views did not catch up"
        time.sleep(0.05)
    scrape = client.get("/metrics").text
    assert sample(scrape, "scoreledger_projection_lag_seconds") == 0
    assert sample(scrape, "scoreledger_views_position") == sample(scrape, "scoreledger_log_position")
    assert client.get("/readyz").status_code == 200


def test_a_failed_verification_is_counted(client: TestClient, service: Service) -> None:
    ok = client.get("/periods/2025-Q4/verification", headers=auth("auditor"))
    assert ok.json()["ok"] is True
    assert sample(client.get("/metrics").text, "scoreledger_verification_failures_total") == 0
    with sqlite3.connect(service.settings.data_dir / "log.sqlite") as conn:
        rowid, state = next(r for r in conn.execute("SELECT rowid, state FROM stored_events") if b'"count":4' in r[1])
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (state.replace(b'"count":4', b'"count":1'), rowid))
    conn.close()
    assert client.get("/periods/2025-Q4/verification", headers=auth("auditor")).json()["ok"] is False
    assert sample(client.get("/metrics").text, "scoreledger_verification_failures_total") == 1


def test_each_request_logs_one_json_line_with_its_id_and_principal_never_the_token(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="scoreledger.access")
    fact = {"type": "deduction", "item": "3.6", "subject": "d2"}
    sent = client.post("/periods/2026-Q1/facts", json=fact, headers={**auth("recorder"), "X-Request-ID": "req-42"})
    refused = client.get("/periods/2026-Q1/rankings", headers={"Authorization": "Bearer not-a-real-token"})
    assert sent.headers["x-request-id"] == "req-42" and refused.status_code == 401
    lines = [JsonFormatter().format(r) for r in caplog.records if r.name == "scoreledger.access"]
    entries = [orjson.loads(line) for line in lines]
    first, second = entries[-2], entries[-1]
    assert first["request_id"] == "req-42" and first["principal"] == "督查科" and first["status"] == 201
    assert first["route"] == "/periods/{code}/facts" and first["duration_ms"] > 0
    assert second["request_id"] == refused.headers["x-request-id"] and "principal" not in second
    assert second["status"] == 401
    for line in lines:
        assert TOKENS["recorder"] not in line and "not-a-real-token" not in line and RECORDER not in line


def test_readiness_fails_when_the_store_does_not_answer(client: TestClient, service: Service,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable() -> int:
        raise OSError("connection refused")

    monkeypatch.setattr(service.ledger.recorder, "max_notification_id", unreachable)
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.json() == {"status": "not ready", "store": "unreachable",
                                                            "detail": "OSError"}
    assert client.get("/healthz").status_code == 200  # the process itself is up


def test_a_webhook_url_that_is_not_http_is_refused_at_start() -> None:
    from service.settings import SettingsInvalid

    with pytest.raises(SettingsInvalid, match="SCORELEDGER_NOTIFY_WEBHOOK_URL"):
        Settings.from_env({"SCORELEDGER_NOTIFY_WEBHOOK_URL": "file:///etc/passwd"})


def test_counts_add_up_per_label_set_when_a_route_answers_several_statuses(client: TestClient) -> None:
    """The labelled children are kept by their labels (api/metrics.py): each (method, route, status) its own."""
    fact = {"type": "deduction", "item": "3.6", "subject": "d1"}
    for n in range(2):
        sent = client.post("/periods/2026-Q1/facts", json=fact, headers={**auth("recorder"), "Idempotency-Key": f"c{n}"})
        assert sent.status_code == 201, sent.text
    assert client.post("/periods/2026-Q1/facts", json=fact, headers=auth("auditor")).status_code == 403
    scrape = client.get("/metrics").text
    route = "/periods/{code}/facts"
    assert sample(scrape, "scoreledger_http_requests_total", method="POST", route=route, status="201") == 2
    assert sample(scrape, "scoreledger_http_requests_total", method="POST", route=route, status="403") == 1
    assert sample(scrape, "scoreledger_http_request_duration_seconds_count", method="POST", route=route) == 3


def test_a_request_without_a_usable_id_gets_a_new_version_4_uuid(client: TestClient) -> None:
    import uuid

    ids = {client.get("/healthz", headers={"X-Request-ID": "not valid!"}).headers["x-request-id"] for _ in range(20)}
    assert len(ids) == 20
    for given in ids:
        parsed = uuid.UUID(given)
        assert parsed.hex == given and parsed.version == 4 and parsed.variant == uuid.RFC_4122
