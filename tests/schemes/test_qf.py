"""QF (曲阜市行政审批服务局平时考核, seed 004): quarters of staff scoring, expectations worked out by hand.

Every sub-score is a rating (R1 三.(二)3): main leader 40%, supervising leaders 30% (averaged, R3),
colleagues/群众 30% (averaged, R3), on a 100 scale converted to the item's points (R2) and rounded
to 2 places half up. Common and individual indicators are 100 each, weighted 0.5 (C2 二.(二)); each
weighted part is rounded to 2 places before the total.

Per item of max m, with W = 0.4·main + 0.3·avg(supervising) + 0.3·avg(colleagues):
    item = round(m × W / 100).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from domain.errors import FactsInvalid
from domain.facts import AffirmationDecision, ConditionMet, Rating, Subject, VetoDecision
from domain.scheme.loader import load_scheme_file
from domain.scoring import score_period, score_year

SCHEME = load_scheme_file(Path(__file__).parents[2] / "schemes" / "qf.yaml")

COMMON = ["c.1", "c.2", "c.3", "c.4", "c.5"]  # 政治素质 职业道德 工作作风 廉洁自律 出勤情况, 20 each
INDIVIDUAL = {
    "leader": ["l.1", "l.2", "l.3", "l.4"],  # 25 25 20 30
    "counter": ["w.1", "w.2", "w.3", "w.4", "w.5"],  # 30 25 20 15 10
}
MAIN = ("main", "zhu", "朱局长")
SUPERVISING = [("supervising", "li", "李副局长"), ("supervising", "chu", "楚副局长")]
COLLEAGUES = [("colleagues", "jia", "群众甲"), ("colleagues", "yi", "群众乙"), ("colleagues", "bing", "群众丙")]

Ballot = tuple[int, int]  # one rater's (common, individual) score for a subject


def ballot(
    period: str,
    subject: Subject,
    rater: tuple[str, str, str],
    scores: Ballot,
    overrides: dict[str, int] | None = None,
) -> list[Rating]:
    """One rater's 测评票 for one subject: the common score on the five aspects, the individual
    score on the subject kind's own items, except the items in overrides."""
    role, code, name = rater
    common, individual = scores
    items = [(i, common) for i in COMMON] + [(i, individual) for i in INDIVIDUAL[subject.kind]]
    return [
        Rating(
            id=f"{period}.{subject.id}.{code}.{item}",
            period=period,
            recorded_by="督查指导科",
            item=item,
            subject=subject.id,
            role=role,
            rater=name,
            value=Decimal((overrides or {}).get(item, value)),
        )
        for item, value in items
    ]


def rate(
    period: str,
    subject: Subject,
    main: Ballot,
    supervising: list[Ballot],
    colleagues: list[Ballot],
    main_overrides: dict[str, int] | None = None,
) -> list[Rating]:
    """Every ballot for one subject in one quarter."""
    facts = ballot(period, subject, MAIN, main, main_overrides)
    for rater, scores in zip(SUPERVISING, supervising, strict=True):
        facts += ballot(period, subject, rater, scores)
    for rater, scores in zip(COLLEAGUES, colleagues, strict=True):
        facts += ballot(period, subject, rater, scores)
    return facts


def uniform(period: str, subject: Subject, value: int) -> list[Rating]:
    """One rater per role, all giving `value` on every item: every item is m × value / 100 exactly,
    so common = individual = total = value."""
    return (
        ballot(period, subject, MAIN, (value, value))
        + ballot(period, subject, SUPERVISING[0], (value, value))
        + ballot(period, subject, COLLEAGUES[0], (value, value))
    )


def veto(fact_id: str, period: str, subject: Subject, code: str) -> VetoDecision:
    return VetoDecision(id=fact_id, period=period, recorded_by="局考核工作领导小组", veto=code, subject=subject.id)


def affirm(fact_id: str, period: str, subject: Subject, code: str) -> AffirmationDecision:
    return AffirmationDecision(
        id=fact_id, period=period, recorded_by="局考核工作领导小组", affirmation=code, subject=subject.id
    )


def ground(fact_id: str, period: str, subject: Subject, code: str) -> ConditionMet:
    """三.(三)1: the ground of an affirmation recorded as met (V4 with conditions, version 2)."""
    return ConditionMet(id=fact_id, period=period, recorded_by="局考核工作领导小组", condition=code, subject=subject.id)


def counter(sid: str, name: str) -> Subject:
    return Subject(id=sid, name=name, group="all", kind="counter")


# The 2026 Q1 roster: two 科室负责人 and five 窗口工作人员.
L1 = Subject(id="l1", name="孔明", group="all", kind="leader")
L2 = Subject(id="l2", name="颜华", group="all", kind="leader")
C1, C2, C3, C4, C5 = (
    counter("c1", "孟雪"),
    counter("c2", "曾琳"),
    counter("c3", "周凯"),
    counter("c4", "林芳"),
    counter("c5", "韩冰"),
)
Q1 = "2026-Q1"


def first_quarter_facts() -> list:
    """The quarter's ballots, one corrected rating, one affirmation, two vetoes.

    Ballots are (common, individual) per rater: main; supervising 李, 楚; colleagues 甲, 乙, 丙.
    """
    facts: list = []
    facts += rate(Q1, L1, (92, 90), [(90, 88), (88, 90)], [(90, 86), (86, 88), (88, 90)])
    facts += rate(Q1, L2, (72, 70), [(75, 72), (70, 74)], [(74, 70), (70, 75), (72, 68)])
    # 朱局长 marks 孟雪's 出勤情况 (c.5) at 80, not 95: one leave slip filed late.
    facts += rate(Q1, C1, (95, 93), [(92, 92), (94, 90)], [(90, 94), (93, 92), (91, 90)], main_overrides={"c.5": 80})
    facts += rate(Q1, C2, (88, 87), [(86, 88), (88, 86)], [(85, 84), (87, 86), (86, 89)])
    facts += rate(Q1, C3, (80, 82), [(82, 80), (78, 80)], [(80, 78), (81, 83), (79, 80)])
    facts += rate(Q1, C4, (84, 83), [(85, 84), (83, 82)], [(82, 80), (84, 85), (80, 81)])
    facts += rate(Q1, C5, (78, 76), [(76, 78), (80, 78)], [(78, 75), (77, 80), (79, 77)])
    # 群众乙 first keyed 78 for 曾琳's 政治素质 (c.1); the correction restores the ballot's 87.
    typo = Rating(
        id="2026-Q1.c2.yi.c.1.typo",
        period=Q1,
        recorded_by="督查指导科",
        item="c.1",
        subject="c2",
        role="colleagues",
        rater="群众乙",
        value=Decimal("78"),
    )
    fixed = Rating(
        id="2026-Q1.c2.yi.c.1.fixed",
        period=Q1,
        recorded_by="督查指导科",
        item="c.1",
        subject="c2",
        role="colleagues",
        rater="群众乙",
        value=Decimal("87"),
        corrects=typo.id,
    )
    facts = [f for f in facts if f.id != "2026-Q1.c2.yi.c.1"] + [typo, fixed]
    facts.append(ground("award-q1-c3", Q1, C3, "award_city"))  # 周凯: 市级青年岗位能手 (三.(三)1(1))
    facts.append(affirm("aff-q1-c3", Q1, C3, "aff.1"))
    facts.append(veto("veto-q1-c4", Q1, C4, "veto.3"))  # 林芳: 热线投诉查实 (三.(三)2(3))
    facts.append(veto("ng-q1-c5", Q1, C5, "ng.probation"))  # 韩冰: 新录用试用期内 (六.(一))
    return facts


def test_a_quarter_of_seven_staff_scores_ranks_and_grades_as_worked_out_by_hand() -> None:
    """R1 R2 R3 C2 S3 G1 G2 V2 V4 V5 G7, QF 二.(二), 三.(二)3-4, 三.(三), 六.(一).

    W = 0.4·main + 0.3·(s1+s2)/2 + 0.3·(k1+k2+k3)/3, common items 20 each, so common = 5 × W/5 = W;
    individual items: leader 25 25 20 30, counter 30 25 20 15 10, each rounded half up.

    l1 孔明 (leader)
      common  W = 0.4·92 + 0.3·89 + 0.3·88 = 36.8 + 26.7 + 26.4 = 89.9 → 5 × 17.98 = 89.90
      indiv.  W = 0.4·90 + 0.3·89 + 0.3·88 = 36 + 26.7 + 26.4 = 89.1
              25 × 0.891 = 22.275 → 22.28 (twice), 20 × 0.891 = 17.82, 30 × 0.891 = 26.73 → 89.11
      total   0.5 × 89.90 = 44.95; 0.5 × 89.11 = 44.555 → 44.56; 44.95 + 44.56 = 89.51
    l2 颜华 (leader)
      common  W = 0.4·72 + 0.3·72.5 + 0.3·72 = 28.8 + 21.75 + 21.6 = 72.15 → 5 × 14.43 = 72.15
      indiv.  W = 0.4·70 + 0.3·73 + 0.3·71 = 28 + 21.9 + 21.3 = 71.2 → 17.80 + 17.80 + 14.24 + 21.36 = 71.20
      total   0.5 × 72.15 = 36.075 → 36.08; 35.60; 71.68
    c1 孟雪 (counter)
      common  W = 0.4·95 + 0.3·93 + 0.3·91.333… = 38 + 27.9 + 27.4 = 93.3 → 18.66 × 4
              c.5 with main 80: 32 + 27.9 + 27.4 = 87.3 → 17.46; common = 74.64 + 17.46 = 92.10
      indiv.  W = 0.4·93 + 0.3·91 + 0.3·92 = 37.2 + 27.3 + 27.6 = 92.1
              30 → 27.63, 25 → 23.025 → 23.03, 20 → 18.42, 15 → 13.815 → 13.82, 10 → 9.21; = 92.11
      total   46.05 + 46.055 → 46.06 = 92.11
    c2 曾琳: common W = 35.2 + 26.1 + 25.8 = 87.1 (the corrected 87 counts, the typo 78 does not)
             indiv. W = 34.8 + 26.1 + 25.9 = 86.8 → 26.04 + 21.70 + 17.36 + 13.02 + 8.68 = 86.80
             total 43.55 + 43.40 = 86.95
    c3 周凯: common W = 32 + 24 + 24 = 80.0; indiv. W = 32.8 + 24 + 24.1 = 80.9
             → 24.27 + 20.225→20.23 + 16.18 + 12.135→12.14 + 8.09 = 80.91; total 40.00 + 40.455→40.46 = 80.46
    c4 林芳: common W = 33.6 + 25.2 + 24.6 = 83.4; indiv. W = 33.2 + 24.9 + 24.6 = 82.7
             → 24.81 + 20.675→20.68 + 16.54 + 12.405→12.41 + 8.27 = 82.71; total 41.70 + 41.355→41.36 = 83.06
    c5 韩冰: common W = 31.2 + 23.4 + 23.4 = 78.0; indiv. W = 30.4 + 23.4 + 23.2 = 77.0
             → 23.10 + 19.25 + 15.40 + 11.55 + 7.70 = 77.00; total 39.00 + 38.50 = 77.50

    Ranking: c1 92.11 (1), l1 89.51 (2), c2 86.95 (3), c4 83.06 (4), c3 80.46 (5), c5 77.50 (6), l2 71.68 (7).
    Grades: c5 is on probation → not graded (V5) but taking part, so 好 ≤ ⌊7 × 0.4⌋ = 2 (G2, of: all).
      c3's affirmation makes it 好 (V4) and holds one of the two; one slot is left for c1.
      l1 and c2 are ≥ 85 but outside the quota → 较好. c4's veto forces 较差 (V2) whatever its 83.06.
      l2 71.68 → 一般.
    """
    subjects = [L1, L2, C1, C2, C3, C4, C5]
    result = score_period(SCHEME, subjects, first_quarter_facts(), period=Q1)

    # Check the totals.
    expected = {
        "c1": ("92.11", 1, "好"),
        "l1": ("89.51", 2, "较好"),
        "c2": ("86.95", 3, "较好"),
        "c4": ("83.06", 4, "较差"),
        "c3": ("80.46", 5, "好"),
        "c5": ("77.50", 6, None),
        "l2": ("71.68", 7, "一般"),
    }
    for sid, (total, rank, grade) in expected.items():
        s = result.subject(sid)
        assert (s.total, s.rank, s.grade) == (Decimal(total), rank, grade), sid

    # Check the parts of l1 and c1.
    l1 = result.subject("l1").card
    assert l1.find("common").applied == Decimal("89.90")
    assert l1.find("individual").applied == Decimal("89.11")
    assert l1.find("l.1").applied == Decimal("22.28")
    assert l1.find("l.4").applied == Decimal("26.73")
    c1 = result.subject("c1").card
    assert c1.find("c.1").applied == Decimal("18.66")
    assert c1.find("c.5").applied == Decimal("17.46")
    assert c1.find("w.4").applied == Decimal("13.82")
    assert c1.find("individual").applied == Decimal("92.11")

    # Check that the typo is kept as corrected, not counted.
    c2_lines = result.subject("c2").card.find("c.1").lines
    statuses = {line.facts[0]: line.status for line in c2_lines}
    assert statuses["2026-Q1.c2.yi.c.1.typo"] == "corrected"
    assert statuses["2026-Q1.c2.yi.c.1.fixed"] == "counted"
    assert result.subject("c2").card.find("c.1").applied == Decimal("17.42")

    # Check eligibility: the vetoed 林芳 is flagged, the others are not.
    assert result.subject("c4").eligible is False
    assert "ineligible" in result.subject("c4").flags
    assert result.subject("c3").eligible is True


def test_at_most_forty_percent_get_hao_and_a_tie_at_the_boundary_gets_none() -> None:
    """G2 三.(二)4 每季度"好"不超过40%; G7 quota_boundary exclude.

    Five graded: ⌊5 × 0.4⌋ = 2 slots. Totals 92, 88, 88, 80, 70 (uniform ballots: total = the score).
    92 takes the first slot; the two 88s tie across the second → neither gets 好, both 较好.
    """
    people = [counter(f"p{i}", name) for i, name in enumerate(["甲", "乙", "丙", "丁", "戊"], 1)]
    scores = [92, 88, 88, 80, 70]
    facts = [f for p, v in zip(people, scores, strict=True) for f in uniform(Q1, p, v)]
    result = score_period(SCHEME, people, facts, period=Q1)

    got = [(s.subject, s.total, s.rank, s.grade) for s in result.ranking("all")]
    assert got == [
        ("p1", Decimal("92.00"), 1, "好"),
        ("p2", Decimal("88.00"), 2, "较好"),
        ("p3", Decimal("88.00"), 2, "较好"),
        ("p4", Decimal("80.00"), 4, "较好"),
        ("p5", Decimal("70.00"), 5, "一般"),
    ]


def test_without_a_tie_the_second_of_five_also_gets_hao() -> None:
    """G2: ⌊5 × 0.4⌋ = 2; totals 92, 89, 88 → the first two get 好, 88 is 较好."""
    people = [counter(f"p{i}", name) for i, name in enumerate(["甲", "乙", "丙", "丁", "戊"], 1)]
    scores = [92, 89, 88, 80, 70]
    facts = [f for p, v in zip(people, scores, strict=True) for f in uniform(Q1, p, v)]
    result = score_period(SCHEME, people, facts, period=Q1)
    assert [s.grade for s in result.ranking("all")] == ["好", "好", "较好", "较好", "一般"]


def test_an_affirmation_makes_a_low_score_hao_and_takes_a_quota_slot() -> None:
    """V4 三.(三)1 一票肯定 → 好; G2: the affirmed subject counts against the 40%.

    Five graded, 2 slots. 戊 (70) is affirmed (aff.2, 典型做法被推广) → 好, holding one slot;
    the one slot left goes to 95; 90 is ≥ 85 but outside the quota → 较好.
    """
    people = [counter(f"p{i}", name) for i, name in enumerate(["甲", "乙", "丙", "丁", "戊"], 1)]
    scores = [95, 90, 80, 75, 70]
    facts = [f for p, v in zip(people, scores, strict=True) for f in uniform(Q1, p, v)]
    facts.append(ground("ground-p5", Q1, people[4], "practice_promoted"))
    facts.append(affirm("aff-p5", Q1, people[4], "aff.2"))
    result = score_period(SCHEME, people, facts, period=Q1)

    assert [s.grade for s in result.ranking("all")] == ["好", "较好", "较好", "较好", "好"]
    assert result.subject("p5").total == Decimal("70.00")


def test_a_veto_beats_an_affirmation_in_the_same_quarter() -> None:
    """V2 beats V4 (scheme guide: a veto beats an affirmation): 95 affirmed and vetoed → 较差."""
    people = [counter("p1", "甲"), counter("p2", "乙"), counter("p3", "丙")]
    facts = [f for p, v in zip(people, [95, 80, 70], strict=True) for f in uniform(Q1, p, v)]
    facts.append(ground("ground-p1", Q1, people[0], "award_city"))
    facts.append(affirm("aff-p1", Q1, people[0], "aff.1"))
    facts.append(veto("veto-p1", Q1, people[0], "veto.2"))
    result = score_period(SCHEME, people, facts, period=Q1)

    p1 = result.subject("p1")
    assert (p1.total, p1.rank, p1.grade, p1.eligible) == (Decimal("95.00"), 1, "较差", False)
    assert "affirmation aff.1 获得市级以上奖励荣誉: no effect under veto veto.2 (V4)" in p1.grade_reasons


def test_an_affirmation_needs_its_ground_recorded_as_met_V4() -> None:
    """三.(三)1(1) 在工作业务或党团工作方面获得市级以上奖励、荣誉的 … 直接确定为"好" (version 2: V4 with
    conditions). Three graded at 80 (较好 by 三.(二)4, ≥ 75). 甲 affirmed with the award recorded → 好;
    乙 affirmed without it → stays 较好, with the reason; 丙 has the award recorded but no affirmation
    → 较好 (a ground alone decides nothing). (4) 领导小组研究同意 needs no ground: 丁 → 好.
    Quota: 4 graded × 40% = 1.6 → 1 slot, held by the forced 好 of 甲 and 丁 alike (G2 less forced)."""
    people = [counter(f"p{i}", name) for i, name in enumerate(["甲", "乙", "丙", "丁"], 1)]
    facts = [f for p in people for f in uniform(Q1, p, 80)]
    facts += [ground("g1", Q1, people[0], "award_city"), affirm("a1", Q1, people[0], "aff.1")]
    facts += [affirm("a2", Q1, people[1], "aff.1")]
    facts += [ground("g3", Q1, people[2], "award_city")]
    facts += [affirm("a4", Q1, people[3], "aff.4")]
    result = score_period(SCHEME, people, facts, period=Q1)

    assert {s.subject: s.grade for s in result.subjects} == {"p1": "好", "p2": "较好", "p3": "较好", "p4": "好"}
    reasons = result.subject("p2").grade_reasons
    assert "affirmation aff.1 获得市级以上奖励荣誉: prerequisites not met: award_city (V4)" in reasons


def test_staff_on_long_leave_are_ranked_and_counted_in_the_forty_percent_but_not_graded() -> None:
    """V5 六.(一) 病事假超过考核天数一半: 参加考核只写评语, 不确定等次; G2 三.(二)4 counts
    参加平时考核总人数, so the one on leave counts in the group size (quota of: all).

    Totals 95, 92, 90 (on leave), 80, 70: 5 taking part → ⌊5 × 0.4⌋ = 2 slots (4 graded would give 1).
    95 → 好, 92 → 好; the one on leave keeps rank 3 but has no grade.
    """
    people = [counter(f"p{i}", name) for i, name in enumerate(["甲", "乙", "丙", "丁", "戊"], 1)]
    scores = [95, 92, 90, 80, 70]
    facts = [f for p, v in zip(people, scores, strict=True) for f in uniform(Q1, p, v)]
    facts.append(veto("ng-p3", Q1, people[2], "ng.leave"))
    result = score_period(SCHEME, people, facts, period=Q1)

    got = [(s.subject, s.rank, s.grade) for s in result.ranking("all")]
    assert got == [("p1", 1, "好"), ("p2", 2, "好"), ("p3", 3, None), ("p4", 4, "较好"), ("p5", 5, "一般")]


def test_below_sixty_is_jiaocha_and_sixty_exactly_is_yiban() -> None:
    """G1 三.(二)4: 一般 不低于60分 (60 included), 未达到60分 → 较差; 85 exactly with a free slot → 好."""
    people = [counter("p1", "甲"), counter("p2", "乙"), counter("p3", "丙")]
    facts = [f for p, v in zip(people, [85, 60, 59], strict=True) for f in uniform(Q1, p, v)]
    result = score_period(SCHEME, people, facts, period=Q1)
    # ⌊3 × 0.4⌋ = 1 slot: 85 gets it.
    assert [s.grade for s in result.ranking("all")] == ["好", "一般", "较差"]


def test_leaders_and_counter_staff_are_scored_on_their_own_individual_items() -> None:
    """S3 二.(二) 个性指标: a leader has the 科室负责人 items, not the 窗口 items, and a rating of a
    窗口 item for a leader is refused."""
    facts = uniform(Q1, L1, 80)
    card = score_period(SCHEME, [L1], facts, period=Q1).subject("l1").card
    assert card.find("leader").applied == Decimal("80.00")
    with pytest.raises(KeyError):
        card.find("counter")

    stray = Rating(
        id="stray",
        period=Q1,
        recorded_by="督查指导科",
        item="w.1",
        subject="l1",
        role="main",
        rater="朱局长",
        value=Decimal("90"),
    )
    with pytest.raises(FactsInvalid):
        score_period(SCHEME, [L1], [*facts, stray], period=Q1)


def test_supervising_leaders_and_colleagues_are_averaged_before_their_weights() -> None:
    """R1 R3 三.(二)3: c.1 (20 points) rated main 90; supervising 80 and 90; colleagues 70, 80, 90.
    W = 0.4·90 + 0.3·85 + 0.3·80 = 36 + 25.5 + 24 = 85.5 → 20 × 85.5 / 100 = 17.10."""
    p = counter("p1", "甲")
    facts = (
        ballot(Q1, p, MAIN, (90, 90))
        + ballot(Q1, p, SUPERVISING[0], (80, 80))
        + ballot(Q1, p, SUPERVISING[1], (90, 90))
        + ballot(Q1, p, COLLEAGUES[0], (70, 70))
        + ballot(Q1, p, COLLEAGUES[1], (80, 80))
        + ballot(Q1, p, COLLEAGUES[2], (90, 90))
    )
    s = score_period(SCHEME, [p], facts, period=Q1).subject("p1")
    assert s.card.find("c.1").applied == Decimal("17.10")
    # Every item has the same W: common = 5 × 17.10 = 85.50; individual rounds per item:
    # 30 × 0.855 = 25.65, 25 × 0.855 = 21.375 → 21.38, 17.10, 15 × 0.855 = 12.825 → 12.83, 8.55 = 85.51.
    # total = 0.5 × 85.50 + 0.5 × 85.51 = 42.75 + 42.755 → 42.76 = 85.51.
    assert s.card.find("common").applied == Decimal("85.50")
    assert s.card.find("individual").applied == Decimal("85.51")
    assert s.total == Decimal("85.51")


def test_the_year_grade_follows_the_count_of_hao_and_jiaocha_quarters() -> None:
    """G6 四. 平时考核结果与年度考核结果挂钩; five 窗口 staff over the four quarters of 2026.

    Each quarter 5 take part → ⌊2.0⌋ = 2 slots for 好 (Q4: 戊 on leave still counts: 2 slots).
      甲 95 every quarter → 好 ×4 → flag priority_excellent; the year grade stays the default 称职.
      乙 80 every quarter, vetoed in Q2 (veto.2) → 较好 较差 较好 较好 → one 较差: 优秀 ruled out, 称职.
      丙 55 in Q1 and Q3, 80 in Q2 and Q4 → 较差 ×2 → 基本称职.
      丁 55 in Q1–Q3, 80 in Q4 → 较差 ×3 → 不称职 (the later rule wins over 基本称职).
      戊 88 in Q1–Q3 (the second slot: 好), on leave in Q4 (not graded) → not all four 好: no flag, 称职.
    """
    people = [counter(f"p{i}", name) for i, name in enumerate(["甲", "乙", "丙", "丁", "戊"], 1)]
    plan = {
        "2026-Q1": [95, 80, 55, 55, 88],
        "2026-Q2": [95, 80, 80, 55, 88],
        "2026-Q3": [95, 80, 55, 55, 88],
        "2026-Q4": [95, 80, 80, 80, 88],
    }
    facts: list = []
    for quarter, scores in plan.items():
        facts += [f for p, v in zip(people, scores, strict=True) for f in uniform(quarter, p, v)]
    facts.append(veto("veto-q2-p2", "2026-Q2", people[1], "veto.2"))
    facts.append(veto("ng-q4-p5", "2026-Q4", people[4], "ng.leave"))

    year = score_year(SCHEME, people, facts, year="2026")

    p1 = year.subject("p1")
    assert list(p1.quarter_grades.values()) == ["好", "好", "好", "好"]
    assert (p1.grade, p1.flags) == ("称职", ["priority_excellent"])

    p2 = year.subject("p2")
    assert p2.quarter_grades == {"2026-Q1": "较好", "2026-Q2": "较差", "2026-Q3": "较好", "2026-Q4": "较好"}
    assert (p2.grade, p2.flags) == ("称职", [])
    assert "优秀" in p2.ruled_out

    assert year.subject("p3").grade == "基本称职"
    assert year.subject("p4").grade == "不称职"

    p5 = year.subject("p5")
    assert p5.quarter_grades == {"2026-Q1": "好", "2026-Q2": "好", "2026-Q3": "好", "2026-Q4": None}
    assert (p5.grade, p5.flags) == ("称职", [])
