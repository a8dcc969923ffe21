"""Which column holds what: headings in Chinese as people write them, or the field names.

The header row is the first of the top rows in which at least two headings are recognised;
rows above it (a merged title such as 2021年第一季度科室考核扣分登记表) are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from domain.scheme.labels import attribute_codes
from domain.texts.sheets import COLUMNS
from service.sheets.cells import is_blank, squeezed
from service.sheets.vocabulary import Vocabulary

HEADER_SEARCH = 10  # rows searched for the header

#: field -> the headings that name it (besides the field name itself)
ALIASES: dict[str, tuple[str, ...]] = {
    "type": ("类型", "记录类型", "考核类型", "类别"),
    "subject": ("被考核单位", "被考核对象", "考核对象", "被考核科室", "被考核人", "单位", "单位名称", "科室", "部门",
                "姓名", "人员"),
    "item": ("考核项目", "考核事项", "扣分项目", "加分项目", "扣分事项", "加分事项", "测评项目", "项目", "事项",
             "考核内容", "项目名称"),
    "article": ("依据", "条款", "考核依据", "依据条款"),
    "count": ("次数", "人次", "数量", "篇数", "件数"),
    "amount": ("分值", "数额", "金额", "扣分分值", "加分分值"),
    "occurred_on": ("发生日期", "日期", "发生时间", "时间", "检查日期", "发现日期", "决定日期"),
    "evidence": ("证明材料", "证据", "依据材料", "佐证材料", "材料", "证明"),
    "level": ("级别", "获奖级别", "表彰级别", "层级"),
    "rank": ("名次", "获奖名次"),
    "situation": ("同一情况", "情况编号", "同一事项"),
    "shortfall": ("未完成比例", "差额比例"),
    "matter": ("督办事项", "提醒事项"),
    "parties": ("共同承担单位", "责任单位"),
    "rater": ("测评人", "评分人"),
    "role": ("测评角色", "角色", "身份"),
    "value": ("测评分", "评分", "分数", "测评得分"),
    "veto": ("否决事项", "一票否决事项", "一票否决"),
    "affirmation": ("肯定事项", "一票肯定事项", "一票肯定"),
    "condition": ("前置条件", "达标条件"),
    "target": ("原记录", "原记录编号", "记录编号", "撤销记录", "免扣记录"),
    "reason": ("撤销理由", "撤销原因"),
    "ground": ("免扣理由", "免扣依据", "免扣情形"),
    "scale": ("满分", "测评满分"),
}
#: headings read and set aside: numbering, remarks, figures the service computes itself, and what
#: comes from who uploads and where (recorder, period, ids)
IGNORED = ("序号", "编号", "备注", "说明", "经办人", "录入人", "填报人", "扣分", "加分", "得分", "小计", "合计",
           "id", "period", "recorded_by", "考核周期", "周期")
_MARKS = re.compile(r"[*＊]|[(（](必填|选填|可选)[)）]")
_UNIT = re.compile(r"[(（][^()（）]{1,6}[)）]$")


@dataclass
class Header:
    """The header row and each column's field (None: set aside)."""

    row: int
    fields: dict[int, str]
    headings: dict[int, str]
    ignored: list[str] = field(default_factory=list)
    duplicates: list[tuple[int, str, int]] = field(default_factory=list)  # column, heading, earlier column

    def column_of(self, key: str) -> int | None:
        return next((c for c, f in self.fields.items() if f == key), None)


def heading_index(vocabulary: Vocabulary) -> dict[str, str]:
    """Every written heading (spaces and marks removed) to its field."""
    index: dict[str, str] = {}
    for key, aliases in ALIASES.items():
        for written in (key, COLUMNS.get(key), *aliases):
            if written:
                index[_norm(written)] = key
    for attribute in attribute_codes(list(vocabulary.scheme.items.values())):
        if attribute in ("level", "rank", "role"):
            target = attribute
        else:
            target = f"attributes.{attribute}"
        for written in (attribute, f"attr.{attribute}", vocabulary.heading(attribute)):
            index.setdefault(_norm(written), target)
    for written in IGNORED:
        index.setdefault(_norm(written), "")
    return index


def find_header(rows: list[list[Any]], vocabulary: Vocabulary) -> Header | None:
    index = heading_index(vocabulary)
    for number, row in enumerate(rows[:HEADER_SEARCH]):
        found = {c: index[_norm(v)] for c, v in enumerate(row) if not is_blank(v) and _norm(v) in index}
        if sum(1 for f in found.values() if f) >= 2:
            return _header(number, row, found)
    return None


def _header(number: int, row: list[Any], found: dict[int, str]) -> Header:
    header = Header(number, {}, {c: str(v).strip() for c, v in enumerate(row) if not is_blank(v)})
    seen: dict[str, int] = {}
    for column, heading in header.headings.items():
        key = found.get(column)
        if not key:
            header.ignored.append(heading)
        elif key in seen:
            header.duplicates.append((column, heading, seen[key]))
        else:
            seen[key] = column
            header.fields[column] = key
    return header


def _norm(value: Any) -> str:
    return _UNIT.sub("", _MARKS.sub("", squeezed(value))).lower()


def letter(column: int) -> str:
    """Spreadsheet column letters: 0 -> A, 27 -> AB."""
    name = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        name = chr(65 + rest) + name
    return name
