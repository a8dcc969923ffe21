"""Tokens for programs (issue 9 §4): listed without their secret, revoked by id, expiring, bound to a rater's
role; the demo's tokens work only while the service runs the demo."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from api.app import create_app
from service.bootstrap import Service
from service.tokens import issue_token
from tests.api.conftest import SHANGHAI, Clock, auth


def _problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()  # type: ignore[no-any-return]


def test_an_issued_token_is_listed_without_its_secret_and_revoked_by_id(client: TestClient) -> None:
    issued = client.post("/tokens", json={"principal": "咨询指导科", "role": "recorder", "scope": ["guidance"]},
                         headers=auth("admin"))
    assert issued.status_code == 201
    secret = issued.json()["token"]
    me = {"Authorization": f"Bearer {secret}"}
    assert client.get("/schemes", headers=me).status_code != 401
    listed = client.get("/tokens", headers=auth("admin")).json()["tokens"]
    entry = next(t for t in listed if t["principal"] == "咨询指导科")
    assert entry["role"] == "recorder" and entry["scope"] == ["guidance"] and entry["revoked"] is False
    assert secret not in str(listed) and "token_hash" not in entry
    revoked = client.post(f"/tokens/{entry['id']}/revoke", headers=auth("admin"))
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    body = _problem(client.get("/schemes", headers=me), 401)
    assert "unknown or revoked" in body["detail"]


def test_a_token_stops_working_when_it_expires(client: TestClient, clock: Clock) -> None:
    expires = (clock.now + timedelta(days=1)).isoformat()
    secret = client.post("/tokens", json={"principal": "临时审计", "role": "auditor", "expires_at": expires},
                         headers=auth("admin")).json()["token"]
    me = {"Authorization": f"Bearer {secret}"}
    assert client.get("/schemes", headers=me).status_code == 200
    clock.now = clock.now + timedelta(days=1, seconds=1)
    body = _problem(client.get("/schemes", headers=me), 401)
    assert "expired" in body["detail"]


def test_a_rater_token_names_the_role_it_rates_under(client: TestClient) -> None:
    body = _problem(client.post("/tokens", json={"principal": "副局长", "role": "rater", "scope": ["supervising-1"]},
                                headers=auth("admin")), 422)
    assert "principal-1=principal" in body["detail"]
    bound = client.post("/tokens", json={"principal": "副局长", "role": "rater", "scope": ["supervising-1=supervising"]},
                        headers=auth("admin"))
    assert bound.status_code == 201


def test_the_demos_tokens_work_only_while_the_service_runs_the_demo(service: Service) -> None:
    issue_token(service.ledger, "演示管理员", "admin", [], "demo", "2026-03-01T00:00:00+08:00",
                token="demo-only-token", demo=True)
    clock = Clock()
    with TestClient(create_app(service=service, clock=clock)) as client:
        body = _problem(client.get("/schemes", headers={"Authorization": "Bearer demo-only-token"}), 401)
    assert "demo tokens are valid only while the service runs the demo" in body["detail"]
    demo = service.settings.model_copy(update={"demo": True})
    service.settings = demo
    with TestClient(create_app(service=service, clock=lambda: datetime(2026, 3, 20, tzinfo=SHANGHAI))) as client:
        assert client.get("/schemes", headers={"Authorization": "Bearer demo-only-token"}).status_code == 200
