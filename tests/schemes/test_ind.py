"""IND (某某单位内部量化考核, seed 002): a year of staff scoring, expectations worked out by hand.

Four deduct sections start full (学习15 业务30 中心15 日常考勤20 = 80, D2: never below 0); half-year
deductions accumulate into the year (C4 五); 述职测评 is three year-end ratings on a 100 scale
converted to 10 / 5 / 5 points (R1 R2 R3); 加分 ≤ 10 (B3) with one matter counted once, at its
highest (B2). Grades 五.(一): 优秀 ≥ 95 and in the top 20% (⌊n × 0.2⌋), 称职 ≥ 80, 基本称职 ≥ 60,
不称职 < 60; 一票否决 forces 基本称职 (V2 五.(二)).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from domain.errors import FactsInvalid
from domain.facts import Bonus, Deduction, Party, Rating, Retraction, Subject, VetoDecision, typed_facts
from domain.scheme.loader import load_scheme_file
from domain.scoring import score_period
from domain.units import expand_units

SCHEME = load_scheme_file(Path(__file__).parents[2] / "schemes" / "ind.yaml")
YEAR, H1, H2 = "2026", "2026-H1", "2026-H2"
D = Decimal


def staff(sid: str, name: str) -> Subject:
    return Subject(id=sid, name=name, group="all", kind="staff")


PERSONAL = {"2.1", "2.2", "2.4a", "2.4b", "2.5"}  # 五 (version 2): shared items; 确因个人造成的 → role person


def cut(fact_id: str, period: str, subject: Subject, item: str, count: int = 1, **attributes: str) -> Deduction:
    """A deduction recorded by 办公室 in a half-year; on a shared business item, caused by this person alone."""
    target = {"parties": [Party(subject=subject.id, role="person")]} if item in PERSONAL else {"subject": subject.id}
    return Deduction(
        id=fact_id,
        period=period,
        recorded_by="办公室",
        item=item,
        count=count,
        attributes=attributes,
        **target,
    )


def shared(fact_id: str, period: str, item: str, count: int = 1, **roles: Subject) -> Deduction:
    """D11: one finding, each party by its liable role."""
    return Deduction(
        id=fact_id,
        period=period,
        recorded_by="办公室",
        item=item,
        count=count,
        parties=[Party(subject=s.id, role=role) for role, s in roles.items()],
    )


def award(fact_id: str, period: str, subject: Subject, item: str, level: str, situation: str | None = None) -> Bonus:
    return Bonus(
        id=fact_id,
        period=period,
        recorded_by="办公室",
        item=item,
        subject=subject.id,
        level=level,
        situation=situation,
    )


def review(subject: Subject, democratic: list[int], supervising: int, leadership: int) -> list[Rating]:
    """Year-end 述职测评: the democratic ratings of 述职 (averaged), the supervising leader, the 班子."""
    facts = [
        Rating(
            id=f"5.1-{subject.id}-{n}",
            period=YEAR,
            recorded_by="局机关考核领导小组",
            item="5.1",
            subject=subject.id,
            role="democratic",
            rater=f"干部{n}",
            value=Decimal(v),
        )
        for n, v in enumerate(democratic, 1)
    ]
    facts.append(
        Rating(
            id=f"5.2-{subject.id}",
            period=YEAR,
            recorded_by="局机关考核领导小组",
            item="5.2",
            subject=subject.id,
            role="supervising",
            rater="分管领导",
            value=Decimal(supervising),
        )
    )
    facts.append(
        Rating(
            id=f"5.3-{subject.id}",
            period=YEAR,
            recorded_by="局机关考核领导小组",
            item="5.3",
            subject=subject.id,
            role="leadership",
            rater="局班子会议",
            value=Decimal(leadership),
        )
    )
    return facts


def veto(fact_id: str, subject: Subject, code: str) -> VetoDecision:
    return VetoDecision(id=fact_id, period=YEAR, recorded_by="局机关考核领导小组", veto=code, subject=subject.id)


S1, S2, S3 = staff("s1", "王强"), staff("s2", "李娜"), staff("s3", "张伟")
S4, S5, S6 = staff("s4", "刘洋"), staff("s5", "陈静"), staff("s6", "杨帆")


def year_facts() -> list:
    facts: list = []
    # 王强: late twice in H1; a provincial honour and two articles (13 points of bonus, capped at 10).
    facts += [
        cut("h1-s1-late", H1, S1, "4.1", count=2),
        award("b-s1-honour", H1, S1, "6.1", "province", "honour-safety-2026"),
        award("b-s1-art-a", H1, S1, "6.2", "city", "article-flood-drill"),
        award("b-s1-art-b", H2, S1, "6.2", "province", "article-chem-inspection"),
    ]
    # 李娜: notes not taken in H1; duty member on the night the 值班 log went wrong (H2); a city honour.
    # A late arrival recorded in H1 is retracted (leave had been approved).
    facts += [
        cut("h1-s2-notes", H1, S2, "1.1"),
        cut("h1-s2-late", H1, S2, "4.1"),
        Retraction(id="rt-s2-late", period=H1, recorded_by="办公室", target="h1-s2-late", reason="已补办请假手续"),
        award("b-s2-honour", H2, S2, "6.1", "city", "honour-s2-city"),
    ]
    # 张伟 handled, 陈静 reviewed a case the court set aside (H1): 5 each (D11). 张伟 reported late twice
    # in H2. 张伟's article was used by the province and the city: counted once, at 3 (B2).
    facts += [
        shared("h1-court", H1, "2.3", handler=S3, reviewer=S5),
        cut("h2-s3-report", H2, S3, "2.4a", count=2),
        award("b-s3-art-p", H2, S3, "6.2", "province", "article-s3"),
        award("b-s3-art-c", H2, S3, "6.2", "city", "article-s3"),
    ]
    # 刘洋 was absent one day in H1 and led the 值班 night in H2 (2 as duty leader).
    facts += [
        cut("h1-s4-absent", H1, S4, "4.4"),
        shared("h2-duty", H2, "4.6", duty_leader=S4, duty_member=S2),
    ]
    # 陈静: two online courses missed (H1), refused an epidemic duty (H2); refused an organisational
    # decision: 一票否决 → 基本称职.
    facts += [
        cut("h1-s5-online", H1, S5, "1.5", count=2),
        cut("h2-s5-epidemic", H2, S5, "3.1"),
        veto("veto-s5", S5, "veto.2"),
    ]
    # 杨帆: one online course missed (H1); attendance deductions over 20 in the year.
    facts += [
        cut("h1-s6-online", H1, S6, "1.5"),
        cut("h1-s6-absent", H1, S6, "4.4", count=3),
        cut("h2-s6-drink", H2, S6, "4.8"),
        cut("h2-s6-late", H2, S6, "4.1", count=4),
        cut("h2-s6-notice", H2, S6, "4.10"),
        cut("h2-s6-brawl", H2, S6, "4.9"),
        cut("h2-s6-post", H2, S6, "4.7", count=2),
    ]
    facts += review(S1, [96, 94, 98], 98, 96)
    facts += review(S2, [90, 92, 88], 94, 92)
    facts += review(S3, [85, 88, 86], 88, 86)
    facts += review(S4, [88, 90, 92], 90, 90)
    facts += review(S5, [80, 82, 78], 80, 78)
    facts += review(S6, [70, 72, 74], 70, 70)
    return facts


def test_a_year_of_six_staff_totals_ranks_and_grades_as_worked_out_by_hand() -> None:
    """C4 五 半年扣分累计; D1 D2 D6 D11 四.(一)-(四); R1-R3 四.(五); B1 B2 B3 四.(六); G1 G2 V2 五.

    述职 = 10 × avg/100, 分管 = 5 × v/100, 班子 = 5 × v/100.
    s1 王强  80 − 2 × 0.5 (late, H1) = 79; review 9.6 + 4.9 + 4.8 = 19.3;
             bonus 8 + 2 + 3 = 13 → 10 (B3) → 108.30
    s2 李娜  80 − 0.5 (notes, H1) − 1 (duty member, H2) = 78.5 (the retracted late costs nothing);
             review avg(90,92,88) = 90 → 9.0 + 4.7 + 4.6 = 18.3; bonus 5 (city honour) → 101.80
    s3 张伟  80 − 5 (court, handler, H1) − 2 × 1 (late reports, H2) = 73;
             review avg(85,88,86) = 86.333… → 8.6333… → 8.63, + 4.4 + 4.3 = 17.33;
             bonus: one article, province 3 and city 2 → 3 (B2) → 93.33
    s4 刘洋  80 − 2 (absent 1 day, H1) − 2 (duty leader, H2) = 76; review 9.0 + 4.5 + 4.5 = 18.0 → 94.00
    s5 陈静  80 − 5 (court, reviewer) − 2 × 2 (online) − 3 (epidemic) = 68; review 8.0 + 4.0 + 3.9 = 15.9
             → 83.90
    s6 杨帆  study 15 − 2 = 13; daily 20 − (6 + 2 + 2 + 5 + 5 + 2 = 22) → 0, not −2 (D2);
             80 − 2 − 20 = 58; review avg(70,72,74) = 72 → 7.2 + 3.5 + 3.5 = 14.2 → 72.20

    Ranking: s1 108.30, s2 101.80, s4 94.00, s3 93.33, s5 83.90, s6 72.20.
    优秀: ≥ 95 and ⌊6 × 0.2⌋ = 1 → s1; s2 (≥ 95, outside the 20%) → 称职; s4, s3 → 称职;
    s5 is vetoed → 基本称职 whatever its 83.90; s6 72.20 → 基本称职.
    """
    subjects = [S1, S2, S3, S4, S5, S6]
    result = score_period(SCHEME, subjects, year_facts(), period=YEAR)

    # Check totals, ranks and grades.
    got = [(s.subject, s.total, s.rank, s.grade) for s in result.ranking("all")]
    assert got == [
        ("s1", Decimal("108.30"), 1, "优秀"),
        ("s2", Decimal("101.80"), 2, "称职"),
        ("s4", Decimal("94.00"), 3, "称职"),
        ("s3", Decimal("93.33"), 4, "称职"),
        ("s5", Decimal("83.90"), 5, "基本称职"),
        ("s6", Decimal("72.20"), 6, "基本称职"),
    ]

    # Check the sections behind the numbers.
    s1 = result.subject("s1").card.find("bonus")
    assert (s1.raw, s1.applied, s1.cut) == (Decimal("13"), Decimal("10"), Decimal("3"))
    s3 = result.subject("s3").card
    assert s3.find("business").applied == Decimal("23")
    assert s3.find("5.1").applied == Decimal("8.63")
    assert s3.find("review").applied == Decimal("17.33")
    assert sorted(line.status for line in s3.find("6.2").lines) == ["counted", "superseded"]
    assert s3.find("bonus").applied == Decimal("3")
    s6 = result.subject("s6").card.find("daily")
    assert (s6.raw, s6.applied, s6.cut) == (Decimal("-2"), Decimal("0"), Decimal("-2"))
    assert result.subject("s4").card.find("4.6").applied == Decimal("-2")
    assert result.subject("s2").card.find("4.6").applied == Decimal("-1")
    assert result.subject("s2").card.find("4.1").applied == Decimal("0")
    assert result.subject("s5").eligible is False


def test_the_half_year_interim_shows_only_that_half_and_the_year_adds_both_halves() -> None:
    """C4 三.1 每半年测算通报一次; 五 半年考核扣分累计列为年度考核扣分.

    张伟's 业务工作: H1 30 − 5 (court) = 25; the year adds H2's 2 × 1 (late reports): 23.
    """
    h1_facts = [f for f in year_facts() if f.period == H1]
    interim = score_period(SCHEME, [S1, S2, S3, S4, S5, S6], h1_facts, period=H1)
    assert interim.subject("s3").card.find("business").applied == Decimal("25")
    whole = score_period(SCHEME, [S1, S2, S3, S4, S5, S6], year_facts(), period=YEAR)
    assert whole.subject("s3").card.find("business").applied == Decimal("23")


def test_half_year_deductions_accumulate_before_the_section_floor_applies() -> None:
    """C4 with D2: 日常考勤 20; 6 days absent in H1 (6 × 2 = 12) and 6 in H2 (12).

    Each half alone: 20 − 12 = 8. The year: 20 − 24 → 0 (cut 4), not 8 + 8 nor −4.
    A fact of another year's half is refused for 2026.
    """
    p = staff("p1", "赵敏")
    facts = [cut("a1", H1, p, "4.4", count=6), cut("a2", H2, p, "4.4", count=6)]
    assert score_period(SCHEME, [p], facts[:1], period=H1).subject("p1").card.find("daily").applied == Decimal("8")
    daily = score_period(SCHEME, [p], facts, period=YEAR).subject("p1").card.find("daily")
    assert (daily.raw, daily.applied, daily.cut) == (Decimal("-4"), Decimal("0"), Decimal("-4"))

    stray = cut("old", "2025-H2", p, "4.4")
    with pytest.raises(FactsInvalid):
        score_period(SCHEME, [p], [*facts, stray], period=YEAR)


def test_one_duty_failure_costs_the_leader_on_duty_two_and_each_member_one() -> None:
    """D11 四.(四)2 每项分别扣带班领导2分, 扣每个值班组员1分; 四.(二)2 办案人及审核人分别扣5分.

    Night of 3 March: leader 周 and members 吴, 郑 → −2, −1, −1. Two such findings (count 2) on
    another night for 周 alone → −4 more: 周's 4.6 is −6. A court reversal: handler 吴 and
    reviewer 郑 lose 5 each. A party in a role the item does not know is refused.
    """
    zhou, wu, zheng = staff("zhou", "周"), staff("wu", "吴"), staff("zheng", "郑")
    facts = [
        Deduction(
            id="duty-0303",
            period=H1,
            recorded_by="办公室",
            item="4.6",
            parties=[
                Party(subject="zhou", role="duty_leader"),
                Party(subject="wu", role="duty_member"),
                Party(subject="zheng", role="duty_member"),
            ],
        ),
        shared("duty-0611", H1, "4.6", count=2, duty_leader=zhou),
        shared("court", H2, "2.3", handler=wu, reviewer=zheng),
    ]
    result = score_period(SCHEME, [zhou, wu, zheng], facts, period=YEAR)
    duty = {s.subject: s.card.find("4.6").applied for s in result.subjects}
    assert duty == {"zhou": Decimal("-6"), "wu": Decimal("-1"), "zheng": Decimal("-1")}
    court = {s.subject: s.card.find("2.3").applied for s in result.subjects}
    assert court == {"zhou": Decimal("0"), "wu": Decimal("-5"), "zheng": Decimal("-5")}

    wrong = shared("duty-bad", H1, "4.6", duty_officer=wu)
    with pytest.raises(FactsInvalid):
        score_period(SCHEME, [zhou, wu, zheng], [*facts, wrong], period=YEAR)


def test_bonus_is_capped_at_ten_and_one_matter_counts_once_at_its_highest_level() -> None:
    """B1 B2 B3 四.(六) 加分不超过10分; 同项内容按最高级别加分一次; 同一稿件按最高计分1次.

    p1: a national award (10) and a city award (5) → 15 → 10 (cut 5).
    p2: one honour recorded at province (8) and city (5) level, same situation → 8; one article used
        by the province, the city and the district (same situation) → 3; total 11 → 10.
    p3: three different articles at the district level → 3 × 1 = 3; the same honour twice at city level
        → counts once (5); total 8.
    """
    p1, p2, p3 = staff("p1", "甲"), staff("p2", "乙"), staff("p3", "丙")
    facts = [
        award("n1", H1, p1, "6.1", "national", "h-national"),
        award("n2", H2, p1, "6.1", "city", "h-city"),
        award("h-p", H1, p2, "6.1", "province", "honour-x"),
        award("h-c", H1, p2, "6.1", "city", "honour-x"),
        award("a-p", H2, p2, "6.2", "province", "article-y"),
        award("a-c", H2, p2, "6.2", "city", "article-y"),
        award("a-d", H2, p2, "6.2", "district", "article-y"),
        award("d1", H1, p3, "6.2", "district", "art-1"),
        award("d2", H1, p3, "6.2", "district", "art-2"),
        award("d3", H2, p3, "6.2", "district", "art-3"),
        award("c1", H1, p3, "6.1", "city", "honour-z"),
        award("c2", H2, p3, "6.1", "city", "honour-z"),
    ]
    result = score_period(SCHEME, [p1, p2, p3], facts, period=YEAR)
    bonus = {s.subject: (s.card.find("bonus").raw, s.card.find("bonus").applied) for s in result.subjects}
    assert bonus == {
        "p1": (Decimal("15"), Decimal("10")),
        "p2": (Decimal("11"), Decimal("10")),
        "p3": (Decimal("8"), Decimal("8")),
    }
    p2_lines = {line.facts[0]: line.status for line in result.subject("p2").card.find("6.2").lines}
    assert p2_lines == {"a-p": "counted", "a-c": "superseded", "a-d": "superseded"}


def test_excellence_needs_ninety_five_and_the_top_twenty_percent_and_bands_exclude_their_upper_bound() -> None:
    """G1 G2 五.(一) (考核分数上限不含本数); ten staff.

    Every one gets a full 述职测评 (20) and no bonus, so total = 100 − deductions:
      p1 100, p2 99, p3 96 (each ≥ 95): ⌊10 × 0.2⌋ = 2 → p1, p2 优秀; p3 称职 (outside the 20%).
      p4 95 → 称职 too (the quota is full). p5 80 → 称职 (80 is in 80–95). p6 79.5 → 基本称职.
      p7 60 → 基本称职 (60 is in 60–80). p8 59.5 → 不称职. p9 90, p10 85 → 称职.
    Losses: 1.1 未认真学习 0.5, 1.2 缺席学习 1, 2.1 执法计划 3, 2.5 督办未完成 5, 3.5 驻村通报 5 (each × count).
    """
    people = [staff(f"p{i}", f"人{i}") for i in range(1, 11)]
    losses = {  # subject: [(item, count)] and the points lost
        "p2": [("1.2", 1)],  # 1
        "p3": [("2.1", 1), ("1.2", 1)],  # 3 + 1 = 4
        "p4": [("3.5", 1)],  # 5
        "p5": [("3.5", 2), ("2.5", 2)],  # 10 + 10 = 20
        "p6": [("3.5", 2), ("2.5", 2), ("1.1", 1)],  # 20 + 0.5 = 20.5
        "p7": [("3.5", 3), ("2.5", 5)],  # 15 + 25 = 40
        "p8": [("3.5", 3), ("2.5", 5), ("1.1", 1)],  # 40 + 0.5 = 40.5
        "p9": [("2.1", 3), ("1.2", 1)],  # 9 + 1 = 10
        "p10": [("2.1", 5)],  # 15
    }
    facts: list = []
    for p in people:
        facts += review(p, [100], 100, 100)
        for n, (item, count) in enumerate(losses.get(p.id, [])):
            facts.append(cut(f"{p.id}-{n}", H1, p, item, count=count))
    result = score_period(SCHEME, people, facts, period=YEAR)
    got = {s.subject: (s.total, s.grade) for s in result.subjects}
    assert got == {
        "p1": (Decimal("100.00"), "优秀"),
        "p2": (Decimal("99.00"), "优秀"),
        "p3": (Decimal("96.00"), "称职"),
        "p4": (Decimal("95.00"), "称职"),
        "p5": (Decimal("80.00"), "称职"),
        "p6": (Decimal("79.50"), "基本称职"),
        "p7": (Decimal("60.00"), "基本称职"),
        "p8": (Decimal("59.50"), "不称职"),
        "p9": (Decimal("90.00"), "称职"),
        "p10": (Decimal("85.00"), "称职"),
    }


def test_ninety_five_exactly_in_the_top_twenty_percent_is_youxiu() -> None:
    """G1 五.(一)1 95分以上 (95 included): five staff, ⌊5 × 0.2⌋ = 1 slot; the best has exactly 95."""
    people = [staff(f"p{i}", f"人{i}") for i in range(1, 6)]
    facts: list = []
    for n, p in enumerate(people):
        facts += review(p, [100], 100, 100)
        facts.append(cut(f"{p.id}-c", H2, p, "3.5", count=n + 1))  # 5, 10, 15 (15 is all of 中心工作) ...
    result = score_period(SCHEME, people, facts, period=YEAR)
    got = [(s.subject, s.total, s.grade) for s in result.ranking("all")]
    # 中心工作 is 15: 3 or more findings of 5 take it to 0 (D2), so p3, p4, p5 all lose 15.
    assert got == [
        ("p1", Decimal("95.00"), "优秀"),
        ("p2", Decimal("90.00"), "称职"),
        ("p3", Decimal("85.00"), "称职"),
        ("p4", Decimal("85.00"), "称职"),
        ("p5", Decimal("85.00"), "称职"),
    ]


def test_a_veto_forces_jiben_chengzhi_even_on_a_top_score() -> None:
    """V2 五.(二)3 个人原因违纪被给予警告以上处分 → 当年评定为基本称职; V1: the slot passes on.

    Five staff at 100, 98, 90, 85, 80 (full review, deductions as needed); ⌊5 × 0.2⌋ = 1.
    The 100 is vetoed → 基本称职; 98 takes the 优秀 slot.
    """
    people = [staff(f"p{i}", f"人{i}") for i in range(1, 6)]
    # p2 misses two study sessions (2 × 1); p3, p4, p5 leave 2, 3, 4 tasks undone after 督办 (× 5).
    items = {"p2": [("1.2", 2)], "p3": [("2.5", 2)], "p4": [("2.5", 3)], "p5": [("2.5", 4)]}
    facts: list = []
    for p in people:
        facts += review(p, [100], 100, 100)
        for n, (item, count) in enumerate(items.get(p.id, [])):
            facts.append(cut(f"{p.id}-{n}", H1, p, item, count=count))
    facts.append(veto("veto-p1", people[0], "veto.3"))
    result = score_period(SCHEME, people, facts, period=YEAR)
    got = [(s.subject, s.total, s.grade, s.eligible) for s in result.ranking("all")]
    assert got == [
        ("p1", Decimal("100.00"), "基本称职", False),
        ("p2", Decimal("98.00"), "优秀", True),
        ("p3", Decimal("90.00"), "称职", True),
        ("p4", Decimal("85.00"), "称职", True),
        ("p5", Decimal("80.00"), "称职", True),
    ]


def member(sid: str, name: str, unit: str) -> Subject:
    return Subject(id=sid, name=name, group="all", kind="staff", unit=unit)


def test_a_business_finding_is_recorded_once_for_the_leader_and_the_unit_and_an_honour_once_for_its_members_D11():
    """五 涉及业务工作扣分项由分管领导和科室共同承担,确因个人造成的扣分由个人承担; 四.(六)1 属于科室类荣誉和先进的,
    …科室所有人员按最高级别加分 (version 2). 执法科 (unit zf): 甲, 乙, 丙; 分管领导 王 (unit leaders); 综合科 丁.

    Recorded once each (a unit party stands for every member, expanded when recorded, domain.units):
      2.1 未按要求制定执法计划 (3): 王 as leader, 执法科 as members → 王, 甲, 乙, 丙 −3 each; 丁 untouched
      2.4b 报表未报 (2):            王 and 执法科                     → 王, 甲, 乙, 丙 −2 each
      2.5 督办仍未完成 (5), caused by 乙 alone (role person)         → 乙 −5
      2.2 证据不充足 (3), 有关责任人 甲 and 丙 (each 每人扣3分)         → 甲, 丙 −3
      6.1 科室荣誉, 市级 (5): 执法科                                   → 甲, 乙, 丙 +5 each
    业务工作 (30): 王 30 − 3 − 2 = 25; 甲 30 − 3 − 2 − 3 = 22; 乙 30 − 3 − 2 − 5 = 20; 丙 22; 丁 30.
    Totals (学习 15 + 中心 15 + 考勤 20 = 50, no ratings yet: 0; 加分 ≤ 10):
    王 50 + 25 = 75; 甲 50 + 22 + 5 = 77; 乙 50 + 20 + 5 = 75; 丙 77; 丁 50 + 30 = 80.
    """
    people = [member("w", "王", "leaders"), member("a", "甲", "zf"), member("b", "乙", "zf"),
              member("c", "丙", "zf"), member("d", "丁", "zh")]
    zf = {"unit": "zf", "role": "member"}
    recorded = [
        {"type": "deduction", "id": "f1", "item": "2.1", "parties": [{"subject": "w", "role": "leader"}, zf]},
        {"type": "deduction", "id": "f2", "item": "2.4b", "parties": [{"subject": "w", "role": "leader"}, zf]},
        {"type": "deduction", "id": "f3", "item": "2.5", "parties": [{"subject": "b", "role": "person"}]},
        {"type": "deduction", "id": "f4", "item": "2.2", "parties": [{"subject": "a", "role": "person"},
                                                                     {"subject": "c", "role": "person"}]},
        {"type": "bonus", "id": "f5", "item": "6.1", "level": "city", "parties": [zf]},
    ]
    stamped = [{**f, "period": H1, "recorded_by": "办公室"} for f in recorded]
    facts = typed_facts(expand_units(stamped, {p.id: p.model_dump() for p in people}))
    assert [p.subject for p in facts[0].parties or []] == ["w", "a", "b", "c"]  # one entry, four liable
    result = score_period(SCHEME, people, facts, period=YEAR)

    business = {s.subject: s.card.find("business").applied for s in result.subjects}
    assert business == {"w": D("25"), "a": D("22"), "b": D("20"), "c": D("22"), "d": D("30")}
    honour = {s.subject: s.card.find("bonus").applied for s in result.subjects}
    assert honour == {"w": D("0"), "a": D("5"), "b": D("5"), "c": D("5"), "d": D("0")}
    totals = {s.subject: s.total for s in result.subjects}
    assert totals == {"w": D("75"), "a": D("77"), "b": D("75"), "c": D("77"), "d": D("80")}


def test_a_unit_party_is_never_scored_unexpanded_and_a_unit_without_members_is_refused_D11() -> None:
    """A unit stands for its members only when recorded against a period's registered subjects; a member
    the fact names itself keeps its own role (the unit's head as leader is not also a member)."""
    subjects = {"a": {"id": "a", "unit": "zf"}, "b": {"id": "b", "unit": "zf"}}
    (once,) = expand_units([{"parties": [{"subject": "a", "role": "leader"}, {"unit": "zf", "role": "member"}]}],
                           subjects)
    assert once["parties"] == [{"subject": "a", "role": "leader"}, {"subject": "b", "role": "member"}]
    fact = Deduction(id="u1", period=H1, recorded_by="办公室", item="2.1", parties=[Party(unit="zf", role="member")])
    with pytest.raises(FactsInvalid, match="expanded when recorded"):
        score_period(SCHEME, [member("a", "甲", "zf")], [fact], period=YEAR)
    with pytest.raises(FactsInvalid, match="unit 'kj' has no registered member"):
        expand_units([{"type": "deduction", "item": "2.1", "parties": [{"unit": "kj", "role": "member"}]}],
                     {"a": {"id": "a", "unit": "zf"}})
