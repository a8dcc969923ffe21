"""S5 by group (ZZ 三(三)3 综合站位 由各系列考评组认定; 四(一)1, 七.2): 市委办 records the part for the first
series, 市政府办 for the second. Everywhere the office of an item is decided (the web form and its choices, the
API, a sheet's import, the template) it is decided for the subject's group, from the period's registrations."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from domain.facts import Subject
from domain.scheme.loader import load_scheme_file
from service.accounts import account, create_account, view
from service.bootstrap import Service, build
from service.errors import Forbidden
from service.recording import record
from service.settings import Settings
from service.sheets import documents
from service.sheets.importing import SheetImporter, SheetInvalid, Upload
from service.tokens import Actor, issue_token
from tests.sheets.files import csv_bytes
from tests.signing import TEST_KEY
from tests.web.conftest import session_cookie
from web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
AT = "2026-03-20T10:00:00+08:00"
PARTY = Actor("市委办", "recorder", ("party_office",))
AWARD = {"type": "bonus", "item": "3.3.1", "level": "province"}  # 被省级评为先进单位 8 (B1)
REFUSED = "「发改委」的考核项目「被市级以上评为先进单位」由市政府办负责考核，不属于市委办"


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    built = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data"))
    ledger = built.ledger
    ledger.register_scheme(load_scheme_file(ROOT / "schemes" / "zz.yaml"), "admin", AT)
    ledger.open_period("2026", "ZZ", 2, "admin", AT)
    ledger.register_subjects("2026", [Subject(id="u1", name="组织部", kind="unit", group="series1"),
                                      Subject(id="u2", name="发改委", kind="unit", group="series2"),
                                      Subject(id="u3", name="宣传部", kind="unit", group="series1")], "admin", AT)
    issue_token(ledger, "市委办", "recorder", ["party_office"], "test", AT, token="test-party")
    create_account(ledger, "shiweiban", "市委办", "recorder", ["party_office"], "password-123456", "admin", AT)
    yield built
    built.close()


@pytest.fixture
def client(service: Service) -> Iterator[TestClient]:
    clock = lambda: datetime(2026, 3, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai"))  # noqa: E731
    with TestClient(create_app(service=service, clock=clock), follow_redirects=False) as test_client:
        yield test_client


def end(service: Service) -> int:
    return service.ledger.recorder.max_notification_id() or 0


def sign_in(client: TestClient, service: Service) -> str:
    found = view(account(service.ledger, "shiweiban"))
    cookie = session_cookie(service, {"user": found.username, "pv": found.password_version, "csrf": "t"})
    client.cookies.set("scoreledger_session", cookie, domain="testserver.local", path="/")
    return "t"


def importer(service: Service) -> SheetImporter:
    return documents.importer(service, PARTY, "2026", AT)


def award_sheet(*units: str) -> bytes:
    return csv_bytes([["被考核单位", "考核项目", "级别"], *([u, "3.3.1 被市级以上评为先进单位", "province"] for u in units)],
                     "utf-8")


def test_the_service_records_for_the_offices_series_and_refuses_another_series(service: Service) -> None:
    # Check: the first series' unit is 市委办's to record
    done = record(service, PARTY, "2026", [{**AWARD, "subject": "u1"}], AT)
    assert (done["before"], done["after"]) == ({"u1": "100"}, {"u1": "108"})  # 8 for a provincial award
    # Check: the second series' unit is 市政府办's: refused, nothing appended
    before = end(service)
    with pytest.raises(Forbidden, match="item 3.3.1 is recorded by office gov_office, not party_office"):
        record(service, PARTY, "2026", [{**AWARD, "subject": "u2"}], AT)
    assert end(service) == before


def test_the_recording_page_offers_the_offices_series_and_refuses_another_in_chinese(
    client: TestClient, service: Service
) -> None:
    csrf = sign_in(client, service)
    page = client.get("/period/2026/record")
    assert page.status_code == 200
    # Check: the choices are the items 市委办 records for its series, and only that series' units
    assert 'value="3.3.1"' in page.text and 'value="u1"' in page.text and 'value="u3"' in page.text
    assert 'value="u2"' not in page.text and 'value="3.4.3"' not in page.text  # 3.4.3: 市委办、市政府办 (another office)
    ok = client.post("/period/2026/record", data={"csrf": csrf, "rows": "1", "r0.item": "3.3.1", "r0.subject": "u1",
                                                  "r0.level": "province"})
    assert ok.status_code == 303, ok.text
    # Check: a row for another series (sent by hand) is refused beside the row, in Chinese; nothing appended
    before = end(service)
    refused = client.post("/period/2026/record", data={"csrf": csrf, "rows": "1", "r0.item": "3.3.1",
                                                       "r0.subject": "u2", "r0.level": "province"})
    assert refused.status_code == 403
    assert "项目3.3.1（被市级以上评为先进单位）由市政府办负责录入，不是市委办（S5）" in refused.text
    assert end(service) == before


def test_the_api_records_for_the_offices_series_and_imports_refuse_another_series(
    client: TestClient, service: Service
) -> None:
    party = {"Authorization": "Bearer test-party", "Accept-Language": "zh-CN"}
    assert client.post("/periods/2026/facts", json={**AWARD, "subject": "u1"}, headers=party).status_code == 201
    before = end(service)
    refused = client.post("/periods/2026/facts", json={**AWARD, "subject": "u2"}, headers=party)
    assert refused.status_code == 403 and "由市政府办负责录入" in refused.json()["detail"]
    sheet = client.post("/periods/2026/imports", files={"file": ("a.csv", award_sheet("宣传部", "发改委"))},
                        headers=party)
    assert sheet.status_code == 422
    assert REFUSED in str(sheet.json()) and "a!A3" in str(sheet.json())
    assert end(service) == before
    imported = client.post("/periods/2026/imports", files={"file": ("b.csv", award_sheet("宣传部"))}, headers=party)
    assert imported.status_code == 201 and imported.json()["rows"] == 1


def test_an_import_records_the_offices_series_and_names_the_office_of_another(service: Service) -> None:
    before = end(service)
    with pytest.raises(SheetInvalid) as refused:
        importer(service).confirm(Upload("a.csv", award_sheet("组织部", "发改委")))
    assert [p.path for p in refused.value.problems] == ["a!A3"] and REFUSED in refused.value.problems[0].message
    assert end(service) == before
    done = importer(service).confirm(Upload("b.csv", award_sheet("组织部", "宣传部")))
    assert done["rows"] == 2


def test_the_offices_template_lists_only_its_series_and_its_items(service: Service) -> None:
    body, name = documents.template(service, PARTY, "2026")
    assert name.endswith("市委办考核记录表.xlsx")
    options = load_workbook(io.BytesIO(body))["选项"]
    columns: dict[str, list[Any]] = {}
    for column in options.iter_cols(min_row=1, values_only=True):
        columns[str(column[0])] = [v for v in column[1:] if v]
    subjects = next(v for k, v in columns.items() if "单位" in k)
    items = next(v for k, v in columns.items() if "项目" in k)
    assert subjects == ["组织部", "宣传部"]
    assert items == ["3.3.1 被市级以上评为先进单位", "3.3.2 综合业务工作在全省系统综合评比中位于前列",
                     "3.3.3 单项工作得到上级肯定并行文推广", "3.3.4 单项工作在上级会议上交流经验或在上级报刊、内部通报专题介绍",
                     "3.3.5 政务公开(含党务公开)工作被评为先进单位、示范单位"]
