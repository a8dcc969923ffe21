"""Individual ratings (民主测评) are confidential (issue 9, part 4): subjects, raters and recording offices see
aggregates only (a rater its own ratings too), in scorecards and the history; every published number stays."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from domain.texts.catalog import translate
from service.bootstrap import Service
from service.tokens import issue_token
from tests.api.conftest import auth

ROOT = Path(__file__).resolve().parents[2]
VALUES = {("principal-1", "s001"): "91.5", ("supervising-1", "s001"): "77.25", ("principal-1", "s002"): "66.5"}
SUPERVISOR = {"Authorization": "Bearer test-supervising-1"}


@pytest.fixture
def rated(client: TestClient, service: Service) -> dict[str, str]:
    """ZJG 2026-Q3, s001 and s002 rated by principal-1 and s001 by supervising-1; a deduction on s001;
    principal-1 rated s002 twice and retracted the first."""
    issue_token(service.ledger, "副局长", "rater", ["supervising-1=supervising"], "test", "2026-03-01T00:00:00+08:00",
                token="test-supervising-1")
    admin = auth("admin")
    yaml = (ROOT / "schemes" / "zjg.yaml").read_bytes()
    assert client.post("/schemes", content=yaml, headers={**admin, "content-type": "application/yaml"}).status_code == 201
    assert client.post("/periods", json={"code": "2026-Q3", "scheme": "ZJG", "version": 2}, headers=admin).status_code == 201
    subjects = [{"id": "s001", "name": "办公室", "kind": "department"}, {"id": "s002", "name": "党建科", "kind": "department"}]
    assert client.post("/periods/2026-Q3/subjects", json={"subjects": subjects}, headers=admin).status_code == 200
    ids = {}
    for (rater, subject), value in VALUES.items():
        role = rater.split("-")[0]
        headers = auth("rater") if rater == "principal-1" else SUPERVISOR
        fact = {"type": "rating", "item": "rating", "subject": subject, "rater": rater, "role": role, "value": value}
        response = client.post("/periods/2026-Q3/facts", json=fact, headers=headers)
        assert response.status_code == 201, response.text
        ids[f"{rater}/{subject}"] = response.json()["facts"][0]
    retraction = {"type": "retraction", "target": ids["principal-1/s002"], "reason": "误填"}
    ids["retraction"] = client.post("/periods/2026-Q3/facts", json=retraction, headers=auth("rater")).json()["facts"][0]
    deduction = {"type": "deduction", "item": "4.4", "subject": "s001"}
    ids["deduction"] = client.post("/periods/2026-Q3/facts", json=deduction, headers=auth("recorder")).json()["facts"][0]
    return ids


def rating_node(body: dict) -> dict:  # type: ignore[type-arg]
    return next(c for c in body["result"]["card"]["children"] if c["id"] == "rating")


def test_a_subject_sees_its_rating_items_points_and_total_but_no_individual_rating(client: TestClient,
                                                                                 rated: dict[str, str]) -> None:
    full = client.get("/periods/2026-Q3/scorecards/s001", headers=auth("auditor")).json()
    seen = client.get("/periods/2026-Q3/scorecards/s001", headers=auth("subject"))
    assert seen.status_code == 200
    body = seen.json()
    node, whole = rating_node(body), rating_node(full)
    assert len(whole["lines"]) == 2  # the auditor sees both raters' lines
    assert (node["raw"], node["applied"], node["max"]) == (whole["raw"], whole["applied"], whole["max"])
    assert body["result"]["total"] == full["result"]["total"] and body["result"]["rank"] == full["result"]["rank"]
    assert node["lines"] == [{"by": [], "facts": [], "note": node["lines"][0]["note"], "points": whole["raw"],
                              "recorded_by": [], "status": "counted"}]
    assert "2 rating(s)" in node["lines"][0]["note"]
    assert translate("note", node["lines"][0]["note"]) == "计入2份测评，个人测评保密（民主测评），仅公布该项得分"
    for secret in ("principal-1", "supervising-1", "91.5", "77.25", "局长", "副局长", rated["principal-1/s001"]):
        assert secret not in seen.text, secret


@pytest.mark.parametrize("role", ["recorder", "subject"])
def test_a_recording_office_and_a_subject_read_ratings_in_the_history_without_rater_value_or_recorder(
        client: TestClient, rated: dict[str, str], role: str) -> None:
    response = client.get("/periods/2026-Q3/history?subject=s001", headers=auth(role))
    assert response.status_code == 200
    facts = {f["fact"]["id"]: f["fact"] for f in response.json()["facts"]}
    assert set(facts) == {rated["principal-1/s001"], rated["supervising-1/s001"], rated["deduction"]}
    for rating in (rated["principal-1/s001"], rated["supervising-1/s001"]):
        assert facts[rating] == {"id": rating, "type": "rating", "item": "rating", "subject": "s001",
                                 "period": "2026-Q3", "redacted": True}
    assert facts[rated["deduction"]]["recorded_by"] == "督查科" and "redacted" not in facts[rated["deduction"]]
    assert "91.5" not in response.text and "principal-1" not in response.text


def test_a_rater_sees_its_own_ratings_and_only_the_aggregate_of_the_others(client: TestClient,
                                                                           rated: dict[str, str]) -> None:
    card = client.get("/periods/2026-Q3/scorecards/s001", headers=auth("rater")).json()
    lines = rating_node(card)["lines"]
    assert [line["facts"] for line in lines] == [[rated["principal-1/s001"]], []]
    assert lines[0]["points"] == "91.5" and "1 rating(s)" in lines[1]["note"]
    assert "77.25" not in str(card) and "supervising-1" not in str(card)
    history = client.get("/periods/2026-Q3/history?subject=s001", headers=auth("rater")).json()["facts"]
    shown = {f["fact"]["id"]: f["fact"] for f in history}
    assert shown[rated["principal-1/s001"]]["value"] == "91.5"
    assert shown[rated["supervising-1/s001"]].get("redacted") is True and "value" not in shown[rated["supervising-1/s001"]]
    # the other rater sees the mirror image
    other = client.get("/periods/2026-Q3/history?subject=s001", headers=SUPERVISOR).json()["facts"]
    assert {f["fact"]["id"]: f["fact"].get("value") for f in other if f["fact"]["type"] == "rating"} == {
        rated["principal-1/s001"]: None, rated["supervising-1/s001"]: "77.25"}


def test_a_retraction_of_a_rating_does_not_name_the_rater_to_the_subject(client: TestClient,
                                                                         rated: dict[str, str]) -> None:
    seen = client.get("/periods/2026-Q3/history?subject=s002", headers=auth("auditor"))
    assert any(f["fact"]["id"] == rated["retraction"] and f["fact"]["recorded_by"] == "局长" for f in seen.json()["facts"])
    recorder = client.get("/periods/2026-Q3/history?subject=s002", headers=auth("recorder")).json()["facts"]
    retraction = next(f["fact"] for f in recorder if f["fact"]["id"] == rated["retraction"])
    assert retraction["redacted"] is True and "recorded_by" not in retraction and "reason" not in retraction
    assert retraction["target"] == rated["principal-1/s002"]
    assert "66.5" not in str(recorder) and "局长" not in str(recorder)


def test_administrators_auditors_and_reviewers_see_every_rating(client: TestClient, rated: dict[str, str]) -> None:
    for role in ("admin", "auditor", "reviewer"):
        lines = rating_node(client.get("/periods/2026-Q3/scorecards/s001", headers=auth(role)).json())["lines"]
        assert sorted(line["points"] for line in lines) == ["77.25", "91.5"], role
