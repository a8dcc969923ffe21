"""Through HTTP: an office downloads its template, uploads it filled (preview, then confirm), and a file
with mistakes gets one problem document listing them all in Chinese, with nothing appended."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.app import create_app
from service.bootstrap import Service
from tests.sheets.files import csv_bytes

OFFICE = {"Authorization": "Bearer demo-recorder-token"}  # 督查科, every office
SUBJECT = {"Authorization": "Bearer demo-subject-token"}


@pytest.fixture
def client(service: Service) -> Iterator[TestClient]:
    clock = lambda: datetime(2026, 3, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai"))  # noqa: E731
    with TestClient(create_app(service=service, clock=clock)) as test_client:
        yield test_client


def end(service: Service) -> int:
    return service.ledger.recorder.max_notification_id() or 0


def test_preview_then_confirm_records_the_file_and_answers_the_new_totals(client: TestClient, service: Service) -> None:
    data = csv_bytes([["被考核单位", "考核项目", "次数", "发生日期"], ["办公室", "4.7", "1", "2026.3.2"],
                      ["党建科", "查实被服务对象投诉", "2", "2026年3月3日"]], "gbk")
    before = end(service)
    preview = client.post("/periods/2026-Q1/imports/preview", files={"file": ("登记.csv", data)}, headers=OFFICE)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["rows"] == 2 and body["kinds"] == {"deduction": 2}
    assert [(s["name"], s["rows"]) for s in body["subjects"]] == [("办公室", 1), ("党建科", 1)]
    assert end(service) == before
    confirmed = client.post("/periods/2026-Q1/imports", files={"file": ("登记.csv", data)},
                            data={"sha256": body["file"]["sha256"]}, headers={**OFFICE, "Idempotency-Key": "imp-1"})
    assert confirmed.status_code == 201, confirmed.text
    assert len(confirmed.json()["facts"]) == 2 and end(service) > before
    ranks = client.get("/periods/2026-Q1/rankings", headers=OFFICE).json()["groups"]["g1"]
    totals = {r["subject"]: r["total"] for r in ranks}
    # 90 (daily work, no ratings yet) less 2 for 4.7 once; less 2 × 2 for 4.4 twice
    assert totals["s001"] == "88" and totals["s002"] == "86"
    again = client.post("/periods/2026-Q1/imports", files={"file": ("登记.csv", data)},
                        headers={**OFFICE, "Idempotency-Key": "imp-1"})
    assert again.json()["replayed"] is True, "the same key and file again: the first answer, nothing appended"


def test_a_file_with_mistakes_gets_one_problem_listing_each_in_chinese_and_nothing_is_appended(
    client: TestClient, service: Service
) -> None:
    data = csv_bytes([["被考核单位", "考核项目", "次数"], ["办公室", "4.7", "两次"], ["不存在科", "4.7", "1"]],
                     "utf-8-sig")
    before = end(service)
    response = client.post("/periods/2026-Q1/imports", files={"file": ("登记.csv", data)}, headers=OFFICE)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["detail"] == "文件有2处问题，未导入任何记录"
    assert [(e["path"], e["line"]) for e in problem["errors"]] == [("登记!C2", 2), ("登记!A3", 3)]
    assert "第2行C列（次数）：「两次」不是正整数次数" in problem["errors"][0]["message"]
    assert end(service) == before


def test_only_recording_roles_upload_and_a_subject_is_refused(client: TestClient, service: Service) -> None:
    data = csv_bytes([["被考核单位", "考核项目"], ["办公室", "4.7"]], "utf-8")
    before = end(service)
    response = client.post("/periods/2026-Q1/imports", files={"file": ("a.csv", data)}, headers=SUBJECT)
    assert response.status_code == 403 and response.json()["status"] == 403
    assert end(service) == before


def test_the_template_downloads_as_a_workbook_named_for_the_period_and_office(client: TestClient) -> None:
    response = client.get("/periods/2026-Q1/template", params={"office": "personnel"}, headers=OFFICE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book["录入"]["A1"].value == "2026年第一季度人事教育科考核记录表"
    missing = client.get("/periods/2026-Q1/template", params={"office": "nobody"}, headers=OFFICE)
    assert missing.status_code == 403  # not among the recorder's offices
