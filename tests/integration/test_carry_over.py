"""Periods carry over (S2/S4) and a year is rolled up from its parts (G6, C4), nothing entered again.

QF 三.(一) quarters, 四 平时考核结果与年度考核结果挂钩 (G6); IND 三.1 每半年测算通报一次, 五 半年考核扣分
累计列为年度考核扣分 (C4). Numbers worked by hand from the documents' rules as the schemes write them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.errors import FactsInvalid
from domain.facts import Subject
from domain.scheme.loader import load_scheme_file
from service.bootstrap import Service
from service.errors import NotFound
from service.rollup import year_rollup
from service.tokens import Actor
from tests.integration.helpers import AT, ROOT

QF = load_scheme_file(ROOT / "schemes" / "qf.yaml")
IND = load_scheme_file(ROOT / "schemes" / "ind.yaml")
READER = Actor(principal="审计员", role="auditor", scope=[])
COUNTER_ITEMS = ["c.1", "c.2", "c.3", "c.4", "c.5", "w.1", "w.2", "w.3", "w.4", "w.5"]


def ballots(subject: str, value: int) -> list[dict[str, Any]]:
    """One rater per role gives `value` on every item: each item scores max × value/100, the total `value`."""
    return [{"type": "rating", "item": item, "subject": subject, "role": role, "rater": f"{role}-1", "value": str(value)}
            for item in COUNTER_ITEMS for role in ("main", "supervising", "colleagues")]


def test_each_quarter_opens_with_the_previous_ones_staff_and_the_year_is_graded_from_the_four_G6(
    service: Service,
) -> None:
    """QF: five window staff, rated the same each quarter except 戊 (e), 55 in Q1–Q2 and 80 in Q3–Q4.

    Each quarter (三.(二)4): ≥ 85 好 within 40% of 5 (2 slots), ≥ 75 较好, < 60 较差:
      a 95 好, b 90 好, c 80 较好, d 55 较差; e 较差 (Q1, Q2), 较好 (Q3, Q4).
    Year (四): a, b all four 好 → priority_excellent, year 称职 (default; the year review decides 优秀);
      c 称职; d four 较差 → 不称职 (三次以上); e two 较差 → 基本称职.
    """
    ledger = service.ledger
    ledger.register_scheme(QF, "admin", AT)
    ledger.open_period("2026-Q1", "QF", QF.version, "admin", AT)
    staff = [Subject(id=k, name=n, kind="counter") for k, n in zip("abcde", ["甲", "乙", "丙", "丁", "戊"], strict=True)]
    ledger.register_subjects("2026-Q1", staff, "admin", AT)
    scores = {"a": 95, "b": 90, "c": 80, "d": 55}
    for quarter in ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"):
        if quarter != "2026-Q1":
            opened = ledger.open_period(quarter, "QF", QF.version, "admin", AT, carry_over=True)
            # Check: the staff and their groups come over from the quarter before, as registrations
            assert opened["subjects"] == list("abcde") and opened["carried_over_from"] < quarter
            assert ledger.period(quarter).subjects == ledger.period("2026-Q1").subjects
        late = quarter in ("2026-Q3", "2026-Q4")
        facts = [f for k, v in {**scores, "e": 80 if late else 55}.items() for f in ballots(k, v)]
        ledger.record_facts(quarter, facts, "督查指导科", AT)

    body = year_rollup(service, READER, "2026")
    assert (body["rule"], body["parts"]) == ("G6", ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"])
    rows = {s["subject"]: s for s in body["result"]["subjects"]}
    assert {k: r["grade"] for k, r in rows.items()} == {"a": "称职", "b": "称职", "c": "称职", "d": "不称职",
                                                        "e": "基本称职"}
    assert rows["a"]["flags"] == ["priority_excellent"] and rows["e"]["quarter_grades"] == {
        "2026-Q1": "较差", "2026-Q2": "较差", "2026-Q3": "较好", "2026-Q4": "较好"}


def test_carrying_over_leaves_out_who_is_named_and_refuses_an_unknown_name_or_a_missing_period(
    service: Service,
) -> None:
    ledger = service.ledger
    ledger.register_scheme(QF, "admin", AT)
    ledger.open_period("2026-Q1", "QF", QF.version, "admin", AT)
    ledger.register_subjects("2026-Q1", [Subject(id=k, name=k, kind="counter", group="g1") for k in "xyz"], "admin", AT)
    end = ledger.recorder.max_notification_id()
    with pytest.raises(FactsInvalid, match="cannot be carried over"):
        ledger.open_period("2026-Q2", "QF", QF.version, "admin", AT, carry_over=True, leave_out=["w"])
    with pytest.raises(NotFound, match="2026-Q2 does not exist"):
        ledger.open_period("2026-Q3", "QF", QF.version, "admin", AT, carry_over=True)
    assert ledger.recorder.max_notification_id() == end  # nothing appended, not even the period
    opened = ledger.open_period("2026-Q2", "QF", QF.version, "admin", AT, carry_over=True, leave_out=["y"])
    assert opened["subjects"] == ["x", "z"]
    assert {s["group"] for s in ledger.period("2026-Q2").subjects.values()} == {"g1"}


def test_the_year_is_scored_from_its_half_years_facts_and_its_own_year_end_ratings_C4(service: Service) -> None:
    """IND (version 2): 2026-H1 and 2026-H2 record the halves' findings (每半年测算通报); the year 2026 opens
    with H2's staff and records only the year-end ratings (四.(五)); the roll-up adds them up (五 半年考核扣分
    累计列为年度考核扣分).

    甲 (a): H1 2.1 执法计划, by a alone (person) 3, 1.2 缺席学习 1; H2 1.2 × 2 → 学习 15 − 3 = 12, 业务 30 − 3
       = 27, 中心 15, 考勤 20; 述职 90 → 9, 分管 80 → 4, 班子 100 → 5: 18. Total 92 → 称职 (≥ 80).
    乙 (b): H2 3.1 不服从疫情防控安排 3 → 中心 12; no year-end ratings (flagged): 15 + 30 + 12 + 20 = 77 → 基本称职.
    """
    ledger = service.ledger
    ledger.register_scheme(IND, "admin", AT)
    ledger.open_period("2026-H1", "IND", IND.version, "admin", AT)
    ledger.register_subjects("2026-H1", [Subject(id="a", name="甲", kind="staff"), Subject(id="b", name="乙",
                                                                                         kind="staff")], "admin", AT)
    ledger.record_facts("2026-H1", [
        {"type": "deduction", "item": "2.1", "parties": [{"subject": "a", "role": "person"}]},
        {"type": "deduction", "item": "1.2", "subject": "a"}], "办公室", AT)
    ledger.open_period("2026-H2", "IND", IND.version, "admin", AT, carry_over=True)
    ledger.record_facts("2026-H2", [{"type": "deduction", "item": "1.2", "subject": "a", "count": 2},
                                    {"type": "deduction", "item": "3.1", "subject": "b"}], "办公室", AT)
    opened = ledger.open_period("2026", "IND", IND.version, "admin", AT, carry_over=True)
    assert opened["carried_over_from"] == "2026-H2"
    ledger.record_facts("2026", [
        {"type": "rating", "item": i, "subject": "a", "role": r, "rater": f"{r}-1", "value": v}
        for i, r, v in (("5.1", "democratic", "90"), ("5.2", "supervising", "80"), ("5.3", "leadership", "100"))],
        "局机关考核领导小组", AT)

    body = year_rollup(service, READER, "2026")
    assert (body["rule"], body["parts"]) == ("C4", ["2026-H1", "2026-H2"])
    got = {s["subject"]: (Decimal(s["total"]), s["grade"]) for s in body["result"]["subjects"]}
    assert got == {"a": (Decimal("92"), "称职"), "b": (Decimal("77"), "基本称职")}
    a = next(s for s in body["result"]["subjects"] if s["subject"] == "a")
    sections = {c["id"]: Decimal(c["applied"]) for c in a["card"]["children"]}
    assert (sections["study"], sections["business"], sections["review"]) == (Decimal(12), Decimal(27), Decimal(18))
