"""The recording page takes one finding shared by several people (D11, IND 五) or a 科室 honour credited
to its members (B6-style joint credit, IND 四.(六)1) in one row, written as the sheets take it:
`名称（角色）`, separated by 、; a 科室 name stands for every member of it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from domain.facts import Subject
from domain.scheme.loader import load_scheme_file
from service.accounts import account, create_account, view
from service.bootstrap import Service, build
from service.settings import Settings
from tests.integration.helpers import AT, ROOT
from tests.signing import TEST_KEY
from tests.web.conftest import Clock, end, session_cookie
from web.app import create_app

IND = load_scheme_file(ROOT / "schemes" / "ind.yaml")


@pytest.fixture
def ind(tmp_path: Path, cheap_hashes: None) -> Iterator[Service]:
    """An IND year: 张三 (a 科室 leader), 李四 and 王五 of 综合科 (zhk); an 办公室 recorder signed in."""
    service = build(Settings(data_dir=tmp_path / "data", signing_key=TEST_KEY))
    ledger = service.ledger
    ledger.register_scheme(IND, "admin", AT)
    ledger.open_period("2026", "IND", IND.version, "admin", AT)
    ledger.register_subjects("2026", [Subject(id="a", name="张三", kind="staff", unit="zhk"),
                                      Subject(id="b", name="李四", kind="staff", unit="zhk"),
                                      Subject(id="c", name="王五", kind="staff", unit="zhk")], "admin", AT)
    create_account(ledger, "bgs", "办公室录入员", "recorder", ["office"], "long-enough-1", "admin", AT)
    yield service
    service.close()


@pytest.fixture
def pages(ind: Service) -> Iterator[TestClient]:
    with TestClient(create_app(service=ind, clock=Clock()), follow_redirects=False) as client:
        found = view(account(ind.ledger, "bgs"))
        client.cookies.set("scoreledger_session", session_cookie(ind, {"user": "bgs", "pv": found.password_version,
                                                                        "csrf": "t"}))
        yield client


def test_a_shared_finding_is_recorded_once_for_its_parties_from_the_page(pages: TestClient, ind: Service) -> None:
    fields = pages.get("/period/2026/record/fields", params={"row": 0, "r0.item": "2.1"})
    assert "共同承担（多人时填写，被考核单位留空）" in fields.text and "角色：分管领导、科室人员、责任人" in fields.text
    before = end(ind)
    response = pages.post("/period/2026/record", data={"csrf": "t", "rows": "1", "r0.item": "2.1",
                                                         "r0.parties": "张三（分管领导）、zhk（科室人员）"})
    assert response.status_code == 303, response.text
    assert end(ind) > before
    notice = pages.get("/period/2026/record").text
    for name in ("张三", "李四", "王五"):  # the 科室 stands for every member: each total moved
        assert re.search(rf"{name}总分 \d+(\.\d+)? → \d+(\.\d+)?", notice), (name, notice)
    row = re.search(r'<tr data-fact="[^"]+">(.*?)</tr>', notice, re.S)  # the office's recent entries
    assert row is not None and "张三（分管领导）、李四（科室人员）、王五（科室人员）" in row.group(1)
    [fact] = [f for p in ind.runner.fold.periods.values() for f in p.facts.values() if f.get("item") == "2.1"]
    assert fact["recorded_by"] == "bgs" and "subject" not in fact  # one finding, recorded once
    roles = {p.get("subject") or f"unit:{p.get('unit')}": p["role"] for p in fact["parties"]}
    assert roles.get("a") == "leader" and set(roles.values()) == {"leader", "member"}


def test_parties_that_cannot_be_read_are_shown_beside_the_field_and_nothing_is_recorded(
    pages: TestClient, ind: Service
) -> None:
    before = end(ind)
    cases = {
        "张三（组长）": "「组长」",                       # not a role of the item
        "赵六（leader）": "找不到共同承担单位或人员「赵六」",  # nobody of that name
        "张三": "应写作 名称（角色）",                     # no role
    }
    for written, said in cases.items():
        response = pages.post("/period/2026/record", data={"csrf": "t", "rows": "1", "r0.item": "2.1",
                                                             "r0.parties": written})
        assert response.status_code == 422, written
        assert said in response.text, (written, response.text[-3000:])
        assert f'value="{written}"' in response.text  # what was typed stays in the field
    both = pages.post("/period/2026/record", data={"csrf": "t", "rows": "1", "r0.item": "2.1", "r0.subject": "a",
                                                     "r0.parties": "李四（科室人员）"})
    assert both.status_code == 422 and "被考核单位与共同承担单位只填一项" in both.text
    assert end(ind) == before
