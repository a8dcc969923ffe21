"""Catalog D1-D11 (deductions, 扣分), each worked out by hand from the document's own values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from catalog_schemes import IND, JS, QZ, ZZ
from catalog_support import (
    YEAR,
    ZJG,
    assessed,
    deduction,
    scheme,
    score,
    statuses,
    subject,
)

from domain.errors import FactsInvalid
from domain.facts import Exemption, FactBase

# --- D1 Per occurrence ---------------------------------------------------------------------


def test_late_arrival_costs_half_a_point_per_person_time_and_absence_one() -> None:
    """D1 ZJG 第二章第一条 二.1 迟到、早退 每人次扣0.5分; 二.2 旷工 每人次扣1分; 三.6 吸烟 发现一次扣2分.

    3 late person-times: 1.5; 2 absences: 2 → 人员管理 15 − 3.5 = 11.5. One smoker: 科室建设 13.
    日常考核 = 15 + 15 + 11.5 + 13 + 15 + 15 = 84.5.
    """
    facts = [
        deduction("late", "a", "2.1", count=3, recorded_by="人事教育科"),
        deduction("absent", "a", "2.2", count=2, recorded_by="人事教育科"),
        deduction("smoke", "a", "3.6", recorded_by="咨询指导科"),
    ]
    card = score(ZJG, [subject("a")], facts).subject("a").card
    assert card.find("2.1").applied == Decimal("-1.5")
    assert card.find("2.2").applied == Decimal("-2")
    assert card.find("2").applied == Decimal("11.5")
    assert card.find("3").applied == Decimal("13")
    assert card.find("daily").applied == Decimal("84.5")
    assert card.find("2.1").lines[0].note == "3 × 0.5 (D1)"


# --- D2 Floor at the section (扣完为止) ------------------------------------------------------


def test_deductions_never_take_a_section_below_zero() -> None:
    """D2 ZJG 第二章第一条 二 本项扣分扣完为止: 12 absences (12) + 8 late arrivals (4) = 16 > 15.

    人员管理 stops at 0 (1 point cut); the other sections keep their 15: 日常考核 = 75.
    """
    facts = [
        deduction("absent", "a", "2.2", count=12, recorded_by="人事教育科"),
        deduction("late", "a", "2.1", count=8, recorded_by="人事教育科"),
    ]
    section = score(ZJG, [subject("a")], facts).subject("a").card.find("2")
    assert (section.raw, section.applied, section.cut, section.overflow) == (
        Decimal(-1),
        Decimal(0),
        Decimal(-1),
        Decimal(0),
    )
    assert "D2" in section.rules
    assert score(ZJG, [subject("a")], facts).subject("a").card.find("daily").applied == Decimal(75)


# --- D3 Overflow into the total ------------------------------------------------------------


def test_deductions_beyond_the_efficiency_section_are_taken_from_the_units_total() -> None:
    """D3 ZZ 三.(二): 扣分超过100分的, 超出的分数在该单位总得分中扣除.

    Seven cadres at section level or above are prosecuted (2(1), 15 each): 105 points.
    The section shows 0 and carries −5 to the total:
    goals 400 + conduct 0 + merit 0 + public 300 × 90/100 = 270 + panel 50 × 90/100 = 45, − 5 = 710.
    """
    facts = [
        assessed("goals", "u", "goals", "400"),
        assessed("public", "u", "public", "90", role="public"),
        assessed("panel", "u", "panel", "90", role="panel"),
        deduction("crime", "u", "c.2.1", period=YEAR, count=7, attributes={"rank": "section_or_above"}),
    ]
    result = score(ZZ, [subject("u", kind="unit", group="s2")], facts, YEAR).subject("u")
    conduct = result.card.find("conduct")
    assert (conduct.raw, conduct.applied, conduct.overflow, conduct.cut) == (
        Decimal(-5),
        Decimal(0),
        Decimal(-5),
        Decimal(0),
    )
    assert "D3" in conduct.rules
    assert result.card.applied == Decimal(715)
    assert result.total == Decimal("710.00")


# --- D4 Highest only for one matter --------------------------------------------------------


def test_one_situation_that_triggers_two_items_deducts_only_the_larger() -> None:
    """D4 ZJG 第四章第二条 同一情况涉及交叉扣分的, 就高扣分: one reception leads to a petition (四.2, 3)
    and to a verified complaint (四.4, 2). Only the 3 counts: 纪律规范 = 12; the 2 is superseded by it."""
    facts = [
        deduction("petition", "a", "4.2", attributes={"severity": "petition"}, situation="reception-0312"),
        deduction("complaint", "a", "4.4", situation="reception-0312"),
    ]
    result = score(ZJG, [subject("a")], facts)
    card = result.subject("a").card
    assert card.find("4").applied == Decimal(12)
    assert statuses(result, "a", "4.4") == {"complaint": "superseded"}
    assert card.find("4.4").lines[0].by == ["petition"]
    assert "D4" in card.find("4.4").rules


def test_the_same_matter_deducts_once_at_the_highest_in_zhangzhou() -> None:
    """D4 ZZ 三.(二)2 同一事项就高扣分一次, 不重复扣分: a section chief is disciplined (2(2), 10) and
    warned (2(3) 效能告诫, 5) for one matter: the section loses 10, not 15 → 90."""
    facts = [
        deduction("sanction", "u", "c.2.2", period=YEAR, attributes={"rank": "section_or_above"}, situation="m1"),
        deduction("warning", "u", "c.2.3", period=YEAR, attributes={"measure": "warning"}, situation="m1"),
    ]
    result = score(ZZ, [subject("u", kind="unit", group="s1")], facts, YEAR)
    assert result.subject("u").card.find("conduct").applied == Decimal(90)
    assert statuses(result, "u", "c.2.3") == {"warning": "superseded"}


def test_recording_one_more_deduction_never_raises_a_total_under_highest_only() -> None:
    """D4 × D2, ZJG 第四章第二条 就高扣分 with 第二章第一条 扣完为止.

    科室建设 is already at 0 (8 smokers, 三.6: 16 > 15). A verified complaint (四.4, 2) costs
    纪律规范 2: total 90 − 15 − 2 = 73. Then the same visit is also recorded as an uncivil act
    (三.7, count 2: 4 points). 就高扣分 keeps the larger (4), in a section that has nothing
    left to lose, and supersedes the 2 that did count: the total rises to 75. Recording a further
    finding must not improve a department's score: the expected total stays 73.
    """
    base = [
        deduction("smoke", "a", "3.6", count=8, on=date(2026, 1, 3), recorded_by="咨询指导科"),
        deduction("complaint", "a", "4.4", on=date(2026, 3, 12), situation="visit-0312"),
    ]
    more = deduction("uncivil", "a", "3.7", count=2, on=date(2026, 3, 12), situation="visit-0312")
    before = score(ZJG, [subject("a")], base).subject("a").total
    after = score(ZJG, [subject("a")], base + [more]).subject("a").total
    assert before == Decimal("73.00")
    assert after <= before, f"one more deduction raised the total from {before} to {after}"


def test_recording_one_more_deduction_never_raises_a_total_with_two_situations() -> None:
    """D4 × D2 with two situations, ZJG 第四章第二条 就高扣分, 第二章第一条 一.(一) 扣完为止.

    Situation x: a key task missed on 7 items (一.(一).1, 2 each: 14) and a staff member left
    early (二.1, 0.5). Situation y: one more key-task item missed (2). 就高: x keeps the 14;
    重点工作 loses 14 + 2 = 16 → 0. Total 90 − 15 = 75.
    Then y also gets 14 stage tasks missed (一.(一).2, 1 each: 14). Keeping the 14 of x and either
    of y's still empties 重点工作: the total stays 75 at most. Settling x before y (with both of
    y's counted) keeps x's 0.5 instead, then y's 14: 重点工作 1, 人员管理 14.5, total 75.5.
    (The same facts the other way round: retracting y's 14 would lower the total to 75.)
    """
    base = [
        deduction("x-task", "a", "1.1.1", count=7, situation="x", recorded_by="办公室"),
        deduction("x-early", "a", "2.1", situation="x", recorded_by="人事教育科"),
        deduction("y-task", "a", "1.1.1", situation="y", recorded_by="办公室"),
    ]
    more = deduction("y-stages", "a", "1.1.2", count=14, situation="y", recorded_by="办公室")
    before = score(ZJG, [subject("a")], base).subject("a").total
    after = score(ZJG, [subject("a")], base + [more]).subject("a").total
    assert before == Decimal("75.00")
    assert after <= before, f"one more deduction raised the total from {before} to {after}"


# --- D5 Item zeroed ------------------------------------------------------------------------


def test_one_finding_of_gaming_at_work_voids_the_whole_two_point_item() -> None:
    """D5 JS 三.(一)1 无利用工作时间上网玩游戏、赌博等行为(2分), 一经发现此项不给分.

    Found twice: the item still loses its 2 points only (the second finding is cut).
    With 5 late arrivals (0.5 each = 2.5, bounded by the 2-point item): 作风建设 6 − 2 − 2 = 2.
    """
    facts = [
        deduction("game-1", "o", "c.1.2", period=YEAR, on=date(2014, 5, 6)),
        deduction("game-2", "o", "c.1.2", period=YEAR, on=date(2014, 9, 1)),
        deduction("late", "o", "c.1.1", period=YEAR, count=5),
    ]
    card = score(JS, [subject("o", "办公室", kind="office")], facts, YEAR).subject("o").card
    gaming = card.find("c.1.2")
    assert (gaming.raw, gaming.applied, gaming.cut_facts) == (Decimal(-4), Decimal(-2), ["game-2"])
    assert gaming.rules[0] == "D5"
    assert card.find("c.1.1").applied == Decimal(-2)
    assert card.find("c.1").applied == Decimal(2)


# --- D6 Graded by severity or rank ---------------------------------------------------------


def test_a_prosecuted_section_chief_costs_15_and_a_clerk_10() -> None:
    """D6 ZZ 三.(二)2(1) 科级以上(包括科级)每人次扣15分, 科级以下每人次扣10分; 2(3) 效能告诫 5.

    One of each, and one 效能告诫: 100 − 15 − 10 − 5 = 70.
    """
    facts = [
        deduction("chief", "u", "c.2.1", period=YEAR, attributes={"rank": "section_or_above"}),
        deduction("clerk", "u", "c.2.1", period=YEAR, attributes={"rank": "below_section"}),
        deduction("warned", "u", "c.2.3", period=YEAR, attributes={"measure": "warning"}),
    ]
    card = score(ZZ, [subject("u", kind="unit", group="s2")], facts, YEAR).subject("u").card
    assert [line.points for line in card.find("c.2.1").lines] == [Decimal(-15), Decimal(-10)]
    assert card.find("conduct").applied == Decimal(70)


def test_a_petition_costs_three_where_a_conflict_costs_two() -> None:
    """D6 ZJG 第二章第一条 四.2: 引发矛盾的每次扣2分, 造成群众上访的每次扣3分 → 15 − 2 − 3 = 10."""
    facts = [
        deduction("conflict", "a", "4.2", attributes={"severity": "conflict"}),
        deduction("petition", "a", "4.2", attributes={"severity": "petition"}),
    ]
    assert score(ZJG, [subject("a")], facts).subject("a").card.find("4").applied == Decimal(10)


# --- D7 Multiplier by finder ---------------------------------------------------------------


def test_a_problem_found_by_the_province_costs_double() -> None:
    """D7 QZ 二.(二)4.5 被省效能办察访核验发现问题的, 给予双倍扣分; 4.1① 县处级 0.5, ②③ 科室 0.3.

    q1: a county-level cadre found by the province: 0.5 × 2 = 1.0 → 63 + 27 − 1 = 89.00
    q2: the same found by the city: 0.5 → 89.50
    q3: two section heads found by the province: 2 × 0.3 × 2 = 1.2 → 88.80
    """
    subjects = [subject(s) for s in ("q1", "q2", "q3")]
    facts: list[FactBase] = [assessed(f"t-{s.id}", s.id, "target", "90") for s in subjects]
    facts += [assessed(f"r-{s.id}", s.id, "review", "90", role="public") for s in subjects]
    facts += [
        deduction("f1", "q1", "4.1", period=YEAR, attributes={"rank": "county", "finder": "province"}),
        deduction("f2", "q2", "4.1", period=YEAR, attributes={"rank": "county", "finder": "city"}),
        deduction("f3", "q3", "4.1", period=YEAR, count=2, attributes={"rank": "section_head", "finder": "province"}),
    ]
    result = score(QZ, subjects, facts, YEAR)
    assert {s.subject: s.total for s in result.subjects} == {
        "q1": Decimal("89.00"),
        "q2": Decimal("89.50"),
        "q3": Decimal("88.80"),
    }
    assert "D7" in result.subject("q1").card.find("4.1").rules


# --- D8 Exemptions -------------------------------------------------------------------------


def test_a_self_investigated_case_is_exempted_and_the_exemption_is_recorded() -> None:
    """D8 ZZ 三.(二)2 属于本单位自行查处或主动报告有关机关查处的, 免予扣分.

    A section chief's sanction (2(2), 10) is exempted: the section stays at 100, the line shows
    the deduction as exempted by the exemption decision, on its ground.
    """
    facts = [
        deduction("sanction", "u", "c.2.2", period=YEAR, attributes={"rank": "section_or_above"}),
        Exemption(id="ex", period=YEAR, recorded_by="市效能办", target="sanction", ground="self_investigated"),
    ]
    result = score(ZZ, [subject("u", kind="unit", group="s1")], facts, YEAR)
    node = result.subject("u").card.find("c.2.2")
    [line] = node.lines
    assert (line.status, line.by, line.points) == ("exempted", ["ex"], Decimal(-10))
    assert "self_investigated" in (line.note or "")
    assert node.applied == 0
    assert result.subject("u").card.find("conduct").applied == Decimal(100)
    assert "D8" in node.rules


def test_conduct_before_the_post_is_exempt_but_an_item_may_forbid_exemption() -> None:
    """D8 QZ 二.(二)4.7① 违纪违法行为不属于该当事人在任现职期间发生的 不予扣分; a scheme may declare
    an item that allows no exemption (exemptible: false), and an exemption there is refused."""
    strict = scheme(
        """
        scheme: T
        version: 1
        title: 不可免除
        period: {kind: year}
        subject_kinds: {department: 科室}
        exemption_grounds: {predates_post: 不属于当事人在任现职期间发生}
        tree:
          id: total
          title: t
          basis: add
          children:
            - {id: x, title: 处分, deduct: {per: 0.3}, exemptible: false}
        """
    )
    facts = [
        deduction("f", "d", "x", period=YEAR),
        Exemption(id="ex", period=YEAR, recorded_by="局党组", target="f", ground="predates_post"),
    ]
    with pytest.raises(FactsInvalid) as caught:
        score(strict, [subject("d")], facts, YEAR)
    assert "allows no exemption" in str(caught.value)


# --- D9 Shortfall scaling ------------------------------------------------------------------


def test_each_five_percent_short_of_the_land_quota_costs_four_points() -> None:
    """D9 JS 土地开发整理中心 3 造地工作 (20分), 每差欠5%扣4分.

    12% short: ⌊0.12 / 0.05⌋ = 2 steps → 8 → 12. 4.9% short: 0 steps → 20.
    30% short: 6 steps → 24 > 20 → 0 (扣完为止).
    """
    centres = [subject(c, kind="land_dev") for c in ("c12", "c49", "c30")]
    facts = [
        deduction("s12", "c12", "l.3.1", period=YEAR, shortfall=Decimal("0.12")),
        deduction("s49", "c49", "l.3.1", period=YEAR, shortfall=Decimal("0.049")),
        deduction("s30", "c30", "l.3.1", period=YEAR, shortfall=Decimal("0.30")),
    ]
    result = score(JS, centres, facts, YEAR)
    assert [result.subject(c.id).card.find("l.3").applied for c in centres] == [Decimal(12), Decimal(20), Decimal(0)]


def test_fewer_articles_than_the_quota_score_in_proportion() -> None:
    """D9 JS 三.(一)6 全年完成上稿任务3篇计3分 ... 未完成稿件录用任务的按比例得分.

    2 of 3 published: shortfall recorded as 0.3333; 3 × 0.3333 = 0.9999 → 1.00 (2 places) → 2.00.
    """
    facts = [deduction("short", "o", "c.6.1", period=YEAR, shortfall=Decimal("0.3333"))]
    card = score(JS, [subject("o", kind="office")], facts, YEAR).subject("o").card
    assert card.find("c.6.1").applied == Decimal("-1.00")
    assert card.find("c.6").applied == Decimal("2.00")


# --- D10 Repeat thresholds -----------------------------------------------------------------


def test_reminder_letters_cost_once_per_repeated_matter_and_once_for_three_matters() -> None:
    """D10 QZ 三.(二)四 同一单位因同一事项被发出《效能提醒函》2次后 ... 扣0.1分; 因不同事项 3次的, 扣0.2分.

    one:   1 letter                           → 0
    same:  2 letters on one matter             → −0.1
    three: 3 letters on 3 matters              → −0.2
    mixed: 3 on matter A, 1 on B, 1 on C        → −0.1 (A) − 0.2 (3 distinct matters) = −0.3
    """
    letters = {
        "one": ["a"],
        "same": ["a", "a"],
        "three": ["a", "b", "c"],
        "mixed": ["a", "a", "a", "b", "c"],
    }
    subjects = [subject(s) for s in letters]
    facts = [
        deduction(f"{sid}-{i}", sid, "reminders", period=YEAR, matter=matter)
        for sid, matters in letters.items()
        for i, matter in enumerate(matters)
    ]
    result = score(QZ, subjects, facts, YEAR)
    got = {sid: result.subject(sid).card.find("reminders").applied for sid in letters}
    assert got == {"one": Decimal(0), "same": Decimal("-0.1"), "three": Decimal("-0.2"), "mixed": Decimal("-0.3")}
    consequences = [line for line in result.subject("same").card.find("reminders").lines if line.points]
    assert [line.facts for line in consequences] == [["same-0", "same-1"]]


# --- D11 Shared liability ------------------------------------------------------------------


def test_a_duty_failure_costs_the_leader_on_duty_two_and_each_member_one() -> None:
    """D11 IND 四.(四)2 值班期间 ... 每项分别扣带班领导2分, 扣每个值班组员1分.

    One finding, three parties: 日常工作考核 20 → leader 18, each member 19.
    """
    staff = [subject(s, kind="staff") for s in ("lead", "m1", "m2")]
    facts = [
        deduction(
            "duty",
            None,
            "d.2",
            period="2026-H1",
            parties=[("lead", "leader"), ("m1", "member"), ("m2", "member")],
        )
    ]
    result = score(IND, staff, facts, YEAR)
    assert {s.subject: s.card.find("daily").applied for s in result.subjects} == {
        "lead": Decimal(18),
        "m1": Decimal(19),
        "m2": Decimal(19),
    }
    assert result.subject("m1").card.find("d.2").lines[0].facts == ["duty"]


def test_a_case_revoked_by_the_court_costs_handler_and_reviewer_five_each() -> None:
    """D11 IND 四.(二)2 查办的案子被法院撤销的, 办案人及审核人分别扣5分: 业务工作 30 → 25 each."""
    staff = [subject("h", kind="staff"), subject("r", kind="staff")]
    facts = [deduction("revoked", None, "b.2", period="2026-H2", parties=[("h", "handler"), ("r", "reviewer")])]
    result = score(IND, staff, facts, YEAR)
    assert [result.subject(s).card.find("business").applied for s in ("h", "r")] == [Decimal(25), Decimal(25)]
