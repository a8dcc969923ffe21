"""HB 湖北省机关档案工作目标管理等级考评办法 (seed 001, part 4): one year's assessments, by hand.

第七条: 省一级 ≥ 90, 省二级 ≥ 80, only with every 第五条 prerequisite (G5); 省一级 also needs 省二级
held for a year (第三条). 第八条: centre + related agencies, combined (choice: 1:1). 第六条: 省特级 by
on-site review, its own decision (a condition, with 省一级 held a year and 第五条: version 2). The
attachments' tables are missing: each table's total is one item (7.0, 8.1, 8.2) of its section.
Choices are those written in schemes/hb.yaml.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from domain.facts import ConditionMet, Rating, Retraction, Subject
from domain.scheme.loader import load_scheme_file
from domain.scoring import score_period

SCHEME = load_scheme_file(Path(__file__).parents[2] / "schemes" / "hb.yaml")
YEAR = "2026"
D = Decimal
BASIC = ["registered", "centralized", "transferred", "disclosed", "no_incident", "e_records"]  # 第五条 一–六


def agency(sid: str, name: str, kind: str = "agency") -> Subject:
    return Subject(id=sid, name=name, kind=kind)


def panel(sid: str, values: list[str], item: str = "7.0", role: str = "panel") -> list[Rating]:
    """第十条 四(三)3 逐项评议(评分): each panel member's total (R3: averaged)."""
    return [
        Rating(
            id=f"{sid}.{item}.{role}{i}",
            period=YEAR,
            recorded_by="县档案局评审组",
            item=item,
            subject=sid,
            role=role,
            rater=f"评审员{i}" if role == "panel" else f"评审员{i}({role})",  # one rating per rater per item
            value=D(v),
        )
        for i, v in enumerate(values, 1)
    ]


def met(sid: str, conditions: list[str]) -> list[ConditionMet]:
    return [
        ConditionMet(id=f"{sid}.c.{c}", period=YEAR, recorded_by="县档案局", condition=c, subject=sid)
        for c in conditions
    ]


SUBJECTS = [
    agency("h1", "县财政局"),
    agency("h2", "县教育局"),
    agency("h3", "县卫生健康局"),
    agency("h4", "县税务局"),
    agency("h5", "县档案(文件)管理中心体制机关", kind="center_system"),
    agency("h6", "县公安局"),
    agency("h7", "县自然资源局"),
    agency("h8", "县民政局"),
]

FACTS = [
    *panel("h1", ["92", "90", "94"]),  # 92
    *met("h1", [*BASIC, "level2_held"]),
    *panel("h2", ["93", "91"]),  # 92, but has not held 省二级 for a year
    *met("h2", BASIC),
    *panel("h3", ["85"]),  # 85, but an archive was lost within two years: no_incident not met
    *met("h3", [c for c in BASIC if c != "no_incident"]),
    *panel("h4", ["79", "80"]),  # 79.5
    *met("h4", BASIC),
    *panel("h5", ["90", "86"], item="8.1"),  # centre 88 → 44 of its 50
    *panel("h5", ["84"], item="8.2"),  # related agencies 84 → 42 of its 50
    *met("h5", [*BASIC, "level2_held"]),
    *panel("h6", ["80"]),  # exactly the 省二级 line
    *met("h6", BASIC),
    *panel("h7", ["95", "95"]),  # 95, holds 省一级 for a year, passed the 省特级 on-site review
    *met("h7", [*BASIC, "level2_held", "level1_held", "special_review_passed"]),
    *panel("h8", ["89.99"]),  # just under the 省一级 line
    *met("h8", [*BASIC, "level2_held"]),
]


@pytest.fixture(scope="module")
def result():
    return score_period(SCHEME, SUBJECTS, FACTS, period=YEAR)


def test_one_year_of_eight_assessments_reaches_the_hand_computed_levels(result) -> None:
    """第七条 + 第五条 + 第三条 + 第六条 + 第八条.

    h1 (92+90+94)/3 = 92, all prerequisites, 省二级 held a year → 省一级
    h2 (93+91)/2 = 92, all 第五条, 省二级 not yet held a year     → 省二级
    h3 85, 第五条 五 not met (archive loss)                        → 未达标
    h4 (79+80)/2 = 79.5 < 80                                       → 未达标
    h5 第八条: (88 + 84) / 2 = 86 < 90, all conditions             → 省二级
    h6 80, the line itself passes                                  → 省二级
    h7 95, 省特级 on-site review passed, 省一级 held, 第五条         → 省特级
    h8 89.99 < 90                                                  → 省二级
    One group; ranks by total (ranking only, the levels are absolute): h7 1, h1 = h2 2, h8 4, h5 5,
    h3 6, h6 7, h4 8.
    """
    got = {s.subject: (s.total, s.rank, s.grade) for s in result.subjects}
    assert got == {
        "h7": (D("95"), 1, "省特级"),
        "h1": (D("92"), 2, "省一级"),
        "h2": (D("92"), 2, "省二级"),
        "h8": (D("89.99"), 4, "省二级"),
        "h5": (D("86"), 5, "省二级"),
        "h3": (D("85"), 6, "未达标"),
        "h6": (D("80"), 7, "省二级"),
        "h4": (D("79.5"), 8, "未达标"),
    }
    assert all(s.flags == [] for s in result.subjects)


def test_an_agency_with_an_archive_centre_is_scored_on_both_parts_equally_S3(result) -> None:
    """第八条 分别考核、综合评分 (choice 1:1): centre (90+86)/2 = 88 → 44, related agencies 84 → 42: 86."""
    card = result.subject("h5").card
    assert card.find("8").applied == D("86")
    assert card.maybe("7") is None


@pytest.mark.parametrize("missing", BASIC)
def test_a_95_point_agency_missing_any_one_prerequisite_reaches_no_level_G5(missing: str) -> None:
    """第五条 申报必备条件: without any one of the six, no level, whatever the score."""
    facts = [*panel("a", ["95"]), *met("a", [c for c in [*BASIC, "level2_held"] if c != missing])]
    result = score_period(SCHEME, [agency("a", "县司法局")], facts, period=YEAR)
    s = result.subject("a")
    assert (s.total, s.grade) == (D("95"), "未达标")


def test_level_1_needs_level_2_held_for_a_year_otherwise_the_agency_reaches_level_2_G5(result) -> None:
    """第三条 取得省二级等级证书一年后可申报上一等级: h2 scores 92 without it → 省二级."""
    h2 = result.subject("h2")
    assert h2.grade == "省二级"
    assert any("level2_held" in reason for reason in h2.grade_reasons)


def test_the_thresholds_include_the_line_itself_90_and_80_G5() -> None:
    """第七条 达标分数线 90 / 80: 90 → 省一级, 89.99 → 省二级, 80 → 省二级, 79.99 → 未达标."""
    scores = {"p": "90", "q": "89.99", "r": "80", "s": "79.99"}
    subjects = [agency(k, f"机关{k}") for k in scores]
    facts = [f for k, v in scores.items() for f in [*panel(k, [v]), *met(k, [*BASIC, "level2_held"])]]
    result = score_period(SCHEME, subjects, facts, period=YEAR)
    assert {k: result.subject(k).grade for k in scores} == {"p": "省一级", "q": "省二级", "r": "省二级", "s": "未达标"}


def test_a_retracted_prerequisite_no_longer_counts_G5() -> None:
    """A condition recorded as met and then retracted (e.g. an archive loss found later) is not met."""
    facts = [*panel("a", ["93"]), *met("a", [*BASIC, "level2_held"])]
    facts.append(
        Retraction(id="a.r1", period=YEAR, recorded_by="市档案局", target="a.c.no_incident", reason="复查发现档案丢失")
    )
    result = score_period(SCHEME, [agency("a", "县司法局")], facts, period=YEAR)
    s = result.subject("a")
    assert s.grade == "未达标"
    assert [ln.status for ln in s.decisions if ln.facts == ["a.c.no_incident"]] == ["retracted"]


def test_the_on_site_review_is_its_own_decision_and_needs_level_1_held_and_the_article_5_conditions_G5() -> None:
    """第六条 省特级考评采取现场评议结合抽查系统档案工作的方式进行 (not scored); 第三条 逐级晋升 (省一级 held a
    year); 第五条 for every level. a: review passed, 省一级 held, 第五条, no score at all → 省特级; b: review
    passed, 95 points, 第五条 and 省二级 held but not 省一级 → 省一级 (by 第七条), not 省特级; c: review passed,
    省一级 held, no 第五条 五 (an archive lost) → 未达标."""
    facts = [*met("a", [*BASIC, "level1_held", "special_review_passed"]),
             *panel("b", ["95"]), *met("b", [*BASIC, "level2_held", "special_review_passed"]),
             *panel("c", ["95"]), *met("c", [*[x for x in BASIC if x != "no_incident"], "level1_held",
                                            "level2_held", "special_review_passed"])]
    result = score_period(SCHEME, [agency(k, f"机关{k}") for k in "abc"], facts, period=YEAR)
    assert {k: result.subject(k).grade for k in "abc"} == {"a": "省特级", "b": "省一级", "c": "未达标"}
    assert "省特级: prerequisites not met: level1_held (G5)" in result.subject("b").grade_reasons
    assert result.subject("a").flags == ["incomplete:7.0"]  # the table was not scored: said, not hidden


def test_the_scheme_says_which_attachments_are_missing_and_its_tables_are_sections_ready_for_items() -> None:
    """附件1–3 are not in the source: the scheme file says so, and each table is a section of 100."""
    for attachment in ("附件1", "附件2", "附件3"):
        assert attachment in (SCHEME.note or "")
    assert {n: SCHEME.nodes[n].max for n in ("7", "8")} == {"7": D("100"), "8": D("100")}
