"""Cheap requests that cost a lot, bounded (issue 9, part 5): as_of only for those who need it, as-of reads at
a seal served from what it fixed, one replay at a time, lists in pages, the whole results streamed."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from service import queries
from service.bootstrap import Service, build
from service.demo import DEMO_TOKENS
from service.replays import replay_slot
from service.settings import Settings
from service.tokens import Actor, issue_token
from tests.api.conftest import SHANGHAI, Clock, auth
from tests.signing import TEST_KEY

ROOT = Path(__file__).resolve().parents[2]
SUBJECTS = [f"s{i:03d}" for i in range(1, 8)]


@pytest.fixture
def impatient(tmp_path: Path, clock: Clock) -> Iterator[tuple[TestClient, Service]]:
    """An app whose as-of replays do not wait for the replay slot."""
    service = build(Settings(data_dir=tmp_path / "data", replay_wait=0, signing_key=TEST_KEY))
    for role, (token, principal, scope) in DEMO_TOKENS.items():
        issue_token(service.ledger, principal, role, scope, "test", "2026-03-01T00:00:00+08:00", token=token)
    with TestClient(create_app(service=service, clock=clock)) as client:
        yield client, service
    service.close()


def publish_quarter(client: TestClient, clock: Clock) -> dict[str, int | str]:
    """ZJG 2026-Q1 with seven departments in two groups, a deduction each, closed and published on 30 March;
    then s001's deduction is contested by appeals of s001 and s002's by s002 (filed 31 March)."""
    admin = auth("admin")
    yaml = (ROOT / "schemes" / "zjg.yaml").read_bytes()
    assert client.post("/schemes", content=yaml, headers={**admin, "content-type": "application/yaml"}).status_code == 201
    assert client.post("/periods", json={"code": "2026-Q1", "scheme": "ZJG", "version": 2}, headers=admin).status_code == 201
    people = [{"id": s, "name": f"科室{s}", "kind": "department", "group": "g1" if i % 2 else "g2"}
              for i, s in enumerate(SUBJECTS)]
    assert client.post("/periods/2026-Q1/subjects", json={"subjects": people}, headers=admin).status_code == 200
    facts = {}
    for i, subject in enumerate(SUBJECTS):
        fact = {"type": "deduction", "item": "2.1", "subject": subject, "count": i + 1}
        facts[subject] = client.post("/periods/2026-Q1/facts", json=fact, headers=auth("recorder")).json()["facts"][0]
    assert client.post("/periods/2026-Q1/close", headers=admin).status_code == 200
    clock.now = datetime(2026, 3, 30, 9, 0, tzinfo=SHANGHAI)
    seal = client.post("/periods/2026-Q1/publish", json={"published_on": "2026-03-30"}, headers=admin).json()["seal"]
    clock.now = datetime(2026, 3, 31, 10, 0, tzinfo=SHANGHAI)
    return {"seal": seal["position"], "hash": seal["results_hash"], "s001": facts["s001"]}


@pytest.mark.parametrize("role", ["subject", "rater", "recorder"])
def test_as_of_is_refused_with_a_problem_to_roles_that_do_not_audit(client: TestClient, clock: Clock, role: str) -> None:
    world = publish_quarter(client, clock)
    for path in ("/periods/2026-Q1/scorecards/s001", "/periods/2026-Q1/rankings", "/periods/2026-Q1/grades"):
        if role == "subject" and "scorecards" not in path:
            continue
        response = client.get(path, params={"as_of": str(world["seal"])}, headers=auth(role))
        assert response.status_code == 403, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "auditors, reviewers and administrators" in response.json()["detail"]
        assert client.get(path, headers=auth(role)).status_code == 200  # the current results stay readable
    chinese = client.get("/periods/2026-Q1/scorecards/s001", params={"as_of": str(world["seal"])},
                         headers={**auth(role), "Accept-Language": "zh-CN"}).json()
    assert "查看历史结果" in chinese["detail"] and "审计" in chinese["detail"]


@pytest.mark.parametrize("role", ["auditor", "reviewer", "admin"])
def test_auditors_reviewers_and_administrators_read_as_of_a_seal(client: TestClient, clock: Clock, role: str) -> None:
    world = publish_quarter(client, clock)
    response = client.get("/periods/2026-Q1/scorecards/s001", params={"as_of": str(world["seal"])}, headers=auth(role))
    assert response.status_code == 200 and response.json()["as_of"] == world["seal"]


def test_the_whole_results_stream_and_as_of_the_seal_hash_to_its_results_hash(client: TestClient, clock: Clock,
                                                                             service: Service) -> None:
    world = publish_quarter(client, clock)
    sealed = client.get("/periods/2026-Q1/results", params={"as_of": str(world["seal"])}, headers=auth("auditor"))
    assert sealed.status_code == 200 and sealed.headers["x-as-of"] == str(world["seal"])
    assert hashlib.sha256(sealed.content).hexdigest() == world["hash"]
    now = client.get("/periods/2026-Q1/results", headers=auth("auditor"))
    stored = service.views.results("default/2026-Q1")
    assert stored is not None and now.content == stored[1] and now.headers["x-as-of"] == str(stored[0])
    replayed = client.get("/periods/2026-Q1/results", params={"as_of": str(world["seal"] - 1)}, headers=auth("auditor"))
    assert replayed.status_code == 200 and replayed.headers["x-as-of"] == str(world["seal"] - 1)
    assert replayed.json()["subjects"] and replayed.content != b""
    refused = client.get("/periods/2026-Q1/results", headers=auth("subject"))
    assert refused.status_code == 403


def test_a_second_replay_while_one_runs_gets_503_with_retry_after_and_seal_reads_still_answer(
        impatient: tuple[TestClient, Service], clock: Clock) -> None:
    client, _ = impatient
    world = publish_quarter(client, clock)
    held, release = threading.Event(), threading.Event()

    def replaying() -> None:
        with replay_slot(0):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=replaying)
    thread.start()
    try:
        assert held.wait(10)
        for path in ("/periods/2026-Q1/rankings", "/periods/2026-Q1/results"):
            busy = client.get(path, params={"as_of": str(world["seal"] - 1)}, headers=auth("auditor"))
            assert busy.status_code == 503, busy.text
            assert busy.headers["retry-after"] == "5" and busy.json()["type"].endswith("/replay-busy")
        sealed = client.get("/periods/2026-Q1/rankings", params={"as_of": str(world["seal"])}, headers=auth("auditor"))
        assert sealed.status_code == 200  # a seal's results are a lookup: no replay slot needed
    finally:
        release.set()
        thread.join(10)
    again = client.get("/periods/2026-Q1/rankings", params={"as_of": str(world["seal"] - 1)}, headers=auth("auditor"))
    assert again.status_code == 200


def _follow(client: TestClient, path: str, key: str, role: str = "auditor") -> tuple[list[object], int]:
    """Every item of every page, following `next`; and how many pages there were."""
    items, pages, url = [], 0, path
    while url is not None:
        body = client.get(url, headers=auth(role)).json()
        items += body[key] if key != "groups" else [r for rows in body["groups"].values() for r in rows]
        url, pages = body["next"], pages + 1
    return items, pages


def test_rankings_grades_history_and_appeals_come_in_pages_linked_by_next(client: TestClient, clock: Clock,
                                                                          service: Service) -> None:
    world = publish_quarter(client, clock)
    for subject, token in (("s001", "subject"), ("s001", "subject")):
        body = {"subject": subject, "contested": [world["s001"]], "reasons": "依据不足"}
        assert client.post("/periods/2026-Q1/appeals", json=body, headers=auth(token)).status_code == 201
    everything = client.get("/periods/2026-Q1/rankings", headers=auth("auditor")).json()
    assert everything["next"] is None
    ranked, pages = _follow(client, "/periods/2026-Q1/rankings?limit=3", "groups")
    assert ranked == [r for rows in everything["groups"].values() for r in rows] and pages == 3
    graded, pages = _follow(client, "/periods/2026-Q1/grades?limit=2", "grades")
    assert [g["subject"] for g in graded] == [r["subject"] for r in ranked] and pages == 4
    history, pages = _follow(client, "/periods/2026-Q1/history?item=2.1&limit=2", "facts")
    assert [f["fact"]["subject"] for f in history] == SUBJECTS and pages == 4
    positions = [f["position"] for f in history]
    assert positions == sorted(positions)
    # an office's latest entries, newest first, a page at a time (the recording page's "recent")
    office = Actor("督查科", "recorder", ["inspection", "office", "personnel", "guidance"])
    newest = queries.history(service, office, "2026-Q1", recorded_by="督查科", newest_first=True, limit=4)
    assert [r["position"] for r in newest["facts"]] == positions[::-1][:4] and newest["next"] == positions[-4]
    rest = queries.history(service, office, "2026-Q1", recorded_by="督查科", newest_first=True, after=newest["next"])
    assert [r["position"] for r in rest["facts"]] == positions[::-1][4:] and rest["next"] is None
    assert queries.history(service, office, "2026-Q1", recorded_by="人事教育科")["facts"] == []
    appeals, pages = _follow(client, "/appeals?limit=1", "appeals")
    assert len(appeals) == 2 and pages == 2 and appeals[0]["filed_at"] < appeals[1]["filed_at"]
    bad = client.get("/periods/2026-Q1/rankings?cursor=bm9wZQ", headers=auth("auditor"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "cursor"
