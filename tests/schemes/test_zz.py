"""ZZ 漳州市直机关绩效考评办法 (seed 001, part 5): a year of six units in three series, by hand.

Every expected number below is worked out from the document's rules (and the choices written
in schemes/zz.yaml), not read off the engine. Articles use the document's own numbering.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from domain.errors import FactsInvalid
from domain.facts import Bonus, Deduction, Exemption, Party, Rating, Subject
from domain.scheme.loader import load_scheme_file
from domain.scoring import score_period

SCHEME = load_scheme_file(Path(__file__).parents[2] / "schemes" / "zz.yaml")
YEAR = "2026"
D = Decimal


def unit(sid: str, name: str, series: str) -> Subject:
    return Subject(id=sid, name=name, group=series, kind="unit")


def rate(fid: str, item: str, subject: str, value: str, role: str = "assessor", rater: str = "考评组") -> Rating:
    return Rating(
        id=fid, period=YEAR, recorded_by="市效能办", item=item, subject=subject, role=role, rater=rater, value=D(value)
    )


def assessed(prefix: str, subject: str, goals: str, public: str, panel: list[str]) -> list[Rating]:
    """基本工作目标 (450) and 公众评议 (300) as assessed scores; 综合评议 (50) by panel members (R3)."""
    facts = [rate(f"{prefix}.goal", "1", subject, goals), rate(f"{prefix}.public", "4.1", subject, public)]
    facts += [
        rate(f"{prefix}.panel{i}", "4.2", subject, v, role="panel", rater=f"评议员{i}")
        for i, v in enumerate(panel, start=1)
    ]
    return facts


def ded(fid: str, item: str, subject: str, **kw: object) -> Deduction:
    return Deduction(id=fid, period=YEAR, recorded_by="市效能办", item=item, subject=subject, **kw)


def bonus(fid: str, item: str, subject: str | None = None, **kw: object) -> Bonus:
    return Bonus(id=fid, period=YEAR, recorded_by="市效能办", item=item, subject=subject, **kw)


SUBJECTS = [
    unit("u1", "组织部", "series1"),
    unit("u2", "宣传部", "series1"),
    unit("u3", "统战部", "series1"),
    unit("u4", "财政局", "series2"),
    unit("u5", "发改委", "series2"),
    unit("u6", "国税局", "series3"),
]

FACTS = [
    # u1 组织部 -------------------------------------------------------------------------------
    *assessed("u1", "u1", "430", "270", ["46", "45"]),
    # 三(二)2(1)/(2): one cadre (科级) both sentenced and given party discipline for one matter:
    # 15 and 10 for situation case-7; D4 同一事项就高扣分一次 keeps 15.
    ded("f1", "2.2.1", "u1", attributes={"rank": "section_and_above"}, situation="case-7"),
    ded("f2", "2.2.2", "u1", attributes={"rank": "section_and_above"}, situation="case-7"),
    ded("f3", "2.4.6", "u1", attributes={"kind": "late_or_early"}, count=3),  # 3 person-times × 1
    # 三(三)3: one piece of work named 先进单位 by the province (8) and 行文推广 by the city (5): B2 keeps 8.
    bonus("b1", "3.3.1", "u1", level="province", situation="award-A"),
    bonus("b2", "3.3.3", "u1", level="city", situation="award-A"),
    # 三(三)4(1) funds 3,200,000 yuan raised jointly, u1 lead, u2 co: ⌊3.2M/0.5M⌋ = 6 points; B6 4.8 / 1.2.
    bonus(
        "b3",
        "3.4.1",
        parties=[Party(subject="u1", role="lead"), Party(subject="u2", role="co")],
        amount=D("3200000"),
    ),
    # u2 宣传部 -------------------------------------------------------------------------------
    *assessed("u2", "u2", "400", "250", ["40", "42"]),
    ded("f4", "2.2.3", "u2", attributes={"level": "efficiency_warning"}),  # 5, but self-reported: D8
    Exemption(id="e1", period=YEAR, recorded_by="市效能办", target="f4", ground="self_reported"),
    ded("f5", "2.4.2", "u2", attributes={"severity": "late"}),  # 5
    bonus("b4", "3.2.1", "u2", count=6),  # 6 measures × 2 = 12, capped at 10 (B3)
    # u3 统战部: the efficiency section overflows (D3) -----------------------------------------
    *assessed("u3", "u3", "380", "220", ["35"]),
    ded("f6", "2.3.1", "u3", count=3),  # 综治、计生、文明 否决: 3 × 20 = 60 (C3 as a deduction)
    ded("f7", "2.3.3", "u3", amount=D("8")),  # 财经纪律 5–10: 8
    ded("f8", "2.2.1", "u3", attributes={"rank": "below_section"}, count=2, situation="case-9"),  # 2 × 10 = 20
    ded("f9", "2.4.2", "u3", attributes={"severity": "adverse_impact"}),  # 10
    ded("f10", "2.4.4", "u3", attributes={"severity": "contrary_to_facts"}),  # 10
    # u4 财政局 -------------------------------------------------------------------------------
    *assessed("u4", "u4", "440", "280", ["48", "47", "46"]),
    ded("f11", "2.4.10", "u4", amount=D("3")),
    ded("f12", "2.4.10", "u4", amount=D("4")),  # 3 + 4 = 7, the item allows 5 (在5分内酌情扣分)
    ded("f13", "2.2.2", "u4", attributes={"rank": "below_section"}),  # 7, but self-investigated: D8
    Exemption(id="e2", period=YEAR, recorded_by="市纪委", target="f13", ground="self_investigated"),
    bonus("b5", "3.4.2", "u4", amount=D("17500000")),  # 5 at 10M + ⌊7.5M/3M⌋ = 2 → 7 (B5)
    bonus(  # 三(三)1(2) 突出贡献 30, u4 主办 24 / u5 联办 6 (B6)
        "b6", "3.1.2", parties=[Party(subject="u4", role="lead"), Party(subject="u5", role="co")]
    ),
    # u5 发改委 -------------------------------------------------------------------------------
    *assessed("u5", "u5", "420", "260", ["44"]),
    ded("f14", "2.1.2", "u5", amount=D("2.5")),  # 常规督查: 2.5 decided within 0–10
    ded("f15", "2.4.1a", "u5", count=2),  # 2 person-times absent × 2
    bonus("b7", "3.4.2", "u5", amount=D("9000000")),  # below 10M: 0 (B5)
    bonus("b8", "3.3.2", "u5", level="first"),  # 全省系统评比第一名 4
    # u6 国税局 -------------------------------------------------------------------------------
    *assessed("u6", "u6", "410", "240", ["40"]),
    ded("f16", "2.4.5a", "u6"),  # 省效能办暗访: 5 per person-time (value chosen, missing in the source)
]


@pytest.fixture(scope="module")
def result():
    return score_period(SCHEME, SUBJECTS, FACTS, period=YEAR)


def test_the_year_of_six_units_gives_hand_computed_totals_ranks_and_grades(result) -> None:
    """五: total = 基本工作目标 + 效率与作风 + 突出绩效 + 效能评议; ranks per series (S2); grades G1/G3.

    u1: 430 + (100 − 15 − 3 = 82) + (8 + 4.8 = 12.8) + 270 + (46+45)/2 = 45.5        = 840.3
    u2: 400 + (100 − 5 = 95; f4 exempted) + (1.2 + min(12, 10) = 11.2) + 250 + 41     = 797.2
    u3: 380 + 0 + 0 + 220 + 35 − overflow (60 + 8 + 20 + 10 + 10 − 100 = 8)           = 627
    u4: 440 + (100 − min(7, 5) = 95; f13 exempted) + (7 + 24 = 31) + 280 + 47          = 893
    u5: 420 + (100 − 2.5 − 4 = 93.5) + (6 + 0 + 4 = 10) + 260 + 44                     = 827.5
    u6: 410 + (100 − 5 = 95) + 0 + 240 + 40                                           = 785
    series1: u1 1st, u2 2nd, u3 3rd (627 < 700 → 不合格 even inside the top 5); u1, u2 优秀 (quota 5).
    series2: u4, u5 优秀 (quota 10). series3: u6 优秀 (quota 5).
    """
    expected = {
        "u1": (D("840.3"), 1, "优秀单位"),
        "u2": (D("797.2"), 2, "优秀单位"),
        "u3": (D("627"), 3, "不合格单位"),
        "u4": (D("893"), 1, "优秀单位"),
        "u5": (D("827.5"), 2, "优秀单位"),
        "u6": (D("785"), 1, "优秀单位"),
    }
    got = {s.subject: (s.total, s.rank, s.grade) for s in result.subjects}
    assert got == expected
    assert all(s.flags == [] for s in result.subjects)


def test_sections_of_the_organisation_department_match_the_hand_computation(result) -> None:
    """u1 组织部: each of the four parts of 三, 450 / 100 / 100 / 350."""
    card = result.subject("u1").card
    assert card.find("1").applied == D("430")
    assert card.find("2").applied == D("82")
    assert card.find("3").applied == D("12.8")
    assert card.find("4.2").applied == D("45.5")  # R3: two panel members averaged
    assert card.find("4").applied == D("315.5")


def test_deductions_beyond_100_in_the_efficiency_section_come_off_the_total_D3(result) -> None:
    """三(二): 如扣分超过100分的,超出的分数在该单位总得分中扣除 (D3).

    u3: 3 否决 × 20 (C3 as a deduction) + 财经 8 + 2 person-times × 10 + 10 + 10 = 108 > 100:
    the section scores 0 and the 8 beyond go to the total: 380 + 0 + 0 + 220 + 35 − 8 = 627.
    """
    s = result.subject("u3")
    section = s.card.find("2")
    assert section.raw == D("-8")
    assert section.applied == D("0")
    assert section.overflow == D("-8")
    assert section.cut == D("0")
    assert s.card.overflow == D("-8")
    assert s.total == D("627")


def test_one_matter_found_by_court_and_discipline_commission_is_deducted_once_at_the_highest_D4(result) -> None:
    """三(二)2 末段 同一事项就高扣分一次,不重复扣分: 15 (刑事, 科级以上) beats 10 (党纪, 科级以上)."""
    card = result.subject("u1").card
    kept = card.find("2.2.1").lines
    dropped = card.find("2.2.2").lines
    assert [(ln.facts, ln.points, ln.status) for ln in kept] == [(["f1"], D("-15"), "counted")]
    assert [(ln.facts, ln.points, ln.status) for ln in dropped] == [(["f2"], D("-10"), "superseded")]
    assert card.find("2.2").applied == D("-15")


def test_a_self_reported_or_self_investigated_case_is_exempt_D8(result) -> None:
    """三(二)2 末段: 属于本单位自行查处或主动报告有关机关查处的,免予扣分 (D8)."""
    u2 = result.subject("u2").card
    assert [(ln.facts, ln.status) for ln in u2.find("2.2.3").lines] == [(["f4"], "exempted")]
    assert u2.find("2").applied == D("95")  # only 2.4.2's 5
    u4 = result.subject("u4").card
    assert [(ln.facts, ln.status) for ln in u4.find("2.2.2").lines] == [(["f13"], "exempted")]


def test_an_exemption_is_refused_outside_the_articles_it_belongs_to_D8() -> None:
    """The exemption of 三(二)2 covers only 违法违纪及效能责任追究; a lateness finding (三(二)4(6)) cannot be exempted."""
    subjects = [unit("u1", "组织部", "series1")]
    facts = [
        ded("f1", "2.4.6", "u1", attributes={"kind": "absent"}),
        Exemption(id="e1", period=YEAR, recorded_by="市效能办", target="f1", ground="self_reported"),
    ]
    with pytest.raises(FactsInvalid):
        score_period(SCHEME, subjects, facts, period=YEAR)


def test_the_cadre_training_item_deducts_at_most_5_in_all(result) -> None:
    """三(二)4(10) 在5分内酌情扣分: 3 + 4 = 7 recorded, 5 applied, 2 cut."""
    item = result.subject("u4").card.find("2.4.10")
    assert (item.raw, item.applied, item.cut) == (D("-7"), D("-5"), D("-2"))
    assert item.cut_facts == ["f12"]


def test_a_joint_project_credits_the_lead_unit_80_and_the_co_unit_20_percent_B6(result) -> None:
    """三(三)4 末段 主办单位按80%计分,联办单位按20%计分.

    突出贡献 30 → u4 24, u5 6; funds ⌊3,200,000 / 500,000⌋ = 6 → u1 4.8, u2 1.2.
    """
    assert result.subject("u4").card.find("3.1.2").applied == D("24")
    assert result.subject("u5").card.find("3.1.2").applied == D("6")
    assert result.subject("u1").card.find("3.4.1").applied == D("4.8")
    assert result.subject("u2").card.find("3.4.1").applied == D("1.2")


def test_one_piece_of_work_honoured_twice_scores_once_at_the_highest_B2(result) -> None:
    """三(三)3 末段 同一项工作受到多次奖励的,按最高一级得分: province 先进单位 8 over city 推广 5."""
    card = result.subject("u1").card
    assert [ln.status for ln in card.find("3.3.1").lines] == ["counted"]
    assert [ln.status for ln in card.find("3.3.3").lines] == ["superseded"]
    assert card.find("3.3").applied == D("8")


def test_innovation_measures_are_capped_at_10_B3(result) -> None:
    """三(三)2(1) 每条得2分,最高得10分: 6 measures → 12 → 10."""
    item = result.subject("u2").card.find("3.2.1")
    assert (item.raw, item.applied, item.cut) == (D("12"), D("10"), D("2"))


def test_funds_and_investment_step_scales_B5() -> None:
    """三(三)4(1) 每争取50万元得1分,最高10分; 4(2) 实际到资1000万元得5分,每增加300万元得1分,最高10分.

    funds:      499,999 → 0;  500,000 → 1;  4,999,999 → 9;  5,600,000 → 11 → 10
    investment: 9,999,999 → 0; 10,000,000 → 5; 12,999,999 → 5; 13,000,000 → 6; 40,000,000 → 5 + 10 → 10
    """
    cases = {
        "a": ("3.4.1", "499999", "0"),
        "b": ("3.4.1", "500000", "1"),
        "c": ("3.4.1", "4999999", "9"),
        "d": ("3.4.1", "5600000", "10"),
        "e": ("3.4.2", "9999999", "0"),
        "f": ("3.4.2", "10000000", "5"),
        "g": ("3.4.2", "12999999", "5"),
        "h": ("3.4.2", "13000000", "6"),
        "i": ("3.4.2", "40000000", "10"),
    }
    subjects = [unit(k, f"单位{k}", "series2") for k in cases]
    facts = [bonus(f"b.{k}", item, k, amount=D(amount)) for k, (item, amount, _) in cases.items()]
    result = score_period(SCHEME, subjects, facts, period=YEAR)
    got = {k: result.subject(k).card.find(cases[k][0]).applied for k in cases}
    assert got == {k: D(points) for k, (_, _, points) in cases.items()}


def _series3(totals_goal: dict[str, str]) -> tuple[list[Subject], list[Rating]]:
    """Units of series 3 scored only on 基本工作目标 (公众评议 250, 综合评议 40, no deductions, no bonus)."""
    subjects = [unit(k, f"垂直单位{k}", "series3") for k in totals_goal]
    facts = [f for k, goal in totals_goal.items() for f in assessed(k, k, goal, "250", ["40"])]
    return subjects, facts


def test_only_the_top_5_of_series_3_are_excellent_and_700_itself_passes_G3_G1() -> None:
    """五: 第三系列前5名 优秀单位; 700分(不含700分)以下 不合格; 其余 合格.

    total = goal + 100 + 250 + 40 = goal + 390:
    t1 840, t2 830, t3 820, t4 810, t5 800 → 优秀 (quota 5); t6 700 → 合格 (700 is not below 700);
    t7 699.5 → 不合格.
    """
    goals = {"t1": "450", "t2": "440", "t3": "430", "t4": "420", "t5": "410", "t6": "310", "t7": "309.5"}
    subjects, facts = _series3(goals)
    result = score_period(SCHEME, subjects, facts, period=YEAR)
    got = {s.subject: (s.total, s.rank, s.grade) for s in result.ranking("series3")}
    assert got == {
        "t1": (D("840"), 1, "优秀单位"),
        "t2": (D("830"), 2, "优秀单位"),
        "t3": (D("820"), 3, "优秀单位"),
        "t4": (D("810"), 4, "优秀单位"),
        "t5": (D("800"), 5, "优秀单位"),
        "t6": (D("700"), 6, "合格单位"),
        "t7": (D("699.5"), 7, "不合格单位"),
    }


def test_a_unit_below_700_is_not_excellent_even_in_the_top_places_of_its_series_G1_before_G3() -> None:
    """五 + 六.3 (不合格单位 取消评先评优资格): rule order 不合格 before 优秀.

    series3 with three units: 800 → 优秀; 699 and 650 → 不合格, though all three are in the top 5.
    """
    subjects, facts = _series3({"a": "410", "b": "309", "c": "260"})
    result = score_period(SCHEME, subjects, facts, period=YEAR)
    got = {s.subject: (s.total, s.grade) for s in result.subjects}
    assert got == {"a": (D("800"), "优秀单位"), "b": (D("699"), "不合格单位"), "c": (D("650"), "不合格单位")}


def test_a_tie_across_the_fifth_place_gives_excellent_to_none_of_the_tied_G7() -> None:
    """G7 (choice in zz.yaml): equal totals, equal 基本工作目标 and equal 效能评议 share rank 5;
    quota_boundary exclude: neither is 优秀; both 合格. A tie on the total alone is broken by the
    基本工作目标 score (tiebreak "1")."""
    subjects, facts = _series3({"a": "440", "b": "430", "c": "420", "d": "410", "e": "400", "f": "400"})
    # g: same total as e and f (790) but by a bonus, with a lower 基本工作目标: ranked after them.
    more, more_facts = _series3({"g": "390"})
    subjects += more
    facts += more_facts + [bonus("y1", "3.4.3", "g", count=2)]  # 10
    result = score_period(SCHEME, subjects, facts, period=YEAR)
    got = {s.subject: (s.total, s.rank, s.grade) for s in result.subjects}
    assert got == {
        "a": (D("830"), 1, "优秀单位"),
        "b": (D("820"), 2, "优秀单位"),
        "c": (D("810"), 3, "优秀单位"),
        "d": (D("800"), 4, "优秀单位"),
        "e": (D("790"), 5, "合格单位"),
        "f": (D("790"), 5, "合格单位"),
        "g": (D("790"), 7, "合格单位"),
    }
