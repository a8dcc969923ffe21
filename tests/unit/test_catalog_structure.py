"""Catalog S1-S5 (structure) and P1-P6 (publication data), from the documents' own values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from catalog_schemes import JS, QF, XIANG, ZZ
from catalog_support import (
    QUARTER,
    YEAR,
    ZJG,
    assessed,
    deduction,
    rating,
    retraction,
    scheme,
    score,
    subject,
)

from domain.errors import FactsInvalid, SchemeInvalid
from domain.scheme.model import walk
from domain.scheme.nodes import Section

# --- S1 Score tree -------------------------------------------------------------------------


def test_zjg_daily_work_is_90_points_made_of_five_sections_as_in_chapter_two_article_one() -> None:
    """S1 ZJG 第一章第五条, 第二章第一条: 日常考核90 = 工作落实30 (重点15 + 日常15) + 人员15 + 科室建设15
    + 纪律15 + 公共管理15; 第二条 班子测评10; 第三条 综合加分 on top, without a maximum."""
    maxima = {node.id: getattr(node, "max", None) for node, _ in walk(ZJG.tree)}
    assert maxima["daily"] == Decimal(90)
    assert maxima["1"] == Decimal(30)
    assert (maxima["1.1"], maxima["1.2"]) == (Decimal(15), Decimal(15))
    assert [maxima[s] for s in ("2", "3", "4", "5")] == [Decimal(15)] * 4
    assert maxima["rating"] == Decimal(10)
    assert maxima["bonus"] is None
    daily = ZJG.nodes["daily"]
    assert isinstance(daily, Section)
    assert [c.id for c in daily.children] == ["1", "2", "3", "4", "5"]
    assert [c.id for c in ZJG.tree.children] == ["daily", "rating", "bonus"]


def test_a_quarter_without_findings_and_full_ratings_scores_every_node_at_its_maximum() -> None:
    """S1/C1 ZJG 第三章第二条: 90 daily + 10 rating (both leaders rate 100) + 0 bonus = 100."""
    facts = [
        rating("r1", "a", "rating", "principal", "局长", "100"),
        rating("r2", "a", "rating", "supervising", "副局长", "100"),
    ]
    card = score(ZJG, [subject("a", "办公室")], facts).subject("a").card
    for node_id in ("daily", "1", "1.1", "1.2", "2", "3", "4", "5", "rating"):
        node = card.find(node_id)
        assert node.applied == node.max, node_id
    assert card.find("bonus").applied == 0
    assert card.applied == Decimal(100)


def test_a_sum_section_whose_max_is_not_its_childrens_maxima_is_refused() -> None:
    """S1: ZJG 一 工作落实 is 30 = 15 + 15; a scheme that says 25 is refused, naming the path."""
    with pytest.raises(SchemeInvalid) as caught:
        scheme(
            """
            scheme: T
            version: 1
            title: 工作落实
            period: {kind: quarter}
            subject_kinds: {department: 科室}
            tree:
              id: total
              title: 工作落实情况
              max: 25
              children:
                - {id: a, title: 重点工作, basis: deduct, max: 15, children: [{id: a.1, title: x, deduct: {per: 2}}]}
                - {id: b, title: 日常工作, basis: deduct, max: 15, children: [{id: b.1, title: y, deduct: {per: 1}}]}
            """
        )
    [problem] = caught.value.problems
    assert problem.path == "tree.max"
    assert "max 25 but the children add up to 30" in problem.message


# --- S2 Subjects and groups ----------------------------------------------------------------


def test_subjects_rank_within_their_own_group_each_group_from_first() -> None:
    """S2 XIANG 二: units fall in three categories and are ranked within each (七 第一类前3名 ...).

    cat1: u1 38+30+9+9 = 86, u2 35+30+9+9 = 83; cat2: u3 30+30+9+9 = 78, u4 40+30+9+9 = 88.
    """
    units = [subject("u1", group="cat1", kind="unit"), subject("u2", group="cat1", kind="unit")]
    units += [subject("u3", group="cat2", kind="unit"), subject("u4", group="cat2", kind="unit")]
    facts = []
    for uid, results in (("u1", "38"), ("u2", "35"), ("u3", "30"), ("u4", "40")):
        facts += [
            assessed(f"res-{uid}", uid, "results", results, role="panel"),
            rating(f"lead-{uid}", uid, "conduct", "leadership", "镇党政班子", "75", period=YEAR),
            rating(f"rep-{uid}", uid, "conduct", "representatives", "代表", "75", period=YEAR),
            rating(f"sup-{uid}", uid, "conduct", "supervisors", "监督员", "75", period=YEAR),
            assessed(f"ord-{uid}", uid, "orders", "9", role="office"),
            assessed(f"eff-{uid}", uid, "efficiency", "9", role="office"),
        ]
    result = score(XIANG, units, facts, YEAR)
    assert [(s.subject, s.total, s.rank) for s in result.ranking("cat1")] == [
        ("u1", Decimal("86.00"), 1),
        ("u2", Decimal("83.00"), 2),
    ]
    assert [(s.subject, s.total, s.rank) for s in result.ranking("cat2")] == [
        ("u4", Decimal("88.00"), 1),
        ("u3", Decimal("78.00"), 2),
    ]


def test_a_scheme_declares_the_zhangzhou_three_series() -> None:
    """S2 ZZ 二: 第一系列 (党群 18), 第二系列 (政府工作部门 44), 第三系列 (垂直管理 14)."""
    assert ZZ.groups == {"s1": "第一系列", "s2": "第二系列", "s3": "第三系列"}


# --- S3 Subject-specific items -------------------------------------------------------------


def test_each_office_is_scored_on_its_own_rubric_only() -> None:
    """S3 JS 三.(二): 办公室 has 公文办理 (8分, 出现差错一次扣1分); 土地开发整理中心 has 造地工作 (20分).

    The office's card holds no land-development node and the centre's none of the office's.
    Office: 3 errors → 8 − 3 = 5.
    """
    office = subject("off", "办公室", kind="office")
    centre = subject("dev", "土地开发整理中心", kind="land_dev")
    facts = [deduction("err", "off", "o.1.1", period=YEAR, count=3, recorded_by="考评领导小组")]
    result = score(JS, [office, centre], facts, YEAR)
    assert result.subject("off").card.find("o.1").applied == Decimal(5)
    assert result.subject("off").card.maybe("land_dev") is None
    assert result.subject("dev").card.maybe("office") is None
    assert result.subject("dev").card.find("l.3").applied == Decimal(20)


def test_a_finding_on_an_item_of_another_kind_of_subject_is_refused() -> None:
    """S3 QF 二.(二) 个性指标: counter staff are not rated on the 科室负责人 rubric."""
    clerk = subject("w1", "窗口人员", kind="counter")
    facts = [rating("r", "w1", "ind.leader", "main", "局长", "90")]
    with pytest.raises(FactsInvalid) as caught:
        score(QF, [clerk], facts)
    assert "does not apply to subjects of kind 'counter'" in str(caught.value)


# --- S4 Periods ----------------------------------------------------------------------------


def test_zjg_scores_quarters_and_refuses_a_year_as_its_period() -> None:
    """S4 ZJG 第一章第四条: 科室的绩效考核按季度进行."""
    assert ZJG.period.kind == "quarter"
    with pytest.raises(FactsInvalid) as caught:
        score(ZJG, [subject("a")], [], "2026")
    assert "is not a quarter" in caught.value.title


def test_a_finding_of_another_quarter_does_not_belong_to_this_one() -> None:
    """S4 ZJG 第一章第四条: a Q2 late arrival is refused when scoring Q1."""
    facts = [deduction("late", "a", "2.1", period="2026-Q2", recorded_by="人事教育科")]
    with pytest.raises(FactsInvalid) as caught:
        score(ZJG, [subject("a")], facts, QUARTER)
    assert caught.value.problems[0].path == "facts[0].period (late)"


def test_a_published_quarter_is_corrected_by_a_correcting_fact_not_by_editing() -> None:
    """S4: the quarter was scored with 4 late arrivals (2.1, 0.5 each: −2); a correction says 2 (−1)."""
    first = deduction("late", "a", "2.1", count=4, recorded_by="人事教育科")
    published = score(ZJG, [subject("a")], [first])
    fixed = deduction("late-fix", "a", "2.1", count=2, recorded_by="人事教育科", corrects="late")
    corrected = score(ZJG, [subject("a")], [first, fixed])
    assert published.subject("a").card.find("2").applied == Decimal(13)
    assert corrected.subject("a").card.find("2").applied == Decimal(14)
    lines = {line.facts[0]: (line.status, line.by) for line in corrected.subject("a").card.find("2.1").lines}
    assert lines == {"late": ("corrected", ["late-fix"]), "late-fix": ("counted", [])}


# --- S5 Responsible office -----------------------------------------------------------------


def test_each_zjg_section_names_the_office_that_records_it() -> None:
    """S5 ZJG 第二章: 办公室 (一 工作落实, 五 公共管理), 人事教育科 (二), 咨询指导科 (三), 督查科 (四,
    第二条 班子测评, 第三条 综合加分); items inherit their section's office."""
    offices = {node_id: ZJG.offices[code] if code else None for node_id, code in ZJG.offices_of.items()}
    assert offices["1"] == offices["1.1.3"] == offices["1.2.6"] == "办公室"
    assert offices["5"] == offices["5.4"] == "办公室"
    assert offices["2"] == offices["2.1"] == "人事教育科"
    assert offices["3"] == offices["3.6"] == "咨询指导科"
    assert offices["4"] == offices["4.2"] == "督查科"
    assert offices["rating"] == offices["bonus"] == offices["b.4"] == "督查科"
    assert offices["daily"] is None


def test_a_scorecard_shows_the_responsible_office_on_every_node() -> None:
    """S5 ZJG 第二章第一条 二: 迟到早退 is recorded by 人事教育科 (code personnel)."""
    card = score(ZJG, [subject("a")], [deduction("late", "a", "2.1", recorded_by="人事教育科")]).subject("a").card
    assert card.find("2.1").office == "personnel"
    assert card.find("4.8").office == "inspection"
    assert card.find("2.1").lines[0].recorded_by == ["人事教育科"]


# --- P1-P6 Publication and appeal ----------------------------------------------------------


def test_zjg_publishes_results_without_a_fixed_publicity_period() -> None:
    """P1 ZJG 第四章第一条 考核结果定期公布: no number of publicity days is given."""
    assert ZJG.publication.publicity_working_days is None


def test_qf_publishes_the_good_grades_for_at_least_three_working_days() -> None:
    """P1 QF 三.(二)5: 考核等次为好的人员在全局范围内进行公示, 公示期不少于3个工作日."""
    assert QF.publication.publicity_working_days == 3


def test_zjg_allows_appeals_within_three_working_days_of_publication() -> None:
    """P2 ZJG 第四章第三条: 自考核结果公示之日起3个工作日内 ... 超期不再受理."""
    assert ZJG.publication.appeal_window_working_days == 3


def test_an_appeal_window_of_zero_days_is_refused() -> None:
    """P2: an appeal window must leave at least one working day."""
    with pytest.raises(SchemeInvalid) as caught:
        scheme(
            """
            scheme: T
            version: 1
            title: t
            period: {kind: quarter}
            subject_kinds: {department: 科室}
            publication: {appeal_window_working_days: 0}
            tree: {id: total, title: t, children: [{id: a, title: a, deduct: {per: 1}}]}
            """
        )
    assert caught.value.problems[0].path == "publication.appeal_window_working_days"


def test_every_zjg_item_can_be_named_by_an_appeal_with_its_article() -> None:
    """P3 ZJG 第四章第三条: an appeal gives 申诉理由、依据 and names the scored items it contests;
    every item has a unique id and the article it comes from."""
    assert all(item.article for item in ZJG.items.values())
    assert len(ZJG.items) == len({item.id for item in ZJG.items.values()})
    assert ZJG.items["2.1"].article == "第二章第一条 二.1"


def test_zjg_decides_an_appeal_within_three_working_days_of_accepting_it() -> None:
    """P4 ZJG 第四章第三条: 考核工作领导小组自受理申诉之日起3个工作日内作出决定."""
    assert ZJG.publication.decision_window_working_days == 3


def test_an_upheld_appeal_corrects_the_contested_item_and_a_rejected_one_leaves_it() -> None:
    """P5 ZJG 第四章第三条: 申诉通过的, 更正申诉考核项的分值; 未通过的, 维持原分值不变.

    Contested: 4.4 查实被服务对象投诉 (2 per complaint), recorded twice. Upheld on the first:
    a retraction (the decision is a recorded fact) → 4 = 15 − 2 = 13. Rejected on the second:
    no fact, the 2 stands.
    """
    facts = [
        deduction("complaint-1", "a", "4.4"),
        deduction("complaint-2", "a", "4.4"),
    ]
    before = score(ZJG, [subject("a")], facts).subject("a").card.find("4")
    upheld = facts + [retraction("appeal-1", "complaint-1", reason="申诉通过: 投诉未查实")]
    after = score(ZJG, [subject("a")], upheld).subject("a").card.find("4")
    assert (before.applied, after.applied) == (Decimal(11), Decimal(13))
    statuses = {line.facts[0]: line.status for line in after.find("4.4").lines}
    assert statuses == {"complaint-1": "retracted", "complaint-2": "counted"}


def test_working_days_follow_the_mainland_calendar() -> None:
    """P6: the working-day calendar is the mainland one, with 调休 (the calendar itself comes later)."""
    assert ZJG.publication.calendar == "mainland"
    assert QF.publication.calendar == "mainland"
