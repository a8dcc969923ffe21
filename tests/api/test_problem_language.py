"""Problem details speak Chinese when the request asks for it (Accept-Language: zh); English stays the default."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from service.bootstrap import Service
from service.tokens import issue_token
from tests.api.conftest import auth

ROOT = Path(__file__).resolve().parents[2]
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}


def _quarter(client: TestClient) -> None:
    yaml = {"content-type": "application/yaml", **auth("admin")}
    assert client.post("/schemes", content=(ROOT / "schemes" / "zjg.yaml").read_bytes(), headers=yaml).status_code == 201
    assert client.post("/periods", json={"code": "2026-Q3", "scheme": "ZJG", "version": 2},
                       headers=auth("admin")).status_code == 201
    subjects = [{"id": "s001", "name": "办公室", "kind": "department"}]
    assert client.post("/periods/2026-Q3/subjects", json={"subjects": subjects}, headers=auth("admin")).status_code == 200


def test_a_refused_recording_is_explained_in_chinese_with_the_schemes_office_names(
    client: TestClient, service: Service
) -> None:
    _quarter(client)
    token = issue_token(service.ledger, "人事教育科", "recorder", ["personnel"], "test", "2026-03-01T00:00:00+08:00")
    before = service.ledger.recorder.max_notification_id()
    response = client.post("/periods/2026-Q3/facts", json={"type": "deduction", "item": "4.4", "subject": "s001"},
                           headers={"Authorization": f"Bearer {token}", **ZH})
    assert response.status_code == 403
    body = response.json()
    assert body["title"] == "当前角色或范围无权进行此操作"
    assert body["detail"] == "第1条记录：项目4.4（查实被服务对象投诉）由督查科负责录入，不是人事教育科（S5）"
    assert response.headers["content-language"] == "zh-CN"
    assert service.ledger.recorder.max_notification_id() == before  # Check: nothing appended


def test_every_problem_of_a_refused_batch_is_listed_in_chinese(client: TestClient) -> None:
    _quarter(client)
    facts = [{"type": "deduction", "item": "2.3", "subject": "s009"},
             {"type": "deduction", "item": "1.1.1", "subject": "s001", "count": 0}]
    response = client.post("/periods/2026-Q3/facts/batch", json={"facts": facts}, headers={**auth("recorder"), **ZH})
    assert response.status_code == 422
    body = response.json()
    messages = [e["message"] for e in body["errors"]]
    assert body["title"] == "请求格式有误" and messages == ["不能小于1"]
    facts[1]["count"] = 1
    response = client.post("/periods/2026-Q3/facts/batch", json={"facts": facts}, headers={**auth("recorder"), **ZH})
    body = response.json()
    assert body["title"] == "输入未被接受" and body["detail"] == "2026-Q3的录入内容有1处问题"
    assert [e["message"] for e in body["errors"]] == ["没有被考核单位“s009”"]


def test_english_stays_the_default_and_the_choice_follows_q_values(client: TestClient) -> None:
    response = client.get("/periods/2030-Q1", headers=auth("admin"))
    assert response.json()["detail"] == "period 2030-Q1 does not exist"
    response = client.get("/periods/2030-Q1", headers={**auth("admin"), "Accept-Language": "en;q=1, zh;q=0.4"})
    assert response.json()["title"] == "Not found"
    response = client.get("/periods/2030-Q1", headers={**auth("admin"), **ZH})
    assert response.json() == {**response.json(), "title": "未找到", "detail": "考核周期2030-Q1不存在"}


def test_a_body_over_the_limit_is_refused_in_chinese_too(client: TestClient) -> None:
    from api.limits import MAX_BODY

    response = client.post("/periods/2026-Q3/facts/batch", content=b"x" * (MAX_BODY + 10),
                           headers={**auth("recorder"), **ZH, "content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["title"] == "请求内容过大" and response.json()["detail"] == f"上限为{MAX_BODY}字节"


def test_a_recording_sent_while_the_service_closes_is_answered_503_with_retry_after(
    client: TestClient, service: Service
) -> None:
    """Issue 12 review: the group commit writer closed (the service stopping) refuses a command with WriterClosed,
    answered as a problem with 503 and Retry-After (a generic 500 before), nothing appended."""
    _quarter(client)
    assert service.group_writer().close()
    before = service.ledger.recorder.max_notification_id()
    fact = {"type": "deduction", "item": "4.4", "subject": "s001"}
    response = client.post("/periods/2026-Q3/facts", json=fact, headers=auth("recorder"))
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json() == {"type": "https://scoreledger.invalid/problems/writer-closed",
                               "title": "The service is closing", "status": 503,
                               "detail": "the service is closing and takes no more writes; try again in 5 s",
                               "instance": "/periods/2026-Q3/facts"}
    response = client.post("/periods/2026-Q3/facts", json=fact, headers={**auth("recorder"), **ZH})
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    body = response.json()
    assert body["title"] == "服务正在关闭，请稍后再试"
    assert body["detail"] == "服务正在关闭，不再接受写入，请5秒后重试"
    assert service.ledger.recorder.max_notification_id() == before
