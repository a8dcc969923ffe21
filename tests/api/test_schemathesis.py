"""Schemathesis against the app's OpenAPI document, in process, on the demo bureau.

Each operation is fuzzed on its own copy of one store: the demo (ZJG, twelve departments, the
demo tokens, 2026-Q1 open) plus 2025-Q4, published today, so appeals can be filed. Every request
carries the demo token of the role that may make it (admin by default), so generated inputs get
past authorisation to the validation and the ledger; dictionaries of this store's periods,
subjects, items and fact ids steer part of the generated values to things that exist.

Checks: no 5xx, and every 4xx is an RFC 9457 problem (application/problem+json) whose `status`
is the response's. The stateful run follows the document's links (api/openapi.py), each scenario
from a fresh copy of the store. The documented examples are walked once, in order, and the
requests schemathesis found crashing the app are kept as fixed reproductions.

schemathesis.pytest.from_fixture would load the document from the running app, but it fails
under pytest 9 (it sets `Function._nodeid`), so the document is taken from `create_app()` at
import (no store is touched: the service starts in the lifespan), and a test checks that the
app serves that same document.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from api.app import create_app
from api.openapi import FACT
from domain.facts import Subject
from service.bootstrap import Service, build
from service.demo import DEMO_TOKENS, load_demo
from service.settings import Settings
from tests.signing import TEST_KEY

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 4, 14, 10, 0, tzinfo=SHANGHAI)  # a Tuesday; 2025-Q4, published today, is open to appeals
AT = "2026-04-01T09:00:00+08:00"
TOKENS = {role: token for role, (token, _, _) in DEMO_TOKENS.items()}
# The role whose demo token makes each operation; every other operation goes as the administrator.
ROLE_FOR = {
    "record_fact": "recorder",
    "record_facts": "recorder",
    "file_appeal": "subject",
    "accept_appeal": "reviewer",
    "uphold_appeal": "reviewer",
    "reject_appeal": "reviewer",
    "what_if_appeal": "reviewer",
    "compare_appeal": "auditor",
    "verify_period": "auditor",
    "export_bundle": "auditor",
    "read_log": "auditor",
}
PROBLEM = "application/problem+json"
STATEFUL = hypothesis.settings(
    max_examples=30,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[hypothesis.Phase.generate],
    database=None,
)
# Values of this store the generator draws from (else it would rarely name a period, subject or
# fact that exists); bound with a probability, so random values are still sent too.
VOCABULARY = {
    "periods": ["2026-Q1", "2025-Q4", "2026-Q2"],
    "schemes": ["ZJG"],
    "subjects": ["s001", "s002", "s003", "s004"],
    "items": ["2.1", "1.2.1", "3.6", "5.5", "b.2", "rating"],
    "raters": ["principal-1"],
    "rating_roles": ["principal", "supervising"],
    "kinds": ["department"],
    "groups": ["g1"],
    "facts": [FACT],
}
BINDINGS = {
    "path.code": "periods",
    "path.subject": "subjects",
    "query.subject": "subjects",
    "query.item": "items",
    "body.code": "periods",
    "body.scheme": "schemes",
    "body.subject": "subjects",
    "body.item": "items",
    "body.rater": "raters",
    "body.target": "facts",
    "body.corrects": "facts",
    "body.contested[*]": "facts",
    "body.subjects[*].kind": "kinds",
    "body.subjects[*].group": "groups",
    "body.facts[*].subject": "subjects",
    "body.facts[*].item": "items",
    "body.facts[*].target": "facts",
    "body.facts[*].rater": "raters",
    "body.facts[*].role": "rating_roles",
    "body.corrections[*].subject": "subjects",
    "body.corrections[*].item": "items",
    "body.corrections[*].target": "facts",
    "body.corrections[*].corrects": "facts",
}
# Operations whose journeys need this store's published quarter, its subject s001 (the subject
# token's scope) and the fact the documentation's examples name: bound with a higher probability.
APPEALS = {
    "file_appeal": {"path.code": "published", "body.subject": "own", "body.contested[*]": "facts"},
    "uphold_appeal": {"body.corrections[*].target": "facts", "body.corrections[*].corrects": "facts"},
}
# Explicit, so a schemathesis.toml elsewhere cannot change the run; no example database is kept.
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"database": "none"},
        "dictionaries": {
            **{name: {"values": values} for name, values in VOCABULARY.items()},
            "published": {"values": ["2025-Q4"]},
            "own": {"values": ["s001"]},
        },
        "parameters": {key: {"dictionary": name, "probability": 0.6} for key, name in BINDINGS.items()},
        "operations": [
            {
                "include-operation-id": operation,
                "parameters": {key: {"dictionary": name, "probability": 0.9} for key, name in bindings.items()},
            }
            for operation, bindings in APPEALS.items()
        ],
    }
)
DOCUMENT = create_app().openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def headers_for(operation: Any) -> dict[str, str]:
    return auth(ROLE_FOR.get(operation.definition.raw.get("operationId", ""), "admin"))


def refusals_are_problems(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
    """Every 4xx is application/problem+json with the response's status in its body."""
    if not 400 <= response.status_code < 500:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.split(";")[0].strip() == PROBLEM, f"a {response.status_code} sent as {content_type!r}"
    body = json.loads(response.content)
    assert body.get("status") == response.status_code, f"problem status {body.get('status')} on a {response.status_code}"
    assert isinstance(body.get("type"), str) and isinstance(body.get("title"), str), body
    return True


CHECKS = [not_a_server_error, refusals_are_problems]


def _seed_published_quarter(service: Service) -> None:
    """2025-Q4 under ZJG: four departments, ratings and a deduction; closed and published today."""
    ledger = service.ledger
    subjects = [Subject(id=f"s00{i}", name=f"科室{i}", group="g1", kind="department") for i in range(1, 5)]
    ledger.open_period("2025-Q4", "ZJG", 2, "demo", AT)
    ledger.register_subjects("2025-Q4", subjects, "demo", AT)
    facts: list[dict[str, Any]] = [
        {"type": "rating", "item": "rating", "subject": s.id, "role": role, "rater": f"{role}-1", "value": "90"}
        for s in subjects
        for role in ("principal", "supervising")
    ]
    # The deduction has the id the documentation's examples use, so they name a fact that exists.
    facts.append({"id": FACT, "type": "deduction", "item": "2.1", "subject": "s001", "count": 2})
    ledger.record_facts("2025-Q4", facts, "督查科", AT)
    ledger.close_period("2025-Q4", "demo", AT)
    ledger.publish("2025-Q4", NOW.date(), "demo", AT)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store, built once; each test works on a copy."""
    data = Path(tmp_path_factory.mktemp("demo")) / "data"
    service = build(Settings(signing_key=TEST_KEY, data_dir=data))
    try:
        assert load_demo(service, AT)
        _seed_published_quarter(service)
        service.runner.catch_up()
    finally:
        service.close()
    return data


class Stores:
    """Fresh copies of the template store; each is closed when replaced, the rest at teardown."""

    def __init__(self, template: Path, root: Path) -> None:
        self.template, self.root = template, root
        self.open: list[Service] = []

    def fresh(self) -> Service:
        data = self.root / f"store-{len(list(self.root.glob('store-*')))}"
        shutil.copytree(self.template, data, ignore=shutil.ignore_patterns("*.lock"))
        service = build(Settings(signing_key=TEST_KEY, data_dir=data, demo=True))  # the demo's tokens are valid in the demo
        self.open.append(service)
        return service

    def replace(self, app: FastAPI) -> None:
        """Give a running app a fresh store (the stateful run starts each scenario from the same state)."""
        old, app.state.service = app.state.service, self.fresh()
        self.open.remove(old)
        old.close()

    def close(self) -> None:
        for service in self.open:
            service.close()


@pytest.fixture
def stores(template: Path, tmp_path: Path) -> Iterator[Stores]:
    made = Stores(template, tmp_path)
    yield made
    made.close()


@pytest.fixture
def demo_app(stores: Stores) -> FastAPI:
    return create_app(service=stores.fresh(), clock=lambda: NOW)


def test_the_fuzzed_document_is_the_one_the_app_serves_and_it_loads_with_its_links(demo_app: FastAPI) -> None:
    with TestClient(demo_app) as client:
        served = client.get("/openapi.json").json()
    assert served == DOCUMENT
    live = schemathesis.openapi.from_asgi("/openapi.json", demo_app, config=CONFIG)
    assert live.statistic.operations.total == 42 and live.statistic.transitions.total >= 18
    links = {
        (op["operationId"], name, link["operationId"])
        for item in served["paths"].values()
        for op in item.values()
        for response in op["responses"].values()
        for name, link in response.get("links", {}).items()
    }
    for source, target in [
        ("open_period", "register_subjects"),
        ("open_period", "get_period"),
        ("record_fact", "get_scorecard"),
        ("file_appeal", "accept_appeal"),
        ("file_appeal", "get_appeal"),
        ("accept_appeal", "uphold_appeal"),
        ("get_appeal", "uphold_appeal"),
        ("uphold_appeal", "compare_appeal"),
    ]:
        assert any(s == source and t == target for s, _, t in links), (source, target)


def _examples(operation_id: str) -> dict[str, Any]:
    """The request examples the document gives for an operation, by name."""
    for item in DOCUMENT["paths"].values():
        for operation in item.values():
            if operation.get("operationId") == operation_id:
                media = operation["requestBody"]["content"]["application/json"]
                return {name: example["value"] for name, example in media["examples"].items()}
    raise KeyError(operation_id)


def _naming(value: Any, fact: str) -> Any:
    """An example with the documentation's placeholder fact id replaced by a recorded one."""
    return json.loads(json.dumps(value).replace(FACT, fact))


def test_the_documented_examples_walk_a_quarter_from_opening_to_an_upheld_appeal(demo_app: FastAPI) -> None:
    def call(role: str, path: str, body: Any = None, status: int = 200, **headers: str) -> Any:
        sent = {**auth(role), **headers}
        response = client.post(path, json=body, headers=sent) if body is not None else client.get(path, headers=sent)
        assert response.status_code == status, (path, response.text)
        return response

    with TestClient(demo_app) as client:
        quarter = _examples("open_period")["quarter"]
        code = quarter["code"]
        call("admin", "/periods", quarter, 201)
        call("admin", f"/periods/{code}/subjects", _examples("register_subjects")["subjects"])
        facts = _examples("record_fact")
        late = call("recorder", f"/periods/{code}/facts", facts["deduction"], 201).json()
        fact = late["facts"][0]
        assert fact.startswith("s001:") and Decimal(late["scores"]["s001"]) == Decimal("89")  # 90 - 2 x 0.5
        rating = call("rater", f"/periods/{code}/facts", facts["rating"], 201).json()
        assert Decimal(rating["scores"]["s001"]) == Decimal("93.63")  # + 92.5 x 5/10 of 10 points = 4.625, half up
        call("recorder", f"/periods/{code}/facts", facts["bonus"], 201)
        batch = call("recorder", f"/periods/{code}/facts/batch", _examples("record_facts")["batch"], 201).json()
        assert len(batch["facts"]) == 3
        version = call("admin", f"/periods/{code}").headers["ETag"]
        call("admin", f"/periods/{code}/close", {}, **{"If-Match": version})
        call("admin", f"/periods/{code}/publish", _examples("publish_period")["today"])
        before = call("auditor", f"/periods/{code}/scorecards/s001").json()["result"]["total"]

        appeal = call("subject", f"/periods/{code}/appeals", _naming(_examples("file_appeal")["appeal"], fact), 201)
        name = appeal.json()["appeal"]
        assert appeal.json()["deadline"] == "2026-04-17"  # 3 working days after Tuesday 2026-04-14
        accepted = call("reviewer", f"/appeals/{name}/accept", {})
        what_if = call("reviewer", f"/appeals/{name}/what-if", _naming(_examples("what_if_appeal")["retraction"], fact))
        assert what_if.json()["changes"]
        uphold = _naming(_examples("uphold_appeal")["retraction"], fact)
        upheld = call("reviewer", f"/appeals/{name}/uphold", uphold, **{"If-Match": accepted.headers["ETag"]})
        assert upheld.json()["status"] == "upheld"

        after = call("auditor", f"/periods/{code}/scorecards/s001").json()["result"]["total"]
        assert Decimal(after) - Decimal(before) == Decimal("1.00")  # the batch's deduction stays; this one goes
        comparison = call("auditor", f"/appeals/{name}/comparison").json()
        changed = {row["subject"]: row for row in comparison["changes"]}
        assert changed["s001"]["items"] == ["2.1"] and not changed["s001"]["knock_on"]
        assert call("auditor", f"/periods/{code}/verification").json()["ok"]
        for example in _examples("issue_token").values():
            call("admin", "/tokens", example, 201)


# Requests schemathesis found answered with a 500 (an exception out of the app; text/plain over
# HTTP), kept as fixed reproductions: each must be refused with a problem (4xx) instead.
# (method, path, role, headers, body); "{appeal}" is an appeal filed on 2025-Q4 first.
FOUND: dict[str, tuple[str, str, str, dict[str, str], bytes | None]] = {
    "a log position past 2**63 - 1": ("GET", "/log?after=9223372036854775808", "auditor", {}, None),
    "an as_of position past 2**63 - 1 (rankings)": (
        "GET",
        "/periods/2026-Q1/rankings?as_of=99999999999999999999",
        "admin",
        {},
        None,
    ),
    "an as_of position past 2**63 - 1 (scorecard)": (
        "GET",
        "/periods/2026-Q1/scorecards/s001?as_of=9223372036854775808",
        "admin",
        {},
        None,
    ),
    "a scheme body with a NUL character (JSON)": (
        "POST",
        "/schemes",
        "admin",
        {"Content-Type": "application/json"},
        b"\x00",
    ),
    "a scheme body with a NUL character (YAML)": (
        "POST",
        "/schemes",
        "admin",
        {"Content-Type": "application/yaml"},
        b"scheme: X\x00\n",
    ),
    "an If-Match version past 2**64 - 1": (
        "POST",
        "/periods/2026-Q1/close",
        "admin",
        {"If-Match": '"99999999999999999999"', "Content-Type": "application/json"},
        b"{}",
    ),
    "a what-if deduction that names no subject": (
        "POST",
        "/appeals/{appeal}/what-if",
        "reviewer",
        {"Content-Type": "application/json"},
        b'{"facts": [{"type": "deduction", "item": "2.1"}]}',
    ),
}


@pytest.mark.parametrize("request_", FOUND.values(), ids=FOUND.keys())
def test_requests_schemathesis_found_crashing_the_app_are_refused_with_a_problem(
    demo_app: FastAPI, request_: tuple[str, str, str, dict[str, str], bytes | None]
) -> None:
    method, path, role, headers, body = request_
    with TestClient(demo_app, raise_server_exceptions=False) as client:
        if "{appeal}" in path:
            appeal = {"subject": "s001", "contested": [FACT], "reasons": "考勤机故障"}
            filed = client.post("/periods/2025-Q4/appeals", json=appeal, headers=auth("subject"))
            assert filed.status_code == 201, filed.text
            path = path.format(appeal=filed.json()["appeal"])
        response = client.request(method, path, headers={**auth(role), **headers}, content=body)
    assert 400 <= response.status_code < 500, f"{method} {path}: {response.status_code} {response.text[:200]}"
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["status"] == response.status_code


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_a_generated_request_with_a_server_error_or_a_refusal_that_is_not_a_problem(
    case: schemathesis.Case, demo_app: FastAPI
) -> None:
    case.call_and_validate(app=demo_app, headers=headers_for(case.operation), checks=CHECKS)


def test_the_journeys_the_links_describe_never_meet_a_server_error_or_a_refusal_that_is_not_a_problem(
    demo_app: FastAPI, stores: Stores
) -> None:
    live = schemathesis.openapi.from_asgi("/openapi.json", demo_app, config=CONFIG)
    found: list[Exception] = []  # what went wrong, kept in case Hypothesis cannot replay it
    scenarios = 0

    class Journeys(live.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            nonlocal scenarios
            scenarios += 1
            stores.replace(demo_app)  # every scenario starts from the same store

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": headers_for(case.operation)}

        def call(self, case: schemathesis.Case, **kwargs: Any) -> Any:
            try:
                return super().call(case, **kwargs)
            except Exception as exc:  # an exception out of the app: a 500 over HTTP
                found.append(exc)
                raise

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            try:
                case.validate_response(response, checks=CHECKS, headers=kwargs.get("headers"))
            except Exception as exc:
                found.append(exc)
                raise

    # Responses carry random ids, so Hypothesis may find a scenario's data generation inconsistent
    # with an earlier one and stop; like schemathesis' own runner, start again (within a budget).
    deadline = time.monotonic() + 25
    while True:
        try:
            Journeys.run(settings=STATEFUL)
            break
        except hypothesis.errors.FlakyStrategyDefinition:
            if found:
                raise found[0] from None
            if time.monotonic() > deadline:
                break
    assert not found, found[0]
    assert scenarios >= STATEFUL.max_examples, f"only {scenarios} scenarios ran"
