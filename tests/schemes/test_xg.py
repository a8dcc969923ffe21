"""XG 新干县县直机关政务"阳光行动"工作考评办法 (seed 001, part 1): a year of four units, by hand.

Articles use the document's own numbering (二(一)3(1) …); choices are those written in schemes/xg.yaml.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from domain.facts import Bonus, Deduction, Subject
from domain.scheme.loader import load_scheme_file
from domain.scoring import score_period

SCHEME = load_scheme_file(Path(__file__).parents[2] / "schemes" / "xg.yaml")
YEAR = "2026"
D = Decimal


def unit(sid: str, name: str) -> Subject:
    return Subject(id=sid, name=name, kind="unit")


def ded(fid: str, item: str, subject: str, **kw: object) -> Deduction:
    return Deduction(id=fid, period=YEAR, recorded_by="县机关效能投诉中心", item=item, subject=subject, **kw)


def bonus(fid: str, item: str, subject: str, **kw: object) -> Bonus:
    return Bonus(id=fid, period=YEAR, recorded_by="县阳光行动领导小组", item=item, subject=subject, **kw)


SUBJECTS = [unit("x1", "洋峰垦殖场"), unit("x2", "黎山林场"), unit("x3", "县财政局"), unit("x4", "县教育局")]

FACTS = [
    # x1 洋峰垦殖场
    ded("a1", "1.2", "x1"),  # 没有制定工作方案 5
    ded("a2", "3.1", "x1", count=3),  # 3 disclosures missed × 10
    ded("a3", "3.2", "x1", count=2),  # 2 × 5
    ded("a4", "3.6", "x1", count=2),  # 下属单位未公开 2 × 2
    ded("a5", "4.2", "x1", attributes={"state": "missing"}),  # 档案资料没有 10
    bonus("a6", "5.1", "x1", level="city"),  # 市级典型推广 10
    # x2 黎山林场: section 3 deducted past its 60 (D2)
    ded("b1", "3.1", "x2", count=5),  # 50
    ded("b2", "3.3", "x2"),  # 10
    ded("b3", "3.2", "x2"),  # 5 → 65 > 60
    ded("b4", "4.1", "x2", count=2),  # 10
    ded("b5", "2.1", "x2"),  # 2
    ded("b6", "2.2", "x2"),  # 3
    ded("b7", "2.3", "x2"),  # 5 → section 2 at 0
    ded("b8", "5.2", "x2", attributes={"level": "county"}),  # 县内典型批评 −5
    # x3 县财政局: promoted twice for one practice, once for another
    ded("c1", "3.7", "x3", count=2),  # 2 quarters missed at the 文化长廊 × 5
    bonus("c2", "5.1", "x3", level="county", situation="practice-A"),  # 5, superseded
    bonus("c3", "5.1", "x3", level="province", situation="practice-A"),  # 15
    bonus("c4", "5.1", "x3", level="city", situation="practice-B"),  # 10
    # x4 县教育局
    ded("d1", "1.1", "x4", count=2),  # 没有召开动员大会: a one-off, 3 once
    ded("d2", "4.2", "x4", attributes={"state": "incomplete"}),  # 不健全 5
    ded("d3", "5.2", "x4", attributes={"level": "city"}, situation="criticism-A"),  # 10, superseded
    ded("d4", "5.2", "x4", attributes={"level": "province"}, situation="criticism-A"),  # 15
]


@pytest.fixture(scope="module")
def result():
    return score_period(SCHEME, SUBJECTS, FACTS, period=YEAR)


def test_the_year_of_four_units_gives_hand_computed_totals_and_ranks(result) -> None:
    """二(一): total = 领导重视 15 + 自查自纠 10 + 公开 60 + 材料 15 (each floored at 0, D2) ± 加减分 (C1).

    x1: (15 − 5) + 10 + (60 − 30 − 10 − 4 = 16) + (15 − 10 = 5) + 10            = 51
    x2: 15 + (10 − 10 = 0) + (60 − 65 → 0) + (15 − 10 = 5) − 5                   = 15
    x3: 15 + 10 + (60 − 10 = 50) + 15 + (15 [5 superseded] + 10 = 25)             = 115
    x4: (15 − 3 = 12) + 10 + 60 + (15 − 5 = 10) − 15 [10 superseded]              = 77
    One group; ranks 1–4 by total: x3, x4, x1, x2. No grades in the document.
    """
    got = {s.subject: (s.total, s.rank, s.grade) for s in result.subjects}
    assert got == {
        "x3": (D("115"), 1, None),
        "x4": (D("77"), 2, None),
        "x1": (D("51"), 3, None),
        "x2": (D("15"), 4, None),
    }


def test_deductions_stop_at_zero_within_the_section_and_do_not_spill_D2(result) -> None:
    """二(一)3 扣分情况以扣完本项分值为止: x2 loses 65 in 公开情况 (60): the section is 0, 5 are cut."""
    section = result.subject("x2").card.find("3")
    assert (section.raw, section.applied, section.cut, section.overflow) == (D("-5"), D("0"), D("-5"), D("0"))
    assert result.subject("x2").card.find("4").applied == D("5")


def test_the_fact_cut_at_the_section_floor_is_the_last_in_fact_order(result) -> None:
    """docs/scheme-guide.md: counted points are taken in order of (occurred_on, fact id).

    x2, no dates: b1 (3.1) 50, b2 (3.3) 10 → 60 reached, b3 (3.2) 5 goes beyond the 60: b3 is cut,
    although item 3.2 comes before 3.3 in the tree.
    """
    assert result.subject("x2").card.find("3").cut_facts == ["b3"]


def test_typical_promotion_scores_by_level_county_5_city_10_province_15_B1(result) -> None:
    """二(一)5(1) 县内 5, 市级 10, 省级 15 each time."""
    assert result.subject("x1").card.find("5.1").applied == D("10")
    assert result.subject("x3").card.find("5.1").applied == D("25")


def test_one_practice_promoted_at_several_levels_counts_once_at_the_highest_B2_D4(result) -> None:
    """Choice in xg.yaml (silent document): one practice counts once, at its highest level.

    x3 practice-A: county 5 superseded by province 15; practice-B city 10 counts separately.
    x4 criticism-A: city −10 superseded by province −15.
    """
    lines = result.subject("x3").card.find("5.1").lines
    assert [(ln.facts, ln.points, ln.status) for ln in lines] == [
        (["c2"], D("5"), "superseded"),
        (["c3"], D("15"), "counted"),
        (["c4"], D("10"), "counted"),
    ]
    x4 = result.subject("x4").card.find("5.2")
    assert [ln.status for ln in x4.lines] == ["superseded", "counted"]
    assert x4.applied == D("-15")


def test_the_bonus_section_has_no_cap_so_the_total_may_exceed_100_B3(result) -> None:
    """二(一)5: no cap stated; x3 reaches 115 of a 百分制."""
    assert result.subject("x3").card.find("5").applied == D("25")
    assert result.subject("x3").total == D("115")


def test_a_one_off_failing_recorded_twice_costs_its_value_once(result) -> None:
    """二(一)1(1) 没有召开干部职工大会的扣3分 (choice: once a year, item cap 3)."""
    item = result.subject("x4").card.find("1.1")
    assert (item.raw, item.applied, item.cut) == (D("-6"), D("-3"), D("-3"))


def test_archive_records_are_graded_incomplete_5_or_missing_10_D6(result) -> None:
    """二(一)4(2) 档案资料不健全的扣5分,没有的扣10分."""
    assert result.subject("x4").card.find("4.2").applied == D("-5")
    assert result.subject("x1").card.find("4.2").applied == D("-10")
