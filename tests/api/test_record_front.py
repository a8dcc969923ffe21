"""Issue 12: the recording front (api/front.py) answers a plain recording before the middleware stack and the
routing; every answer, metric and log line must be the one the full app gives. The same requests go to two
services set up alike, one app with its front and one without; statuses, headers (but the new request id and
the date), bodies (but the new fact ids), the requests counted and the access log lines must be the same."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import app as api_app
from api.deps import _INFLIGHT
from api.limits import MAX_BODY
from api.routers import facts
from service.bootstrap import Service, build
from service.demo import DEMO_TOKENS
from service.errors import OutcomeUnknown
from service.messages import say
from service.settings import Settings
from service.tokens import issue_token
from tests.api.conftest import Clock, auth
from tests.api.test_journeys import set_up
from tests.api.test_record_route import IRREGULAR, bare
from tests.signing import TEST_KEY
from web import app as web_app

FACTS = "/periods/2026-Q3/facts"
ONE = b'{"type": "deduction", "item": "4.4", "subject": "s001"}'
JSON = {"content-type": "application/json"}
ZH = {"Accept-Language": "zh-CN"}
Request = tuple[str, Any, dict[str, str]]  # path, body (bytes or a chunk generator's maker), headers


def chunked(*parts: bytes) -> Callable[[], Iterator[bytes]]:
    def chunks() -> Iterator[bytes]:
        yield from parts

    return chunks


OVER = ONE[:-1] + b" " * MAX_BODY + b"}"  # a fact that would be recorded but for its size
OVER_CHUNKED = chunked(ONE[:-1], *[b" " * 65536] * (MAX_BODY // 65536 + 1), b"}")
REFUSED = (1, 4, 13, 14, 17)  # the irregular requests (tests/api/test_record_route.py) `_plain` refuses itself
RECORDER = {**JSON, **auth("recorder")}
pytestmark = pytest.mark.timeout(60)  # a front that loses the body it read leaves the full app waiting: a failure
ANSWERED: list[Request] = [  # answered by the front itself
    (FACTS, ONE, {**RECORDER, "Idempotency-Key": "a"}),
    (FACTS, ONE, {**RECORDER, "Idempotency-Key": "a"}),  # replayed
    (FACTS, ONE.replace(b"s001", b"s002"), {**RECORDER, "Idempotency-Key": "a", **ZH}),  # the key reused: 422
    (FACTS + "/batch", b'{"facts": [' + ONE + b", " + ONE.replace(b"s001", b"s003") + b"]}", RECORDER),
    (FACTS, ONE, {**RECORDER, "X-Request-ID": "mine-1"}),  # the caller's request id echoed
    (FACTS, chunked(ONE[:10], ONE[10:30], ONE[30:]), RECORDER),  # a chunked body, whole within the limit
    (FACTS, ONE, {**JSON, "Authorization": "Bearer nope"}),  # 401
    (FACTS, ONE, {**JSON, "Authorization": "Bearer nope", **ZH}),
    (FACTS, ONE, {**JSON, **auth("auditor")}),  # 403
    (FACTS, ONE, {**JSON, **auth("auditor"), **ZH}),
    (FACTS, ONE.replace(b"4.4", b"9.9"), RECORDER),  # refused by the command: 422
    (FACTS, ONE.replace(b"4.4", b"9.9"), {**RECORDER, **ZH}),
    ("/periods/2030-Q1/facts", ONE, RECORDER),  # no such period: 404
    ("/periods/2030-Q1/facts", ONE, {**RECORDER, **ZH}),
    *[r for i, r in enumerate(IRREGULAR) if i in REFUSED],
    (FACTS, OVER_CHUNKED, {**JSON, **auth("auditor")}),  # refused before the body is read, as `_plain` does
]
HANDED: list[Request] = [  # the full app's
    *[r for i, r in enumerate(IRREGULAR) if i not in REFUSED],
    (FACTS, OVER, RECORDER),  # declared over the limit: 413
    (FACTS, OVER_CHUNKED, RECORDER),  # passing the limit as it streams: 413
    (FACTS, chunked(b'{"type": "deduction", ', b'"item": "4.4", "subject": "s001", ', b'"x": 1}'), RECORDER),
    (FACTS + "/", ONE, RECORDER),
    ("/periods/2026-Q3/facts/batch/x", ONE, RECORDER),
]


def _service(root: Path) -> Service:
    built = build(Settings(signing_key=TEST_KEY, data_dir=root / "data"))
    for role, (token, principal, scope) in DEMO_TOKENS.items():
        issue_token(built.ledger, principal, role, scope, "test", "2026-03-01T00:00:00+08:00", token=token)
    return built


@pytest.fixture(params=["api", "web"])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps on two services set up alike: the first with its front, the second without."""
    create = api_app.create_app if request.param == "api" else web_app.create_app
    services = [_service(tmp_path / "fronted"), _service(tmp_path / "full")]
    apps = [create(service=s, clock=Clock()) for s in services]
    apps[1].fronted = False  # type: ignore[attr-defined]
    with (TestClient(apps[0], raise_server_exceptions=False, follow_redirects=False) as a,
          TestClient(apps[1], raise_server_exceptions=False, follow_redirects=False) as b):
        set_up(a)
        set_up(b)
        yield a, b
    for s in services:
        s.close()


def _post(client: TestClient, request: Request) -> Any:
    path, body, headers = request
    return client.post(path, content=body() if callable(body) else body, headers=headers)


def _seen(response: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [(k, v) for k, v in response.headers.multi_items() if k not in ("date",)]
    if "mine" not in response.headers.get("x-request-id", "mine"):
        headers = [(k, v) for k, v in headers if k != "x-request-id"]
    return response.status_code, headers, bare(response.content)


def _handed_over(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """The paths the front hands to the full app, and whether with the messages it received replayed (the front
    was made by the set-up's requests)."""
    paths: list[tuple[str, bool]] = []
    full = app.front.full

    async def counted(scope: dict[str, Any], receive: Any, send: Any) -> None:
        paths.append((scope["path"], "_replaying" in receive.__qualname__))
        await full(scope, receive, send)

    monkeypatch.setattr(app.front, "full", counted)
    return paths


def _counted(app: Any) -> dict[tuple[Any, ...], float]:
    """The requests counted and timed, by their labels."""
    return {(s.name, *sorted(s.labels.items())): s.value for family in app.state.metrics.registry.collect()
            for s in family.samples
            if s.name in ("scoreledger_http_requests_total", "scoreledger_http_request_duration_seconds_count")}


def _answers(client: TestClient, requests: list[Request], caplog: pytest.LogCaptureFixture) -> list[Any]:
    """Each request's answer and access log line."""
    seen = []
    for request in requests:
        caplog.clear()
        answer = _seen(_post(client, request))
        logged = [(r.getMessage(), r.principal, r.route, r.path, r.status)  # type: ignore[attr-defined]
                  for r in caplog.records if r.name == "scoreledger.access"]
        seen.append((request[0], answer, logged))
    return seen


def test_the_front_answers_and_logs_as_the_full_app_and_hands_it_what_it_is_not_sure_of(
    pair: tuple[TestClient, TestClient], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fronted, full = pair
    handed = _handed_over(fronted.app, monkeypatch)
    caplog.set_level(logging.INFO, logger="scoreledger.access")
    requests = [*ANSWERED, *HANDED]
    ours, theirs = _answers(fronted, requests, caplog), _answers(full, requests, caplog)
    for request, a, b in zip(requests, ours, theirs, strict=True):
        assert a == b, request
        assert len(a[2]) == 1, request  # one log line each
    body_read = [False, False, False, True, True, True, True, False, False, False, False, True, True,  # IRREGULAR's
                 False, True, True, False, False]  # declared over the limit: refused unread; streamed over: read
    assert handed == [(request[0], read) for request, read in zip(HANDED, body_read, strict=True)]
    assert {a[1][0] for a in ours} == {201, 307, 401, 403, 404, 413, 422}
    assert _counted(fronted.app) == _counted(full.app)
    facts_201 = ("scoreledger_http_requests_total", ("method", "POST"), ("route", "/periods/{code}/facts"),
                 ("status", "201"))
    assert _counted(fronted.app)[facts_201] == 4


def test_every_kind_of_refusal_and_failure_is_answered_and_logged_as_the_full_app_does(
    pair: tuple[TestClient, TestClient], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """409 (a key in flight, a closed period), 503 outcome unknown (Retry-After), 500 saved but unanswered, and
    a bug's 500 (answered without the request id, as the error middleware answers, outside the request log)."""
    fronted, full = pair
    handed = _handed_over(fronted.app, monkeypatch)
    caplog.set_level(logging.INFO, logger="scoreledger.access")
    keyed = {**RECORDER, "Idempotency-Key": "rec-2"}
    seen: list[list[Any]] = [[], []]

    def both(requests: list[Request]) -> None:
        for i, client in enumerate((fronted, full)):
            seen[i].extend(_answers(client, requests, caplog))

    _INFLIGHT.add("督查科\x1frec-2")  # the recorder's key rec-2 is in flight
    try:
        both([(FACTS, ONE, keyed), (FACTS, ONE, {**keyed, **ZH})])
    finally:
        _INFLIGHT.discard("督查科\x1frec-2")

    async def unknown(*args: object, **kwargs: object) -> None:
        raise OutcomeUnknown(say("error.outcome_unknown", seconds=OutcomeUnknown.RETRY_AFTER))

    with monkeypatch.context() as patched:
        for client in (fronted, full):
            patched.setattr(client.app.state.service.ledger, "record_facts", unknown)  # type: ignore[attr-defined]
        both([(FACTS, ONE, keyed), (FACTS, ONE, {**keyed, **ZH})])

    def failing(*args: object) -> None:
        raise RuntimeError("the totals could not be read")

    with monkeypatch.context() as patched:
        patched.setattr(facts, "_scores", failing)
        both([(FACTS, ONE, RECORDER), (FACTS, ONE, {**keyed, **ZH})])

    def bug(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    with monkeypatch.context() as patched:
        patched.setattr(facts, "kept_actor", bug)
        both([(FACTS, ONE, RECORDER), (FACTS, ONE, {**RECORDER, **ZH, "X-Request-ID": "mine-2"})])

    for client in (fronted, full):
        assert client.post("/periods/2026-Q3/close", headers=auth("admin")).status_code == 200
    both([(FACTS, ONE, RECORDER), (FACTS + "/batch", b'{"facts": [' + ONE + b"]}", {**RECORDER, **ZH})])

    assert seen[0] == seen[1]
    statuses = [(status, dict(headers).get("retry-after"), "x-request-id" in dict(headers), logged[0][4])
                for _, (status, headers, _), logged in seen[0]]
    assert statuses == [
        (409, None, False, 409), (409, None, False, 409),  # (the request id is new: left out of the comparison)
        (503, "5", False, 503), (503, "5", False, 503),
        (500, None, False, 500), (500, None, False, 500),
        (500, None, False, 500), (500, None, False, 500),  # even "mine-2" is not echoed: no request log around
        (409, None, False, 409), (409, None, False, 409),
    ]
    assert handed == [("/periods/2026-Q3/close", False)]


def test_an_app_with_a_layer_the_front_does_not_know_has_no_front(service: Service, clock: Clock) -> None:
    """The front stands in for the request log and the body limit only: another middleware (which might answer or
    change a recording) turns it off, and everything goes the full way."""

    class Teapot:
        def __init__(self, app: Any):
            self.app = app

        async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await self.app(scope, receive, send)
                return
            await send({"type": "http.response.start", "status": 418, "headers": []})
            await send({"type": "http.response.body", "body": b""})

    plain = api_app.create_app(service=service, clock=clock)
    other = api_app.create_app(service=service, clock=clock)
    other.add_middleware(Teapot)
    with TestClient(plain) as a, TestClient(other) as b:
        assert a.post(FACTS, content=ONE, headers=RECORDER).status_code == 404  # no period yet: by the front
        assert b.post(FACTS, content=ONE, headers=RECORDER).status_code == 418
    assert plain.front is not None and other.front is None and not other.fronted  # type: ignore[attr-defined]


def test_a_client_that_leaves_while_sending_its_body_is_answered_as_by_the_full_app(
    pair: tuple[TestClient, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The body's first part, then the client leaves: the front hands both messages to the full app, which fails
    as it always did (the client is gone; the error middleware's 500, the error raised on to the server)."""
    handed = _handed_over(pair[0].app, monkeypatch)
    headers = [(b"content-type", b"application/json"), (b"authorization", auth("recorder")["Authorization"].encode())]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": FACTS, "raw_path": FACTS.encode(), "root_path": "", "query_string": b"", "headers": headers,
             "server": ("testserver", 80), "client": ("testclient", 5000), "state": {}}

    async def call(app: Any) -> tuple[list[Any], str]:
        messages = iter([{"type": "http.request", "body": ONE[:20], "more_body": True}, {"type": "http.disconnect"}])
        sent: list[Any] = []

        async def receive() -> Any:
            return next(messages)

        async def send(message: Any) -> None:
            sent.append(message)

        try:
            await app(dict(scope, headers=list(headers)), receive, send)
        except Exception as exc:  # noqa: BLE001 - the error the server would get
            return sent, type(exc).__name__
        return sent, ""

    ours, theirs = asyncio.run(call(pair[0].app)), asyncio.run(call(pair[1].app))
    assert ours == theirs and ours[1] == "ClientDisconnect" and ours[0][0]["status"] == 500
    assert handed == [(FACTS, True)]
