"""Binding a period to another scheme version vets its stored facts under it first (security review F6).

2026-Q1 of ZJG v2 holds d2's smoking deduction (item 3.6). Version 3 drops item 3.6: bound, the
projections would set that deduction aside and d2's score would change without anyone saying so.
The binding is refused, naming the fact (id, subject, item, why), in the service and over HTTP in
Chinese, and nothing is appended; a version under which every stored fact fits is bound.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from domain.errors import FactsInvalid
from domain.scheme.loader import load_scheme_text
from service.bootstrap import Service
from service.tokens import issue_token
from tests.integration.helpers import AT, ROOT, record_quarter

SMOKING = '            - {id: "3.6", title: 非吸烟区吸烟或烟头, article: 第二章第一条 三.6, deduct: {per: 2}}\n'


def _version(number: int, text: str) -> str:
    return text.replace("version: 2", f"version: {number}", 1)


def test_a_version_under_which_a_stored_fact_would_be_set_aside_is_not_bound(service: Service) -> None:
    smoking = record_quarter(service)["smoking"]
    ledger = service.ledger
    shipped = (ROOT / "schemes" / "zjg.yaml").read_text(encoding="utf-8")
    assert SMOKING in shipped
    ledger.register_scheme(load_scheme_text(_version(3, shipped.replace(SMOKING, ""))), "admin", AT)
    ledger.register_scheme(load_scheme_text(_version(4, shipped + "\n# 第4版：仅修订说明\n")), "admin", AT)
    issue_token(ledger, "管理员", "admin", [], "test", AT, token="rebind-admin")
    end = ledger.recorder.max_notification_id()

    with pytest.raises(FactsInvalid) as refused:
        ledger.bind_scheme("2026-Q1", 3, "删去3.6", "admin", AT)
    assert str(refused.value).startswith(
        "period 2026-Q1 cannot be bound to ZJG version 3: 1 stored fact(s) would be set aside under it")
    [problem] = refused.value.problems
    assert problem.message == f"fact {smoking} of d2 on item 3.6 would be set aside under version 3: " \
                              "unknown deduction item '3.6'"
    assert ledger.recorder.max_notification_id() == end

    clock = datetime(2026, 4, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    with TestClient(create_app(service=service, clock=lambda: clock)) as client:
        response = client.post("/periods/2026-Q1/scheme", json={"version": 3, "reason": "删去3.6"},
                               headers={"Authorization": "Bearer rebind-admin", "Accept-Language": "zh"})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["detail"] == "考核周期2026-Q1不能改用考核方案ZJG第3版：已录入的1条记录在该版本下将被搁置、不再计分"
        [error] = body["errors"]
        assert error["message"] == f"记录{smoking}（d2，项目3.6（非吸烟区吸烟或烟头））在第3版下将被搁置：" \
                                   "没有扣分项目“3.6（非吸烟区吸烟或烟头）”"
        assert ledger.recorder.max_notification_id() == end

        bound = client.post("/periods/2026-Q1/scheme", json={"version": 4, "reason": "修订说明"},
                            headers={"Authorization": "Bearer rebind-admin"})
        assert bound.status_code == 200, bound.text
        assert bound.json()["scheme_version"] == 4
    service.runner.catch_up()
    assert service.runner.fold.periods["default/2026-Q1"].set_aside == {}
