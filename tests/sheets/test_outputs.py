"""The demo bureau's quarter, published, goes out as workbooks whose numbers are the results exactly,
and as a 公示 (print page and PDF) whose text carries the Chinese title and the seal's Merkle root."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.app import create_app
from service.bootstrap import Service, build
from service.demo import DEMO_TOKENS, load_demo
from service.settings import Settings
from tests.signing import TEST_KEY

AUDITOR = {"Authorization": "Bearer demo-auditor-token"}
SUBJECT = {"Authorization": "Bearer demo-subject-token"}
ADMIN = {"Authorization": "Bearer demo-admin-token"}


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, TestClient]]:
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path_factory.mktemp("outputs") / "data", demo=True))
    load_demo(service, "2026-03-20T10:00:00+08:00")
    clock = lambda: datetime(2026, 4, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))  # noqa: E731
    try:
        with TestClient(create_app(service=service, clock=clock)) as client:
            assert client.post("/periods/2026-Q1/close", headers=ADMIN).status_code == 200
            published = client.post("/periods/2026-Q1/publish", json={"published_on": "2026-03-30"}, headers=ADMIN)
            assert published.status_code == 200, published.text
            yield service, client
    finally:
        service.close()


def results(client: TestClient) -> list[dict[str, Any]]:
    return client.get("/periods/2026-Q1/rankings", headers=AUDITOR).json()["groups"]["g1"]


def test_the_rankings_workbook_reads_back_to_the_results_exactly(published: tuple[Service, TestClient]) -> None:
    _, client = published
    response = client.get("/periods/2026-Q1/exports/rankings", headers=AUDITOR)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["考核组g1"]  # a group the scheme does not name, as the pages show it, never "g1"
    sheet = book["考核组g1"]
    assert sheet["A1"].value == "2026年第一季度考核结果排名" and sheet["A2"].value == "组别：考核组g1"
    assert [c.value for c in sheet[3]] == ["排名", "被考核单位", "日常考核", "班子测评", "综合加分", "总分", "等次",
                                           "可否评优", "原因"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    expected = results(client)
    assert [(r[0], r[1]) for r in rows] == [(e["rank"], e["name"]) for e in expected]
    # Check: every total read back, through its shortest decimal form, is the result's Decimal
    assert [Decimal(repr(r[5])) for r in rows] == [Decimal(e["total"]) for e in expected]
    assert sheet.cell(4, 6).number_format == "0.00"
    vetoed = next(r for r in rows if r[1] == "政务服务科")
    assert vetoed[7] == "否" and vetoed[8] == "一票否决：违反廉洁自律规定被查处（第二章第四条 6）"
    # Check: the file holds each number's own decimal text, never 16 digits of its binary double
    xml = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<v>98.1</v>" in xml and "<v>79.68</v>" in xml and "0000000" not in xml and "9999999" not in xml


def test_the_rankings_workbook_is_written_a_page_at_a_time_never_from_the_whole_results(
    published: tuple[Service, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    from service import queries

    _, client = published
    whole = client.get("/periods/2026-Q1/exports/rankings", headers=AUDITOR).content

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the rankings export decoded the period's results whole")

    monkeypatch.setattr(queries, "results", refuse)
    monkeypatch.setattr(queries, "ROWS", 5)  # pages of 5 for 12 subjects: a group runs across pages
    paged = client.get("/periods/2026-Q1/exports/rankings", headers=AUDITOR)
    assert paged.status_code == 200
    read = [[[c.value for c in row] for row in sheet.iter_rows()] for sheet in load_workbook(io.BytesIO(paged.content))]
    before = [[[c.value for c in row] for row in sheet.iter_rows()] for sheet in load_workbook(io.BytesIO(whole))]
    assert read == before and len(read[0]) == 3 + 12


def test_the_rankings_writer_puts_each_group_on_its_own_sheet_as_the_groups_come(
    published: tuple[Service, TestClient],
) -> None:
    from service import queries
    from service.sheets.documents import period_scheme
    from service.sheets.exports import RankingsWriter

    service, _ = published
    subjects = queries.results(service, "2026-Q1", None)["subjects"]
    split = [{**s, "group": "g1" if i < 5 else "g2"} for i, s in enumerate(subjects)]  # two groups, in order
    writer = RankingsWriter(period_scheme(service, "2026-Q1"), "2026-Q1", len(split))
    for subject in split:
        writer.add(subject)
    book = load_workbook(io.BytesIO(writer.close()))
    names = {sheet.title: [row[1].value for row in sheet.iter_rows(min_row=4)] for sheet in book}
    assert set(names) == {"考核组g1", "考核组g2"}  # each group's rows on its own sheet, none carried into the next
    assert sorted(names["考核组g1"]) == sorted(s["name"] for s in split[:5])
    assert sorted(names["考核组g2"]) == sorted(s["name"] for s in split[5:])


def test_a_scorecard_workbook_carries_each_item_and_its_facts(published: tuple[Service, TestClient]) -> None:
    _, client = published
    card = client.get("/periods/2026-Q1/scorecards/s001", headers=SUBJECT).json()["result"]
    response = client.get("/periods/2026-Q1/exports/scorecards/s001", headers=SUBJECT)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "2026年第一季度办公室考核得分明细"
    by_id = {row[0].value: row for row in sheet.iter_rows(min_row=4) if row[0].value}
    assert Decimal(repr(by_id["total"][4].value)) == Decimal(card["total"])
    daily = next(c for c in card["card"]["children"] if c["id"] == "daily")
    assert Decimal(repr(by_id["daily"][4].value)) == Decimal(daily["applied"])
    other = client.get("/periods/2026-Q1/exports/scorecards/s002", headers=SUBJECT)
    assert other.status_code == 403, "a subject exports only its own scorecard"


def test_the_appeal_register_lists_each_appeal_with_its_dates(published: tuple[Service, TestClient]) -> None:
    _, client = published
    fact = client.get("/periods/2026-Q1/history", params={"subject": "s001"}, headers=SUBJECT).json()["facts"][0]
    filed = client.post("/periods/2026-Q1/appeals", headers=SUBJECT,
                        json={"subject": "s001", "contested": [fact["fact"]["id"]], "reasons": "扣分依据不足"})
    assert filed.status_code == 201, filed.text
    response = client.get("/periods/2026-Q1/exports/appeals", headers=AUDITOR)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "2026年第一季度申诉登记表"
    row = [c.value for c in sheet[4]]
    assert row[2:5] == ["办公室", "2026-04-01", filed.json()["deadline"]] and row[8] == "已提出"
    assert row[10] == "扣分依据不足"


def test_the_publication_and_its_pdf_carry_the_notice_and_its_signed_proof(published: tuple[Service, TestClient],
                                                                           tmp_path: Path) -> None:
    service, client = published
    seal = service.ledger.period("2026-Q1").seals[-1]
    found = client.get("/periods/2026-Q1/publication", params={"office": "督查科", "phone": "0512-58000000"},
                       headers=SUBJECT)
    assert found.status_code == 200, found.text
    notice = found.json()
    assert notice["title"] == "关于2026年第一季度绩效考核结果的公示"
    assert "张行审〔2020〕10号" in notice["paragraph"] and "2026年3月30日至2026年4月2日（3个工作日）" in notice["paragraph"]
    assert "向督查科提出申诉" in notice["paragraph"] and "0512-58000000" in notice["paragraph"]
    proof = notice["proof"]
    # Check: the proof is the seal's, signed by the bureau's key, and its address is the public page
    assert proof["merkle_root"] == seal["merkle_root"] and proof["position"] == seal["position"]
    assert proof["fingerprint"] == client.get("/keys").json()["keys"][0]["fingerprint"]
    assert proof["verify_url"] == f"http://testserver/verify/2026-Q1?position={seal['position']}"
    pdf = client.get("/periods/2026-Q1/publication.pdf", params={"office": "督查科"}, headers=SUBJECT)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    target = tmp_path / "publication.pdf"
    target.write_bytes(pdf.content)
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftotext, pdftoppm) is not installed: apt-get install -y poppler-utils")
    words = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, check=True, text=True)
    flat = "".join(words.stdout.split())
    assert "关于2026年第一季度绩效考核结果的公示" in flat
    assert seal["merkle_root"] in flat and "张家港市行政审批局绩效考核工作领导小组" in flat and "2026年3月30日" in flat
    assert proof["fingerprint"] in flat and proof["verify_url"] in flat
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(target), str(tmp_path / "page")],
                   check=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 10_000
    keep = Path("/tmp/scoreledger-publication")  # for a person to look at (not part of the check)
    keep.mkdir(exist_ok=True)
    shutil.copy(png, keep / "publication-page1.png")
    shutil.copy(target, keep / "publication.pdf")


def test_the_pdf_paragraph_starts_two_characters_in(published: tuple[Service, TestClient], tmp_path: Path) -> None:
    """首行缩进两字: the paragraph's first line starts right of the lines under it (read from the PDF's text boxes)."""
    _, client = published
    target = tmp_path / "publication.pdf"
    target.write_bytes(client.get("/periods/2026-Q1/publication.pdf", headers=SUBJECT).content)
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed: apt-get install -y poppler-utils")
    boxes = subprocess.run(["pdftotext", "-bbox-layout", str(target), "-"], capture_output=True, check=True,
                           text=True).stdout
    lines = re.findall(r'<line xMin="([\d.]+)"[^>]*>\s*<word[^>]*>([^<]+)</word>', boxes)
    first = next(float(x) for x, word in lines if word.startswith("根据"))
    second = next(float(x) for (x, word), (_, before) in zip(lines[1:], lines, strict=False)
                  if before.startswith("根据"))
    assert first - second > 20, (first, second)  # two 12-point characters, in points


def test_there_is_no_publication_before_a_period_is_published(published: tuple[Service, TestClient]) -> None:
    service, client = published
    service.ledger.open_period("2026-Q2", "ZJG", 2, "admin", "2026-04-01T09:00:00+08:00")
    response = client.get("/periods/2026-Q2/publication.pdf", headers=AUDITOR)
    assert response.status_code == 409 and "not published" in response.json()["detail"]


def test_the_year_summary_gives_each_quarter_and_the_year(published: tuple[Service, TestClient]) -> None:
    _, client = published
    response = client.get("/years/2026/exports/summary", headers=AUDITOR)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "2026年度考核结果汇总"
    headings = [c.value for c in sheet[3]]
    assert headings[:2] == ["被考核单位", "第一季度总分"] and "第一季度等次" in headings and headings[-2] == "年度等次"
    totals = {r[0].value: Decimal(repr(r[1].value)) for r in sheet.iter_rows(min_row=4) if r[1].value is not None}
    assert totals == {e["name"]: Decimal(e["total"]) for e in results(client)}


_ = (date, DEMO_TOKENS)
