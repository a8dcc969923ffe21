"""Facts are checked against the scheme, the period and each other before scoring; every problem at once."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest
from catalog_schemes import IND, QF, QZ, ZZ
from catalog_support import (
    QUARTER,
    YEAR,
    ZJG,
    bonus,
    deduction,
    rating,
    retraction,
    score,
    subject,
    veto,
)
from pydantic import ValidationError

from domain.errors import FactsInvalid, Problem
from domain.facts import Deduction, Exemption, Fact, FactBase, Party, Subject, typed_facts
from domain.scheme.model import Scheme
from domain.scoring import score_period

A = [subject("a", "办公室")]


def refused(scheme: Scheme, subjects: list[Subject], facts: Sequence[FactBase], period: str = QUARTER) -> list[Problem]:
    with pytest.raises(FactsInvalid) as caught:
        score(scheme, subjects, facts, period)
    return caught.value.problems


def only(problems: list[Problem]) -> tuple[str, str]:
    [problem] = problems
    return problem.path, problem.message


def test_a_fact_on_an_unknown_item_is_refused() -> None:
    assert only(refused(ZJG, A, [deduction("f", "a", "9.9")])) == ("facts[0].item (f)", "unknown deduction item '9.9'")


def test_a_bonus_recorded_on_a_deduction_item_is_refused() -> None:
    path, message = only(refused(ZJG, A, [bonus("f", "a", "2.1", level="city")]))
    assert (path, message) == ("facts[0].item (f)", "unknown bonus item '2.1'")


def test_a_fact_about_an_unknown_subject_is_refused() -> None:
    assert only(refused(ZJG, A, [deduction("f", "zz", "2.1")])) == ("facts[0].subject (f)", "unknown subject 'zz'")


def test_a_fact_of_another_period_is_refused() -> None:
    path, message = only(refused(ZJG, A, [deduction("f", "a", "2.1", period="2025-Q4")]))
    assert path == "facts[0].period (f)"
    assert "2025-Q4 is not part of ['2026-Q1']" in message


def test_a_malformed_or_foreign_period_to_score_is_refused() -> None:
    for period in ("2026-Q5", "2026-H1", "26-Q1"):
        with pytest.raises(FactsInvalid):
            score(ZJG, A, [], period)


def test_an_item_that_does_not_apply_to_the_subjects_kind_is_refused() -> None:
    """S3 QF: a 科室负责人 is not rated on the counter-staff rubric."""
    facts = [rating("r", "lead", "ind.counter", "main", "局长", "90")]
    path, message = only(refused(QF, [subject("lead", kind="leader")], facts))
    assert path == "facts[0].item (r)"
    assert message == "item 'ind.counter' does not apply to subjects of kind 'leader'"


def test_a_graded_item_needs_its_attribute_and_a_known_value() -> None:
    """D6 ZJG 四.2 needs severity (conflict or petition)."""
    problems = refused(
        ZJG,
        A,
        [deduction("f1", "a", "4.2"), deduction("f2", "a", "4.2", attributes={"severity": "riot"})],
    )
    assert [(p.path, p.message) for p in problems] == [
        ("facts[0].attributes.severity (f1)", "item 4.2 needs attribute 'severity': one of ['conflict', 'petition']"),
        ("facts[1].attributes.severity (f2)", "'riot' is not one of ['conflict', 'petition']"),
    ]


def test_a_retraction_of_an_unknown_fact_is_refused() -> None:
    path, message = only(refused(ZJG, A, [retraction("x", "ghost")]))
    assert (path, message) == ("facts[0].target (x)", "names fact 'ghost', which is not recorded")


def test_a_retraction_cannot_itself_be_retracted() -> None:
    facts = [deduction("f", "a", "2.1"), retraction("x1", "f"), retraction("x2", "x1")]
    path, message = only(refused(ZJG, A, facts))
    assert path == "facts[2].target (x2)"
    assert "cannot be retracted" in message


def test_a_correction_must_correct_a_fact_of_its_own_type() -> None:
    facts = [bonus("b", "a", "b.1", level="city"), deduction("d", "a", "2.1", corrects="b")]
    assert only(refused(ZJG, A, facts))[1] == "fact 'b' is a bonus, not a deduction"


def test_every_problem_in_the_facts_is_listed_at_once() -> None:
    """Seven faulty facts of different kinds: seven problems, each naming its fact and field."""
    facts: list[Fact] = [
        deduction("ok", "a", "2.1"),
        deduction("p1", "a", "9.9"),
        deduction("p2", "nobody", "2.1"),
        deduction("p3", "a", "2.1", period="2026-Q2"),
        deduction("p4", "a", "4.2"),
        retraction("p5", "ghost"),
        veto("p6", "a", "veto.99"),
        rating("p7", "a", "rating", "deputy", "副局长", "80"),
    ]
    problems = refused(ZJG, A, facts)
    assert [p.path for p in problems] == [
        "facts[1].item (p1)",
        "facts[2].subject (p2)",
        "facts[3].period (p3)",
        "facts[4].attributes.severity (p4)",
        "facts[5].target (p5)",
        "facts[6].veto (p6)",
        "facts[7].role (p7)",
    ]
    with pytest.raises(FactsInvalid) as caught:
        score(ZJG, A, facts)
    assert caught.value.title == "7 problem(s) in the facts for 2026-Q1"


def test_problems_carry_the_line_of_the_fact_in_its_file() -> None:
    facts = [deduction("ok", "a", "2.1"), deduction("bad", "a", "9.9")]
    with pytest.raises(FactsInvalid) as caught:
        score_period(ZJG, A, facts, QUARTER, lines=[3, 7])
    assert [(p.line, str(p)) for p in caught.value.problems] == [
        (7, "line 7: facts[1].item (bad): unknown deduction item '9.9'")
    ]


def test_a_fact_id_used_twice_is_refused() -> None:
    facts = [deduction("f", "a", "2.1"), deduction("f", "a", "2.2")]
    assert [(p.path, p.message) for p in refused(ZJG, A, facts)] == [
        ("facts[1].id (f)", "fact id 'f' is used more than once")
    ]


def test_rule_specific_fields_are_required() -> None:
    """B1 a level, B5 an amount, range within bounds, D9 a shortfall, D10 a matter, D11 parties."""
    zz_units = [subject("u", kind="unit", group="s1")]
    zz = refused(
        ZZ,
        zz_units,
        [
            bonus("lvl", "u", "m.3.1", period=YEAR),
            bonus("amt", "u", "m.4.1", period=YEAR),
            deduction("rng", "u", "c.3.3", period=YEAR, amount=Decimal(12)),
        ],
        YEAR,
    )
    assert [p.path for p in zz] == ["facts[0].level (lvl)", "facts[1].amount (amt)", "facts[2].amount (rng)"]
    assert "amount 12 is outside 5 to 10" in zz[2].message
    qz = refused(QZ, [subject("d")], [deduction("ltr", "d", "reminders", period=YEAR)], YEAR)
    assert only(qz)[0] == "facts[0].matter (ltr)"
    ind = refused(IND, [subject("p", kind="staff")], [deduction("duty", "p", "d.2", period="2026-H1")], YEAR)
    assert only(ind)[0] == "facts[0].parties (duty)"


def test_an_exemption_needs_a_declared_ground_and_a_deduction_to_exempt() -> None:
    facts: list[Fact] = [
        bonus("b", "u", "m.3.1", period=YEAR, level="city"),
        Exemption(id="e1", period=YEAR, recorded_by="市效能办", target="b", ground="self_investigated"),
        deduction("d", "u", "c.4.6", period=YEAR),
        Exemption(id="e2", period=YEAR, recorded_by="市效能办", target="d", ground="goodwill"),
    ]
    problems = refused(ZZ, [subject("u", kind="unit", group="s1")], facts, YEAR)
    assert [(p.path, p.message.split(";")[0]) for p in problems] == [
        ("facts[1].target (e1)", "fact 'b' is a bonus, not a deduction"),
        ("facts[3].ground (e2)", "unknown exemption ground 'goodwill'"),
    ]


def test_a_fact_names_either_a_subject_or_parties_never_both_or_neither() -> None:
    with pytest.raises(ValidationError):
        Deduction(id="f", period=QUARTER, recorded_by="x", item="2.1")
    with pytest.raises(ValidationError):
        Deduction(
            id="f", period=QUARTER, recorded_by="x", item="2.1", subject="a", parties=[Party(subject="b", role="r")]
        )


def test_counts_and_shortfalls_are_bounded_when_the_fact_is_made() -> None:
    with pytest.raises(ValidationError):
        deduction("f", "a", "2.1", count=0)
    with pytest.raises(ValidationError):
        deduction("f", "a", "l.3.1", shortfall=Decimal("1.2"))
    with pytest.raises(ValidationError):
        deduction("bad id!", "a", "2.1")


@pytest.mark.parametrize("amount", [Decimal("1e400"), "1e400", "-1E+400", 10**400, Decimal("1e15")])
def test_a_number_past_the_range_is_refused_as_out_of_range_saying_the_range_not_as_infinite(amount: object) -> None:
    """1e400 is a finite exact decimal: it is refused for its size, and the message gives the range."""
    fact = {"type": "deduction", "id": "a", "period": "2026-Q1", "recorded_by": "x", "item": "1.1.1",
            "subject": "s", "amount": amount}
    with pytest.raises(FactsInvalid) as refused:
        typed_facts([fact])
    (problem,) = refused.value.problems
    assert "is out of range" in problem.message and "between -10^15 and 10^15" in problem.message
    assert "finite" not in problem.message


def test_numbers_just_inside_the_range_and_tiny_ones_are_exact() -> None:
    base = {"type": "deduction", "id": "a", "period": "2026-Q1", "recorded_by": "x", "item": "1.1.1", "subject": "s"}
    for amount in ("999999999999999.99", "1e-400", "-0"):
        (typed,) = typed_facts([{**base, "amount": amount}])
        assert typed.amount == Decimal(amount)  # type: ignore[union-attr]


def test_a_correction_keeps_whether_its_target_is_a_rank_award() -> None:
    """B4 awards live in the joint stream, where one award per rank is checked, and a correction is stored
    beside its target: a correction that gave a subject's fact a rank, or took an award's away, would move
    an award out of that check (security review F1a)."""
    adds = refused(ZJG, A, [bonus("f", "a", "b.1", level="city"), bonus("g", "a", "b.4", rank="2", corrects="f")])
    assert only(adds) == ("facts[1].corrects (g)",
                          "a correction cannot make f a rank award (B4): retract it and record the award")
    drops = refused(ZJG, A, [bonus("f", "a", "b.4", rank="1"), bonus("g", "a", "b.1", level="city", corrects="f")])
    assert only(drops) == ("facts[1].corrects (g)",
                           "a correction of a rank award keeps a rank (B4); to withdraw the award, retract f")
    kept = score(ZJG, A, [bonus("f", "a", "b.4", rank="1"), bonus("g", "a", "b.4", rank="2", corrects="f")])
    assert kept.subjects[0].total > 0
