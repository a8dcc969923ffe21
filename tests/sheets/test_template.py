"""An office downloads its template, fills it in Excel with the drop-down lists, and uploads it unchanged."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from service.bootstrap import Service
from service.sheets.importing import SheetImporter, Upload, uploader_vocabulary
from service.sheets.template import recording_template
from tests.sheets.conftest import AT, OFFICE, PERIOD
from tests.sheets.test_import import stored_facts


def template(service: Service) -> bytes:
    return recording_template(uploader_vocabulary(service.ledger, PERIOD, OFFICE), PERIOD, "inspection")


def test_the_template_lists_only_the_offices_items_with_drop_downs_and_articles(service: Service) -> None:
    book = load_workbook(io.BytesIO(template(service)))
    assert book.sheetnames == ["录入", "考核项目", "撤销与免扣", "填写说明", "选项"]
    assert book["选项"].sheet_state == "hidden"
    entry = book["录入"]
    assert entry["A1"].value == "2026年第一季度督查科考核记录表"
    assert [c.value for c in entry[2]] == ["序号", "被考核单位", "考核项目", "依据（条款与内容）", "次数", "发生日期",
                                           "级别", "名次", "情形", "同一情况", "证明材料", "备注"]
    lists = {str(v.sqref): v.formula1 for v in entry.data_validations.dataValidation}
    assert lists["B3:B1002"] == "'选项'!$A$2:$A$7"
    options = book["选项"]
    items = [options.cell(r, 2).value for r in range(2, 20) if options.cell(r, 2).value]
    # Check: only 督查科's items (4.x and the bonuses; ratings are the raters' own), never 办公室's 1.1.1
    assert items[0] == "4.1 工作时间从事与工作无关行为" and "b.1 受表彰获奖" in items
    assert not any(i.startswith(("1.", "2.", "3.", "5.", "rating")) for i in items)
    levels = [options.cell(r, 3).value for r in range(2, 8) if options.cell(r, 3).value]
    assert levels == ["本级", "市级", "省级及以上", "中心级", "本级媒体"]
    assert "VLOOKUP(C3" in entry["D3"].value
    reference = book["考核项目"]
    assert [c.value for c in reference[2]][1:5] == ["4.1", "工作时间从事与工作无关行为",
                                                    "第二章第一条 四.1 工作时间从事与工作无关行为", "每次扣1分"]
    assert "上传本文件" in "".join(str(c.value) for c in book["填写说明"]["A"] if c.value)


def test_a_filled_template_imports_without_edits(service: Service) -> None:
    book = load_workbook(io.BytesIO(template(service)))
    entry = book["录入"]
    heading = {c.value: c.column for c in entry[2]}

    def fill(row: int, **values: object) -> None:
        for name, value in values.items():
            entry.cell(row, heading[name], value)

    # As a person fills it: picks from the lists, types counts and dates, leaves the rest blank
    fill(3, 序号=1, 被考核单位="办公室", 考核项目="4.2 接待中引发矛盾或造成上访", 次数=2, 发生日期=date(2026, 3, 5),
         情形="造成上访或负面影响", 证明材料="信访件2026-011")
    fill(4, 序号=2, 被考核单位="党建科", 考核项目="b.1 受表彰获奖", 级别="市级")
    fill(5, 序号=3, 被考核单位="督查科", 考核项目="b.4 工作创新", 名次="第二名", 备注="局务会决定")
    fill(6, 序号=4, 被考核单位="人事教育科", 考核项目="4.7 被中心通报批评", 发生日期="2026.3.10", 同一情况="t1")
    fill(7, 序号=5)  # a numbered but empty row, as templates often carry
    saved = io.BytesIO()
    book.save(saved)
    importer = SheetImporter(service.ledger, PERIOD, OFFICE, AT, today=date(2026, 3, 20))
    preview = importer.preview(Upload("督查科.xlsx", saved.getvalue()))
    assert preview["rows"] == 4
    result = importer.confirm(Upload("督查科.xlsx", saved.getvalue()), preview["file"]["sha256"])
    facts = [stored_facts(service)[i] for i in result["facts"]]
    assert [{k: v for k, v in f.items() if k not in ("id", "period", "recorded_by")} for f in facts] == [
        {"type": "deduction", "item": "4.2", "subject": "s001", "count": 2, "attributes": {"severity": "petition"},
         "occurred_on": "2026-03-05", "evidence": "信访件2026-011"},
        {"type": "bonus", "item": "b.1", "subject": "s002", "count": 1, "level": "city"},
        {"type": "bonus", "item": "b.4", "subject": "s003", "count": 1, "rank": "2"},
        {"type": "deduction", "item": "4.7", "subject": "s005", "count": 1, "situation": "t1",
         "occurred_on": "2026-03-10"},
    ]
