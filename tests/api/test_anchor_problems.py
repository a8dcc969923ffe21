"""F4/F5 over HTTP: a publication the checkpoint file cannot vouch for is a problem in Chinese or English, and
nothing is appended to the log or the file."""

from __future__ import annotations

import sqlite3

from fastapi.testclient import TestClient

from service.bootstrap import Service
from tests.api.conftest import auth
from tests.api.test_journeys import end, problem, set_up

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
PUBLISH = "/periods/2026-Q3/publish"


def test_publishing_over_a_missing_anchor_or_a_rewritten_log_is_a_problem_and_appends_nothing(
    client: TestClient, service: Service
) -> None:
    set_up(client)
    recorded = client.post("/periods/2026-Q3/facts", json={"type": "deduction", "item": "2.1", "subject": "s001",
                                                           "count": 4}, headers=auth("recorder"))
    assert recorded.status_code == 201, recorded.text
    assert client.post("/periods/2026-Q3/close", headers=auth("admin")).status_code == 200
    first = client.post(PUBLISH, json={"published_on": "2026-09-29"}, headers=auth("admin"))
    assert first.status_code == 200, first.text
    anchor = service.settings.anchor_file()
    kept = anchor.read_bytes()
    # Check: the file moved away: 503, in Chinese, nothing appended
    anchor.rename(anchor.with_name("elsewhere.log"))
    before = end(service)
    body = problem(client.post(PUBLISH, json={"published_on": "2026-09-30"}, headers={**auth("admin"), **ZH}), 503)
    assert body["title"] == "检查点锚定文件缺失或不可信"
    assert body["detail"].startswith("检查点文件") and "不存在，但日志中已有签名封存" in body["detail"]
    assert body["detail"].endswith("未公示任何内容")
    assert end(service) == before and not anchor.exists()
    anchor.with_name("elsewhere.log").rename(anchor)
    # Check: a fact edited under the signed tree: 409, in English by default, nothing appended
    position = recorded.json()["position"]
    with sqlite3.connect(service.settings.data_dir / "log.sqlite") as conn:
        (state,) = conn.execute("SELECT state FROM stored_events WHERE rowid = ?", (position,)).fetchone()
        assert b"4" in state
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (state.replace(b"4", b"1", 1), position))
    conn.close()
    body = problem(client.post(PUBLISH, json={"published_on": "2026-09-30"}, headers=auth("admin")), 409)
    assert body["title"] == "The log does not extend the last signed checkpoint"
    assert body["detail"].startswith("the log does not extend the last checkpoint this service signed (tree size ")
    zh = problem(client.post(PUBLISH, json={"published_on": "2026-09-30"}, headers={**auth("admin"), **ZH}), 409)
    assert zh["detail"].startswith("日志未延续本服务上次签名的检查点（树大小")
    assert end(service) == before and anchor.read_bytes() == kept
