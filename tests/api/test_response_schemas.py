"""Every read declares its response schema, and what it sends matches it (as a generated client reads it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema_rs  # schemathesis's validator, already a test dependency
from fastapi.testclient import TestClient

from tests.api.conftest import auth

ROOT = Path(__file__).resolve().parents[2]
READS = {("/periods/{code}/scorecards/{subject}", "get"), ("/periods/{code}/rankings", "get"),
         ("/periods/{code}/grades", "get"), ("/periods/{code}/history", "get"), ("/appeals", "get"),
         ("/appeals/{appeal}", "get"), ("/appeals/{appeal}/comparison", "get"), ("/appeals/{appeal}/what-if", "post"),
         ("/periods/{code}", "get"), ("/schemes", "get"), ("/periods/{code}/verification", "get"), ("/log", "get")}


def schema_of(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return document["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]  # type: ignore[no-any-return]


def test_every_read_declares_a_typed_response(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for path, method in READS:
        assert "$ref" in schema_of(document, path, method), (path, method)


def test_what_every_read_sends_matches_its_declared_schema(client: TestClient) -> None:
    admin, subject, reviewer = auth("admin"), auth("subject"), auth("reviewer")
    yaml = {"content-type": "application/yaml", **admin}
    assert client.post("/schemes", content=(ROOT / "schemes" / "zjg.yaml").read_bytes(), headers=yaml).status_code == 201
    assert client.post("/periods", json={"code": "2026-Q1", "scheme": "ZJG", "version": 2}, headers=admin).status_code == 201
    subjects = [{"id": f"s00{i}", "name": n, "kind": "department"} for i, n in enumerate(["办公室", "党建科"], 1)]
    client.post("/periods/2026-Q1/subjects", json={"subjects": subjects}, headers=admin)
    rating = {"type": "rating", "item": "rating", "subject": "s001", "role": "principal", "rater": "principal-1",
              "value": "90"}
    recorded = client.post("/periods/2026-Q1/facts", json={"type": "deduction", "item": "4.4", "subject": "s001"},
                           headers=auth("recorder")).json()["facts"][0]
    client.post("/periods/2026-Q1/facts", json=rating, headers=auth("rater"))
    client.post("/periods/2026-Q1/close", headers=admin)
    client.post("/periods/2026-Q1/publish", json={"published_on": "2026-03-20"}, headers=admin)
    appeal = client.post("/periods/2026-Q1/appeals", json={"subject": "s001", "contested": [recorded],
                                                           "reasons": "依据不足", "evidence": []}, headers=subject)
    name = appeal.json()["appeal"]
    client.post(f"/appeals/{name}/accept", headers=reviewer)
    retraction = {"type": "retraction", "target": recorded, "reason": "依据不足"}
    what_if = client.post(f"/appeals/{name}/what-if", json={"facts": [retraction]}, headers=reviewer)
    client.post(f"/appeals/{name}/uphold", json={"corrections": [retraction], "reasons": "属实"}, headers=reviewer)
    document = client.get("/openapi.json").json()
    auditor = auth("auditor")
    reads = {
        ("/periods/{code}/scorecards/{subject}", "get"): client.get("/periods/2026-Q1/scorecards/s001", headers=auditor),
        ("/periods/{code}/rankings", "get"): client.get("/periods/2026-Q1/rankings?as_of=12", headers=auditor),
        ("/periods/{code}/grades", "get"): client.get("/periods/2026-Q1/grades", headers=auditor),
        ("/periods/{code}/history", "get"): client.get("/periods/2026-Q1/history?subject=s001", headers=auditor),
        ("/appeals", "get"): client.get("/appeals", headers=auditor),
        ("/appeals/{appeal}", "get"): client.get(f"/appeals/{name}", headers=auditor),
        ("/appeals/{appeal}/comparison", "get"): client.get(f"/appeals/{name}/comparison", headers=auditor),
        ("/appeals/{appeal}/what-if", "post"): what_if,
        ("/periods/{code}", "get"): client.get("/periods/2026-Q1", headers=auditor),
        ("/schemes", "get"): client.get("/schemes", headers=auditor),
        ("/periods/{code}/verification", "get"): client.get("/periods/2026-Q1/verification", headers=auditor),
        ("/log", "get"): client.get("/log?limit=3", headers=auditor),
    }
    assert set(reads) == READS
    for (path, method), response in reads.items():
        assert response.status_code == 200, (path, response.text)
        validator = jsonschema_rs.Draft202012Validator({**schema_of(document, path, method),
                                                        "components": document["components"]})
        validator.validate(response.json())
    assert reads[("/appeals/{appeal}/comparison", "get")].json()["changes"][0]["subject"] == "s001"
