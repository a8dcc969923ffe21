"""Issue 12: the recording routes answer a plain request without FastAPI's dependency solving
(api/routers/facts.py, RecordRoute); every other request must be answered exactly as the ordinary route does."""

from __future__ import annotations

import re

import fastapi.routing
import pytest
from fastapi.testclient import TestClient

from api.routers import facts
from tests.api.conftest import TOKENS, auth
from tests.api.test_journeys import set_up

ONE = {"type": "deduction", "item": "4.4", "subject": "s001"}
JSON = {"content-type": "application/json"}
IRREGULAR = [  # (path, body bytes, headers)
    ("/periods/2026-Q3/facts", b'{"type": "deduction", "item": "4.4", "subject": "s001"}', JSON),  # no token
    ("/periods/2026-Q3/facts", b"{}", {**JSON, "Authorization": "Bearer nope"}),  # unknown token
    ("/periods/2026-Q3/facts", b"{}", {**JSON, "Authorization": "Basic abc"}),  # another scheme
    ("/periods/2026-Q3/facts", b"{}", {**JSON, "Authorization": "Bearer "}),
    ("/periods/2026-Q3/facts", b"{}", {**JSON, **auth("auditor")}),  # a role that may not record
    ("/periods/2026-Q3/facts", b"{}", {**JSON, **auth("recorder")}),  # invalid body
    ("/periods/2026-Q3/facts", b"", {**JSON, **auth("recorder")}),  # no body
    ("/periods/2026-Q3/facts", b"{not json", {**JSON, **auth("recorder")}),
    ("/periods/2026-Q3/facts", b'{"type": "deduction", "item": "4.4", "subject": "s001", "x": 1}',
     {**JSON, **auth("recorder")}),  # an unknown field
    ("/periods/2026-Q3/facts", b'{"type": "deduction", "item": "4.4", "subject": "s001"}',
     {"content-type": "text/plain", **auth("recorder")}),  # another content type
    ("/periods/26-Q3/facts", b'{"type": "deduction", "item": "4.4", "subject": "s001"}',
     {**JSON, **auth("recorder")}),  # a period code the path refuses
    ("/periods/2026-Q9/facts", b'{"type": "deduction", "item": "4.4", "subject": "s001"}',
     {**JSON, **auth("recorder")}),
    ("/periods/2026-Q3/facts", b'{"type": "deduction", "item": "4.4", "subject": "s001"}',
     {**JSON, **auth("recorder"), "Idempotency-Key": "k" * 201}),  # a key too long
    ("/periods/2026-Q3/facts", b'{"type": "deduction", "item": "9.9", "subject": "s001"}',
     {**JSON, **auth("recorder")}),  # refused by the command
    ("/periods/2030-Q1/facts", b'{"type": "deduction", "item": "4.4", "subject": "s001"}',
     {**JSON, **auth("recorder")}),  # no such period
    ("/periods/2026-Q3/facts/batch", b'{"facts": []}', {**JSON, **auth("recorder")}),
    ("/periods/2026-Q3/facts/batch", b'{"type": "deduction"}', {**JSON, **auth("recorder")}),
    ("/periods/2026-Q3/facts/batch", b'{"facts": [{"type": "deduction", "item": "4.4"}]}', {**JSON, **auth("recorder")}),
]


def bare(body: bytes) -> bytes:
    """Without the fact ids, new for every request."""
    return re.sub(rb"s00\d:[0-9a-f]{20}", b"ID", body)


def test_irregular_requests_are_answered_as_the_ordinary_route_does(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    set_up(client)
    plain = [client.post(path, content=body, headers=headers) for path, body, headers in IRREGULAR]

    async def never(request: object, batch: bool) -> None:
        return None

    monkeypatch.setattr(facts, "_plain", never)
    ordinary = [client.post(path, content=body, headers=headers) for path, body, headers in IRREGULAR]
    for request, a, b in zip(IRREGULAR, plain, ordinary, strict=True):
        assert (a.status_code, a.headers.get("content-type"), bare(a.content)) == (
            b.status_code, b.headers.get("content-type"), bare(b.content)), request
    assert {a.status_code for a in plain} >= {401, 403, 404, 422}


def test_a_plain_recording_skips_dependency_solving_and_answers_as_before(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up(client)
    ordinary = client.post("/periods/2026-Q3/facts", json=ONE, headers={**auth("recorder"), "Idempotency-Key": "a"})

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("dependencies solved")

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", refused)
    again = client.post("/periods/2026-Q3/facts", json=ONE, headers={**auth("recorder"), "Idempotency-Key": "a"})
    assert again.status_code == ordinary.status_code == 201 and again.json()["replayed"]  # the key replayed
    assert again.json()["facts"] == ordinary.json()["facts"]
    second = client.post("/periods/2026-Q3/facts", json=ONE, headers={**auth("recorder"), "Idempotency-Key": "b"})
    assert second.status_code == 201 and second.json()["scores"] == {"s001": "86"}
    batch = client.post("/periods/2026-Q3/facts/batch", json={"facts": [ONE, {**ONE, "subject": "s002"}]},
                        headers={"Authorization": f"bearer  {TOKENS['recorder']} "})
    assert batch.status_code == 201 and batch.json()["scores"] == {"s001": "84", "s002": "88"}
