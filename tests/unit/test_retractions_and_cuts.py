"""Retractions and corrections keep every fact in the explanation; caps and floors name what they cut."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from catalog_schemes import ZZ
from catalog_support import YEAR, ZJG, bonus, deduction, rating, retraction, score, statuses, subject, veto

from domain.facts import Exemption

A = [subject("a", "办公室")]


# --- Retractions and corrections -----------------------------------------------------------


def test_a_retracted_fact_stops_counting_but_stays_in_the_explanation() -> None:
    """ZJG 三.6 smoking (2) retracted on review: 科室建设 back to 15; the line shows it as retracted, by whom."""
    facts = [deduction("smoke", "a", "3.6", recorded_by="咨询指导科"), retraction("rt", "smoke")]
    node = score(ZJG, A, facts).subject("a").card.find("3.6")
    [line] = node.lines
    assert (line.facts, line.points, line.status, line.by) == (["smoke"], Decimal(-2), "retracted", ["rt"])
    assert line.recorded_by == ["咨询指导科"]
    assert "retracted" in (line.note or "")
    assert node.applied == 0
    assert score(ZJG, A, facts).subject("a").card.find("3").applied == Decimal(15)


def test_a_correction_replaces_the_fact_it_corrects() -> None:
    """ZJG 二.1: 6 late arrivals recorded (−3), corrected to 4 (−2): the first is shown as corrected."""
    facts = [
        deduction("late", "a", "2.1", count=6, recorded_by="人事教育科"),
        deduction("late-fix", "a", "2.1", count=4, recorded_by="人事教育科", corrects="late"),
    ]
    result = score(ZJG, A, facts)
    assert statuses(result, "a", "2.1") == {"late": "corrected", "late-fix": "counted"}
    assert result.subject("a").card.find("2.1").applied == Decimal(-2)


def test_retracting_a_correction_brings_the_original_back() -> None:
    facts = [
        deduction("late", "a", "2.1", count=6, recorded_by="人事教育科"),
        deduction("late-fix", "a", "2.1", count=4, recorded_by="人事教育科", corrects="late"),
        retraction("rt", "late-fix"),
    ]
    result = score(ZJG, A, facts)
    assert statuses(result, "a", "2.1") == {"late": "counted", "late-fix": "retracted"}
    assert result.subject("a").card.find("2.1").applied == Decimal(-3)


def test_retracting_an_exemption_makes_the_deduction_count_again() -> None:
    """D8 ZZ: the exemption for a self-investigated case is withdrawn: the 10 counts again."""
    facts = [
        deduction("sanction", "u", "c.2.2", period=YEAR, attributes={"rank": "section_or_above"}),
        Exemption(id="ex", period=YEAR, recorded_by="市效能办", target="sanction", ground="self_investigated"),
        retraction("rt", "ex", period=YEAR),
    ]
    result = score(ZZ, [subject("u", kind="unit", group="s1")], facts, YEAR)
    assert statuses(result, "u", "c.2.2") == {"sanction": "counted"}
    assert result.subject("u").card.find("conduct").applied == Decimal(90)


def test_a_retracted_veto_restores_eligibility_and_is_still_listed() -> None:
    facts = [veto("v", "a", "veto.2"), retraction("rt", "v")]
    result = score(ZJG, A, facts).subject("a")
    assert result.eligible is True
    assert [(d.facts, d.status, d.by) for d in result.decisions] == [(["v"], "retracted", ["rt"])]


def test_a_rater_corrects_a_rating_instead_of_rating_twice() -> None:
    """R1 ZJG: the principal's 60 is corrected to 80; supervising 80 → 10 × 80 / 100 = 8.00."""
    facts = [
        rating("p", "a", "rating", "principal", "局长", "60"),
        rating("p-fix", "a", "rating", "principal", "局长", "80", corrects="p"),
        rating("s", "a", "rating", "supervising", "副局长", "80"),
    ]
    result = score(ZJG, A, facts)
    assert result.subject("a").card.find("rating").applied == Decimal("8.00")
    assert statuses(result, "a", "rating") == {"p": "corrected", "p-fix": "counted", "s": "counted"}


# --- cut_facts -----------------------------------------------------------------------------


def test_the_facts_beyond_a_sections_floor_are_named_in_date_order_across_items() -> None:
    """D2 ZJG 二 扣完为止: 10 absences on 5 Jan (二.2, 10) then 20 late arrivals on 1 Mar (二.1, 10).

    Taken by (occurred_on, fact id), not by item order: the January absences fit in the 15,
    the March late arrivals go beyond it and are named as cut.
    """
    facts = [
        deduction("absent-jan", "a", "2.2", count=10, on=date(2026, 1, 5), recorded_by="人事教育科"),
        deduction("late-mar", "a", "2.1", count=20, on=date(2026, 3, 1), recorded_by="人事教育科"),
    ]
    section = score(ZJG, A, facts).subject("a").card.find("2")
    assert (section.raw, section.applied, section.cut) == (Decimal(-5), Decimal(0), Decimal(-5))
    assert section.cut_facts == ["late-mar"]


def test_facts_without_a_date_are_taken_by_their_id() -> None:
    """D2 ZJG 四 (15): f1..f6 each a 通报批评 (四.7, 2) and f7 a 第一种形态 (四.8, 3): 15 points fit
    f1-f6 (12) and f7 reaches 15 exactly; a further f8 (2) is beyond."""
    facts = [deduction(f"f{i}", "a", "4.7") for i in range(1, 7)]
    facts += [deduction("f7", "a", "4.8"), deduction("f8", "a", "4.7")]
    section = score(ZJG, A, facts).subject("a").card.find("4")
    assert section.applied == 0
    assert section.cut_facts == ["f8"]


def test_retracted_and_superseded_facts_are_never_named_as_cut() -> None:
    facts = [
        deduction("a1", "a", "2.2", count=14, on=date(2026, 1, 2), recorded_by="人事教育科"),
        deduction("gone", "a", "2.2", count=5, on=date(2026, 1, 3), recorded_by="人事教育科"),
        retraction("rt", "gone"),
        deduction("a2", "a", "2.2", count=3, on=date(2026, 2, 1), recorded_by="人事教育科"),
    ]
    section = score(ZJG, A, facts).subject("a").card.find("2")
    assert (section.applied, section.cut_facts) == (Decimal(0), ["a2"])


def test_an_item_cap_names_the_later_facts_beyond_it() -> None:
    """B3 ZZ 三.(三)2(3) 调研成果被采纳的, 每篇得2分 ... 本项最高得分10分: six reports (12) → 10;
    the sixth, by date, is cut."""
    facts = [bonus(f"r{i}", "u", "m.2.3", period=YEAR, on=date(2026, i, 1)) for i in range(1, 7)]
    node = score(ZZ, [subject("u", kind="unit", group="s3")], facts, YEAR).subject("u").card.find("m.2.3")
    assert (node.raw, node.applied, node.cut, node.cut_facts) == (Decimal(12), Decimal(10), Decimal(2), ["r6"])


def test_nothing_is_named_as_cut_when_nothing_is_cut() -> None:
    facts = [deduction("late", "a", "2.1", count=4, recorded_by="人事教育科")]
    card = score(ZJG, A, facts).subject("a").card
    assert all(not n.cut_facts and n.cut == 0 for n in (card, card.find("2"), card.find("2.1")))
