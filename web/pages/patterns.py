"""The patterns page: every component with sample data, one place to look at after a style change."""

from __future__ import annotations

from fastapi import Request, Response

from domain.texts.catalog import Glossary
from web.render import render
from web.routing import page, pages

router = pages()

SAMPLE = {
    "periods": [
        {"period": "2026-Q1", "scheme_title": "张家港市行政审批局科室绩效考核细则(试行)", "status": "published",
         "subjects": 12, "total": "93.5"},
        {"period": "2026-Q2", "scheme_title": "张家港市行政审批局科室绩效考核细则(试行)", "status": "open",
         "subjects": 12, "total": "88"},
        {"period": "2025-Q4", "scheme_title": "张家港市行政审批局科室绩效考核细则(试行)", "status": "closed",
         "subjects": 11, "total": "90.25"},
    ],
    "chart": {
        "title": "得分分布（样例）",
        "max": "100",
        "rows": [{"label": "办公室", "value": "96.5", "mark": "good"}, {"label": "人事教育科", "value": "91"},
                 {"label": "督查科", "value": "88.25"}, {"label": "咨询指导科", "value": "79", "mark": "low"}],
        "lines": [{"at": "90", "label": "优秀线 90"}],
    },
    "errors": {"count": "不能小于1", "attributes.severity": "项目2.3须填写“情形”：可选引发矛盾、引发上访或负面影响"},
    "message": {"title": "期限已过", "detail": "2026-Q1的申诉期已于2026年4月3日截止（公示日2026年3月31日后3个工作日）"},
    "node": {"id": "4", "title": "工作作风", "article": "第二章第一条 四", "office": "inspection",
             "rules": ["D1", "D2"], "max": "10", "raw": "-12", "applied": "-10", "cut": "-2", "overflow": "0",
             "weight": None,
             "cut_facts": ["s001:b1"], "incomplete": [], "children": [],
             "lines": [{"facts": ["s001:a1"], "points": "-2", "status": "counted", "recorded_by": ["督查科"],
                        "note": "1 × 2 (D1)", "by": [], "occurred_on": "2026-03-05"},
                       {"facts": ["s001:a2"], "points": "-2", "status": "superseded", "recorded_by": ["督查科"],
                        "note": "1 × 2 (D1); superseded: situation sit-1 counts once, at the highest", "by": [],
                        "occurred_on": None}]},
    "job": {"job": "sample", "title": "正在读取并检查“扣分登记.xlsx”", "state": "running", "done": 20000,
            "total": 50002, "percent": 39, "next": None, "file": None},
    "problems": [{"sheet": "扣分登记", "row": 7, "column": "D", "heading": "次数",
                  "message": "「两次」不是正整数次数"}],
    "ripple": {"changes": [
        {"subject": "s001", "before": {"total": "88.08", "rank": 3, "grade": None},
         "after": {"total": "88.3", "rank": 2, "grade": None}, "knock_on": False},
        {"subject": "s002", "before": {"total": "88.25", "rank": 2, "grade": None},
         "after": {"total": "88.25", "rank": 3, "grade": None}, "knock_on": True}]},
}


@page(router, "/patterns")
def patterns(request: Request) -> Response:
    names = Glossary(codes={"inspection": "督查科"})
    return render(request, "patterns.html", SAMPLE, errors=SAMPLE["errors"], names=names, positions={"s001:a1": 120},
                  appellant="s001", subjects={"s001": "办公室", "s002": "社会事务科"},
                  form={"count": "0", "severity": ""}, choices=[("", "—"), ("conflict", "引发矛盾"),
                                                                 ("petition", "引发上访或负面影响")])
