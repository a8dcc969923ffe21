"""XIANG ××乡机关绩效考评办法 (seed 001, part 3): a year of eleven units in three categories, by hand.

三: 工作业绩 40 + 作风效率 40 (R1: 班子 12, 代表 18, 监督员 10) + 政令畅通 10 + 效能监察 10, then the
negative items of 三(五) (C3). 七: top 3 / 3 / 1 per category advanced (G3); the last two places of the
whole township (G4, ranked over the period: scheme version 2).
Choices are those written in schemes/xiang.yaml.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from domain.facts import Deduction, Rating, Subject
from domain.scheme.loader import load_scheme_file
from domain.scoring import score_period

SCHEME = load_scheme_file(Path(__file__).parents[2] / "schemes" / "xiang.yaml")
YEAR = "2026"
D = Decimal


def unit(sid: str, name: str, category: str) -> Subject:
    return Subject(id=sid, name=name, group=category, kind="unit")


def rating(fid: str, item: str, subject: str, role: str, rater: str, value: str) -> Rating:
    return Rating(
        id=fid, period=YEAR, recorded_by="镇效能办", item=item, subject=subject, role=role, rater=rater, value=D(value)
    )


def scored(
    sid: str, work: tuple[str, str, str], leaders: list[str], reps: list[str], sups: list[str], order: str
) -> list[Rating]:
    """工作业绩 1.1–1.3 and 政令畅通 3 as assessed scores; 作风效率 2 by three rater groups (R1, R3)."""
    facts = [rating(f"{sid}.1.{i}", f"1.{i}", sid, "assessor", "综合考评组", v) for i, v in enumerate(work, 1)]
    for role, values in (("leadership", leaders), ("representatives", reps), ("supervisors", sups)):
        facts += [rating(f"{sid}.2.{role}{i}", "2", sid, role, f"{role}{i}", v) for i, v in enumerate(values, 1)]
    facts.append(rating(f"{sid}.3", "3", sid, "assessor", "镇效能办、镇纪委", order))
    return facts


def ded(fid: str, item: str, subject: str, **kw: object) -> Deduction:
    return Deduction(id=fid, period=YEAR, recorded_by="综合办公室", item=item, subject=subject, **kw)


SUBJECTS = [
    unit("a1", "城镇规划中心", "cat1"),
    unit("a2", "财税所", "cat1"),
    unit("a3", "派出所", "cat1"),
    unit("a4", "司法所", "cat1"),
    unit("a5", "卫生院", "cat1"),
    unit("b1", "林业站", "cat2"),
    unit("b2", "文化中心", "cat2"),
    unit("b3", "粮站", "cat2"),
    unit("b4", "中心校", "cat2"),
    unit("c1", "供电站", "cat3"),
    unit("c2", "邮政支局", "cat3"),
]

FACTS = [
    *scored("a1", ("16", "17", "5"), ["90", "80"], ["90", "95", "100"], ["90"], "9"),
    *scored("a2", ("15", "16", "4"), ["80"], ["80", "90"], ["80"], "9"),
    ded("a2.4", "4.1", "a2", amount=D("2")),
    ded("a2.5a", "5.1", "a2", situation="review-family-planning"),  # vetoed in the 计生 review: −2
    ded("a2.5b", "5.2", "a2", situation="review-family-planning"),  # and last 5 in it: −1, superseded (D4 choice)
    ded("a2.5c", "5.2", "a2", situation="review-public-order"),  # last 5 in the 综治 review: −1
    *scored("a3", ("16", "16", "5"), ["70", "90"], ["85"], ["70", "80"], "8"),
    ded("a3.5", "5.2", "a3", situation="review-civility"),  # −1
    *scored("a4", ("14", "15", "4"), ["75"], ["80"], ["80"], "8"),
    ded("a4.4a", "4.1", "a4", amount=D("3")),
    ded("a4.4b", "4.1", "a4", amount=D("1.5")),
    *scored("a5", ("12", "14", "3"), ["60"], ["70"], ["60"], "7"),
    ded("a5.4a", "4.1", "a5", amount=D("6")),
    ded("a5.4b", "4.1", "a5", amount=D("5")),  # 11 > 10: the section stops at 0 (D2)
    ded("a5.5a", "5.1", "a5", situation="review-family-planning"),  # −2
    ded("a5.5b", "5.1", "a5", situation="review-public-order"),  # −2
    *scored("b1", ("16", "17", "5"), ["90"], ["90"], ["90"], "10"),
    *scored("b2", ("15", "15", "4"), ["85"], ["80"], ["85"], "9"),
    *scored("b3", ("14", "15", "4"), ["80"], ["75"], ["80"], "8"),
    ded("b3.4", "4.1", "b3", amount=D("1")),
    *scored("b4", ("13", "14", "4"), ["70"], ["70"], ["70"], "8"),
    ded("b4.5", "5.1", "b4", situation="review-safety"),  # −2
    *scored("c1", ("15", "16", "5"), ["85"], ["90"], ["80"], "9"),
    *scored("c2", ("15", "15", "4"), ["80"], ["80"], ["80"], "9"),
]


@pytest.fixture(scope="module")
def result():
    return score_period(SCHEME, SUBJECTS, FACTS, period=YEAR)


def test_the_year_of_eleven_units_gives_hand_computed_totals_ranks_and_consequences(result) -> None:
    """三 + 七. 作风效率 = (12 × 班子avg + 18 × 代表avg + 10 × 监督员avg) / 100.

    a1: 38 + (12×85 + 18×95 + 10×90)/100 = 36.3 + 9 + 10              = 93.3
    a2: 35 + (12×80 + 18×85 + 10×80)/100 = 32.9 + 9 + (10 − 2) − 2 − 1 = 81.9
    a3: 37 + (12×80 + 18×85 + 10×75)/100 = 32.4 + 8 + 10 − 1          = 86.4
    a4: 33 + (12×75 + 18×80 + 10×80)/100 = 31.4 + 8 + (10 − 4.5)      = 77.9
    a5: 29 + (12×60 + 18×70 + 10×60)/100 = 25.8 + 7 + 0 − 4           = 57.8
    b1: 38 + 36 + 10 + 10 = 94;   b2: 34 + 33.1 + 9 + 10 = 86.1
    b3: 33 + 31.1 + 8 + 9 = 81.1; b4: 31 + 28 + 8 + 10 − 2 = 75
    c1: 36 + 34.4 + 9 + 10 = 89.4; c2: 34 + 32 + 9 + 10 = 85
    Advanced (七, per category): cat1 a1, a3, a2 (top 3); cat2 b1, b2, b3; cat3 c1 (top 1).
    七 总分位列倒数第一名的单位 (the whole township, 11 units): a5 (57.8) → 免职, one head removed;
    倒数第二名: b4 (75) → 通报批评. a4 (77.9) and c2 (85) last in their categories, but not in the
    township: 无奖惩 (version 1 removed the heads of a5, b4 and c2).
    """
    adv, none, crit, removed = SCHEME.grading.grades
    got = {s.subject: (s.total, s.rank, s.grade) for s in result.subjects}
    assert got == {
        "a1": (D("93.3"), 1, adv),
        "a3": (D("86.4"), 2, adv),
        "a2": (D("81.9"), 3, adv),
        "a4": (D("77.9"), 4, none),
        "a5": (D("57.8"), 5, removed),
        "b1": (D("94"), 1, adv),
        "b2": (D("86.1"), 2, adv),
        "b3": (D("81.1"), 3, adv),
        "b4": (D("75"), 4, crit),
        "c1": (D("89.4"), 1, adv),
        "c2": (D("85"), 2, none),
    }
    assert [s.grade for s in result.subjects].count(removed) == 1
    assert "rule 2: 倒数第一名(主要负责人免职) (last 1, ranked over the whole period)" in result.subject("a5").grade_reasons
    assert none == "无奖惩"
    assert all(s.flags == [] for s in result.subjects)


def test_the_three_rater_groups_weigh_as_their_points_12_18_10_R1_R3(result) -> None:
    """三(二)1–3: a1's 班子 (90, 80 → 85), 代表 (90, 95, 100 → 95), 监督员 (90):
    12 × 0.85 + 18 × 0.95 + 10 × 0.90 = 10.2 + 17.1 + 9 = 36.3."""
    assert result.subject("a1").card.find("2").applied == D("36.3")


def test_a_rater_group_that_did_not_rate_contributes_nothing_and_is_flagged_R1() -> None:
    """No 监督员 rating: 12 × 0.8 + 18 × 0.8 = 24 of 40, and the item is marked incomplete."""
    facts = scored("z", ("10", "10", "3"), ["80"], ["80"], [], "8")
    result = score_period(SCHEME, [unit("z", "信用社", "cat1")], facts, period=YEAR)
    s = result.subject("z")
    assert s.card.find("2").applied == D("24")
    assert s.flags == ["incomplete:2"]


def test_special_review_vetoes_and_bottom_placings_come_off_after_the_sum_C3(result) -> None:
    """三(五) 被"一票否决"的在考评总分中每项扣2分,位列专项考评后5名的每项扣1分 (C3): no floor.

    a5: two vetoes −4, taken from the total although 效能监察 is already at 0 (its 11 stop at 10, D2).
    """
    a5 = result.subject("a5").card
    assert a5.find("5").applied == D("-4")
    assert (a5.find("4").raw, a5.find("4").applied) == (D("-1"), D("0"))
    assert result.subject("a5").total == D("57.8")


def test_a_veto_and_a_bottom_5_placing_in_one_review_cost_the_veto_only_D4(result) -> None:
    """Choice in xiang.yaml: one special review counts once, at its largest (−2, not −3)."""
    a2 = result.subject("a2").card
    assert [(ln.facts, ln.status) for ln in a2.find("5.2").lines] == [(["a2.5b"], "superseded"), (["a2.5c"], "counted")]
    assert a2.find("5").applied == D("-3")  # −2 (计生 veto) − 1 (综治 placing)


def test_the_negative_items_may_take_a_total_below_zero_C3() -> None:
    """三(五) has no floor: 12 vetoes (−24) on a unit with 20 points of ratings leave −4."""
    facts = scored("z", ("5", "5", "0"), ["0"], ["0"], ["0"], "0") + [ded("z.4", "4.1", "z", amount=D("10"))]
    facts += [ded(f"z.v{i}", "5.1", "z", situation=f"review-{i}") for i in range(12)]
    result = score_period(SCHEME, [unit("z", "电信支局", "cat1")], facts, period=YEAR)
    assert result.subject("z").total == D("-14")


def test_only_the_top_1_of_category_3_is_advanced_and_the_last_two_places_are_sanctioned_G3_G4() -> None:
    """七: 第三类第1名 advanced; 倒数第二名 通报批评; 倒数第一名 免职 (a township of one category here).

    Four 第三类 units differing only in 工作计划完成 (1.1): 17, 16, 15, 14; each also has 1.2 18,
    1.3 5, 作风效率 32 (every rater 80), 政令畅通 8, 效能监察 10 → totals 90, 89, 88, 87.
    d1 advanced (top 1), d2 无奖惩, d3 second-last 通报批评, d4 last 免职.
    """
    totals = {"d1": "17", "d2": "16", "d3": "15", "d4": "14"}
    subjects = [unit(k, f"单位{k}", "cat3") for k in totals]
    facts = [f for k, v in totals.items() for f in scored(k, (v, "18", "5"), ["80"], ["80"], ["80"], "8")]
    result = score_period(SCHEME, subjects, facts, period=YEAR)
    adv, none, crit, removed = SCHEME.grading.grades
    got = {s.subject: (s.total, s.grade) for s in result.subjects}
    assert got == {"d1": (D("90"), adv), "d2": (D("89"), none), "d3": (D("88"), crit), "d4": (D("87"), removed)}


def test_two_units_tied_for_last_are_both_criticised_and_neither_removed_G4_G7() -> None:
    """Choice in xiang.yaml (quota_boundary exclude): a tie across the last place gives 免职 to none of
    the tied; both are then within the last two: 通报批评 for both."""
    totals = {"e1": "17", "e2": "16", "e3": "15", "e4": "12", "e5": "12"}
    subjects = [unit(k, f"单位{k}", "cat1") for k in totals]
    facts = [f for k, v in totals.items() for f in scored(k, (v, "18", "5"), ["80"], ["80"], ["80"], "8")]
    result = score_period(SCHEME, subjects, facts, period=YEAR)
    adv, none, crit, removed = SCHEME.grading.grades
    got = {s.subject: (s.total, s.rank, s.grade) for s in result.subjects}
    assert got == {
        "e1": (D("90"), 1, adv),
        "e2": (D("89"), 2, adv),
        "e3": (D("88"), 3, adv),
        "e4": (D("85"), 4, crit),
        "e5": (D("85"), 4, crit),
    }
