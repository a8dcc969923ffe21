"""The first pages: the list of periods, a period's overview, their JSON twins, the message page,
the patterns page, /docs and /redoc served offline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.bootstrap import Service
from tests.web.conftest import sign_in_as

ROOT = Path(__file__).resolve().parents[2]


def test_a_visitor_who_is_not_signed_in_is_sent_to_the_sign_in_page(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/"
    page = client.get("/login")
    assert page.status_code == 200 and "登录" in page.text and 'name="csrf"' in page.text
    twin = client.get("/index.json")
    assert twin.status_code == 401 and twin.json()["title"] == "需要登录或令牌"


def test_the_periods_list_shows_the_demo_quarter_in_chinese_and_its_twin_the_same_values(
    client: TestClient, service: Service
) -> None:
    sign_in_as(client, service, "auditor")
    page = client.get("/")
    assert page.status_code == 200
    row = re.search(r'<tr data-period="2026-Q1">(.*?)</tr>', page.text, re.S)
    assert row is not None
    assert "张家港市行政审批局科室绩效考核细则(试行)" in row.group(1) and "正在录入" in row.group(1)
    twin = client.get("/index.json").json()
    assert twin["periods"][0] == {**twin["periods"][0], "period": "2026-Q1", "status": "open", "subjects": 12,
                                  "published_on": None, "appeal_window_working_days": 3}
    assert f'<td class="num">{twin["periods"][0]["subjects"]}</td>' in row.group(1)


def test_a_periods_overview_names_its_scheme_groups_and_publication_state(client: TestClient, service: Service) -> None:
    sign_in_as(client, service, "recorder")
    page = client.get("/period/2026-Q1")
    assert page.status_code == 200
    assert "2026-Q1 概况" in page.text and "尚未公示" in page.text and "公示之日起3个工作日内" in page.text
    twin = client.get("/period/2026-Q1.json").json()
    assert twin["facts"] == len(service.runner.fold.periods[next(iter(service.runner.fold.periods))].facts)
    assert [g["subjects"] for g in twin["groups"]] == [12]
    # a group the scheme does not name is shown as the rankings show it, never by its bare code
    assert "<td>考核组g1</td>" in page.text and "<td>g1</td>" not in page.text


def test_an_unknown_period_is_a_chinese_message_page_not_a_stack_trace(client: TestClient, service: Service) -> None:
    sign_in_as(client, service, "auditor")
    page = client.get("/period/2031-Q2")
    assert page.status_code == 404
    assert "未找到" in page.text and "考核周期2031-Q2不存在" in page.text
    assert client.get("/period/2031-Q2.json").json()["detail"] == "考核周期2031-Q2不存在"


def test_the_patterns_page_renders_every_component(client: TestClient) -> None:
    page = client.get("/patterns")
    assert page.status_code == 200
    for piece in ('class="grid"', 'class="badge badge-published"', 'class="banner"', 'class="errors"',
                  'class="field-error"', "<svg", 'class="message"', "就高不计"):
        assert piece in page.text, piece


def test_docs_and_redoc_load_their_assets_from_this_server(client: TestClient) -> None:
    for path, asset in (("/docs", "/static/vendor/swagger-ui/swagger-ui-bundle.js"),
                        ("/redoc", "/static/vendor/redoc/redoc.standalone.js")):
        page = client.get(path)
        assert page.status_code == 200 and asset in page.text
        assert not re.search(r'(src|href)="https?://', page.text), f"{path} loads from the internet"
        served = client.get(asset)
        assert served.status_code == 200 and len(served.content) > 100_000
    assert client.get("/static/vendor/htmx/htmx.min.js").status_code == 200


def test_no_page_template_loads_anything_from_the_internet() -> None:
    for template in (ROOT / "web" / "templates").rglob("*.html"):
        assert not re.search(r'(src|href)="(https?:)?//', template.read_text(encoding="utf-8")), template


def test_every_label_a_template_uses_is_in_the_catalog() -> None:
    from domain.texts.zh import TEXTS

    used = set()
    for template in (ROOT / "web" / "templates").rglob("*.html"):
        used |= set(re.findall(r'\bt\("([a-z_.\-]+)"', template.read_text(encoding="utf-8")))
    assert used and not used - set(TEXTS), sorted(used - set(TEXTS))


def test_the_rankings_page_shows_exactly_the_numbers_of_its_twin_and_of_the_api(
    client: TestClient, service: Service
) -> None:
    from tests.api.conftest import auth

    sign_in_as(client, service, "auditor")
    page = client.get("/period/2026-Q1/rankings").text
    shown = dict(re.findall(r'<tr data-subject="(s\d+)">.*?<td class="num total">([^<]+)</td>', page, re.S))
    twin = {r["subject"]: r["total"] for g in client.get("/period/2026-Q1/rankings.json").json()["groups"]
            for r in g["rows"]}
    api = {r["subject"]: r["total"] for rows in client.get("/periods/2026-Q1/rankings", headers=auth("auditor"))
           .json()["groups"].values() for r in rows}
    assert len(shown) == 12 and shown == twin == api


def test_pages_name_items_and_kinds_as_people_read_them_never_by_a_schemes_code(
    client: TestClient, service: Service
) -> None:
    from domain.texts.catalog import item_label

    assert item_label("4.4", "查实被服务对象投诉") == "4.4 查实被服务对象投诉"  # a number is read with its title
    assert item_label("2.4a", "未按时上报") == "2.4a 未按时上报"
    assert item_label("rating", "班子测评") == "班子测评" and item_label("b.1", "综合加分") == "综合加分"
    sign_in_as(client, service, "admin")
    page = client.get("/period/2026-Q1/subjects").text
    assert "<td>科室</td>" in page and "<td>department</td>" not in page
    card = client.get("/period/2026-Q1/scorecard/s001").text  # ZJG names no groups: the rankings' own words
    assert re.search(r"第\d+名（考核组g1）", card) and "名（g1）" not in card


def test_the_log_names_facts_by_item_title_and_subject_name(client: TestClient, service: Service) -> None:
    sign_in_as(client, service, "auditor")
    page = client.get("/events", params={"after": 40, "limit": 20}).text
    assert "测评 班子测评 办公室" in page and "rating s001" not in page


def test_a_comparison_between_two_positions_is_shown_a_page_at_a_time(
    client: TestClient, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two positions of a province's log can differ in every subject (issue 12: 200,000 changes took minutes to render
    as one page): the page and its twin show CHANGES_PAGE changes at a time, in order, every change on some page
    once, with links that keep the positions typed; a page past the last shows the last."""
    from service import comparison

    sign_in_as(client, service, "auditor")
    opened = service.runner.meta.periods[f"{service.settings.bureau}/2026-Q1"].bindings[0][0]
    whole = client.get(f"/period/2026-Q1/compare.json?from={opened}").json()
    assert whole["pages"] == 1 and whole["page"] == 1
    everyone = [c["subject"] for c in whole["changes"]]
    assert whole["total"] == len(everyone) == 12, "the demo's 12 departments all changed since the opening"
    monkeypatch.setattr(comparison, "CHANGES_PAGE", 5)
    seen = []
    for number in (1, 2, 3):
        twin = client.get(f"/period/2026-Q1/compare.json?from={opened}&page={number}").json()
        assert (twin["page"], twin["pages"], twin["total"]) == (number, 3, 12)
        seen += [c["subject"] for c in twin["changes"]]
    assert seen == everyone
    first = client.get(f"/period/2026-Q1/compare?from={opened}").text
    assert "共12个单位有变化；第1页，共3页" in first and first.count('<section class="change"') == 5
    assert f'<a href="?from={opened}&page=2">下一页</a>' in first and "上一页" not in first
    last = client.get(f"/period/2026-Q1/compare?from={opened}&page=99").text
    assert "第3页，共3页" in last and last.count('<section class="change"') == 2
    assert f'<a href="?from={opened}&page=2">上一页</a>' in last and "下一页" not in last
    refused = client.get(f"/period/2026-Q1/compare?from={opened}&page=0")
    assert refused.status_code == 422 and "<li>不能小于1</li>" in refused.text and "本次操作没有写入任何内容" in refused.text
