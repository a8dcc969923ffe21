"""The patterns page: every component with sample data, one place to look at after a style change."""

from __future__ import annotations

from fastapi import Request, Response

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
}


@page(router, "/patterns")
def patterns(request: Request) -> Response:
    return render(request, "patterns.html", SAMPLE, errors=SAMPLE["errors"],
                  form={"count": "0", "severity": ""}, choices=[("", "—"), ("conflict", "引发矛盾"),
                                                                 ("petition", "引发上访或负面影响")])
