"""An item's added lines folded alone (card.py's Folded and Cut, issue 12): a kept subject extended fact by
fact scores, after every step, exactly as all its facts scored at once, when a fact lands in the middle
of its item's lines, crosses an item's cap or a section's limit, lands after the line that passed it, in
the middle of the lines beyond it, or before it (the cut moves), and when the points' sum could
round (summed in the lines' order); and the steps meant to be taken alone are (the memo's Folded and Cut
are the same objects after them), the others folded again."""

from __future__ import annotations

from typing import Any

import pytest

from domain.scheme.loader import load_scheme_text
from domain.scoring.fast.facts import typed
from domain.scoring.fast.subject import FastScorer, Kept

SCHEME = """
scheme: TINY
version: 1
title: 增量
period: {kind: quarter}
subject_kinds: {department: 科室}
rounding: {places: 2, mode: half_up}
ranking: {ties: competition}
tree:
  id: total
  title: 总分
  basis: sum
  children:
    - id: daily
      title: 日常
      basis: deduct
      max: 10
      children:
        - {id: a, title: A, cap: 3, deduct: {per: 1}}
        - {id: b, title: B, deduct: {per: 2}}
        - id: g
          title: G
          deduct: {graded: {by: size, values: {big: 10000, tiny: 0.000000000000000000000000000001}}}
    - id: bonus
      title: 加分
      basis: add
      max: 4
      children:
        - {id: c, title: C, cap: 3, bonus: {per: 1}}
        - {id: d, title: D, bonus: {per: 2}}
"""
SUBJECT = {"id": "s1", "name": "一科", "kind": "department"}

# steps of (fact id, item, day of January); "alone": the step's item (and its section's cut) taken alone
A_CAP_CROSSED = [[("f01", "a", 1)], [("f02", "a", 2)], [("f03", "a", 3)], [("f04", "a", 4)], [("f05", "a", 5)]]
A_BEFORE_THE_CUT = [*A_CAP_CROSSED, [("f06", "a", 2)]]  # dated before the line that passed the cap: all again
SECTION = [[("f01", "b", 1)], [("f02", "b", 2)], [("f03", "b", 3)], [("f04", "b", 4)],  # 8 points: not passed
           [("f05", "b", 5)],  # 10: not passed (taken > limit, not >=)
           [("f06", "a", 6)],  # 11: passed by a line of another item, at the end
           [("f07", "b", 20)], [("f08", "a", 10)],  # the section's lines beyond, one at the end, one in the middle
           [("f09", "b", 21), ("f10", "a", 11)],  # two at once, of two items
           [("f11", "b", 2)]]  # before the line that passed the limit: the section's cut moves
A_IN_THE_MIDDLE = [[("f01", "a", 10)], [("f02", "a", 20)], [("f03", "a", 15)], [("f04", "a", 5), ("f05", "a", 25)]]
# a tiny deduction is lost when added to a big one, not when the tiny ones are added first (the lines' order)
ROUNDING = [[("f01", "g", 20, "big")], [("f02", "g", 1, "tiny")], [("f03", "g", 2, "tiny")],
            [("f04", "g", 3, "tiny"), ("f05", "g", 4, "tiny")], [("f06", "g", 5, "tiny"), ("f07", "g", 6, "tiny")]]
BONUS = [[("f01", "c", 1)], [("f02", "d", 2)], [("f03", "c", 3)], [("f04", "c", 4), ("f05", "c", 5)],
         [("f06", "d", 6)], [("f07", "c", 1)]]

BONUS_STAYS = [[("f01", "d", 3)], [("f02", "c", 4)], [("f03", "d", 5)], [("f04", "c", 1)]]


def _fact(fact_id: str, item: str, day: int, size: str | None = None) -> Any:
    kind = "bonus" if item in ("c", "d") else "deduction"
    return typed({"id": fact_id, "type": kind, "item": item, "subject": "s1", "period": "2026-Q1",
                  "recorded_by": "督查科", "occurred_on": f"2026-01-{day:02d}",
                  **({"attributes": {"size": size}} if size else {})})


def _kept_folds(kept: Kept) -> dict[tuple[str, str], Any]:
    """The memos' Folded and Cut objects by (way, node id); an item's own cut as (way, "<item>/cut")."""
    out = {}
    for way, memo in (kept.memos or {}).items():
        for node, found in memo.folds.items():
            out[(way, node)] = found
            if getattr(found, "cut", None) is not None:
                out[(way, node + "/cut")] = found.cut
    return out


def _run(steps: list[list[Any]]) -> list[dict[tuple[str, str], bool]]:
    """Every step compared with all the facts so far scored at once; per step, whether each Folded and Cut
    kept before it is the same object after it (taken alone)."""
    scheme = load_scheme_text(SCHEME)
    kept_scorer, full_scorer = FastScorer(scheme), FastScorer(scheme)
    kept, so_far, alone = kept_scorer.kept("s1", []), [], []
    for step in steps:
        facts = [_fact(*one) for one in step]  # type: ignore[arg-type]
        before = _kept_folds(kept)
        assert kept_scorer.extend(kept, "s1", facts)
        so_far += facts
        every = sorted(so_far, key=lambda f: f.id)
        for explained in (True, False):
            got, want = kept_scorer.card(SUBJECT, kept, explained), full_scorer.score(SUBJECT, every, explained)
            assert got is not None and want is not None
            assert (got.card, got.total, got.key) == (want.card, want.total, want.key), (step, explained)
        assert kept_scorer.total(SUBJECT, kept) == want.total
        after = _kept_folds(kept)
        alone.append({key: after.get(key) is found for key, found in before.items()})
    return alone


def test_a_cap_crossed_by_the_fact_added_is_taken_alone() -> None:
    alone = _run(A_CAP_CROSSED)
    assert all(alone[-1].values()) and ("explained", "a") in alone[-1]
    assert all(step[("explained", "a")] for step in alone[1:])


def test_lines_in_the_middle_of_an_item_are_taken_alone() -> None:
    alone = _run(A_IN_THE_MIDDLE)
    assert all(step[(way, "a")] for step in alone[1:] for way in ("explained", "summary", "numbers"))


def test_a_line_before_the_cut_moves_it() -> None:
    alone = _run(A_BEFORE_THE_CUT)  # the cap passed at the 3rd line now: the cut starts a line earlier
    assert all(alone[-1][(way, "a")] for way in ("explained", "summary", "numbers"))
    assert alone[-1][("explained", "a/cut")] and all(alone[-2].values()) and ("explained", "a/cut") in alone[-2]


def test_a_sum_that_could_round_is_made_in_the_lines_order() -> None:
    scheme = load_scheme_text(SCHEME)
    facts = [_fact(*one) for step in ROUNDING for one in step]  # type: ignore[arg-type]
    card = FastScorer(scheme).score(SUBJECT, sorted(facts, key=lambda f: f.id))
    assert card is not None and b'"raw":"-10000.00000000000000000000000000001"' in card.card  # the tiny ones first
    alone = _run(ROUNDING)
    assert not any(step.get(("numbers", "g"), False) for step in alone)


def test_a_section_cut_passed_and_extended_in_the_middle() -> None:
    alone = _run(SECTION)
    cut = [step.get(("explained", "daily")) for step in alone]
    # the cut is kept from the step that first passes the limit; the lines beyond taken alone (the one in the
    # middle of them too), the one before the line that passed it makes the cut again
    assert cut[5] is None and cut[6:10] == [True, True, True, True]
    assert alone[7][("explained", "a")] and alone[8][("explained", "a")] and alone[8][("explained", "b")]
    assert alone[9][("explained", "b")]  # in the middle of the item's lines (it has no cut)


def test_a_line_before_the_cut_that_does_not_move_it() -> None:
    alone = _run(BONUS_STAYS)  # 2 + 1 + 2 passes 4 at the third; 1 + 2 + 1 + 2 at the fourth, the same line
    assert alone[-1][("explained", "bonus")]


@pytest.mark.parametrize("steps", [BONUS], ids=["bonus"])
def test_bonus_items_capped_and_their_section_limited(steps: list[Any]) -> None:
    alone = _run(steps)
    assert alone[3][("explained", "c")] and alone[3][("numbers", "c")]  # two lines at once, the cap crossed
    assert alone[4][("explained", "d")] and alone[4][("explained", "bonus")]
    assert alone[5][("explained", "c")] and alone[5][("explained", "c/cut")]  # before the item's cut
    assert alone[5][("explained", "bonus")]  # and the section's
