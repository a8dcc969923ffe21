"""F2: the year's roll-up (G6, C4), its API route and its workbook show what the period reads show, no more:
individual ratings only to those who see them (service/redaction.py), and a stored fact that admission sets
aside (projections/admission.py) not counted and named, as in the period's own results.

The facts set aside are written straight onto their streams, as an older version could have let them in."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.app import create_app
from domain.facts import Subject
from domain.ledger.facts_ledger import FactLedger
from domain.ledger.ids import ledger_id
from service import queries
from service.bootstrap import Service
from service.rollup import year_rollup
from service.tokens import Actor, issue_token
from tests.integration.helpers import AT
from tests.integration.test_carry_over import IND, QF, ballots

AUDITOR = Actor("审计员", "auditor", [])
RECORDER = Actor("办公室", "recorder", ["office"])
NOT_AN_ITEM = {"type": "deduction", "item": "9.9", "subject": "a", "recorded_by": "旧版本"}


def set_aside(service: Service, period: str, fact: dict[str, Any]) -> None:
    """A fact an older version stored without today's checks: admission sets it aside."""
    stream = service.ledger.repository.get(ledger_id(period, fact["subject"]))
    stream.trigger_event(FactLedger.DeductionRecorded, fact={**fact, "period": period, "id": f"{period}:older"},
                         actor="旧版本", at=AT, appeal=None)
    service.ledger.save(stream)


def ind_year(service: Service, stored_aside: bool = True) -> None:
    """IND v2 (C4), as test_carry_over: a's halves' findings and year-end ratings; 92 (称职) and 77 (基本称职)."""
    ledger = service.ledger
    ledger.register_scheme(IND, "admin", AT)
    ledger.open_period("2026-H1", "IND", IND.version, "admin", AT)
    ledger.register_subjects("2026-H1", [Subject(id="a", name="甲", kind="staff"),
                                         Subject(id="b", name="乙", kind="staff")], "admin", AT)
    ledger.record_facts("2026-H1", [
        {"type": "deduction", "item": "2.1", "parties": [{"subject": "a", "role": "person"}]},
        {"type": "deduction", "item": "1.2", "subject": "a"}], "办公室", AT)
    ledger.open_period("2026-H2", "IND", IND.version, "admin", AT, carry_over=True)
    ledger.record_facts("2026-H2", [{"type": "deduction", "item": "1.2", "subject": "a", "count": 2},
                                    {"type": "deduction", "item": "3.1", "subject": "b"}], "办公室", AT)
    ledger.open_period("2026", "IND", IND.version, "admin", AT, carry_over=True)
    ledger.record_facts("2026", [
        {"type": "rating", "item": i, "subject": "a", "role": r, "rater": f"{r}-1", "value": v}
        for i, r, v in (("5.1", "democratic", "90"), ("5.2", "supervising", "80"), ("5.3", "leadership", "100"))],
        "局机关考核领导小组", AT)
    if stored_aside:
        set_aside(service, "2026-H1", NOT_AN_ITEM)


def rating_lines(result: dict[str, Any], subject: str, item: str) -> list[dict[str, Any]]:
    def find(node: dict[str, Any]) -> dict[str, Any] | None:
        if node["id"] == item:
            return node
        return next((f for c in node.get("children", []) if (f := find(c)) is not None), None)

    card = next(s for s in result["subjects"] if s["subject"] == subject)["card"]
    found = find(card)
    assert found is not None
    return list(found["lines"])


def test_the_c4_year_does_not_count_and_names_what_its_parts_set_aside(
    service: Service,
) -> None:
    ind_year(service)
    # Check: the half-year's own results name the stored fact and leave it out
    half = queries.results(service, "2026-H1", None)
    assert [e["fact"] for e in half["set_aside"]] == ["2026-H1:older"] and half["set_aside"][0]["problems"]
    for actor in (AUDITOR, RECORDER):
        body = year_rollup(service, actor, "2026")["result"]
        # Check: not counted (the totals of test_carry_over), and named with its position and problems
        assert {s["subject"]: Decimal(s["total"]) for s in body["subjects"]} == {"a": Decimal(92), "b": Decimal(77)}
        assert [(e["fact"], e["position"]) for e in body["set_aside"]] == [
            (e["fact"], e["position"]) for e in half["set_aside"]]


def test_the_c4_year_shows_a_recorder_the_ratings_as_its_scorecard_read_does(service: Service) -> None:
    ind_year(service, stored_aside=False)
    # Check: the auditor sees who rated; the recorder the same summary line its own scorecard read gives
    seen = rating_lines(year_rollup(service, AUDITOR, "2026")["result"], "a", "5.1")
    assert any("democratic-1" in orjson.dumps(line).decode() for line in seen)
    shown = year_rollup(service, RECORDER, "2026")
    assert b"democratic-1" not in orjson.dumps(shown) and b"supervising-1" not in orjson.dumps(shown)
    own_read = queries.scorecard(service, RECORDER, "2026", "a")["result"]
    assert rating_lines(shown["result"], "a", "5.1") == rating_lines({"subjects": [own_read]}, "a", "5.1")


def qf_year(service: Service) -> None:
    """QF: a 95 and b 55 in every quarter (a 好, b 较差); a stored fact in Q1 that admission sets aside."""
    ledger = service.ledger
    ledger.register_scheme(QF, "admin", AT)
    ledger.open_period("2026-Q1", "QF", QF.version, "admin", AT)
    ledger.register_subjects("2026-Q1", [Subject(id=k, name=n, kind="counter") for k, n in (("a", "甲"), ("b", "乙"))],
                             "admin", AT)
    for quarter in ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"):
        if quarter != "2026-Q1":
            ledger.open_period(quarter, "QF", QF.version, "admin", AT, carry_over=True)
        ledger.record_facts(quarter, ballots("a", 95) + ballots("b", 55), "督查指导科", AT)
    set_aside(service, "2026-Q1", NOT_AN_ITEM)


def test_the_g6_year_its_api_and_its_workbook_name_what_the_quarters_set_aside(service: Service) -> None:
    qf_year(service)
    quarter = queries.results(service, "2026-Q1", None)
    assert [e["fact"] for e in quarter["set_aside"]] == ["2026-Q1:older"]
    body = year_rollup(service, RECORDER, "2026")
    assert {s["subject"]: s["grade"] for s in body["result"]["subjects"]} == {"a": "称职", "b": "不称职"}
    assert [(e["period"], e["fact"], e["position"]) for e in body["set_aside"]] == [
        ("2026-Q1", "2026-Q1:older", quarter["set_aside"][0]["position"])]
    assert all("card" not in s for q in body["quarters"] for s in q["subjects"])  # grades and totals only
    # Check: the API answers the same, for a reader who does not see ratings
    issue_token(service.ledger, "办公室", "recorder", ["office"], "test", AT, token="test-recorder")
    clock = lambda: datetime(2026, 12, 31, 10, tzinfo=ZoneInfo("Asia/Shanghai"))  # noqa: E731
    with TestClient(create_app(service=service, clock=clock)) as client:
        answered = client.get("/periods/2026/rollup", headers={"Authorization": "Bearer test-recorder"})
        assert answered.status_code == 200 and answered.json()["set_aside"] == body["set_aside"]
        assert b"main-1" not in answered.content
        workbook = client.get("/years/2026/exports/summary", headers={"Authorization": "Bearer test-recorder"})
    # Check: the workbook (the web page's export is the same document) names it below the table
    sheet = load_workbook(io.BytesIO(workbook.content)).worksheets[0]
    lines = [str(c.value) for c in sheet["A"] if c.value]
    assert any(line.startswith("2026年第一季度：") and "记录2026-Q1:older未计入" in line for line in lines)
