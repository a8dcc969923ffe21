"""An office imports its findings from the spreadsheets it already keeps: Excel on Chinese Windows
(GBK "CSV", "CSV UTF-8" with a BOM, .xlsx with a merged title, merged unit cells, serial dates),
and a file with mistakes is refused whole, every mistake named by sheet, row and column."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from service.bootstrap import Service
from service.sheets.importing import SheetImporter, SheetInvalid, Upload
from service.tokens import Actor
from tests.sheets.conftest import ALL_OFFICES, AT, OFFICE, PERIOD
from tests.sheets.files import csv_bytes, real_world_xlsx

HEADER = ["序号", "被考核单位", "考核项目", "次数", "发生日期", "级别", "证明材料"]


def importer(service: Service, actor: Actor = ALL_OFFICES) -> SheetImporter:
    return SheetImporter(service.ledger, PERIOD, actor, AT, today=date(2026, 3, 20))


def stored_facts(service: Service) -> dict[str, dict[str, Any]]:
    from domain.ledger.facts_ledger import FactLedger
    from domain.ledger.ids import joint_id, ledger_id

    period = service.ledger.period(PERIOD)
    found: dict[str, dict[str, Any]] = {}
    for stream in [ledger_id(PERIOD, s, "default") for s in period.subjects] + [joint_id(PERIOD, "default")]:
        ledger = service.ledger.maybe(stream)
        if isinstance(ledger, FactLedger):
            found.update(ledger.facts)
    return found


def log_end(service: Service) -> int:
    return service.ledger.recorder.max_notification_id() or 0


def test_a_gbk_csv_saved_by_excel_on_chinese_windows_imports_with_chinese_headings_and_labels(service: Service) -> None:
    rows = [HEADER, [1, "办公室", "未按时间节点落实年度重点任务目标", "3", "2026.3.5", "", "督办单〔2026〕3号"],
            [2, "党建科", "受表彰获奖", "", "2026年3月6日", "市级", "张政发〔2026〕1号"]]
    data = csv_bytes(rows, "gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the reproduction: this is what refused the file before
    result = importer(service).confirm(Upload("扣分登记.csv", data))
    facts = stored_facts(service)
    # Check: the recorder, the period and the ids come from the upload, not the file
    first, second = (facts[i] for i in result["facts"])
    assert first == {"type": "deduction", "item": "1.1.1", "subject": "s001", "count": 3, "occurred_on": "2026-03-05",
                     "evidence": "督办单〔2026〕3号", "id": result["facts"][0], "period": PERIOD,
                     "recorded_by": "督查科"}
    assert (second["item"], second["subject"], second["level"], second["occurred_on"]) == (
        "b.1", "s002", "city", "2026-03-06")
    assert result["file"]["encoding"] == "gb18030"


def test_a_utf8_csv_with_a_byte_order_mark_imports_by_field_names_and_codes(service: Service) -> None:
    rows = [["subject", "item", "count", "occurred_on", "level", "evidence"],
            ["s004", "b.2", "", "2026-03-02", "province", "赛事通报"],
            ["s004", "2.1", "2", "2026-03-03", "", ""]]
    data = csv_bytes(rows, "utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")
    result = importer(service).confirm(Upload("facts.csv", data))
    facts = [stored_facts(service)[i] for i in result["facts"]]
    assert [(f["item"], f.get("level"), f["count"]) for f in facts] == [("b.2", "province", 1), ("2.1", None, 2)]
    assert result["file"]["encoding"] == "utf-8-sig"


def test_a_real_world_workbook_with_merged_title_and_unit_cells_serials_and_blank_rows_imports(
    service: Service,
) -> None:
    rows = [
        [1, "办公室", "第二章第一条 一.(一).1", 3.0, 46085, "", ""],  # serial 46085 = 2026-03-04; count 3.0
        [2, None, "1.2.3", 1, date(2026, 3, 5), "", ""],  # the unit cell is merged over rows 3-4
        [3, "督查科", "第二章第三条 1 受表彰获奖", None, "2026/3/9", "省级及以上", "省政府通报"],
    ]
    data = real_world_xlsx("2026年第一季度科室考核扣分登记表", HEADER, rows, merges=["B3:B4"])
    preview = importer(service).preview(Upload("登记表.xlsx", data))
    assert preview["rows"] == 3 and preview["file"]["sheets"] == ["扣分登记"]
    assert "序号" in preview["file"]["ignored_columns"]
    before = log_end(service)
    assert before == log_end(service), "a preview appends nothing"
    result = importer(service).confirm(Upload("登记表.xlsx", data), preview["file"]["sha256"])
    facts = [stored_facts(service)[i] for i in result["facts"]]
    assert [(f["subject"], f["item"], f["count"], f.get("occurred_on"), f.get("level")) for f in facts] == [
        ("s001", "1.1.1", 3, "2026-03-04", None),
        ("s001", "1.2.3", 1, "2026-03-05", None),
        ("s003", "b.1", 1, "2026-03-09", "province"),
    ]


def test_ten_different_mistakes_are_all_reported_at_once_by_row_and_column_and_nothing_is_appended(
    service: Service,
) -> None:
    header = ["序号", "被考核单位", "考核项目", "次数", "发生日期", "级别", "情形", "证明材料"]
    rows = [
        [1, "不存在科", "1.1.1", 1, "2026-03-01", "", "", ""],  # 1 unknown unit           B3
        [2, "办公室", "不存在的项目", 1, "2026-03-01", "", "", ""],  # 2 unknown item          C4
        [3, "办公室", "1.1.2", "三次", "2026-03-01", "", "", ""],  # 3 count not a number     D5
        [4, "办公室", "1.1.3", 2.5, "2026-03-01", "", "", ""],  # 4 count not whole          D6
        [5, "办公室", "1.1.4", 1, "2026-13-45", "", "", ""],  # 5 no such date             E7
        [6, "办公室", "受表彰获奖", 1, "2026-03-01", "国家级", "", ""],  # 6 level not a choice  F8
        [7, "办公室", "比赛活动获奖", 1, "2026-03-01", "", "", ""],  # 7 level missing           row 9
        [8, "办公室", "4.2", 1, "2026-03-01", "", "", ""],  # 8 情形 missing                     row 10
        [9, "办公室", "1.1.5", 1, "2026-03-01", "市级", "", ""],  # 9 level on a deduction      F11
        [10, "", "1.2.1", 1, "2026-03-01", "", "", ""],  # 10 no unit                            B12
        [11, "党建科", "1.2.2", 1, "2026-04-01", "", "", ""],  # 11 after today                  E13
        [12, "党建科", "1.2.4", 1, "2026-03-01", "", "", ""],  # a good row between them
    ]
    data = real_world_xlsx("2026年第一季度科室考核扣分登记表", header, rows)
    before = log_end(service)
    with pytest.raises(SheetInvalid) as refused:
        importer(service).confirm(Upload("登记表.xlsx", data))
    problems = refused.value.problems
    assert [p.path for p in problems] == ["扣分登记!B3", "扣分登记!C4", "扣分登记!D5", "扣分登记!D6", "扣分登记!E7",
                                          "扣分登记!F8", "扣分登记!9", "扣分登记!10", "扣分登记!F11", "扣分登记!B12",
                                          "扣分登记!E13"]
    messages = [p.message for p in problems]
    assert "第3行B列（被考核单位）：找不到被考核单位「不存在科」" in messages[0]
    assert "找不到考核项目「不存在的项目」" in messages[1]
    assert "「三次」不是正整数次数" in messages[2] and "「2.5」不是正整数次数" in messages[3]
    assert "「2026-13-45」不是日期" in messages[4]
    assert "「国家级」不是级别的可选值：可填 本级、市级、省级及以上" in messages[5]
    assert "需要填写级别（可填 中心级、市级、省级及以上）" in messages[6]
    assert "需要填写情形（可填 引发矛盾、造成上访或负面影响）" in messages[7]
    assert "不使用级别，请留空" in messages[8]
    assert "第12行B列（被考核单位）：不能为空" in messages[9]
    assert "发生日期2026-04-01晚于今天" in messages[10]
    assert refused.value.title == "文件有11处问题，未导入任何记录"
    assert log_end(service) == before, "nothing is appended from a file with problems"


def test_an_office_cannot_import_another_offices_items_and_the_row_says_whose_they_are(service: Service) -> None:
    rows = [["被考核单位", "考核项目", "次数"], ["办公室", "4.7", "1"], ["办公室", "1.1.1", "1"]]
    before = log_end(service)
    with pytest.raises(SheetInvalid) as refused:
        importer(service, OFFICE).confirm(Upload("a.csv", csv_bytes(rows, "utf-8")))
    assert [p.path for p in refused.value.problems] == ["a!B3"]
    assert "由办公室负责考核，不属于督查科" in refused.value.problems[0].message
    assert log_end(service) == before


def test_the_ledgers_own_refusals_come_back_located_at_their_row(service: Service) -> None:
    """A rank (B4) awarded twice is a rule about the whole period: the ledger finds it, the row is named."""
    rows = [["被考核单位", "考核项目", "名次"], ["办公室", "b.4", "第一名"], ["党建科", "b.4", "1"]]
    with pytest.raises(SheetInvalid) as refused:
        importer(service).preview(Upload("创新.csv", csv_bytes(rows, "utf-8")))
    assert [p.line for p in refused.value.problems] == [3]
    assert refused.value.problems[0].path == "创新!C3"  # the ledger's rule, at the cell of the rank
    message = refused.value.problems[0].message
    assert message.startswith("工作表「创新」第3行C列（名次）：") and re.search(r"[A-Za-z]{4}", message) is None, message


def test_a_file_changed_since_its_preview_is_refused_at_confirmation(service: Service) -> None:
    rows = [["被考核单位", "考核项目"], ["办公室", "1.1.1"]]
    before = log_end(service)
    with pytest.raises(SheetInvalid) as refused:
        importer(service).confirm(Upload("a.csv", csv_bytes(rows, "utf-8")), expected_sha256="0" * 64)
    assert "文件与预览时不同" in refused.value.problems[0].message
    assert log_end(service) == before


def test_a_file_that_is_no_spreadsheet_is_refused_in_chinese(service: Service) -> None:
    with pytest.raises(SheetInvalid) as refused:
        importer(service).preview(Upload("a.pdf", b"%PDF-1.4"))
    assert "不支持的文件类型「.pdf」" in refused.value.problems[0].message
    with pytest.raises(SheetInvalid) as broken:
        importer(service).preview(Upload("a.xlsx", b"PK\x03\x04 not a zip"))
    assert "无法读取文件" in broken.value.problems[0].message
    with pytest.raises(SheetInvalid) as headless:
        importer(service).preview(Upload("a.csv", "甲,乙\n1,2\n".encode()))
    assert "找不到表头行" in headless.value.problems[0].message
