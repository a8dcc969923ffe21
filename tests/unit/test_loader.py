"""The scheme loader: YAML 1.2, exact decimals, codes kept as text, every problem with path and line."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from catalog_support import ROOT

from domain.errors import Problem, SchemeInvalid
from domain.scheme.loader import load_scheme_file, load_scheme_text, validate_scheme
from domain.scheme.model import Scheme

HEAD = """\
scheme: T
version: 1
title: 张家港 人员管理
period: {kind: quarter}
subject_kinds: {department: 科室}
"""


def load(text: str) -> Scheme:
    return load_scheme_text(textwrap.dedent(text), source="t.yaml")


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(SchemeInvalid) as caught:
        load(text)
    return caught.value.problems


def where(problems: list[Problem]) -> list[tuple[str, int | None]]:
    return [(p.path, p.line) for p in problems]


# --- YAML 1.2 scalars ----------------------------------------------------------------------


def test_no_yes_on_and_off_stay_words_under_yaml_1_2() -> None:
    """YAML 1.1 would read `no` as false (the Norway problem); YAML 1.2 keeps it a string."""
    scheme = load(
        HEAD.replace("title: 张家港 人员管理", "title: no")
        + "offices: {no: yes, on: off}\n"
        + "tree: {id: total, title: t, children: [{id: a, title: a, deduct: {per: 1}}]}\n"
    )
    assert scheme.title == "no"
    assert scheme.offices == {"no": "yes", "on": "off"}


def test_an_unquoted_010_code_stays_the_string_010() -> None:
    """A leading-zero code is text, never the number 10 (decimal) or 8 (octal)."""
    scheme = load(
        HEAD.replace("{department: 科室}", "{010: 窗口}")
        + "tree: {id: total, title: 010, children: [{id: 010, title: 迟到, deduct: {per: 0.5}}]}\n"
    )
    assert list(scheme.subject_kinds) == ["010"]
    assert scheme.tree.title == "010"
    assert "010" in scheme.items


def test_an_unquoted_010_where_a_number_of_points_is_expected_is_refused() -> None:
    """A leading zero in a number field is refused with its path and line, never read as 10 or 8."""
    problems = problems_of(
        HEAD + "tree:\n  id: total\n  title: t\n  children:\n    - {id: a, title: a, deduct: {per: 010}}\n"
    )
    assert where(problems) == [("tree.children[0].deduct.per", 10)]
    assert "leading zero" in problems[0].message


def test_an_unquoted_010_where_a_whole_number_is_expected_is_refused_too() -> None:
    """`version: 010` must not become version 10, nor `places: 02` 2 places (the guide: an unquoted
    010 is never 10 or 8; points fields already refuse it). Today both are read as 10 and 2."""
    text = HEAD.replace("version: 1", "version: 010") + (
        "rounding: {places: 02}\ntree: {id: total, title: t, children: [{id: a, title: a, deduct: {per: 1}}]}\n"
    )
    with pytest.raises(SchemeInvalid) as caught:
        load(text)
    assert sorted(where(caught.value.problems)) == [("rounding.places", 6), ("version", 2)]


def test_decimals_are_read_exactly_from_their_text() -> None:
    """0.1 is Decimal("0.1") (not the binary 0.1000000000000000055…); 1e-1 and .5 too."""
    scheme = load(
        HEAD
        + "tree:\n  id: total\n  title: t\n  children:\n"
        + "    - {id: a, title: a, deduct: {per: 0.1}}\n"
        + "    - {id: b, title: b, deduct: {per: 1e-1}}\n"
        + "    - {id: c, title: c, deduct: {per: .5}}\n"
        + "    - {id: d, title: d, deduct: {per: 2}}\n"
    )
    values = {item.id: item.deduct.per for item in scheme.items.values()}  # type: ignore[union-attr]
    assert values == {"a": Decimal("0.1"), "b": Decimal("0.1"), "c": Decimal("0.5"), "d": Decimal(2)}
    assert all(type(v) is Decimal for v in values.values())
    assert sum(values.values(), Decimal(0)) == Decimal("2.7")


def test_binary_floats_and_booleans_are_refused_as_numbers() -> None:
    """Plain data with a Python float (not from YAML) or a boolean for points is refused."""
    data = {
        "scheme": "T",
        "version": 1,
        "title": "t",
        "period": {"kind": "quarter"},
        "subject_kinds": {"d": "科室"},
        "tree": {
            "id": "total",
            "title": "t",
            "children": [
                {"id": "a", "title": "a", "deduct": {"per": 0.5}},
                {"id": "b", "title": "b", "deduct": {"per": True}},
            ],
        },
    }
    with pytest.raises(SchemeInvalid) as caught:
        validate_scheme(data)
    messages = {p.path: p.message for p in caught.value.problems}
    assert "binary float" in messages["tree.children[0].deduct.per"]
    assert "boolean" in messages["tree.children[1].deduct.per"]


# --- Problems, located ---------------------------------------------------------------------


def test_a_duplicate_key_is_refused_with_its_path_and_line() -> None:
    text = (
        HEAD
        + "title: again\ntree:\n  id: total\n  title: t\n  title: u\n  children: [{id: a, title: a, deduct: {per: 1}}]\n"
    )
    assert where(problems_of(text)) == [("title", 6), ("tree.title", 10)]


def test_an_unknown_key_is_refused_with_its_path_and_line() -> None:
    text = (
        HEAD
        + "tree:\n  id: total\n  title: t\n  colour: red\n  children:\n    - id: a\n      title: a\n      deduct: {per: 1}\n      weighting: 2\n"
    )
    problems = problems_of(text)
    assert sorted(where(problems)) == [("tree.children[0].weighting", 14), ("tree.colour", 9)]
    assert all(p.message == "Extra inputs are not permitted" for p in problems)


def test_every_problem_is_listed_at_once_not_just_the_first() -> None:
    """Five independent mistakes, five problems, each with its path and line."""
    text = """\
        scheme: T
        version: 0
        title: t
        period: {kind: month}
        subject_kinds: {department: 科室}
        rounding: {places: 2, mode: bankers}
        tree:
          id: total
          title: t
          children:
            - {id: a, title: a, deduct: {per: -1}}
            - {id: b, title: b, deduct: {per: 1, graded: {by: rank, values: {chief: 2}}}}
        """
    problems = problems_of(text)
    assert sorted(where(problems)) == [
        ("period.kind", 4),
        ("rounding.mode", 6),
        ("tree.children[0].deduct.per", 11),
        ("tree.children[1].deduct", 12),
        ("version", 2),
    ]
    with pytest.raises(SchemeInvalid) as caught:
        load(text)
    assert str(caught.value).count("\n  - ") == 5


def test_every_cross_reference_problem_is_listed_with_its_line() -> None:
    """Semantic checks: an undeclared office, a repeated node id and an unknown tiebreak node."""
    text = HEAD + (
        "ranking: {tiebreak: [nowhere]}\n"
        "tree:\n"
        "  id: total\n"
        "  title: t\n"
        "  children:\n"
        "    - {id: a, title: a, office: audit, deduct: {per: 1}}\n"
        "    - {id: a, title: b, deduct: {per: 2}}\n"
    )
    problems = problems_of(text)
    assert sorted(where(problems)) == [
        ("ranking.tiebreak[0]", 6),
        ("tree.children[0].id", 11),
        ("tree.children[0].office", 11),
        ("tree.children[1].id", 12),
    ]


def test_text_that_is_not_yaml_is_refused_with_its_line() -> None:
    problems = problems_of(HEAD + "tree: {id: total, title: [unclosed\n")
    assert problems[0].line is not None and problems[0].line >= 6


def test_an_empty_file_is_refused() -> None:
    assert problems_of("# nothing but a comment\n")[0].message == "expected a mapping"


def test_a_missing_file_is_refused_as_an_invalid_scheme(tmp_path: Path) -> None:
    with pytest.raises(SchemeInvalid):
        load_scheme_file(tmp_path / "absent.yaml")


def test_the_shipped_zjg_scheme_loads() -> None:
    scheme = load_scheme_file(ROOT / "schemes" / "zjg.yaml")
    assert (scheme.scheme, scheme.version) == ("ZJG", 2)
    assert len(scheme.items) == 36 + 1 + 4  # 36 deduction items, the rating, 4 bonus items


def _with(name: str, change: dict) -> dict:  # type: ignore[type-arg]
    """A shipped scheme's document with some top-level keys replaced (for the issue-13 constructs)."""
    from domain.scheme.loader import parse_yaml

    data, _ = parse_yaml((ROOT / "schemes" / f"{name}.yaml").read_text(encoding="utf-8"))
    return {**data, **change}


def _messages(data: dict) -> list[str]:  # type: ignore[type-arg]
    with pytest.raises(SchemeInvalid) as refused:
        validate_scheme(data)
    return [f"{p.path}: {p.message}" for p in refused.value.problems]


def test_the_new_constructs_refuse_what_they_cannot_mean_with_the_path() -> None:
    """G5 outcomes naming an unknown veto or a grade outside their own; G3/G4 a quota by group ranked over
    the period; D9 a proportional item counting a missing item; S5 an office for an undeclared group."""
    js = _with("js", {})
    outcome = {**js["outcomes"][0], "vetoes": ["V.9"]}
    assert any("outcomes[0].vetoes: veto 'V.9' is not declared" in m for m in _messages({**js, "outcomes": [outcome]}))
    graded = {**outcome, "vetoes": None, "affirmations": None,
              "grading": {"grades": ["好"], "rules": [{"grade": "差"}]}}
    assert any("outcomes[0].grading.rules[0].grade: grade '差' is not one of outcomes[0].grading.grades" in m for m in _messages({**js, "outcomes": [graded]}))
    xiang = _with("xiang", {})
    rules = [{"grade": "效能建设先进单位", "quota": {"n_by_group": {"cat1": 1}}, "scope": "period"}, {"grade": "无奖惩"}]
    assert any("cannot rank over the whole period" in m
               for m in _messages({**xiang, "grading": {**xiang["grading"], "rules": rules}}))
    text = (ROOT / "schemes" / "js.yaml").read_text(encoding="utf-8").replace("in_proportion: {item: B.6", "in_proportion: {item: B.7")
    assert any("item 'B.7' does not exist" in f"{p.message}" for p in problems_of(text))
    zz = (ROOT / "schemes" / "zz.yaml").read_text(encoding="utf-8").replace("{series1: party_office,", "{series9: party_office,", 1)
    assert any("group 'series9' is not declared under groups" in p.message for p in problems_of(zz))
