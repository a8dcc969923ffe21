"""Spreadsheets through the pages: an office uploads a sheet, reads every problem at once in Chinese with
nothing appended, fixes it, confirms, and sees the totals move; templates download and come back; exports
are jobs whose files read back to the results; the guard on the previewed file holds."""

from __future__ import annotations

import io
import re
import time
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from service import queries
from service.bootstrap import Service
from tests.sheets.files import csv_bytes
from tests.web.conftest import end, sign_in_as
from tests.web.test_page_journeys import text_of, total

HEADER = ["序号", "被考核单位", "考核项目", "次数", "发生日期", "证明材料"]
GOOD = [[1, "办公室", "4.4 查实被服务对象投诉", 2, "2026年3月5日", "投诉件12号"],
        [2, "党建科", "第二章第一条 四.7", 1, "2026.3.9", "通报〔2026〕3号"]]
MISTAKES = [[1, "办公室", "4.4 查实被服务对象投诉", "两次", "2026年3月5日", "投诉件12号"],
            [2, "党建科", "第二章第一条 四.7", 1, "2026.13.9", "通报〔2026〕3号"],
            [3, "不存在科", "1.1.1", 1, "", ""]]


def follow_job(client: TestClient, response: Any) -> Any:
    """Wait for the job a POST started (as the page's htmx polling does), then open where it leads."""
    assert response.status_code == 303, response.text
    job = response.headers["location"]
    assert job.startswith("/job/")
    for _ in range(500):
        state = client.get(f"{job}.json").json()
        if state["state"] != "running":
            break
        time.sleep(0.02)
    return client.get(job, follow_redirects=True)


def upload(client: TestClient, csrf: str, name: str, data: bytes, encoding: str = "") -> Any:
    return follow_job(client, client.post("/period/2026-Q1/import", data={"csrf": csrf, "encoding": encoding},
                                          files={"file": (name, data, "text/csv")}))


def test_a_gbk_csv_with_mistakes_lists_every_problem_in_chinese_and_appends_nothing(
    client: TestClient, service: Service
) -> None:
    csrf = sign_in_as(client, service, "recorder")
    assert "下载模板" in client.get("/period/2026-Q1/import").text
    before = end(service)
    page = upload(client, csrf, "扣分登记.csv", csv_bytes([HEADER, *MISTAKES], "gbk"))
    assert page.status_code == 200
    words = text_of(page.text)
    assert "文件有4处问题，未导入任何记录" in words
    assert "「两次」不是正整数次数" in words and "「2026.13.9」不是日期" in words
    assert "找不到被考核单位「不存在科」" in words
    twin = client.get(page.url.path + ".json").json()
    assert twin["ok"] is False and [(p["row"], p["column"]) for p in twin["problems"]] == [
        (2, "D"), (3, "E"), (4, "B"), (4, "C")]
    assert twin["problems"][3]["message"] == "考核项目「未按时间节点落实年度重点任务目标」由办公室负责考核，不属于督查科"
    assert end(service) == before  # Check: nothing appended


def test_the_fixed_file_previews_its_rows_then_confirms_and_the_totals_move(client: TestClient, service: Service) -> None:
    csrf = sign_in_as(client, service, "recorder")
    before_total, before = total(client, "s001"), end(service)
    page = upload(client, csrf, "扣分登记.csv", csv_bytes([HEADER, *GOOD], "gbk"), "gbk")
    words = text_of(page.text)
    assert "共2行可以导入，全部检查通过" in words and "编码：gb18030" in words
    assert "4.4 查实被服务对象投诉" in words and "办公室" in words and "次数 2" in words
    assert end(service) == before  # the preview appends nothing
    sha = page.url.path.rsplit("/", 1)[1]
    first = client.post(f"/period/2026-Q1/import/{sha}/confirm", data={"csrf": csrf})
    again = client.post(f"/period/2026-Q1/import/{sha}/confirm", data={"csrf": csrf})  # a second click
    assert again.headers["location"] == first.headers["location"]  # follows the first: recorded once
    done = follow_job(client, first)
    assert follow_job(client, client.post(f"/period/2026-Q1/import/{sha}/confirm", data={"csrf": csrf})).url == done.url
    words = text_of(done.text)
    assert "已导入2条记录" in words
    after_total = total(client, "s001")
    assert after_total != before_total and f"{before_total} {after_total}" in words  # the move is shown
    assert end(service) > before
    twin = client.get(done.url.path + ".json").json()
    assert twin["rows"] == 2 and {m["subject"] for m in twin["moves"]} == {"s001", "s002"}
    assert end(service) == before + 3  # two facts, once, and the import's idempotency record (F10)


def test_a_confirmation_names_a_previewed_file_of_the_same_person(client: TestClient, service: Service) -> None:
    csrf = sign_in_as(client, service, "recorder")
    page = upload(client, csrf, "a.csv", csv_bytes([HEADER, *GOOD], "utf-8-sig"))
    sha = page.url.path.rsplit("/", 1)[1]
    before = end(service)
    # Check (refused): a file never previewed, and the staged bytes changed behind the preview
    other = client.post(f"/period/2026-Q1/import/{'0' * 64}/confirm", data={"csrf": csrf})
    assert other.status_code == 404 and "上传的文件" in text_of(other.text) and "已过期或不存在" in other.text
    staged = client.app.state.staging.files[("duchake", sha)]  # type: ignore[attr-defined]
    original = staged.upload
    staged.upload = type(original)(original.filename, original.data.replace(b"2", b"3"), original.encoding)
    changed = client.post(f"/period/2026-Q1/import/{sha}/confirm", data={"csrf": csrf})
    assert changed.status_code == 404
    staged.upload = original
    # Check (refused): another person cannot confirm it, nor see its preview or its job
    admin_csrf = sign_in_as(client, service, "admin")
    assert client.post(f"/period/2026-Q1/import/{sha}/confirm", data={"csrf": admin_csrf}).status_code == 404
    assert client.get(f"/period/2026-Q1/import/{sha}").status_code == 404
    assert end(service) == before


def test_a_subject_may_not_upload(client: TestClient, service: Service) -> None:
    csrf = sign_in_as(client, service, "subject")
    before = end(service)
    refused = client.post("/period/2026-Q1/import", data={"csrf": csrf},
                          files={"file": ("a.csv", csv_bytes([HEADER, *GOOD], "utf-8"), "text/csv")})
    assert refused.status_code == 403 and "无权" in text_of(refused.text)
    assert end(service) == before


def test_a_rater_fills_its_template_and_a_changed_score_becomes_a_correction(client: TestClient, service: Service) -> None:
    csrf = sign_in_as(client, service, "rater")
    earlier = client.get("/period/2026-Q1/rate.json").json()["ratings"]["rating/s001"]
    response = client.get("/period/2026-Q1/template/rating.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["录入"]
    assert [c.value for c in sheet[2]] == ["序号", "被考核单位", "考核项目", "满分", "测评分", "备注"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows[0][1:5] == ("办公室", "rating 班子测评", 100, int(earlier["value"]))  # R2: the scale on every row
    sheet.cell(3, 5).value = 88  # 办公室: changed
    sheet.cell(4, 5).value = None  # 党建科: left blank, not imported
    out = io.BytesIO()
    book.save(out)
    page = upload(client, csrf, "测评表.xlsx", out.getvalue())
    words = text_of(page.text)
    assert "共1行可以导入" in words and "1行未填测评分，不导入" in words
    assert f"{len(rows) - 2}个测评分与已保存的相同，不重复录入" in words
    sha = page.url.path.rsplit("/", 1)[1]
    follow_job(client, client.post(f"/period/2026-Q1/import/{sha}/confirm", data={"csrf": csrf}))
    now = client.get("/period/2026-Q1/rate.json").json()["ratings"]["rating/s001"]
    assert now["value"] == "88" and now["id"] != earlier["id"]
    assert queries.folded_period(service, "2026-Q1").facts[now["id"]]["corrects"] == earlier["id"]  # R3: corrected


def test_the_leading_group_registers_a_veto_from_its_template(client: TestClient, service: Service) -> None:
    csrf = sign_in_as(client, service, "admin")
    book = load_workbook(io.BytesIO(client.get("/period/2026-Q1/template/decisions.xlsx").content))
    assert book.sheetnames[:2] == ["一票否决", "事项"] and book["选项"].sheet_state == "hidden"
    sheet = book["一票否决"]
    sheet.cell(3, 2, "党建科")
    sheet.cell(3, 3, "veto.1 重点工作失误造成全局性负面影响或局被通报")
    sheet.cell(3, 4, "2026-03-18")
    sheet.cell(3, 5, "局党组会议纪要〔2026〕2号")
    out = io.BytesIO()
    book.save(out)
    page = upload(client, csrf, "决定事项.xlsx", out.getvalue())
    assert "共1行可以导入" in text_of(page.text) and "一票否决" in page.text
    sha = page.url.path.rsplit("/", 1)[1]
    follow_job(client, client.post(f"/period/2026-Q1/import/{sha}/confirm", data={"csrf": csrf}))
    row = next(r for g in client.get("/period/2026-Q1/rankings.json").json()["groups"] for r in g["rows"]
               if r["subject"] == "s002")
    assert row["eligible"] is False


def test_an_office_retracts_its_own_finding_from_the_template(client: TestClient, service: Service) -> None:
    csrf = sign_in_as(client, service, "recorder")
    book = load_workbook(io.BytesIO(client.get("/period/2026-Q1/template.xlsx?office=inspection").content))
    lists = book["选项"]
    entries = [c.value for column in lists.iter_cols() if column[0].value == "原记录（选项）" for c in column[1:]]
    assert entries and re.match(r"^s\d{3}:\w+ \S+ [\w.]+ \S+", entries[0]), entries[:3]  # id 单位 项目 名称
    sheet = book["撤销与免扣"]
    assert [c.value for c in sheet[2]][:4] == ["序号", "原记录", "类型", "撤销理由"]
    sheet.cell(3, 2, entries[0])
    sheet.cell(3, 3, "撤销")
    sheet.cell(3, 4, "重复录入")
    out = io.BytesIO()
    book.save(out)
    page = upload(client, csrf, "撤销.xlsx", out.getvalue())
    assert "共1行可以导入" in text_of(page.text) and "撤销" in page.text
    sha = page.url.path.rsplit("/", 1)[1]
    before = end(service)
    done = follow_job(client, client.post(f"/period/2026-Q1/import/{sha}/confirm", data={"csrf": csrf}))
    assert "已导入1条记录" in text_of(done.text) and end(service) == before + 2  # and its idempotency record


def test_the_rankings_export_is_a_job_whose_workbook_reads_back_to_the_results(
    client: TestClient, service: Service
) -> None:
    csrf = sign_in_as(client, service, "auditor")
    assert "导出排名（Excel）" in client.get("/period/2026-Q1/rankings").text
    started = client.post("/period/2026-Q1/export/rankings", data={"csrf": csrf})
    job = started.headers["location"]
    page = follow_job(client, started)
    assert "已完成" in page.text and f"{job}/file" in page.text
    file = client.get(f"{job}/file")
    assert file.headers["content-disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(file.content)).worksheets[0]
    exported = {r[1]: str(r[-4]) for r in sheet.iter_rows(min_row=4, values_only=True)}
    shown = {r["name"]: r["total"] for g in client.get("/period/2026-Q1/rankings.json").json()["groups"]
             for r in g["rows"]}
    assert {k: v.removesuffix(".0") for k, v in exported.items()} == {k: v for k, v in shown.items()}
    # Check (refused): another person cannot fetch the file of this job
    sign_in_as(client, service, "recorder")
    assert client.get(f"{job}/file").status_code == 404


def test_the_period_and_scorecard_pages_export_the_register_the_year_and_a_scorecard(
    client: TestClient, service: Service
) -> None:
    csrf = sign_in_as(client, service, "auditor")
    overview = client.get("/period/2026-Q1").text
    assert "导出申诉登记表（Excel）" in overview and "导出2026年度汇总（Excel）" in overview
    started = client.post("/period/2026-Q1/export/appeals", data={"csrf": csrf})
    page = follow_job(client, started)
    assert "下载“2026年第一季度申诉登记表.xlsx”" in text_of(page.text)
    register = load_workbook(io.BytesIO(client.get(f"{started.headers['location']}/file").content)).worksheets[0]
    assert register["A1"].value == "2026年第一季度申诉登记表"
    year = client.post("/year/2026/export/summary", data={"csrf": csrf})
    follow_job(client, year)
    book = load_workbook(io.BytesIO(client.get(f"{year.headers['location']}/file").content))
    assert book.worksheets[0]["A1"].value == "2026年度考核结果汇总"
    csrf = sign_in_as(client, service, "subject")
    assert "导出得分明细（Excel）" in client.get("/period/2026-Q1/scorecard/s001").text
    own = client.post("/period/2026-Q1/export/scorecard/s001", data={"csrf": csrf})
    follow_job(client, own)
    sheet = load_workbook(io.BytesIO(client.get(f"{own.headers['location']}/file").content)).worksheets[0]
    assert sheet["A1"].value == "2026年第一季度办公室考核得分明细"
    # Check (refused): a subject may not export another subject's scorecard, nor the register
    assert client.post("/period/2026-Q1/export/scorecard/s002", data={"csrf": csrf}).status_code == 403
    assert client.post("/period/2026-Q1/export/appeals", data={"csrf": csrf}).status_code == 403
