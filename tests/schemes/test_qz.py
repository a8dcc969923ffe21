"""QZ (泉州市工信局2019年度绩效评估, seed 003): a year of the bureau's 科室, expectations worked out by hand.

综合得分 = 目标考评 × 70% + 公众评议 × 30% + 正向激励加分 − 察访核验扣分 (C2 二.(二)2); each weighted
part is rounded to 2 places half up. Grades (二.(二)5.1)): 差 < 70 first, then 优秀 for the top 30%
(⌊n × 0.3⌋), then 一般 for ≥ 70 among the last 3, else 良好; downgrades (V3) come last.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from domain.errors import FactsInvalid
from domain.facts import Bonus, Deduction, Exemption, Rating, Retraction, Subject, VetoDecision
from domain.scheme.loader import load_scheme_file
from domain.scoring import score_period

SCHEME = load_scheme_file(Path(__file__).parents[2] / "schemes" / "qz.yaml")
YEAR = "2019"


def dept(sid: str, name: str) -> Subject:
    return Subject(id=sid, name=name, group="all", kind="department")


def assessed(subject: Subject, target: str, review: str) -> list[Rating]:
    """The 目标考评 and 公众评议 scores of a 科室 (one-role rating items, scale = max = 100)."""
    return [
        Rating(
            id=f"target-{subject.id}",
            period=YEAR,
            recorded_by="办公室",
            item="target",
            subject=subject.id,
            role="assessor",
            rater="局绩效考评组",
            value=Decimal(target),
        ),
        Rating(
            id=f"review-{subject.id}",
            period=YEAR,
            recorded_by="办公室",
            item="review",
            subject=subject.id,
            role="public",
            rater="公众评议",
            value=Decimal(review),
        ),
    ]


def deduction(fact_id: str, subject: Subject, item: str, count: int = 1, **attributes: str) -> Deduction:
    return Deduction(
        id=fact_id,
        period=YEAR,
        recorded_by="办公室",
        item=item,
        subject=subject.id,
        count=count,
        attributes=attributes,
    )


def letter(fact_id: str, subject: Subject, matter: str) -> Deduction:
    """One 《效能提醒函》 on a matter (D10)."""
    return Deduction(id=fact_id, period=YEAR, recorded_by="办公室", item="reminders", subject=subject.id, matter=matter)


def incentive(fact_id: str, subject: Subject, amount: str) -> Bonus:
    return Bonus(
        id=fact_id, period=YEAR, recorded_by="办公室", item="inc.1", subject=subject.id, amount=Decimal(amount)
    )


def veto(fact_id: str, subject: Subject, code: str) -> VetoDecision:
    return VetoDecision(id=fact_id, period=YEAR, recorded_by="局党组", veto=code, subject=subject.id)


def plain(scores: list[tuple[str, str]]) -> tuple[list[Subject], list[Rating]]:
    """Departments with only their two assessed scores, named p1, p2, ..."""
    subjects = [dept(f"p{i}", f"科室{i}") for i in range(1, len(scores) + 1)]
    facts = [f for s, (t, r) in zip(subjects, scores, strict=True) for f in assessed(s, t, r)]
    return subjects, facts


D1, D2, D3, D4 = dept("d1", "办公室"), dept("d2", "规划科"), dept("d3", "运行监测科"), dept("d4", "技术进步科")
D5, D6, D7, D8 = dept("d5", "中小企业科"), dept("d6", "信息化科"), dept("d7", "能源科"), dept("d8", "法规科")


def year_facts() -> list:
    facts: list = []
    for subject, target, review in [
        (D1, "94", "90"),
        (D2, "93", "90"),
        (D3, "90", "91"),
        (D4, "89", "86"),
        (D5, "86.75", "85"),
        (D6, "84", "80"),
        (D7, "80", "78"),
        (D8, "68", "70"),
    ]:
        facts += assessed(subject, target, review)
    facts += [
        incentive("inc-d1", D1, "1.5"),  # 正向激励: 省级试点经验推广
        letter("ltr-d1-1", D1, "digital-stats"),  # 数字经济统计报送, twice: −0.1
        letter("ltr-d1-2", D1, "digital-stats"),
        deduction("ins-d2", D2, "4.1", rank="county", finder="province"),  # 省效能办暗访: 0.5 × 2
        veto("v1-d2", D2, "inelig.1"),  # 规划科 has the 当事人 of ins-d2 (4.8)
        deduction("ins-d3", D3, "4.2", rank="section_and_below"),  # 科员受警告处分: 0.1
        veto("down-d3", D3, "down.2"),  # 监管企业发生重大安全事件 (5.2)②)
        deduction("ins-d4", D4, "4.1", rank="section_head", finder="city"),  # 市效能办察访: 0.3
        deduction("ins-d4-old", D4, "4.2", rank="county"),  # 0.2, but the conduct predates the post
        Exemption(id="ex-d4", period=YEAR, recorded_by="局党组", target="ins-d4-old", ground="predates_post"),
        incentive("inc-d5", D5, "2"),
        deduction("acc-d6", D6, "4.6", level="province"),  # 省效能办效能问责: 0.5
        deduction("sanction-d6", D6, "4.4", rank="section_and_below"),  # 科员撤职: 0.5
        letter("ltr-d7-1", D7, "energy-audit"),  # three letters, three matters: −0.2
        letter("ltr-d7-2", D7, "green-factory"),
        letter("ltr-d7-3", D7, "power-rationing"),
        deduction("acc-d8", D8, "4.6", level="city"),  # 市效能办问责, later revoked on review
        Retraction(id="rt-d8", period=YEAR, recorded_by="局党组", target="acc-d8", reason="市效能办复核撤销问责"),
    ]
    return facts


def test_a_year_of_eight_departments_totals_ranks_and_grades_as_worked_out_by_hand() -> None:
    """C2 二.(二)2, D6/D7 二.(二)4.1-4.6, D8 4.7①, D10 三.(二)四, V1 4.8, V3 5.2), G1 G2 G4 5.1).

    d1 办公室      0.7·94 = 65.80 + 0.3·90 = 27.00 + 1.5 incentive − 0.1 (2 letters, one matter)  = 94.20
    d2 规划科      0.7·93 = 65.10 + 27.00 − 0.5 × 2 (county cadre, found by the province)        = 91.10
    d3 运行监测科  0.7·90 = 63.00 + 0.3·91 = 27.30 − 0.1 (科员 disciplined)                      = 90.20
    d4 技术进步科  0.7·89 = 62.30 + 0.3·86 = 25.80 − 0.3 (section head, city); 0.2 exempted     = 87.80
    d5 中小企业科  0.7·86.75 = 60.725 → 60.73 + 0.3·85 = 25.50 + 2 incentive                    = 88.23
    d6 信息化科    0.7·84 = 58.80 + 0.3·80 = 24.00 − 0.5 (province accountability) − 0.5 (撤职) = 81.80
    d7 能源科      0.7·80 = 56.00 + 0.3·78 = 23.40 − 0.2 (letters on 3 distinct matters)       = 79.20
    d8 法规科      0.7·68 = 47.60 + 0.3·70 = 21.00; the 0.3 accountability is retracted        = 68.60

    Ranking: d1 94.20, d2 91.10, d3 90.20, d5 88.23, d4 87.80, d6 81.80, d7 79.20, d8 68.60.
    Grades: d8 < 70 → 差. 优秀: ⌊8 × 0.3⌋ = 2 slots, best ranked first among the eligible: d1, d3
    (d2 is a 违规当事人's 科室, V1). 一般: last 3 are d6, d7, d8; d6 and d7 are ≥ 70 → 一般.
    良好: d2, d5, d4. Then d3's downgrade (V3): 优秀 → 良好; its slot is not handed on (the grade
    before the downgrade stands for the others, 二.(二)6.3)②), so only d1 is 优秀.
    """
    subjects = [D1, D2, D3, D4, D5, D6, D7, D8]
    result = score_period(SCHEME, subjects, year_facts(), period=YEAR)

    # Check totals, ranks and grades.
    expected = [
        ("d1", "94.20", 1, "优秀"),
        ("d2", "91.10", 2, "良好"),
        ("d3", "90.20", 3, "良好"),
        ("d5", "88.23", 4, "良好"),
        ("d4", "87.80", 5, "良好"),
        ("d6", "81.80", 6, "一般"),
        ("d7", "79.20", 7, "一般"),
        ("d8", "68.60", 8, "差"),
    ]
    got = [(s.subject, s.total, s.rank, s.grade) for s in result.ranking("all")]
    assert got == [(sid, Decimal(total), rank, grade) for sid, total, rank, grade in expected]

    # Check the parts behind the numbers.
    d2 = result.subject("d2")
    assert d2.card.find("4.1").applied == Decimal("-1.0")
    assert d2.card.find("inspection").applied == Decimal("-1.0")
    assert d2.eligible is False
    d5 = result.subject("d5")
    assert d5.card.find("target").applied == Decimal("86.75")
    assert d5.card.find("incentive").applied == Decimal("2")
    d4_lines = {line.facts[0]: line.status for line in result.subject("d4").card.find("4.2").lines}
    assert d4_lines == {"ins-d4-old": "exempted"}
    assert result.subject("d4").card.find("inspection").applied == Decimal("-0.3")
    assert result.subject("d1").card.find("reminders").applied == Decimal("-0.1")
    assert result.subject("d7").card.find("reminders").applied == Decimal("-0.2")
    d8_lines = {line.facts[0]: line.status for line in result.subject("d8").card.find("4.6").lines}
    assert d8_lines == {"acc-d8": "retracted"}


def test_a_problem_found_by_the_provincial_efficiency_office_costs_double() -> None:
    """D7 二.(二)4.5 被省效能办察访核验发现问题的, 给予双倍扣分; D6 4.1 by rank, 每人次.

    p1: county cadre found by the province: 0.5 × 2 = 1.0
    p2: county cadre found by the city: 0.5 (× 1)
    p3: two section heads (count 2) found by the province: 2 × 0.3 × 2 = 1.2
    p4: a staff member of a subordinate unit, finder not recorded: 0.3 (× 1)
    """
    subjects, facts = plain([("90", "90")] * 4)
    p1, p2, p3, p4 = subjects
    facts += [
        deduction("f1", p1, "4.1", rank="county", finder="province"),
        deduction("f2", p2, "4.1", rank="county", finder="city"),
        deduction("f3", p3, "4.1", count=2, rank="section_head", finder="province"),
        deduction("f4", p4, "4.1", rank="subordinate"),
    ]
    result = score_period(SCHEME, subjects, facts, period=YEAR)
    points = {s.subject: s.card.find("4.1").applied for s in result.subjects}
    assert points == {"p1": Decimal("-1.0"), "p2": Decimal("-0.5"), "p3": Decimal("-1.2"), "p4": Decimal("-0.3")}
    # 0.7 × 90 + 0.3 × 90 = 90.00, less the deduction.
    assert result.subject("p3").total == Decimal("88.80")


def test_disciplinary_and_heavy_sanctions_and_accountability_are_graded_by_rank_and_level() -> None:
    """D6 二.(二)4.2 处分/诫勉 0.3/0.2/0.1; 4.4 重处分 1/0.5; 4.6 效能问责 省0.5 市0.3.

    p1: 4.2 county_leader 0.3 + 4.4 county 1 = 1.3 → 90 − 1.3 = 88.70
    p2: 4.2 county 0.2 + 4.2 section_and_below × 2 = 0.2 → 0.4; 4.6 city 0.3 → 0.7 → 89.30
    p3: 4.4 section_and_below 0.5 + 4.6 province 0.5 → 1.0 → 89.00
    """
    subjects, facts = plain([("90", "90")] * 3)
    p1, p2, p3 = subjects
    facts += [
        deduction("a", p1, "4.2", rank="county_leader"),
        deduction("b", p1, "4.4", rank="county"),
        deduction("c", p2, "4.2", rank="county"),
        deduction("d", p2, "4.2", count=2, rank="section_and_below"),
        deduction("e", p2, "4.6", level="city"),
        deduction("f", p3, "4.4", rank="section_and_below"),
        deduction("g", p3, "4.6", level="province"),
    ]
    result = score_period(SCHEME, subjects, facts, period=YEAR)
    assert [result.subject(s.id).total for s in subjects] == [Decimal("88.70"), Decimal("89.30"), Decimal("89.00")]
    assert result.subject("p2").card.find("4.2").applied == Decimal("-0.4")


def test_exempted_deductions_cost_nothing_and_stay_on_record_with_their_ground() -> None:
    """D8 二.(二)4.7 不予扣分: ① predates the post, ② retired, ③ self-investigated, ④ already deducted.

    Four deductions of 0.5 each (4.4 section_and_below), each exempted on one ground, and one not:
    90.00 − 0.5 = 89.50. An exemption on a ground the scheme does not know is refused.
    """
    subjects, facts = plain([("90", "90")])
    (p1,) = subjects
    grounds = ["predates_post", "retired", "self_investigated", "already_deducted"]
    for n, ground in enumerate(grounds):
        facts.append(deduction(f"s{n}", p1, "4.4", rank="section_and_below"))
        facts.append(Exemption(id=f"x{n}", period=YEAR, recorded_by="局党组", target=f"s{n}", ground=ground))
    facts.append(deduction("s-counted", p1, "4.4", rank="section_and_below"))
    result = score_period(SCHEME, subjects, facts, period=YEAR)

    node = result.subject("p1").card.find("4.4")
    assert node.applied == Decimal("-0.5")
    assert sorted(line.status for line in node.lines) == ["counted"] + ["exempted"] * 4
    assert result.subject("p1").total == Decimal("89.50")

    bad = Exemption(id="x-bad", period=YEAR, recorded_by="局党组", target="s-counted", ground="leniency")
    with pytest.raises(FactsInvalid):
        score_period(SCHEME, subjects, [*facts, bad], period=YEAR)


def test_reminder_letters_cost_once_per_repeated_matter_and_once_for_three_distinct_matters() -> None:
    """D10 三.(二)四 同一事项《效能提醒函》2次 −0.1; 不同事项3次 −0.2.

    p1: one letter on A → nothing.
    p2: three letters on A → one matter reminded ≥ 2 times → −0.1 (once, not per letter).
    p3: letters on A, B, C → three distinct matters → −0.2.
    p4: two on A, one on B, one on C → −0.1 for A and −0.2 for three distinct matters → −0.3.
    """
    subjects, facts = plain([("90", "90")] * 4)
    p1, p2, p3, p4 = subjects
    facts += [letter("p1-a", p1, "A")]
    facts += [letter(f"p2-a{n}", p2, "A") for n in range(3)]
    facts += [letter(f"p3-{m}", p3, m) for m in "ABC"]
    facts += [letter("p4-a1", p4, "A"), letter("p4-a2", p4, "A"), letter("p4-b", p4, "B"), letter("p4-c", p4, "C")]
    result = score_period(SCHEME, subjects, facts, period=YEAR)
    got = {s.subject: s.card.find("reminders").applied for s in result.subjects}
    assert got == {"p1": Decimal("0"), "p2": Decimal("-0.1"), "p3": Decimal("-0.2"), "p4": Decimal("-0.3")}


def test_the_last_three_at_or_above_seventy_are_yiban_and_below_seventy_is_cha() -> None:
    """G4 二.(二)5.1) 70分及以上且排位后3名为一般; G1 低于70分的为差; G2 top 30%.

    Seven 科室 (uniform target = review, so total = the score): 95 88 85 80 75 72 69.
    ⌊7 × 0.3⌋ = 2 优秀: 95, 88. Last three: 75, 72, 69 → 75 and 72 are 一般, 69 is 差. 85, 80 良好.
    """
    scores = ["95", "88", "85", "80", "75", "72", "69"]
    subjects, facts = plain([(v, v) for v in scores])
    result = score_period(SCHEME, subjects, facts, period=YEAR)
    assert [s.grade for s in result.ranking("all")] == ["优秀", "优秀", "良好", "良好", "一般", "一般", "差"]


def test_a_tie_across_the_last_three_line_makes_none_of_the_tied_yiban() -> None:
    """G4 with G7 quota_boundary exclude: six 科室 at 95 88 80 80 75 72.

    ⌊6 × 0.3⌋ = 1 优秀 (95). The third-last and the fourth-last are both 80: the line of the last three
    falls inside their tie → neither is 一般 (both 良好); 75 and 72 are 一般; 88 is 良好.
    """
    scores = ["95", "88", "80", "80", "75", "72"]
    subjects, facts = plain([(v, v) for v in scores])
    result = score_period(SCHEME, subjects, facts, period=YEAR)
    got = [(s.rank, s.grade) for s in result.ranking("all")]
    assert got == [(1, "优秀"), (2, "良好"), (3, "良好"), (3, "良好"), (5, "一般"), (6, "一般")]


def test_a_downgrade_lowers_the_grade_one_level_and_never_below_cha() -> None:
    """V3 二.(二)5.2) 降低一个考评等次.

    Six 科室: 95 90 85 80 75 65. ⌊6 × 0.3⌋ = 1 优秀: 95. Last three: 80 75 65 → 80 and 75 一般, 65 差.
    Downgrades: 95 (down.1, 班子成员受重处分) 优秀 → 良好; 85 (down.2) 良好 → 一般;
    75 (down.2) 一般 → 差; 65 (down.2) stays 差, the lowest grade.
    """
    scores = ["95", "90", "85", "80", "75", "65"]
    subjects, facts = plain([(v, v) for v in scores])
    p1, _, p3, _, p5, p6 = subjects
    facts += [veto("v1", p1, "down.1"), veto("v3", p3, "down.2"), veto("v5", p5, "down.2"), veto("v6", p6, "down.2")]
    result = score_period(SCHEME, subjects, facts, period=YEAR)
    assert [s.grade for s in result.ranking("all")] == ["良好", "良好", "一般", "一般", "差", "差"]


def test_a_forced_cha_veto_wins_over_a_top_score_and_leaves_the_excellence_slot_to_the_next() -> None:
    """V2 二.(二)5.3) 考评等次定为差 (弄虚作假情节严重); G2: a forced 差 takes no 优秀 slot.

    Four 科室 at 95 92 85 78: ⌊4 × 0.3⌋ = 1 优秀. 95 is forced to 差 → 92 gets 优秀.
    Last three: 92, 85, 78 → 92 is already 优秀; 85 and 78 are 一般.
    """
    subjects, facts = plain([(v, v) for v in ["95", "92", "85", "78"]])
    facts.append(veto("fraud", subjects[0], "bad.2"))
    result = score_period(SCHEME, subjects, facts, period=YEAR)
    got = [(s.subject, s.rank, s.grade) for s in result.ranking("all")]
    assert got == [("p1", 1, "差"), ("p2", 2, "优秀"), ("p3", 3, "一般"), ("p4", 4, "一般")]


def test_inspection_deductions_have_no_floor_and_come_off_the_weighted_total() -> None:
    """C2/C3 二.(二)2 − 察访核验扣分: no floor on the deductions.

    One 科室 at 80/80 (80.00) with 12 county cadres found by the province (12 × 0.5 × 2 = 12)
    and two heavy sanctions of county cadres (2 × 1 = 2): 80 − 14 = 66.00 → 差.
    """
    subjects, facts = plain([("80", "80")])
    (p1,) = subjects
    facts += [
        deduction("many", p1, "4.1", count=12, rank="county", finder="province"),
        deduction("heavy", p1, "4.4", count=2, rank="county"),
    ]
    s = score_period(SCHEME, subjects, facts, period=YEAR).subject("p1")
    assert s.card.find("inspection").applied == Decimal("-14.0")
    assert (s.total, s.grade) == (Decimal("66.00"), "差")
