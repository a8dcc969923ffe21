"""Catalog V1-V5 (vetoes and affirmations) and G1-G7 (grades and rankings), worked out by hand."""

from __future__ import annotations

import textwrap
from decimal import Decimal

from catalog_schemes import HB, IND, JS, QF, QF_YAML, QZ, XIANG
from catalog_support import (
    QUARTER,
    YEAR,
    ZJG,
    affirmation,
    assessed,
    bonus,
    condition,
    deduction,
    rating,
    scheme,
    score,
    subject,
    veto,
)

from domain.facts import Fact, Subject
from domain.scheme.loader import load_scheme_text
from domain.scoring import PeriodResult, score_year

# Subjects whose every rating is one value, so that their total is that value.


def qf_staff(sid: str, value: str, period: str = QUARTER) -> tuple[Subject, list[Fact]]:
    """QF counter staff rated `value` by every role on both halves: total = value."""
    facts: list[Fact] = []
    for item in ("common", "ind.counter"):
        for role in ("main", "supervising", "colleagues"):
            facts.append(
                rating(f"{sid}-{item}-{role}-{period}", sid, item, role, f"{role}-rater", value, period=period)
            )
    return subject(sid, kind="counter"), facts


def qf_quarter(values: dict[str, str], extra: list[Fact] | None = None, period: str = QUARTER) -> PeriodResult:
    subjects, facts = [], list(extra or [])
    for sid, value in values.items():
        staff, ratings = qf_staff(sid, value, period)
        subjects.append(staff)
        facts += ratings
    return score(QF, subjects, facts, period)


def qz_year(values: dict[str, str], extra: list[Fact] | None = None) -> PeriodResult:
    """QZ departments assessed `value` on target and review: 0.7v + 0.3v = v."""
    subjects = [subject(sid) for sid in values]
    facts = list(extra or [])
    for sid, value in values.items():
        facts += [assessed(f"t-{sid}", sid, "target", value), assessed(f"r-{sid}", sid, "review", value, role="public")]
    return score(QZ, subjects, facts, YEAR)


def js_year(values: dict[str, str], extra: list[Fact] | None = None) -> PeriodResult:
    """JS offices without findings: 作风建设 6 + 政务信息 3 + 公文办理 8 + the rest assessed: 17 + rest."""
    subjects = [subject(sid, kind="office") for sid in values]
    facts = list(extra or [])
    facts += [assessed(f"rest-{sid}", sid, "rest", str(Decimal(v) - 17), role="panel") for sid, v in values.items()]
    return score(JS, subjects, facts, YEAR)


def ind_year(values: dict[str, tuple[str, str]], extra: list[Fact] | None = None) -> PeriodResult:
    """IND staff: 业务 30 + 日常 20 + 述职测评 0.2 × review + the rest (学习、中心工作) as assessed."""
    subjects = [subject(sid, kind="staff") for sid in values]
    facts = list(extra or [])
    for sid, (review, rest) in values.items():
        facts.append(assessed(f"rest-{sid}", sid, "rest", rest, role="panel"))
        for role in ("report", "supervising", "leadership"):
            facts.append(rating(f"{sid}-{role}", sid, "review", role, f"{role}-rater", review, period=YEAR))
    return score(IND, subjects, facts, YEAR)


def grades(result: PeriodResult) -> dict[str, str | None]:
    return {s.subject: s.grade for s in result.subjects}


# --- V1 Loss of eligibility ----------------------------------------------------------------


def test_a_veto_cancels_eligibility_for_excellence_whatever_the_score() -> None:
    """V1 ZJG 第二章第四条 一票否决, 取消季度评优资格: the best department (90) keeps its score and
    rank but is marked ineligible."""
    facts = [veto("v", "a", "veto.3"), deduction("late", "b", "2.1", recorded_by="人事教育科")]
    result = score(ZJG, [subject("a"), subject("b")], facts)
    a = result.subject("a")
    assert (a.total, a.rank, a.eligible) == (Decimal("90.00"), 1, False)
    assert "ineligible" in a.flags
    assert any("(V1)" in reason for reason in a.grade_reasons)
    assert result.subject("b").eligible is True


def test_a_vetoed_office_gets_no_prize_and_the_prizes_pass_down_the_ranking() -> None:
    """V1 JS 四.(三)6 一票否决, 取消年终目标管理综合先进单位的评选资格; 四.(三)1 85分以上 一等奖1个 二等奖2个.

    o1 95 (vetoed), o2 92, o3 87, o4 77. o1 is refused every prize (excellence) and keeps the full
    allowance (≥ 85); o2 一等奖, o3 二等奖; o4 < 80 → 扣发10%津贴.
    """
    result = js_year({"o1": "95", "o2": "92", "o3": "87", "o4": "77"}, [veto("v", "o1", "veto.1", period=YEAR)])
    assert grades(result) == {"o1": "全额津贴", "o2": "一等奖", "o3": "二等奖", "o4": "扣发10%津贴"}


# --- V2 Forced grade -----------------------------------------------------------------------


def test_a_veto_makes_the_quarter_grade_poor_despite_ninety_five_points() -> None:
    """V2 QF 三.(三)2 一票否决 ... 当季度考核直接确定为"较差"等次.

    a 95 (vetoed) → 较差; the 好 quota ⌊5 × 0.4⌋ = 2 goes to b 92 and c 88; d 80 较好; e 55 较差.
    """
    result = qf_quarter({"a": "95", "b": "92", "c": "88", "d": "80", "e": "55"}, [veto("v", "a", "veto.1")])
    assert grades(result) == {"a": "较差", "b": "好", "c": "好", "d": "较好", "e": "较差"}
    assert result.subject("a").total == Decimal("95.00")
    assert any("(V2)" in reason for reason in result.subject("a").grade_reasons)


def test_a_disciplinary_warning_makes_the_year_basically_competent() -> None:
    """V2 IND 五.(二)3 个人原因违纪被纪律监察部门给予警告以上处分的, 当年评定为基本称职.

    p: 30 + 20 + 0.2 × 100 + 26 = 96 and alone in the top 20% of 5, yet 基本称职.
    """
    values = {"p": ("100", "26"), "q": ("100", "10"), "r": ("100", "10"), "s": ("100", "10"), "t": ("100", "10")}
    result = ind_year(values, [veto("v", "p", "veto.1", period=YEAR)])
    assert result.subject("p").total == Decimal("96.00")
    assert result.subject("p").grade == "基本称职"


# --- V3 Downgrade --------------------------------------------------------------------------


TEN_DEPARTMENTS = {
    "d01": "96",
    "d02": "94",
    "d03": "92",
    "d04": "90",
    "d05": "88",
    "d06": "86",
    "d07": "84",
    "d08": "82",
    "d09": "75",
    "d10": "65",
}


def test_a_serious_incident_lowers_the_grade_by_one_level() -> None:
    """V3 QZ 二.(二)5.2) 出现下列情形之一的, 予以降低一个考评等次: the best department (96, 优秀 in the
    top 30%) has a major safety incident → 良好."""
    result = qz_year(TEN_DEPARTMENTS, [veto("down", "d01", "down.1", period=YEAR)])
    assert result.subject("d01").grade == "良好"
    assert any("优秀 → 良好 (V3)" in reason for reason in result.subject("d01").grade_reasons)
    assert result.subject("d01").eligible is True


# --- V4 Affirmation ------------------------------------------------------------------------


def test_a_city_award_makes_the_quarter_good_and_takes_a_place_in_the_quota() -> None:
    """V4 QF 三.(三)1 一票肯定 ... 当季度考核直接确定为"好"等次; 三.(二)4 好 不超过40%.

    a 70 with a city-level award → 好. ⌊5 × 0.4⌋ = 2 places, one held by a: b 92 好, c 88 较好.
    """
    result = qf_quarter({"a": "70", "b": "92", "c": "88", "d": "80", "e": "65"}, [affirmation("aff", "a", "aff.1")])
    assert grades(result) == {"a": "好", "b": "好", "c": "较好", "d": "较好", "e": "一般"}
    assert any("(V4)" in reason for reason in result.subject("a").grade_reasons)


def test_a_veto_beats_an_affirmation_in_the_same_quarter() -> None:
    """V2/V4 QF 三.(三): award and 全市通报 in one quarter → 较差 (the scheme's choice, worst wins)."""
    result = qf_quarter({"a": "90"}, [affirmation("aff", "a", "aff.1"), veto("v", "a", "veto.1")])
    assert result.subject("a").grade == "较差"


# --- V5 Not graded -------------------------------------------------------------------------


def test_staff_on_probation_get_a_comment_but_no_grade_and_leave_the_quota_base() -> None:
    """V5 QF 六.(一) 新录用公务员试用期内 ... 参加考核只写评语, 不确定等次.

    p (99, probation) is not graded; the quota base is the 4 graded: ⌊4 × 0.4⌋ = 1 → b 95 好,
    c 92 and d 90 较好 (outside the quota), e 88 较好.
    """
    result = qf_quarter({"p": "99", "b": "95", "c": "92", "d": "90", "e": "88"}, [veto("ng", "p", "ng.probation")])
    assert grades(result) == {"p": None, "b": "好", "c": "较好", "d": "较好", "e": "较好"}
    assert any("not graded" in reason and "(V5)" in reason for reason in result.subject("p").grade_reasons)
    assert any("outside the quota" in reason for reason in result.subject("c").grade_reasons)


# --- G1 Absolute bands ---------------------------------------------------------------------


def test_quarter_grades_follow_the_85_75_60_bands() -> None:
    """G1 QF 三.(二)4 好 不低于85分, 较好 不低于75分, 一般 不低于60分, 未达到60分 较差.

    Six staff, ⌊6 × 0.4⌋ = 2 places for 好: 85 好; 84.98 and 75 较好; 74.98 and 60 一般; 59.98 较差.
    (Each half is 50% of a rating rounded to 2 places: 84.98 = 42.49 + 42.49 exactly; 84.99 would
    become 42.50 + 42.50 = 85.00.)
    """
    values = {"a": "85", "b": "84.98", "c": "75", "d": "74.98", "e": "60", "f": "59.98"}
    result = qf_quarter(values)
    assert [result.subject(s).total for s in values] == [Decimal(v).quantize(Decimal("0.01")) for v in values.values()]
    assert grades(result) == {"a": "好", "b": "较好", "c": "较好", "d": "一般", "e": "一般", "f": "较差"}


def test_each_weighted_half_is_rounded_before_the_bands_apply() -> None:
    """G1/C2 QF (rounding 2 places half up, the scheme's choice): 84.99 on both halves is
    0.5 × 84.99 = 42.495 → 42.50 twice = 85.00, which is 好 (⌊3 × 0.4⌋ = 1 place)."""
    result = qf_quarter({"a": "84.99", "b": "70", "c": "65"})
    assert (result.subject("a").total, result.subject("a").grade) == (Decimal("85.00"), "好")


def test_year_grades_follow_the_95_80_60_bands_with_upper_bounds_exclusive() -> None:
    """G1 IND 五.(一) 95分以上 优秀 (前20%), 80-95 称职, 60-80 基本称职, 60分以下 不称职 (上限不含本数).

    a 95 (top 20% of 5: 1 place) 优秀; b 80 称职; c 79.99 基本称职; d 60 基本称职; e 59.99 不称职.
    """
    values = {
        "a": ("100", "25"),  # 50 + 20 + 25 = 95
        "b": ("100", "10"),  # 80
        "c": ("99.95", "10"),  # 50 + 19.99 + 10 = 79.99
        "d": ("50", "0"),  # 50 + 10 = 60
        "e": ("49.95", "0"),  # 59.99
    }
    result = ind_year(values)
    assert [result.subject(s).total for s in values] == [
        Decimal("95.00"),
        Decimal("80.00"),
        Decimal("79.99"),
        Decimal("60.00"),
        Decimal("59.99"),
    ]
    assert grades(result) == {"a": "优秀", "b": "称职", "c": "基本称职", "d": "基本称职", "e": "不称职"}


# --- G2 Relative quota ---------------------------------------------------------------------


def test_at_most_forty_percent_are_good_in_a_quarter() -> None:
    """G2 QF 三.(二)4 每季度"好"等次人数比例不超过参加平时考核总人数的40%: five staff all ≥ 85:
    ⌊5 × 0.4⌋ = 2 好, the other three 较好."""
    result = qf_quarter({"a": "98", "b": "96", "c": "93", "d": "90", "e": "86"})
    assert grades(result) == {"a": "好", "b": "好", "c": "较好", "d": "较好", "e": "较好"}


def test_the_top_thirty_percent_are_excellent() -> None:
    """G2 QZ 二.(二)5.1) 按照参评单位总数的30%比例由高到低评选为优秀单位: ⌊10 × 0.3⌋ = 3: d01-d03."""
    result = qz_year(TEN_DEPARTMENTS)
    assert [s for s, g in grades(result).items() if g == "优秀"] == ["d01", "d02", "d03"]


def test_excellent_needs_both_ninety_five_points_and_the_top_twenty_percent() -> None:
    """G2 IND 五.(一)1 年度考核在95分以上, 得分排名在前20%的 优秀.

    Ten staff, six at 95 or more: ⌊10 × 0.2⌋ = 2 优秀 (a 99, b 98); c-f (97-95) 称职.
    Five staff whose best has 94: no 优秀 at all.
    """
    tops = {"a": "29", "b": "28", "c": "27", "d": "26", "e": "25.5", "f": "25", "g": "20", "h": "15", "i": "12"}
    values = {sid: ("100", rest) for sid, rest in tops.items()} | {"j": ("100", "10")}
    result = ind_year(values)
    assert [s for s, g in grades(result).items() if g == "优秀"] == ["a", "b"]
    assert {grades(result)[s] for s in "cdef"} == {"称职"}
    few = ind_year({sid: ("100", "24") for sid in "vwxyz"})
    assert set(grades(few).values()) == {"称职"}


# --- G3 Top N per group --------------------------------------------------------------------


def xiang_units(values: dict[str, tuple[str, str]]) -> PeriodResult:
    """XIANG units: results (as given) + conduct 30 + orders 9 + efficiency 9 = results + 48."""
    subjects, facts = [], []
    for uid, (group, results) in values.items():
        subjects.append(subject(uid, kind="unit", group=group))
        facts += [
            assessed(f"res-{uid}", uid, "results", results, role="panel"),
            rating(f"l-{uid}", uid, "conduct", "leadership", "班子", "75", period=YEAR),
            rating(f"r-{uid}", uid, "conduct", "representatives", "代表", "75", period=YEAR),
            rating(f"s-{uid}", uid, "conduct", "supervisors", "监督员", "75", period=YEAR),
            assessed(f"o-{uid}", uid, "orders", "9", role="office"),
            assessed(f"e-{uid}", uid, "efficiency", "9", role="office"),
        ]
    return score(XIANG, subjects, facts, YEAR)


def test_the_top_three_of_the_first_category_and_the_first_of_the_third_are_advanced() -> None:
    """G3 XIANG 七 第一类单位前3名, 第二类单位前3名, 第三类第1名 为效能建设先进单位.

    cat1 (five units, 40..36 → 88..84): u1-u3 先进单位. cat3 (three units): only w1.
    """
    cat1 = {f"u{i}": ("cat1", str(41 - i)) for i in range(1, 6)}
    cat3 = {f"w{i}": ("cat3", str(40 - i)) for i in range(1, 4)}
    result = xiang_units(cat1 | cat3)
    advanced = [s.subject for s in result.subjects if s.grade == "先进单位"]
    assert advanced == ["u1", "u2", "u3", "w1"]
    assert result.subject("u1").total == Decimal("88.00")


# --- G4 Bottom N ---------------------------------------------------------------------------


def test_the_second_last_unit_is_criticised_and_the_last_ones_head_removed() -> None:
    """G4 XIANG 七 总分位列倒数第二名 ... 通报批评; 倒数第一名 ... 主要负责人免职处理 (cat1 of five)."""
    result = xiang_units({f"u{i}": ("cat1", str(41 - i)) for i in range(1, 6)})
    assert [result.subject(f"u{i}").grade for i in range(1, 6)] == [
        "先进单位",
        "先进单位",
        "先进单位",
        "通报批评",
        "主要负责人免职",
    ]


def test_seventy_or_more_but_among_the_last_three_is_only_fair() -> None:
    """G4 QZ 二.(二)5.1) 综合得分70分及以上且排位后3名为一般, 低于70分的为差.

    Last three: d08 82 and d09 75 → 一般; d10 65 → 差 (below 70). d04-d07 良好.
    """
    result = qz_year(TEN_DEPARTMENTS)
    assert grades(result) == {
        "d01": "优秀",
        "d02": "优秀",
        "d03": "优秀",
        "d04": "良好",
        "d05": "良好",
        "d06": "良好",
        "d07": "良好",
        "d08": "一般",
        "d09": "一般",
        "d10": "差",
    }


# --- G5 Threshold with prerequisites -------------------------------------------------------


def test_archive_levels_need_the_score_and_every_prerequisite() -> None:
    """G5 HB 第七条 省一级达标分数线为90分, 省二级80分; 第五条 申报必备条件.

    a 92, all conditions → 省一级; b 92, no 安全事故 record → neither level: 未达标;
    c 85, all → 省二级; d 79, all → 未达标.
    """
    organs = {"a": "92", "b": "92", "c": "85", "d": "79"}
    facts: list[Fact] = [assessed(f"s-{o}", o, "assessed", v, role="panel") for o, v in organs.items()]
    for organ in ("a", "b", "c", "d"):
        conditions = ("registered", "centralized") if organ == "b" else ("registered", "centralized", "no_accident")
        facts += [condition(f"{organ}-{c}", organ, c) for c in conditions]
    result = score(HB, [subject(o, kind="organ") for o in organs], facts, YEAR)
    assert grades(result) == {"a": "省一级", "b": "未达标", "c": "省二级", "d": "未达标"}
    assert any("no_accident" in reason and "(G5)" in reason for reason in result.subject("b").grade_reasons)


def test_prizes_only_from_eighty_five_and_the_allowance_cut_below_it() -> None:
    """G5 JS 四.(三)1 综合考评总分在85分以上 评出一等奖 ...; 2 低于80分(不含80分) 扣发10%, 80至85(不含85) 扣发5%.

    86 一等奖; 84.99 and 80 扣发5%津贴; 79.99 扣发10%津贴.
    """
    result = js_year({"a": "86", "b": "84.99", "c": "80", "d": "79.99"})
    assert grades(result) == {"a": "一等奖", "b": "扣发5%津贴", "c": "扣发5%津贴", "d": "扣发10%津贴"}


# --- G6 Year from quarters -----------------------------------------------------------------


def test_the_year_grade_follows_the_number_of_poor_quarters() -> None:
    """G6 QF 四 平时考核结果均为"好"的, 年度考核可优先确定为优秀; 有1次"较差"的, 不能确定为优秀;
    有2次"较差"的, 基本称职; 有3次以上"较差"的, 不称职.

    Four quarters of five staff. a is 95 (好) every quarter; b 50 (较差) every quarter;
    c 较差 in Q1 and Q2; d 较差 in Q1 only; e 70 (一般) throughout.
    """
    by_quarter = {
        "2026-Q1": {"a": "95", "b": "50", "c": "50", "d": "50", "e": "70"},
        "2026-Q2": {"a": "95", "b": "50", "c": "50", "d": "80", "e": "70"},
        "2026-Q3": {"a": "95", "b": "50", "c": "70", "d": "80", "e": "70"},
        "2026-Q4": {"a": "95", "b": "50", "c": "70", "d": "80", "e": "70"},
    }
    facts: list[Fact] = []
    for quarter, values in by_quarter.items():
        for sid, value in values.items():
            facts += qf_staff(sid, value, quarter)[1]
    staff = [subject(s, kind="counter") for s in "abcde"]
    year = score_year(QF, staff, facts, YEAR)
    assert year.subject("a").quarter_grades == {q: "好" for q in by_quarter}
    assert (year.subject("a").grade, year.subject("a").flags) == ("称职", ["priority_excellent"])
    assert year.subject("b").grade == "不称职"
    assert year.subject("c").grade == "基本称职"
    assert (year.subject("d").grade, year.subject("d").ruled_out) == ("称职", ["优秀"])
    assert (year.subject("e").grade, year.subject("e").flags, year.subject("e").ruled_out) == ("称职", [], [])


# --- G7 Ties -------------------------------------------------------------------------------


def test_zjg_declares_how_ties_rank_and_how_a_quota_boundary_in_a_tie_is_settled() -> None:
    """G7 (the documents are silent): ZJG chooses competition ranking, daily work as tiebreak,
    and a tie across a quota boundary excluded."""
    assert (ZJG.ranking.ties, ZJG.ranking.tiebreak, ZJG.ranking.quota_boundary) == ("competition", ["daily"], "exclude")


def test_equal_totals_are_split_by_daily_work_and_otherwise_share_a_rank() -> None:
    """G7 ZJG (scheme's choice): a 90 (daily 90); b 88 + city award 2 = 90; c 89 + own award 1 = 90;
    d and e 87; f 86. Ranks: a 1, c 2, b 3 (daily decides), d 4, e 4 (equal on all), f 6 (competition)."""
    facts = [
        deduction("b-abs", "b", "2.2", count=2, recorded_by="人事教育科"),
        bonus("b-award", "b", "b.1", level="city"),
        deduction("c-abs", "c", "2.2", recorded_by="人事教育科"),
        bonus("c-award", "c", "b.1", level="own_government"),
        deduction("d-abs", "d", "2.2", count=3, recorded_by="人事教育科"),
        deduction("e-abs", "e", "2.2", count=3, recorded_by="人事教育科"),
        deduction("f-abs", "f", "2.2", count=4, recorded_by="人事教育科"),
    ]
    result = score(ZJG, [subject(s) for s in "abcdef"], facts)
    assert [(s.subject, s.rank) for s in result.ranking("all")] == [
        ("a", 1),
        ("c", 2),
        ("b", 3),
        ("d", 4),
        ("e", 4),
        ("f", 6),
    ]


def test_dense_ranking_gives_the_next_rank_after_a_tie() -> None:
    """G7: a scheme that chooses dense ranking ranks 95, 90, 90, 85 as 1, 2, 2, 3."""
    dense = scheme(
        """
        scheme: T
        version: 1
        title: 密集排名
        period: {kind: year}
        subject_kinds: {department: 科室}
        ranking: {ties: dense}
        tree:
          id: total
          title: t
          children: [{id: s, title: 得分, max: 100, rating: {scale: 100, roles: {panel: 1}}}]
        """
    )
    values = {"a": "95", "b": "90", "c": "90", "d": "85"}
    facts = [assessed(f"s-{k}", k, "s", v, role="panel") for k, v in values.items()]
    result = score(dense, [subject(k) for k in values], facts, YEAR)
    assert [s.rank for s in result.ranking("all")] == [1, 2, 2, 3]


def test_a_tie_across_the_forty_percent_boundary_gets_good_for_none_or_for_all() -> None:
    """G7 QF 三.(二)4 不超过40%: 95, 90, 90, 88, 70 — the 2 places end inside the tie at 90.

    exclude (QF's choice, a maximum is a maximum): only a 好; b and c 较好.
    include: a, b and c 好.
    """
    values = {"a": "95", "b": "90", "c": "90", "d": "88", "e": "70"}
    excluded = qf_quarter(values)
    assert [s for s, g in grades(excluded).items() if g == "好"] == ["a"]
    including = load_scheme_text(textwrap.dedent(QF_YAML) + "ranking: {quota_boundary: include}\n")
    subjects, facts = [], []
    for sid, value in values.items():
        staff, ratings = qf_staff(sid, value)
        subjects.append(staff)
        facts += ratings
    included = score(including, subjects, facts)
    assert [s for s, g in grades(included).items() if g == "好"] == ["a", "b", "c"]
