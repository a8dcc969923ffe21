"""Uploads that would cost far more than they weigh are refused before any work (issue 9, part 5): YAML
aliases (the billion laughs), deep nesting, too many values, and chunked bodies over the limit (413)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from ruamel.yaml import YAML

from api.limits import MAX_BODY
from domain.calendar_file import load_calendar_file
from domain.errors import InvalidInput
from domain.yamltext import MAX_DEPTH, MAX_VALUES
from service.bootstrap import Service
from tests.api.conftest import auth

ROOT = Path(__file__).resolve().parents[2]
YAML_BODY = {"content-type": "application/yaml"}
# The classic "billion laughs", 9 levels of 9 aliases: 342 bytes that expand to 9**9 (387 million) strings.
LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{n}: &{n} [{','.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


def problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture
def never_composed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Composing the text (where aliases expand) fails the test: the refusal must come before it."""

    def compose(*args: object, **kwargs: object) -> None:
        raise AssertionError("the YAML was composed")

    monkeypatch.setattr(YAML, "compose", compose)


def end(service: Service) -> int:
    return service.ledger.recorder.max_notification_id() or 0


def test_the_billion_laughs_is_refused_before_it_is_composed_with_each_alias_located(
        client: TestClient, service: Service, never_composed: None) -> None:
    assert len(LAUGHS.encode()) <= 346
    before = end(service)
    body = problem(client.post("/schemes", content=LAUGHS.encode(), headers={**auth("admin"), **YAML_BODY}), 422)
    assert "anchors and aliases" in body["errors"][0]["message"]
    assert [e["line"] for e in body["errors"]][:3] == [1, 2, 2]
    assert end(service) == before
    chinese = client.post("/schemes", content=LAUGHS.encode(),
                          headers={**auth("admin"), **YAML_BODY, "Accept-Language": "zh-CN"}).json()
    assert "不接受YAML锚点和别名" in chinese["errors"][0]["message"] and "不能作为" in chinese["detail"]


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("an anchor alone", "scheme: &s ZJG\n", "anchors and aliases"),
        ("a merge key", "a: &m {x: 1}\nb:\n  <<: *m\n", "anchors and aliases"),
        ("flow nesting", "a: " + "[" * 5000 + "]" * 5000 + "\n", f"more than {MAX_DEPTH} levels"),
        ("block nesting", "".join(" " * i + "k:\n" for i in range(200)), f"more than {MAX_DEPTH} levels"),
        ("too many values", "a:\n" + "- 1\n" * (MAX_VALUES + 10), f"more than {MAX_VALUES} values"),
    ],
)
def test_variants_of_costly_yaml_are_refused_with_a_clear_problem(
        client: TestClient, service: Service, never_composed: None, name: str, text: str, says: str) -> None:
    before = end(service)
    body = problem(client.post("/schemes", content=text.encode(), headers={**auth("admin"), **YAML_BODY}), 422)
    assert says in body["errors"][0]["message"], name
    assert end(service) == before


def test_a_calendar_file_with_aliases_is_refused_too(tmp_path: Path) -> None:
    calendar = tmp_path / "2027.yaml"
    calendar.write_text("year: 2027\nsource: x\nholidays: &h [2027-01-01]\nworkdays: *h\n")
    with pytest.raises(InvalidInput, match="not accepted"):
        load_calendar_file(calendar)


def test_the_shipped_schemes_still_read(client: TestClient) -> None:
    for path in sorted((ROOT / "schemes").glob("*.yaml")):
        response = client.post("/schemes", content=path.read_bytes(), headers={**auth("admin"), **YAML_BODY})
        assert response.status_code == 201, (path.name, response.text[:300])


def _chunks(total: int, prefix: bytes = b"") -> Iterator[bytes]:
    yield prefix
    for _ in range(total // 65536 + 1):
        yield b"x" * 65536


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/periods/2026-Q1/facts", {"content-type": "application/json"}),  # a JSON body read by FastAPI
        ("/schemes", YAML_BODY),  # a body read by the route
    ],
)
def test_a_chunked_body_over_the_limit_is_413_not_400(client: TestClient, service: Service, path: str,
                                                        headers: dict[str, str]) -> None:
    role = "admin" if path == "/schemes" else "recorder"
    before = end(service)
    response = client.post(path, content=_chunks(MAX_BODY + 1, b'{"evidence":"'), headers={**auth(role), **headers})
    assert response.request.headers.get("transfer-encoding") == "chunked"
    body = problem(response, 413)
    assert body["type"].endswith("/too-large") and str(MAX_BODY) in body["detail"]
    assert end(service) == before
