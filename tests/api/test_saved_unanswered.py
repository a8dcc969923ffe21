"""Review (issue 12): a 500 never says nothing was appended when that may be false.

A recording whose answer (read your writes: the totals with its facts in them) fails after its commit was answered
by the generic 500, "nothing was appended by this request": false, and a client believing it would record the fact
twice. It is now the problem `saved-unanswered`, which says it was saved and how to get its answer without
recording it twice. Any other unexpected failure of a write says whether it was saved is not known there; of a
read, that nothing changed (true: reads append nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.routers import facts
from service.bootstrap import Service
from tests.api.conftest import Clock, auth
from tests.api.test_journeys import set_up

FACTS = "/periods/2026-Q3/facts"
ONE = {"type": "deduction", "item": "4.4", "subject": "s001"}
ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def app(service: Service, clock: Clock) -> FastAPI:
    return create_app(service=service, clock=clock)


@pytest.fixture
def lenient(app: FastAPI) -> Iterator[TestClient]:
    """A client that gets the server's 500 answers instead of its exceptions."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _failing_answer(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The answer's read-your-writes fails once (after the commit), then works again."""
    calls: list[int] = []
    scores = facts._scores

    def once(*args: Any) -> dict[str, str]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the totals could not be read")
        return scores(*args)

    monkeypatch.setattr(facts, "_scores", once)
    return calls


def _stored(service: Service) -> list[Any]:
    return [n for n in service.ledger.recorder.select_notifications(start=1, limit=100_000) if "Deduction" in n.topic]


def test_a_saved_recording_whose_answer_fails_says_it_was_saved_and_sent_again_with_its_key_is_not_recorded_twice(
    lenient: TestClient, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up(lenient)
    calls = _failing_answer(monkeypatch)
    keyed = {**auth("recorder"), "Idempotency-Key": "k-unanswered"}
    failed = lenient.post(FACTS, json=ONE, headers={**keyed, **ZH})
    assert failed.status_code == 500, failed.text
    assert failed.headers["content-type"].startswith("application/problem+json")
    body = failed.json()
    assert body["type"].endswith("/saved-unanswered")
    assert body["title"] == "已保存，但未能生成答复"
    assert body["detail"].startswith("本请求已保存") and "相同的幂等键" in body["detail"]
    assert "没有写入" not in body["detail"]
    assert len(_stored(service)) == 1  # it was saved, as the answer says
    again = lenient.post(FACTS, json=ONE, headers=keyed)
    assert again.status_code == 201, again.text
    assert again.json()["scores"] == {"s001": "88"} and len(calls) == 2
    assert len(_stored(service)) == 1  # sent again with its key: answered, not recorded twice


def test_a_keyless_saved_recording_whose_answer_fails_is_told_not_to_send_it_again(
    lenient: TestClient, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up(lenient)
    _failing_answer(monkeypatch)
    failed = lenient.post(FACTS, json=ONE, headers=auth("recorder"))
    assert failed.status_code == 500, failed.text
    body = failed.json()
    assert body["type"].endswith("/saved-unanswered") and body["title"] == "Saved, but its answer could not be made"
    assert body["detail"].startswith("this request was saved") and "do not send it again" in body["detail"]
    assert len(_stored(service)) == 1


def test_an_unexpected_failure_of_a_write_does_not_claim_nothing_was_appended_and_of_a_read_says_nothing_changed(
    app: FastAPI, lenient: TestClient
) -> None:
    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/boom", boom, methods=["GET", "POST"])
    written = lenient.post("/boom", headers=ZH)
    read = lenient.get("/boom", headers=ZH)
    assert written.status_code == read.status_code == 500
    assert written.json()["type"].endswith("/internal") and read.json()["type"].endswith("/internal")
    assert written.json()["title"] == read.json()["title"] == "服务器内部错误"
    assert "无法确定本请求是否已保存" in written.json()["detail"] and "没有写入" not in written.json()["detail"]
    assert read.json()["detail"] == "服务器出错；本次请求没有写入任何内容"
    english = lenient.post("/boom").json()["detail"]
    assert english.startswith("the server failed; whether this request was saved is not known here")
