"""Catalog R1-R3 (ratings, 测评) and C1-C4 (composition), worked out by hand from the documents."""

from __future__ import annotations

from decimal import Decimal

import pytest
from catalog_schemes import IND, QF, QZ, XIANG, ZZ
from catalog_support import (
    YEAR,
    ZJG,
    assessed,
    bonus,
    deduction,
    rating,
    score,
    subject,
)

from domain.errors import FactsInvalid

# --- R1 Weighted raters --------------------------------------------------------------------


def test_principal_and_supervising_leaders_weigh_five_to_five() -> None:
    """R1 ZJG 第二章第二条 局主要领导和分管领导按5:5的比例, 折算出本项测评得分 (10分).

    Principal 90, supervising 70: 10 × (0.5 × 90 + 0.5 × 70) / 100 = 8.00.
    """
    facts = [
        rating("p", "a", "rating", "principal", "局长", "90"),
        rating("s", "a", "rating", "supervising", "副局长", "70"),
    ]
    node = score(ZJG, [subject("a")], facts).subject("a").card.find("rating")
    assert node.applied == Decimal("8.00")
    assert node.rules == ["R1", "R2", "R3"]


def test_main_leader_forty_supervising_leaders_thirty_colleagues_thirty() -> None:
    """R1 QF 三.(二)3 主要领导评价分占40%、主管领导评价分合占30%, 群众评价分占30%.

    90, 80, 70: 100 × (0.4 × 90 + 0.3 × 80 + 0.3 × 70) / 100 = 36 + 24 + 21 = 81.00.
    """
    facts = [
        rating("m", "w", "common", "main", "局长", "90"),
        rating("s", "w", "common", "supervising", "副局长", "80"),
        rating("c", "w", "common", "colleagues", "同事", "70"),
    ]
    node = score(QF, [subject("w", kind="counter")], facts).subject("w").card.find("common")
    assert node.applied == Decimal("81.00")


def test_township_leadership_representatives_and_supervisors_weigh_12_18_and_10() -> None:
    """R1 XIANG 三.(二) 镇党政班子12分, 党代表人大代表等18分, 效能建设监督员10分 (40 in all).

    Each group rates on 100: 90, 80, 70 → 12 × 0.9 + 18 × 0.8 + 10 × 0.7 = 10.8 + 14.4 + 7 = 32.20.
    """
    facts = [
        rating("l", "u", "conduct", "leadership", "镇党政班子", "90", period=YEAR),
        rating("r", "u", "conduct", "representatives", "代表", "80", period=YEAR),
        rating("s", "u", "conduct", "supervisors", "监督员", "70", period=YEAR),
    ]
    node = score(XIANG, [subject("u", kind="unit", group="cat1")], facts, YEAR).subject("u").card.find("conduct")
    assert node.applied == Decimal("32.20")


# --- R2 Scale conversion -------------------------------------------------------------------


def test_a_rating_on_a_hundred_is_converted_to_the_ten_point_item() -> None:
    """R2 ZJG 第二章第二条 (10分): both leaders rate 85 of 100 → 8.50 of 10."""
    facts = [
        rating("p", "a", "rating", "principal", "局长", "85"),
        rating("s", "a", "rating", "supervising", "副局长", "85"),
    ]
    assert score(ZJG, [subject("a")], facts).subject("a").card.find("rating").applied == Decimal("8.50")


def test_the_public_review_on_a_hundred_becomes_three_hundred_points() -> None:
    """R2 ZZ 三.(四)1 公众评议 (300分): a satisfaction of 87.5 of 100 → 262.50 of 300."""
    facts = [assessed("pub", "u", "public", "87.5", role="public")]
    node = score(ZZ, [subject("u", kind="unit", group="s1")], facts, YEAR).subject("u").card.find("public")
    assert node.applied == Decimal("262.50")


def test_a_rating_above_the_scale_is_refused() -> None:
    """R2: ZJG raters score 0-100; 101 is refused before any conversion."""
    facts = [rating("p", "a", "rating", "principal", "局长", "101")]
    with pytest.raises(FactsInvalid) as caught:
        score(ZJG, [subject("a")], facts)
    assert "above the scale 100" in str(caught.value)


# --- R3 Many raters of one role ------------------------------------------------------------


def test_several_supervising_leaders_are_averaged_before_their_half_applies() -> None:
    """R3 ZJG 第二章第二条 (附件: five 副局长): principal 73; supervising 80, 86, 100 → 88.67 on average.

    10 × (0.5 × 73 + 0.5 × 88.666…) / 100 = 8.0833… → 8.08 (not the 8.48 of four equal raters).
    """
    facts = [
        rating("p", "a", "rating", "principal", "屈荣杰", "73"),
        rating("s1", "a", "rating", "supervising", "顾一武", "80"),
        rating("s2", "a", "rating", "supervising", "宋永乾", "86"),
        rating("s3", "a", "rating", "supervising", "万仁松", "100"),
    ]
    assert score(ZJG, [subject("a")], facts).subject("a").card.find("rating").applied == Decimal("8.08")


def test_a_role_without_ratings_contributes_nothing_and_marks_the_item_incomplete() -> None:
    """R1/R3 ZJG 第二章第二条: only the principal rated (90): 10 × 0.5 × 90 / 100 = 4.50, flagged."""
    facts = [rating("p", "a", "rating", "principal", "局长", "90")]
    result = score(ZJG, [subject("a")], facts).subject("a")
    assert result.card.find("rating").applied == Decimal("4.50")
    assert result.card.find("rating").incomplete == ["no rating from role supervising"]
    assert "incomplete:rating" in result.flags


# --- C1 Sum --------------------------------------------------------------------------------


def test_the_quarter_score_is_daily_plus_rating_plus_bonus() -> None:
    """C1 ZJG 第三章第二条 季度考核得分 = 日常考核得分 + 班子测评得分 + 综合加分事项得分.

    Daily: 3 late (1.5) + 2 absences (2) → 86.5. Rating: 73 and (80, 86, 100) → 8.08.
    Bonus: a city commendation → 2. Total 86.5 + 8.08 + 2 = 96.58.
    """
    facts = [
        deduction("late", "a", "2.1", count=3, recorded_by="人事教育科"),
        deduction("absent", "a", "2.2", count=2, recorded_by="人事教育科"),
        rating("p", "a", "rating", "principal", "局长", "73"),
        rating("s1", "a", "rating", "supervising", "副局长1", "80"),
        rating("s2", "a", "rating", "supervising", "副局长2", "86"),
        rating("s3", "a", "rating", "supervising", "副局长3", "100"),
        bonus("award", "a", "b.1", level="city"),
    ]
    result = score(ZJG, [subject("a")], facts).subject("a")
    parts = [result.card.find(n).applied for n in ("daily", "rating", "bonus")]
    assert parts == [Decimal("86.5"), Decimal("8.08"), Decimal(2)]
    assert result.total == Decimal("96.58")
    assert "C1" in result.card.rules


# --- C2 Weighted composite -----------------------------------------------------------------


def test_the_composite_is_target_times_70_plus_review_times_30_plus_incentive_less_inspection() -> None:
    """C2 QZ 二.(二)2 综合得分 = 目标考评得分×70% + 公众评议得分×30% + 正向激励加分 − 察访核验扣分.

    87.55 × 0.7 = 61.285 → 61.29 (2 places, half up); 91.3 × 0.3 = 27.39; incentive 1.5;
    a county-level cadre's violation found by the city (4.1①): 0.5. 61.29 + 27.39 + 1.5 − 0.5 = 89.68.
    """
    facts = [
        assessed("t", "d", "target", "87.55"),
        assessed("r", "d", "review", "91.3", role="public"),
        bonus("inc", "d", "inc.1", period=YEAR, amount=Decimal("1.5")),
        deduction("ins", "d", "4.1", period=YEAR, attributes={"rank": "county", "finder": "city"}),
    ]
    result = score(QZ, [subject("d")], facts, YEAR).subject("d")
    assert [c.applied * c.weight if c.weight else c.applied for c in result.card.children] == [
        Decimal("61.285"),
        Decimal("27.39"),
        Decimal("1.5"),
        Decimal("-0.5"),
    ]
    assert result.card.applied == Decimal("89.68")
    assert result.total == Decimal("89.68")
    assert "C2" in result.card.rules


def test_common_and_individual_indicators_weigh_half_each() -> None:
    """C2 QF 二.(二) 考核指标由共性指标和个性指标构成 ... 各占评价总分的50%.

    Common (main 90, supervising 80, colleagues 70) = 81 → 40.5; counter-staff individual
    (80, 80, 90) = 32 + 24 + 27 = 83 → 41.5. Total 82.00.
    """
    facts = [
        rating("cm", "w", "common", "main", "局长", "90"),
        rating("cs", "w", "common", "supervising", "副局长", "80"),
        rating("cc", "w", "common", "colleagues", "同事", "70"),
        rating("im", "w", "ind.counter", "main", "局长", "80"),
        rating("is", "w", "ind.counter", "supervising", "副局长", "80"),
        rating("ic", "w", "ind.counter", "colleagues", "同事", "90"),
    ]
    result = score(QF, [subject("w", kind="counter")], facts).subject("w")
    assert result.card.find("individual").applied == Decimal("83.00")
    assert result.total == Decimal("82.00")


# --- C3 Negative items after the sum -------------------------------------------------------


def test_vetoes_in_special_reviews_and_bottom_five_placings_come_off_after_the_sum() -> None:
    """C3 XIANG 三.(五) 在专项考评中被一票否决的, 在考评总分中每项扣2分, 位列专项考评后5名的, 每项扣1分.

    The four indicators sum to 38 + 30 + 9 + 9 = 86 (conduct: 75 from each rater group → 30);
    two vetoes (−4) and one bottom-5 placing (−1): 81. The negative section has no floor.
    """
    facts = [
        assessed("res", "u", "results", "38", role="panel"),
        rating("lead", "u", "conduct", "leadership", "镇党政班子", "75", period=YEAR),
        rating("rep", "u", "conduct", "representatives", "代表", "75", period=YEAR),
        rating("sup", "u", "conduct", "supervisors", "监督员", "75", period=YEAR),
        assessed("ord", "u", "orders", "9", role="office"),
        assessed("eff", "u", "efficiency", "9", role="office"),
        deduction("veto-safety", "u", "special.veto", period=YEAR, count=2),
        deduction("bottom-hygiene", "u", "special.bottom5", period=YEAR),
    ]
    result = score(XIANG, [subject("u", kind="unit", group="cat1")], facts, YEAR).subject("u")
    assert result.card.find("special").applied == Decimal(-5)
    assert result.total == Decimal("81.00")


# --- C4 Roll-up of periods -----------------------------------------------------------------


def test_half_year_deductions_accumulate_into_the_year() -> None:
    """C4 IND 五 半年考核扣分累计列为年度考核扣分 (三.1 每半年测算通报一次).

    H1: one day's absence (四.(四)1 旷工1天扣2分); H2: drinking on a working day (4 饮酒 扣2分).
    The first half alone: 日常 20 − 2 = 18; the year: 20 − 2 − 2 = 16.
    """
    first = deduction("absent", "p", "d.1", period="2026-H1")
    second = deduction("drink", "p", "d.4", period="2026-H2")
    half = score(IND, [subject("p", kind="staff")], [first], "2026-H1").subject("p")
    year = score(IND, [subject("p", kind="staff")], [first, second], YEAR).subject("p")
    assert half.card.find("daily").applied == Decimal(18)
    assert year.card.find("daily").applied == Decimal(16)


def test_a_second_half_finding_does_not_belong_to_the_first_half() -> None:
    """C4/S4 IND: scoring 2026-H1 refuses a fact of 2026-H2."""
    facts = [deduction("drink", "p", "d.4", period="2026-H2")]
    with pytest.raises(FactsInvalid):
        score(IND, [subject("p", kind="staff")], facts, "2026-H1")
