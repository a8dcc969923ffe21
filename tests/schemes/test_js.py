"""JS 吉水县国土资源局2014机关工作目标管理考评办法 (seed 001, part 2): the year 2014 of eight offices, by hand.

Every office scores 共性 30 (三(一)) + its own 个性 70 (三(二), S3) = 100, plus bonuses (三(一)6, 12).
Each pointed clause "(n分)" is floored at 0 (choice in schemes/js.yaml). Prizes and allowance bands
follow 四(三)1–2 (G5), vetoes 四(三)6 (V1).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from domain.errors import FactsInvalid
from domain.facts import Bonus, Deduction, Retraction, Subject, VetoDecision
from domain.scheme.loader import load_scheme_file
from domain.scoring import score_period
from replay.compare import compare

SCHEME = load_scheme_file(Path(__file__).parents[2] / "schemes" / "js.yaml")
YEAR = "2014"
D = Decimal

NAMES = {
    "BGS": "办公室",
    "RJ": "人事教育股",
    "FG": "法规监察股",
    "ZL": "土地开发整理中心",
    "ZF": "执法监察大队",
    "XX": "信息中心",
    "CH": "测绘股",
    "JC": "监察室",
}


def office(kind: str, sid: str | None = None) -> Subject:
    return Subject(id=sid or kind.lower(), name=NAMES.get(kind, kind), kind=kind)


def ded(fid: str, item: str, subject: str, **kw: object) -> Deduction:
    return Deduction(id=fid, period=YEAR, recorded_by="考评领导小组", item=item, subject=subject, **kw)


def bonus(fid: str, item: str, subject: str, **kw: object) -> Bonus:
    return Bonus(id=fid, period=YEAR, recorded_by="考评领导小组", item=item, subject=subject, **kw)


SUBJECTS = [office(k) for k in NAMES]


def articles(subject: str, *levels: str) -> list[Bonus]:
    """三(一)6: every published article recorded once, on B.6, with the level of the paper."""
    return [bonus(f"{subject}.art{n}", "B.6", subject, level=level) for n, level in enumerate(levels, 1)]


FACTS = [
    # 办公室 bgs
    ded("bgs1", "C.1.a-1", "bgs", count=4),  # 迟到早退 4 × 0.5 = 2
    ded("bgs3", "BGS.3.b-1", "bgs"),  # 未编制财政预算: the 4-point clause is void (D5)
    ded("bgs4", "BGS.1-1", "bgs", count=3),  # 公文差错 3 × 1
    # six articles: the 3 lowest (county, county, city) fill the quota of 3 (C.6 full 3, D9); the
    # others earn 每多录用 province 1 + national 2 + city 0.5 = 3.5, capped at 3 (B3)
    *articles("bgs", "county", "province", "national", "county", "city", "city"),
    # 法规监察股 fg
    ded("fg1", "C.13.a-1", "fg", count=3),  # 3 unexcused absences: 缺席3次以上 (以上 includes 3), the clause is void
    *articles("fg", "county", "county", "county"),
    ded("fg3", "FG.4-1", "fg", count=2),  # 2 集中宣传 missed × 2.5 = 5
    ded("fg4", "FG.6-1", "fg", amount=D("3.5")),  # 酌情扣分 3.5
    bonus("fg5", "B.12", "fg", count=2),  # 2 volunteer person-times × 0.5 = 1
    # 土地开发整理中心 zl
    ded("zl1", "ZL.3-1", "zl", shortfall=D("0.12")),  # 12% short: ⌊0.12 / 0.05⌋ = 2 steps × 4 = 8 (D9)
    ded("zl2", "ZL.4.a-1", "zl"),  # 越级上访 0.5
    ded("zl3", "C.3-1", "zl"),  # 总结迟报 0.5
    *articles("zl", "county", "city", "county"),
    # 执法监察大队 zf: high score, but vetoed (V1)
    ded("zf1", "ZF.2.a-1", "zf", count=14),  # 14 patrols missed × 0.5 = 7 > 6: the clause stops at 0
    ded("zf2", "C.9-1", "zf"),  # 1
    VetoDecision(id="zf3", period=YEAR, recorded_by="考评领导小组", veto="V.3", subject="zf"),  # 违反财经纪律
    *articles("zf", "county", "county", "county"),
    # 信息中心 xx
    ded("xx1", "XX.2-1", "xx", count=4),  # 4 × 0.5 = 2
    ded("xx2", "XX.5-1", "xx", count=4),  # 4 × 1
    ded("xx3", "C.2-1", "xx"),  # 学习抽查不合格: 1 (D5)
    ded("xx4", "C.11-1", "xx"),  # 0.5
    ded("xx5", "C.11-2", "xx"),  # 上级通报批评: void; 1 − 0.5 − 1 → 0
    *articles("xx", "county", "county", "county"),
    # 监察室 jc
    ded("jc1", "JC.2-1", "jc"),  # 10 (D5)
    ded("jc2", "JC.3-1", "jc", count=2),  # 2
    ded("jc3", "C.8-1", "jc"),  # 违法乱纪 1例: 2 (D5)
    ded("jc4", "C.1.c-1", "jc"),  # 投诉属实: 2 (D5)
    *articles("jc", "county", "county", "county"),
    # 测绘股 ch
    ded("ch1", "CH.2-1", "ch"),  # 15 (D5)
    ded("ch2", "CH.3-1", "ch", count=4),  # 4
    ded("ch3", "C.7-1", "ch", count=3),  # 3 通报 × 1 = 3 > 2: the clause stops at 0
    *articles("ch", "county", "county", "county"),
    # 人事教育股 rj: exactly 85
    ded("rj1", "RJ.4-1", "rj", count=12),  # 12
    ded("rj2", "C.10-1", "rj", count=2),  # 1
    ded("rj3", "C.5-1", "rj", count=2),  # 2 × 0.5 = 1 (the whole 1-point clause)
    ded("rj4", "C.12-1", "rj", count=2),  # 1
    *articles("rj", "county", "county", "county"),
]


@pytest.fixture(scope="module")
def result():
    return score_period(SCHEME, SUBJECTS, FACTS, period=YEAR)


def allowance(result, subject: str) -> str | None:
    """四(三)2: the allowance band, the scheme's second outcome (G5)."""
    (found,) = [o for o in result.subject(subject).outcomes or [] if o.id == "allowance"]
    return found.grade


def test_the_year_2014_of_eight_offices_gives_hand_computed_totals_ranks_prizes_and_allowances(result) -> None:
    """三: 共性 30 + 个性 70 (+ 加分); 四(三)1–2 prizes ≥ 85 (1/2/3), allowance bands; 四(三)6 veto (V1).

    bgs: 共性 30 − 2 = 28; 个性 70 − 4 − 3 = 63; 加分 min(3.5, 3) = 3                → 94
    zf:  共性 30 − 1 = 29; 个性 70 − 6 (floored clause) = 64                           → 93 (vetoed)
    xx:  共性 30 − 1 − 1 (C.11 floored) = 28; 个性 70 − 2 − 4 = 64                     → 92
    zl:  共性 30 − 0.5 = 29.5; 个性 70 − 8 − 0.5 = 61.5                                → 91
    fg:  共性 30 − 2 (C.13.a floored) = 28; 个性 70 − 5 − 3.5 = 61.5; 加分 1            → 90.5
    rj:  共性 30 − 1 − 1 − 1 = 27; 个性 70 − 12 = 58                                   → 85
    jc:  共性 30 − 2 − 2 = 26; 个性 70 − 10 − 2 = 58                                   → 84
    ch:  共性 30 − 2 (C.7 floored) = 28; 个性 70 − 15 − 4 = 51                         → 79
    Prizes among the eligible ≥ 85 (zf vetoed): 一等奖 bgs; 二等奖 xx, zl; 三等奖 fg, rj (only 2 left).
    Allowance (the second outcome): every office ≥ 85 全额, zf too (the veto takes the prize only);
    jc 80–85 → 5% cut; ch < 80 → 10% cut.
    """
    got = {s.subject: (s.total, s.rank, s.grade, allowance(result, s.subject)) for s in result.subjects}
    assert got == {
        "bgs": (D("94"), 1, "一等奖", "全额领取津贴补贴"),
        "zf": (D("93"), 2, "未获奖", "全额领取津贴补贴"),
        "xx": (D("92"), 3, "二等奖", "全额领取津贴补贴"),
        "zl": (D("91"), 4, "二等奖", "全额领取津贴补贴"),
        "fg": (D("90.5"), 5, "三等奖", "全额领取津贴补贴"),
        "rj": (D("85"), 6, "三等奖", "全额领取津贴补贴"),
        "jc": (D("84"), 7, "未获奖", "扣发津贴补贴5%"),
        "ch": (D("79"), 8, "未获奖", "扣发津贴补贴10%"),
    }


def test_each_office_is_scored_on_30_common_and_its_own_70_points_S3(result) -> None:
    """三(一) 共性 30 for all; 三(二) each office only its own 70."""
    bgs = result.subject("bgs").card
    assert (bgs.find("C").applied, bgs.find("BGS").applied, bgs.find("score").applied) == (D("28"), D("63"), D("91"))
    assert bgs.maybe("ZL") is None and bgs.maybe("JC") is None
    assert result.subject("zl").card.find("ZL").max == D("70")


def test_an_item_of_another_office_cannot_be_recorded_against_an_office_S3() -> None:
    """三(二): 造地工作 belongs to 土地开发整理中心 only; recording it against 办公室 is refused."""
    with pytest.raises(FactsInvalid):
        score_period(SCHEME, [office("BGS")], [ded("x1", "ZL.3-1", "bgs", shortfall=D("0.1"))], period=YEAR)


def test_one_finding_voids_the_whole_clause_D5(result) -> None:
    """三(二)办公室3 编制好财政预算(4分)未编制的不得分; 三(一)11 受到上级通报批评的此项不给分."""
    assert result.subject("bgs").card.find("BGS.3.b").applied == D("0")
    clause = result.subject("xx").card.find("C.11")
    assert (clause.raw, clause.applied, clause.cut) == (D("-0.5"), D("0"), D("-0.5"))
    absences = result.subject("fg").card.find("C.13.a-1")  # 0.2 × 3, and 缺席3次以上: all 2 points
    assert (absences.raw, absences.applied, absences.cut) == (D("-2.6"), D("-2"), D("-0.6"))
    assert result.subject("fg").card.find("C.13.a").applied == D("0")


def test_a_clause_never_loses_more_than_its_own_points_D2(result) -> None:
    """执法监察大队 2 巡查 (6分) 少一次扣0.5分: 14 missed → 7, the clause stops at 0; 巡查到位 keeps 4."""
    assert result.subject("zf").card.find("ZF.2.a").applied == D("0")
    assert result.subject("zf").card.find("ZF.2").applied == D("4")


def test_each_full_5_percent_short_of_the_farmland_quota_costs_4_points_D9() -> None:
    """三(二)土地开发整理中心3 每差欠5%扣4分 (choice: whole steps only), within its 20 points.

    0 → 20; 4.99% → 0 steps → 20; 5% → 16; 12% → 8 off → 12; 25% → 0; 40% → 32 off, floored → 0.
    """
    cases = {"a": "0", "b": "0.0499", "c": "0.05", "d": "0.12", "e": "0.25", "f": "0.40"}
    subjects = [office("ZL", k) for k in cases]
    facts = [ded(f"s.{k}", "ZL.3-1", k, shortfall=D(v)) for k, v in cases.items()]
    result = score_period(SCHEME, subjects, facts, period=YEAR)
    got = {k: result.subject(k).card.find("ZL.3").applied for k in cases}
    assert got == {"a": D("20"), "b": D("20"), "c": D("16"), "d": D("12"), "e": D("0"), "f": D("0")}


def test_fewer_articles_than_the_quota_score_in_proportion_worked_out_from_the_articles_D9() -> None:
    """三(一)6 全年完成上稿任务3篇计3分 … 每多录用县级报刊1篇加0.1分;每多录用市级报刊1篇加0.5分 …
    未完成稿件录用任务的按比例得分. Each article is recorded once, on B.6; the engine counts them.

    a: 2 articles → 3 × (3 − 2)/3 = 1 off → C.6 2, no bonus (both fill the quota)
    b: 1 article  → 3 × 2/3 = 2 off → 1
    c: none       → 3 × 3/3 = 3 off → 0
    d: 3 articles → 3, no bonus
    e: 4 articles (county, city, county, county) → 3; the 3 county ones fill the quota, the city one
       is the 1 more: + 0.5
    f: one fact of 4 county articles (count 4) → 3; 3 of them fill the quota, 1 more: + 0.1
    """
    levels = {"a": ["county", "city"], "b": ["city"], "c": [], "d": ["county"] * 3,
              "e": ["county", "city", "county", "county"]}
    facts = [f for k, listed in levels.items() for f in articles(k, *listed)]
    facts.append(bonus("f.art", "B.6", "f", level="county", count=4))
    subjects = [office("XX", k) for k in "abcdef"]
    result = score_period(SCHEME, subjects, facts, period=YEAR)
    got = {k: (result.subject(k).card.find("C.6").applied, result.subject(k).card.find("B.6").applied) for k in "abcdef"}
    assert got == {
        "a": (D("2"), D("0")),
        "b": (D("1"), D("0")),
        "c": (D("0"), D("0")),
        "d": (D("3"), D("0")),
        "e": (D("3"), D("0.5")),
        "f": (D("3"), D("0.1")),
    }
    assert result.subject("e").card.find("C.6-1").raw == D("0")  # more than the quota loses nothing
    line = result.subject("a").card.find("C.6-1").lines[0]
    assert line.facts == ["a.art1", "a.art2"] and "2 of 3 recorded on B.6" in (line.note or "")
    assert "fill the quota of 3" in (result.subject("e").card.find("B.6").lines[0].note or "")


def test_the_proportional_clause_takes_no_facts_of_its_own_D9() -> None:
    """三(一)6: the clause is worked out from the articles; a hand-worked shortfall is refused."""
    with pytest.raises(FactsInvalid, match="worked out from the pieces recorded on B.6"):
        score_period(SCHEME, [office("XX", "a")], [ded("a.1", "C.6-1", "a", shortfall=D("0.3333"))], period=YEAR)


def test_three_unexcused_absences_or_more_void_the_clause_worked_out_from_the_count_D5_D10() -> None:
    """三(一)13 (2分) 无故缺席的扣0.2分,缺席3次以上此项不得分 (以上 includes 3, choice in js.yaml).

    2 absences → 2 − 0.4 = 1.6; 3 → 0 (void); 4 recorded as one count of 4 → 0 (not 2 − 0.8 = 1.2);
    2 + 2 in two facts → 0; 3 absences of which one retracted → 2 − 0.4 = 1.6.
    """
    facts = [
        ded("a.1", "C.13.b-1", "a", count=2),
        ded("b.1", "C.13.b-1", "b", count=3),
        ded("c.1", "C.13.b-1", "c", count=4),
        ded("d.1", "C.13.b-1", "d", count=2),
        ded("d.2", "C.13.b-1", "d", count=2),
        ded("e.1", "C.13.b-1", "e", count=2),
        ded("e.2", "C.13.b-1", "e"),
        Retraction(id="e.3", period=YEAR, recorded_by="考评领导小组", target="e.2", reason="请假手续补齐"),
    ]
    facts += [f for k in "abcde" for f in articles(k, "county", "county", "county")]
    subjects = [office("XX", k) for k in "abcde"]
    result = score_period(SCHEME, subjects, facts, period=YEAR)
    got = {k: result.subject(k).card.find("C.13.b").applied for k in "abcde"}
    assert got == {"a": D("1.6"), "b": D("0"), "c": D("0"), "d": D("0"), "e": D("1.6")}
    void = result.subject("c").card.find("C.13.b-1")
    assert void.rules == ["D1", "D5", "D10"]
    assert "4 occurrences, 3 or more void the item" in (void.lines[-1].note or "")


def test_the_publicity_bonus_is_capped_at_3_B3(result) -> None:
    """三(一)6 每多录用 省级 1、国家级 2、市级 0.5 … 加分不超过3分: 3.5 → 3."""
    item = result.subject("bgs").card.find("B.6")
    assert (item.raw, item.applied, item.cut) == (D("3.5"), D("3"), D("0.5"))
    assert item.cut_facts == ["bgs.art6"]  # the last of the extra articles (the 3 lowest fill the quota, D9)


def test_a_vetoed_office_keeps_its_score_but_wins_no_prize_V1(result) -> None:
    """四(三)6(3) 违反财经纪律: 取消综合先进单位的评选资格; the allowance depends on the score only."""
    zf = result.subject("zf")
    assert zf.total == D("93")
    assert zf.eligible is False
    assert "ineligible" in zf.flags
    assert zf.grade == "未获奖"
    assert allowance(result, "zf") == "全额领取津贴补贴"
    (band,) = zf.outcomes or []
    assert band.eligible is True and "veto" not in " ".join(band.reasons)


def test_allowance_bands_are_85_and_above_80_to_85_and_below_80_G5() -> None:
    """四(三)2: 低于80分(不含80分) 10%; 80分至85分(不含85分) 5%; 高于85分(含85分) 全额.

    Four 地质矿产股-kind offices, all vetoed (V.5) so that no prize intervenes:
    a: 地灾事故 10 (D5) + 安全事故 10 × 0.5 = 5 (clause of 5)   → 100 − 15   = 85   → 全额
    b: 地灾事故 10 + 矿权 酌情 5.1                             → 100 − 15.1 = 84.9 → 5%
    c: 地灾事故 10 + 年检不达标 10 (D5)                        → 100 − 20   = 80   → 5%
    d: as c + 矿权 酌情 0.1                                    → 100 − 20.1 = 79.9 → 10%
    """
    facts = [
        ded("a.1", "KC.1.a-1", "a"),
        ded("a.2", "KC.4-1", "a", count=10),
        ded("b.1", "KC.1.a-1", "b"),
        ded("b.2", "KC.2-1", "b", amount=D("5.1")),
        ded("c.1", "KC.1.a-1", "c"),
        ded("c.2", "KC.6-1", "c"),
        ded("d.1", "KC.1.a-1", "d"),
        ded("d.2", "KC.6-1", "d"),
        ded("d.3", "KC.2-1", "d", amount=D("0.1")),
    ]
    facts += [VetoDecision(id=f"{k}.v", period=YEAR, recorded_by="考评领导小组", veto="V.5", subject=k) for k in "abcd"]
    facts += [f for k in "abcd" for f in articles(k, "county", "county", "county")]
    subjects = [office("KC", k) for k in "abcd"]
    result = score_period(SCHEME, subjects, facts, period=YEAR)
    got = {k: (result.subject(k).total, allowance(result, k)) for k in "abcd"}
    assert all(result.subject(k).grade == "未获奖" for k in "abcd")
    assert got == {
        "a": (D("85"), "全额领取津贴补贴"),
        "b": (D("84.9"), "扣发津贴补贴5%"),
        "c": (D("80"), "扣发津贴补贴5%"),
        "d": (D("79.9"), "扣发津贴补贴10%"),
    }


def test_offices_tied_for_the_first_prize_share_the_second_prize_G7() -> None:
    """Choice in js.yaml (G7, silent document): a tie across a prize's count gives that prize to none
    of the tied; they compete for the next prize. 信息中心-kind offices: p and q lose 5 × 1 on 金土工程
    (95 each), r loses 10 × 1 (90): no 一等奖; p and q 二等奖; r 三等奖."""
    facts = [
        ded("p.1", "XX.1-1", "p", count=5),
        ded("q.1", "XX.1-1", "q", count=5),
        ded("r.1", "XX.1-1", "r", count=10),
    ]
    facts += [f for k in "pqr" for f in articles(k, "county", "county", "county")]
    subjects = [office("XX", k) for k in "pqr"]
    result = score_period(SCHEME, subjects, facts, period=YEAR)
    got = {k: (result.subject(k).total, result.subject(k).rank, result.subject(k).grade) for k in "pqr"}
    assert got == {"p": (D("95"), 1, "二等奖"), "q": (D("95"), 1, "二等奖"), "r": (D("90"), 3, "三等奖")}


def test_a_change_of_allowance_band_alone_is_reported_by_the_comparison_G5(result) -> None:
    """Each outcome is compared as the grade is: a result whose allowance band changed, and nothing else,
    is a change (replay/compare.py), named with the outcome's before and after."""
    jc = result.subject("jc")
    (band,) = jc.outcomes or []
    moved = jc.model_copy(update={"outcomes": [band.model_copy(update={"grade": "扣发津贴补贴10%"})]})
    after = result.model_copy(update={"subjects": [moved if s.subject == "jc" else s for s in result.subjects]})
    (row,) = compare(result, after)["changes"]
    assert row["subject"] == "jc"
    assert row["before"]["outcomes"] == {"allowance": "扣发津贴补贴5%"}
    assert row["after"]["outcomes"] == {"allowance": "扣发津贴补贴10%"}
    assert row["before"]["grade"] == row["after"]["grade"] == "未获奖"
