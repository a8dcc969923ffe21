"""Catalog B1-B6 (bonuses, 加分), each worked out by hand from the document's own values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from catalog_schemes import IND, JS, XG, ZZ
from catalog_support import YEAR, ZJG, bonus, deduction, score, statuses, subject

from domain.errors import FactsInvalid

# --- B1 By level ---------------------------------------------------------------------------


def test_commendations_are_worth_one_two_or_three_by_the_awarding_level() -> None:
    """B1 ZJG 第二章第三条 1 本级政府表彰 每一起加1分, 市级 2分, 省级及以上 3分; 3 信息被市级媒体录用 每一篇2分.

    One commendation at each level: 1 + 2 + 3 = 6; two articles in city media: 2 × 2 = 4.
    综合加分 10; total 90 + 0 (no rating recorded) + 10 = 100.
    """
    facts = [
        bonus("own", "a", "b.1", level="own_government"),
        bonus("city", "a", "b.1", level="city"),
        bonus("prov", "a", "b.1", level="province"),
        bonus("media", "a", "b.3", level="city", count=2),
    ]
    result = score(ZJG, [subject("a")], facts).subject("a")
    assert result.card.find("b.1").applied == Decimal(6)
    assert result.card.find("b.3").applied == Decimal(4)
    assert result.card.find("bonus").applied == Decimal(10)
    assert result.total == Decimal("100.00")


def test_openness_work_promoted_as_a_model_earns_five_ten_or_fifteen() -> None:
    """B1 XG 二.(一)5(1) 县内做典型推广的每次加5分, 市级10分, 省级15分; 5(2) 典型批评 扣5/10/15.

    Promoted by the county and by the province, criticised by the city: 5 + 15 − 10 = 10.
    """
    facts = [
        bonus("county", "u", "pm.1", period=YEAR, level="county"),
        bonus("province", "u", "pm.1", period=YEAR, level="province"),
        deduction("criticised", "u", "pm.2", period=YEAR, attributes={"level": "city"}),
    ]
    card = score(XG, [subject("u", kind="unit")], facts, YEAR).subject("u").card
    assert card.find("pm.1").applied == Decimal(20)
    assert card.find("plusminus").applied == Decimal(10)


def test_an_advanced_unit_title_is_worth_four_eight_or_twelve() -> None:
    """B1 ZZ 三.(三)3(1) 被市级以上评为先进单位的, 市(厅)级得4分, 省(部)级得8分, 国家级得12分."""
    units = [subject(u, kind="unit", group="s2") for u in ("c", "p", "n")]
    facts = [
        bonus("fc", "c", "m.3.1", period=YEAR, level="city"),
        bonus("fp", "p", "m.3.1", period=YEAR, level="province"),
        bonus("fn", "n", "m.3.1", period=YEAR, level="national"),
    ]
    result = score(ZZ, units, facts, YEAR)
    assert [result.subject(u).card.find("merit").applied for u in ("c", "p", "n")] == [
        Decimal(4),
        Decimal(8),
        Decimal(12),
    ]


# --- B2 Highest only for one matter --------------------------------------------------------


def test_one_achievement_commended_twice_earns_only_the_higher_bonus() -> None:
    """B2 ZJG 第二章第三条 同一情况涉及交叉加分的, 就高加分: one project wins a city contest (2, 2分)
    and is reported by provincial media (3, 3分): only the 3 counts; the 2 is superseded."""
    facts = [
        bonus("contest", "a", "b.2", level="city", situation="project-x"),
        bonus("article", "a", "b.3", level="province", situation="project-x"),
    ]
    result = score(ZJG, [subject("a")], facts)
    assert result.subject("a").card.find("bonus").applied == Decimal(3)
    assert statuses(result, "a", "b.2") == {"contest": "superseded"}
    assert "B2" in result.subject("a").card.find("b.2").rules


# --- B3 Caps -------------------------------------------------------------------------------


def test_a_bonus_item_stops_at_its_cap_and_names_the_facts_beyond_it() -> None:
    """B3 ZZ 三.(三)4(1) 每争取50万元得1分, 本项最高得分10分: 3.5M and then 2.7M = 7 + 5 = 12 → 10.

    Facts are taken by id (no dates): fund-1 (7) fits, fund-2 (5) goes beyond the 10 and is cut.
    """
    facts = [
        bonus("fund-1", "u", "m.4.1", period=YEAR, amount=Decimal(3500000)),
        bonus("fund-2", "u", "m.4.1", period=YEAR, amount=Decimal(2700000)),
    ]
    node = score(ZZ, [subject("u", kind="unit", group="s1")], facts, YEAR).subject("u").card.find("m.4.1")
    assert (node.raw, node.applied, node.cut, node.cut_facts) == (Decimal(12), Decimal(10), Decimal(2), ["fund-2"])
    assert "B3" in node.rules


def test_the_whole_bonus_section_stops_at_one_hundred() -> None:
    """B3 ZZ 三.(三) 各分项奖励累计不超过100分: four 突出贡献 projects at 30 = 120 → 100."""
    facts = [bonus("big", "u", "m.1", period=YEAR, count=4)]
    node = score(ZZ, [subject("u", kind="unit", group="s1")], facts, YEAR).subject("u").card.find("merit")
    assert (node.raw, node.applied, node.cut) == (Decimal(120), Decimal(100), Decimal(20))


def test_a_staff_members_bonus_is_at_most_ten() -> None:
    """B3 IND 四.(六) 加分不超过10分: national award 10 + a city award 5 = 15 → 10."""
    facts = [
        bonus("nat", "p", "bonus.1", period="2026-H1", level="national"),
        bonus("city", "p", "bonus.1", period="2026-H2", level="city"),
    ]
    node = score(IND, [subject("p", kind="staff")], facts, YEAR).subject("p").card.find("bonus")
    assert (node.raw, node.applied) == (Decimal(15), Decimal(10))


def test_the_publicity_bonus_is_capped_at_three() -> None:
    """B3 JS 三.(一)6 每多录用省级报刊1篇加1分, 国家级2分, 加分不超过3分: 2 national + 1 provincial = 5 → 3."""
    facts = [
        bonus("nat", "o", "c.6b.1", period=YEAR, level="national", count=2),
        bonus("prov", "o", "c.6b.1", period=YEAR, level="province"),
    ]
    node = score(JS, [subject("o", kind="office")], facts, YEAR).subject("o").card.find("c.6b")
    assert (node.raw, node.applied) == (Decimal(5), Decimal(3))


def test_innovation_bonuses_have_no_upper_limit() -> None:
    """B3 ZJG 第二章第三条 4 本项加分不设上线 (and the section sets none): first-ranked innovation 3 and
    twelve articles in provincial media (3 each, 36): bonus 39, total 90 + 39 = 129."""
    facts = [
        bonus("inn", "a", "b.4", rank="1"),
        bonus("media", "a", "b.3", level="province", count=12),
    ]
    result = score(ZJG, [subject("a")], facts).subject("a")
    assert result.card.find("bonus").applied == Decimal(39)
    assert result.card.find("bonus").cut == 0
    assert result.total == Decimal("129.00")


# --- B4 Rank-based award -------------------------------------------------------------------


def test_the_top_three_innovations_of_the_quarter_earn_three_two_and_one() -> None:
    """B4 ZJG 第二章第三条 4 根据情况确定前三名, 分别加3、2、1分; a fourth department gets none."""
    departments = [subject(s) for s in ("a", "b", "c", "d")]
    facts = [
        bonus("inn-b", "b", "b.4", rank="1"),
        bonus("inn-a", "a", "b.4", rank="2"),
        bonus("inn-c", "c", "b.4", rank="3"),
    ]
    result = score(ZJG, departments, facts)
    assert {s.subject: s.card.find("b.4").applied for s in result.subjects} == {
        "a": Decimal(2),
        "b": Decimal(3),
        "c": Decimal(1),
        "d": Decimal(0),
    }


def test_a_rank_of_the_innovation_award_is_given_once_per_quarter() -> None:
    """B4 ZJG 第二章第三条 4: 前三名 — two first places in one quarter are refused."""
    facts = [bonus("x", "a", "b.4", rank="1"), bonus("y", "b", "b.4", rank="1")]
    with pytest.raises(FactsInvalid) as caught:
        score(ZJG, [subject("a"), subject("b")], facts)
    assert "rank 1 of item b.4 is awarded twice in 2026-Q1 (B4)" in str(caught.value)


# --- B5 Step scales ------------------------------------------------------------------------


def test_funds_raised_earn_one_point_per_whole_half_million() -> None:
    """B5 ZZ 三.(三)4(1) 每争取50万元得1分: 2.3M → ⌊2.3 / 0.5⌋ = 4; 499,999 yuan → 0."""
    units = [subject("u", kind="unit", group="s1"), subject("v", kind="unit", group="s1")]
    facts = [
        bonus("f-u", "u", "m.4.1", period=YEAR, amount=Decimal(2300000)),
        bonus("f-v", "v", "m.4.1", period=YEAR, amount=Decimal(499999)),
    ]
    result = score(ZZ, units, facts, YEAR)
    assert [result.subject(s).card.find("m.4.1").applied for s in ("u", "v")] == [Decimal(4), Decimal(0)]


def test_an_investment_earns_five_at_ten_million_and_one_per_further_three_million() -> None:
    """B5 ZZ 三.(三)4(2) 实际到资1000万元的得5分, 每增加300万元得1分, 本项最高得分10分.

    9.99M: below the threshold → 0; 10M → 5; 17M → 5 + ⌊7 / 3⌋ = 7; 40M → 5 + 10 = 15 → 10.
    """
    amounts = {"a": 9990000, "b": 10000000, "c": 17000000, "d": 40000000}
    units = [subject(s, kind="unit", group="s2") for s in amounts]
    facts = [bonus(f"inv-{s}", s, "m.4.2", period=YEAR, amount=Decimal(a)) for s, a in amounts.items()]
    result = score(ZZ, units, facts, YEAR)
    assert [result.subject(s).card.find("m.4.2").applied for s in amounts] == [
        Decimal(0),
        Decimal(5),
        Decimal(7),
        Decimal(10),
    ]


# --- B6 Joint credit -----------------------------------------------------------------------


def test_a_joint_project_credits_the_lead_unit_80_percent_and_each_co_unit_20() -> None:
    """B6 ZZ 三.(三) 属多部门联办的 ... 主办单位按80%计分, 联办单位按20%计分.

    A provincial promotion (3(3), 10 points) led by L with co-units C1, C2: L 8, C1 2, C2 2.
    """
    units = [subject(s, kind="unit", group="s2") for s in ("L", "C1", "C2")]
    facts = [
        bonus(
            "joint",
            None,
            "m.3.3",
            period=YEAR,
            level="province",
            parties=[("L", "lead"), ("C1", "co"), ("C2", "co")],
        )
    ]
    result = score(ZZ, units, facts, YEAR)
    assert {s.subject: s.card.find("m.3.3").applied for s in result.subjects} == {
        "L": Decimal("8.00"),
        "C1": Decimal("2.00"),
        "C2": Decimal("2.00"),
    }
    assert "B6" in result.subject("L").card.find("m.3.3").rules


def test_joint_credit_needs_the_roles_the_scheme_declares() -> None:
    """B6: a party role other than lead or co is refused; ZJG declares no joint credit at all."""
    facts = [bonus("j", None, "b.1", level="city", parties=[("a", "lead"), ("b", "co")])]
    with pytest.raises(FactsInvalid) as caught:
        score(ZJG, [subject("a"), subject("b")], facts)
    assert "joint credit needs roles" in str(caught.value)
