"""Authorization: every caller against every endpoint of the OpenAPI schema, own and other scope.

One world is built per module over HTTP (ZJG uploaded as YAML, 2026-Q1 recorded, rated, closed,
published and appealed by s001 and s002; 2026-Q2 left open for recording, with facts to retract and
correct recorded once per caller). Each endpoint is then called by every caller of
tests/api/authz_matrix.py: an allowed caller gets exactly the status its case names (a 500 is a
failure, and so is a 422 where a 201 was due) and a response that passes the case's content check
(whose appeals, whose history, which ratings); a refused one gets exactly 403, an unauthenticated one
401, both as RFC 9457 problem details, and the log grows by nothing.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api import routers
from api.app import create_app
from service.bootstrap import Service, build
from service.demo import DEMO_TOKENS
from service.settings import Settings
from service.tokens import issue_token, list_tokens, revoke_token
from tests.api.authz_matrix import CALLERS, DEFAULT_PARAMS, MATRIX, UNAUTHENTICATED, Case
from tests.api.conftest import SHANGHAI, Clock
from tests.signing import TEST_KEY

ROOT = Path(__file__).resolve().parents[2]
ISSUED = "2026-03-01T00:00:00+08:00"
METHODS = {"get", "post", "put", "patch", "delete"}
PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance"}


def _endpoints() -> list[tuple[str, str]]:
    paths = create_app().openapi()["paths"]
    return sorted(
        (method.upper(), path) for path, operations in paths.items() for method in operations if method in METHODS
    )


ENDPOINTS = _endpoints()


@dataclass
class World:
    client: TestClient
    service: Service
    clock: Clock
    tokens: dict[str, str]  # caller -> bearer token
    ids: dict[str, str]  # placeholder -> fact or appeal id

    def end(self) -> int:
        return self.service.ledger.recorder.max_notification_id() or 0

    def headers(self, caller: str) -> dict[str, str]:
        if caller == "none":
            return {}
        return {"Authorization": f"Bearer {self.tokens[caller]}"}

    def post(self, path: str, caller: str, body: Any = None, status: int = 201, **headers: str) -> dict[str, Any]:
        response = self.client.post(path, json=body, headers={**self.headers(caller), **headers})
        assert response.status_code == status, (path, caller, response.text)
        return response.json()  # type: ignore[no-any-return]

    def fact(self, code: str, caller: str, body: dict[str, Any]) -> str:
        return str(self.post(f"/periods/{code}/facts", caller, body)["facts"][0])


def _tokens(service: Service) -> dict[str, str]:
    tokens = {role: token for role, (token, _, _) in DEMO_TOKENS.items()}
    for role, (token, principal, scope) in DEMO_TOKENS.items():
        issue_token(service.ledger, principal, role, scope, "test", ISSUED, token=token)
    for caller, (role, scope) in CALLERS.items():
        if caller not in tokens:
            tokens[caller] = issue_token(service.ledger, caller, role, scope, "test", ISSUED, token=f"test-{caller}")
    assert {c: (r, s) for c, (r, s) in CALLERS.items() if c in DEMO_TOKENS} == {
        role: (role, scope) for role, (_, _, scope) in DEMO_TOKENS.items()
    }, "the matrix's demo callers must have the demo tokens' scopes"
    tokens["unknown"] = "no-such-token"
    tokens["revoked"] = issue_token(service.ledger, "离任审计员", "auditor", [], "test", ISSUED, token="test-revoked")
    revoke_token(service.ledger, tokens["revoked"], "test", ISSUED)
    return tokens


def _record(world: World) -> None:
    """2026-Q1: recorded by each office and rater, closed, published on 30 March, appealed by s001 and s002;
    2026-Q2: open, with facts of two offices and principal-1's ratings to retract and correct."""
    w, ids = world, world.ids
    yaml = (ROOT / "schemes" / "zjg.yaml").read_bytes()
    response = w.client.post(
        "/schemes", content=yaml, headers={**w.headers("admin"), "content-type": "application/yaml"}
    )
    assert response.status_code == 201, response.text
    subjects = [
        {"id": "s001", "name": "办公室", "group": "g1", "kind": "department"},
        {"id": "s002", "name": "党建科", "group": "g1", "kind": "department"},
        {"id": "s003", "name": "督查科", "group": "g1", "kind": "department"},
    ]
    subjects.append({"id": "s004", "name": "咨询指导科", "group": "g1", "kind": "department"})
    for code, registered in (("2026-Q1", subjects[:2]), ("2026-Q2", subjects)):
        w.post("/periods", "admin", {"code": code, "scheme": "ZJG", "version": 2})
        w.post(f"/periods/{code}/subjects", "admin", {"subjects": registered}, status=200)

    ids["q1_s001"] = w.fact("2026-Q1", "recorder:office", {"type": "deduction", "item": "1.1.1", "subject": "s001"})
    ids["q1_s002"] = w.fact(
        "2026-Q1", "recorder:personnel", {"type": "deduction", "item": "2.1", "subject": "s002", "count": 3}
    )
    w.fact("2026-Q1", "recorder", {"type": "deduction", "item": "4.4", "subject": "s002"})
    w.fact("2026-Q1", "recorder", {"type": "bonus", "item": "b.1", "subject": "s001", "level": "city"})
    for caller, rater, role, values in (
        ("rater", "principal-1", "principal", (88, 92)),
        ("rater:supervising-1", "supervising-1", "supervising", (90, 85)),
    ):
        for subject, value in zip(("s001", "s002"), values, strict=True):
            w.fact(
                "2026-Q1",
                caller,
                {"type": "rating", "item": "rating", "subject": subject, "rater": rater, "role": role, "value": value},
            )
    w.post("/periods/2026-Q1/close", "admin", status=200)
    w.clock.now = datetime(2026, 3, 30, 9, 0, tzinfo=SHANGHAI)
    ids["q1_seal"] = str(w.post("/periods/2026-Q1/publish", "admin", {"published_on": "2026-03-30"}, status=200)
                         ["seal"]["position"])
    w.clock.now = datetime(2026, 3, 31, 10, 0, tzinfo=SHANGHAI)  # within the 3 working days (until 2 April)
    for subject, caller, reasons in (
        ("s001", "subject", "该项扣分依据不足"),
        ("s002", "subject:s002", "迟到人次统计有误"),
    ):
        body = {"subject": subject, "contested": [ids[f"q1_{subject}"]], "reasons": reasons}
        ids[f"appeal_{subject}"] = w.post(
            "/periods/2026-Q1/appeals", caller, body, **{"Idempotency-Key": f"appeal-{subject}"}
        )["appeal"]

    spare = issue_token(w.service.ledger, "备用", "auditor", [], "test", ISSUED, token="test-spare")
    ids["spare_token"] = next(t["id"] for t in list_tokens(w.service.ledger) if t["principal"] == "备用")
    assert spare
    # one of each fact to retract, exempt or correct per caller, so that every allowed caller meets the same state
    for name, office, item in (("q2_office", "recorder:office", "1.2.1"), ("q2_office_b", "recorder:office", "5.3"),
                               ("q2_office_c", "recorder:office", "1.2.2"), ("q2_personnel", "recorder:personnel", "2.3"),
                               ("q2_personnel_b", "recorder:personnel", "2.4"),
                               ("q2_personnel_x", "recorder:personnel", "2.3")):
        for caller in CALLERS:
            ids[f"{name}@{caller}"] = w.fact("2026-Q2", office, {"type": "deduction", "item": item, "subject": "s001"})
        ids[name] = ids[f"{name}@admin"]
    for subject in ("s001", "s002", "s004"):
        key = "q2_rating_p1" + ("" if subject == "s001" else f"_{subject}")  # s003 stays unrated: a case rates it
        ids[key] = w.fact(
            "2026-Q2",
            "rater",
            {
                "type": "rating",
                "item": "rating",
                "subject": subject,
                "rater": "principal-1",
                "role": "principal",
                "value": 80,
            },
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path_factory.mktemp("authz") / "data"))
    clock = Clock()
    try:
        tokens = _tokens(service)
        # a server error is a status like any other here: it is reported against the case, not raised
        with TestClient(create_app(service=service, clock=clock), raise_server_exceptions=False) as client:
            world = World(client, service, clock, tokens, {})
            _record(world)
            yield world
    finally:
        service.close()


class _Ids(dict[str, str]):
    """The world's ids as the caller sees them: its own copy of a fact where the world recorded one per caller."""

    def __init__(self, ids: dict[str, str], caller: str):
        super().__init__(ids)
        self.caller = caller

    def __missing__(self, key: str) -> str:
        raise KeyError(key)

    def __getitem__(self, key: str) -> str:
        own = f"{key}@{self.caller}"
        return super().__getitem__(own if own in self else key)


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format_map(ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def _call(world: World, method: str, path: str, case: Case, caller: str) -> httpx.Response:
    ids = _Ids(world.ids, caller)
    url = path.format_map(_fill({**DEFAULT_PARAMS, **case.params}, ids))
    headers = world.headers(caller)
    if case.stale:
        headers["If-Match"] = '"999"'
    if case.key:
        headers["Idempotency-Key"] = case.key
    if case.yaml:
        headers["content-type"] = "application/yaml"
        content = (ROOT / "schemes" / "zjg.yaml").read_bytes()
        return world.client.request(method, url, content=content, headers=headers, params=_fill(case.query, ids))
    if case.upload:
        return world.client.request(
            method, url, files={"file": case.upload}, headers=headers, params=_fill(case.query, ids)
        )
    body = _fill(case.body, ids)
    return world.client.request(method, url, json=body, headers=headers, params=_fill(case.query, ids))


def _refusal_problems(response: httpx.Response, status: int, appended: int) -> list[str]:
    """What is wrong with a refusal: status, problem+json body, WWW-Authenticate, appended events."""
    if response.status_code != status:
        return [f"got {response.status_code}, expected {status}: {response.text[:300]}"]
    wrong = []
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        wrong.append(f"content-type {response.headers.get('content-type')}")
    body = response.json()
    if not PROBLEM_FIELDS <= body.keys() or body["status"] != status or body["instance"] != response.request.url.path:
        wrong.append(f"not an RFC 9457 problem for this request: {body}")
    if status == 401 and "Bearer" not in response.headers.get("www-authenticate", ""):
        wrong.append("401 without WWW-Authenticate: Bearer")
    if appended:
        wrong.append(f"{appended} event(s) appended")
    return wrong


def _admission_problems(response: httpx.Response, case: Case, caller: str, ids: dict[str, str]) -> list[str]:
    """What is wrong with an allowed call: not exactly the expected status, or not the content the rules say."""
    expected = case.expected(caller)
    if response.status_code != expected:
        return [f"allowed, expected {expected}, got {response.status_code}: {response.text[:300]}"]
    return case.check(response, caller, ids) if case.check is not None else []


def _check(world: World, method: str, path: str) -> tuple[int, list[str]]:
    """Call the endpoint as every caller for every case; the count of calls and the mismatches."""
    checked, mismatches = 0, []
    for case in MATRIX[(method, path)]:
        for caller in (*UNAUTHENTICATED, *CALLERS):
            before = world.end()
            response = _call(world, method, path, case, caller)
            checked += 1
            if caller in UNAUTHENTICATED and case.public:
                wrong = [f"public, but got {response.status_code}"] if response.status_code != 200 else []
            elif caller in UNAUTHENTICATED:
                wrong = _refusal_problems(response, 401, world.end() - before)
            elif caller in case.allowed:
                wrong = _admission_problems(response, case, caller, world.ids)
            else:
                wrong = _refusal_problems(response, 403, world.end() - before)
            mismatches += [f"{method} {path} [{case.what or 'any'}] as {caller}: {w}" for w in wrong]
    return checked, mismatches


def test_every_endpoint_in_the_openapi_schema_and_the_routers_has_a_matrix_entry_and_no_entry_is_stale() -> None:
    routed = {
        (method, route.path)
        for module in pkgutil.iter_modules(routers.__path__)
        for route in getattr(importlib.import_module(f"api.routers.{module.name}"), "router", APIRouter()).routes
        if isinstance(route, APIRoute)
        for method in route.methods - {"HEAD", "OPTIONS"}
    }
    assert set(ENDPOINTS) == routed, "a routed endpoint is hidden from the OpenAPI schema (or a route is unrouted)"
    assert sorted(set(ENDPOINTS) - MATRIX.keys()) == [], "new endpoints need an entry in tests/api/authz_matrix.py"
    assert sorted(MATRIX.keys() - set(ENDPOINTS)) == [], "matrix entries for endpoints that no longer exist"
    assert all(MATRIX[e] for e in MATRIX), "every entry has at least one case"


def test_the_world_is_published_and_appealed_in_2026_q1_and_open_in_2026_q2(world: World) -> None:
    admin = world.headers("admin")
    assert world.client.get("/periods/2026-Q1", headers=admin).json()["status"] == "published"
    assert world.client.get("/periods/2026-Q2", headers=admin).json()["status"] == "open"
    appeals = world.client.get("/appeals", headers=admin).json()["appeals"]
    assert {(a["subject"], a["status"]) for a in appeals} >= {("s001", "filed"), ("s002", "filed")}


@pytest.mark.parametrize(("method", "path"), ENDPOINTS, ids=[f"{m} {p}" for m, p in ENDPOINTS])
def test_each_caller_is_admitted_or_refused_exactly_as_the_matrix_says(world: World, method: str, path: str) -> None:
    assert (method, path) in MATRIX, f"{method} {path} has no entry in tests/api/authz_matrix.py"
    checked, mismatches = _check(world, method, path)
    assert checked == len(MATRIX[(method, path)]) * (len(UNAUTHENTICATED) + len(CALLERS))
    assert mismatches == [], f"{len(mismatches)} of {checked} combinations mismatch:\n" + "\n".join(mismatches)


# The refusals the matrix found missing, each on a fresh store (conftest's client and service).


def _open_quarter(client: TestClient, service: Service, tokens: dict[str, tuple[str, list[str]]]) -> dict[str, str]:
    for name, (role, scope) in tokens.items():
        issue_token(service.ledger, name, role, scope, "test", ISSUED, token=f"test-{name}")
    admin = {"Authorization": "Bearer demo-admin-token"}
    yaml = (ROOT / "schemes" / "zjg.yaml").read_bytes()
    assert (
        client.post("/schemes", content=yaml, headers={**admin, "content-type": "application/yaml"}).status_code == 201
    )
    assert (
        client.post("/periods", json={"code": "2026-Q2", "scheme": "ZJG", "version": 2}, headers=admin).status_code
        == 201
    )
    subjects = [
        {"id": "s001", "name": "办公室", "kind": "department"},
        {"id": "s002", "name": "党建科", "kind": "department"},
    ]
    assert client.post("/periods/2026-Q2/subjects", json={"subjects": subjects}, headers=admin).status_code == 200
    return {name: f"Bearer test-{name}" for name in tokens}


def _recorded(client: TestClient, token: str, fact: dict[str, Any]) -> str:
    response = client.post("/periods/2026-Q2/facts", json=fact, headers={"Authorization": token})
    assert response.status_code == 201, response.text
    return str(response.json()["facts"][0])


def _refused(client: TestClient, service: Service, token: str, fact: dict[str, Any]) -> None:
    before = service.ledger.recorder.max_notification_id()
    response = client.post("/periods/2026-Q2/facts", json=fact, headers={"Authorization": token})
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert service.ledger.recorder.max_notification_id() == before


def test_a_recording_office_cannot_set_aside_another_offices_deduction_by_recording_a_correction_of_it(
    client: TestClient, service: Service
) -> None:
    tokens = _open_quarter(
        client, service, {"office": ("recorder", ["office"]), "personnel": ("recorder", ["personnel"])}
    )
    lateness = _recorded(
        client, tokens["personnel"], {"type": "deduction", "item": "2.1", "subject": "s001", "count": 4}
    )
    # 办公室 may not retract 人事教育科's finding (S5) ...
    _refused(client, service, tokens["office"], {"type": "retraction", "target": lateness, "reason": "不认可"})
    # ... nor replace it with a finding of its own section that `corrects` it
    _refused(
        client,
        service,
        tokens["office"],
        {"type": "deduction", "item": "1.2.5", "subject": "s001", "count": 1, "corrects": lateness},
    )


def test_a_rater_cannot_replace_another_raters_rating_by_recording_a_correction_of_it(
    client: TestClient, service: Service
) -> None:
    tokens = _open_quarter(client, service, {"supervisor": ("rater", ["supervising-1=supervising"])})
    principal = _recorded(
        client,
        "Bearer demo-rater-token",
        {
            "type": "rating",
            "item": "rating",
            "subject": "s001",
            "rater": "principal-1",
            "role": "principal",
            "value": 95,
        },
    )
    _refused(client, service, tokens["supervisor"], {"type": "retraction", "target": principal, "reason": "不认可"})
    _refused(
        client,
        service,
        tokens["supervisor"],
        {
            "type": "rating",
            "item": "rating",
            "subject": "s001",
            "rater": "supervising-1",
            "role": "supervising",
            "value": 40,
            "corrects": principal,
        },
    )


@pytest.mark.parametrize("role", ["recorder", "rater"])
def test_a_role_that_reads_no_appeals_is_refused_an_appeal_whether_or_not_it_exists(
    client: TestClient, role: str
) -> None:
    response = client.get("/appeals/0123456789abcdef", headers={"Authorization": f"Bearer demo-{role}-token"})
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_series_body_records_only_the_parts_it_runs_for_its_own_series_S5(
    client: TestClient, service: Service
) -> None:
    """ZZ 三(三)3 综合站位 由各系列考评组认定, run by 市委办 / 市政府办 / 市效能办 for the first, second and
    third series (四(一)1, 七.2): scheme version 2 says so per group (office_by_group), and a recording
    office is held to it for each subject's series; nothing is appended when it is refused."""
    for name, scope in (("party", ["party_office"]), ("gov", ["gov_office"])):
        issue_token(service.ledger, name, "recorder", scope, "test", ISSUED, token=f"test-{name}")
    admin = {"Authorization": "Bearer demo-admin-token"}
    yaml = (ROOT / "schemes" / "zz.yaml").read_bytes()
    assert client.post("/schemes", content=yaml, headers={**admin, "content-type": "application/yaml"}).status_code == 201
    assert client.post("/periods", json={"code": "2026", "scheme": "ZZ", "version": 2}, headers=admin).status_code == 201
    units = [{"id": "u1", "name": "组织部", "kind": "unit", "group": "series1"},
             {"id": "u2", "name": "发改委", "kind": "unit", "group": "series2"}]
    assert client.post("/periods/2026/subjects", json={"subjects": units}, headers=admin).status_code == 200

    def post(who: str, fact: dict[str, Any]) -> Any:
        return client.post("/periods/2026/facts", json=fact, headers={"Authorization": f"Bearer test-{who}"})

    award = {"type": "bonus", "item": "3.3.1", "level": "province"}  # 被省级评为先进单位 8 (B1)
    # Check: 市委办 records the first series' award; 市政府办 the second's
    first = post("party", {**award, "subject": "u1"})
    assert first.status_code == 201, first.text
    assert post("gov", {**award, "subject": "u2"}).status_code == 201
    # Check: neither records the other series' award, nor retracts it
    before = service.ledger.recorder.max_notification_id()
    refused = post("party", {**award, "subject": "u2"})
    assert refused.status_code == 403
    assert "item 3.3.1 is recorded by office gov_office, not party_office (S5)" in refused.json()["detail"]
    target = first.json()["facts"][0]
    assert post("gov", {"type": "retraction", "target": target, "reason": "不认可"}).status_code == 403
    assert service.ledger.recorder.max_notification_id() == before
    # Check: the scorecard names the office that recorded the part for the unit's series
    card = client.get("/periods/2026/scorecards/u2", headers=admin).json()["result"]["card"]
    offices = {n["id"]: n.get("office") for n in _nodes(card)}
    assert (offices["1"], offices["3.3"], offices["4.1"]) == ("gov_office", "gov_office", "efficiency_office")


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node] + [n for child in node.get("children", []) for n in _nodes(child)]
