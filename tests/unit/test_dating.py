"""When a recorded matter may have happened (issue 9 §6): within its period, never after the day it is
recorded; ZZ counts a finding in the year of the accountability decision (三(二)2 末段 以被责任追究时间为准)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from domain.facts import Deduction
from domain.scheme.loader import load_scheme_file
from domain.scoring.dating import date_findings

ROOT = Path(__file__).resolve().parents[2]
ZJG = load_scheme_file(ROOT / "schemes" / "zjg.yaml")
ZZ = load_scheme_file(ROOT / "schemes" / "zz.yaml")


def finding(period: str, happened: str | None) -> Deduction:
    return Deduction(id="f", period=period, recorded_by="督查科", item="4.1", subject="s001",
                     occurred_on=date.fromisoformat(happened) if happened else None)


@pytest.mark.parametrize(("happened", "refused"), [
    (None, None), ("2026-04-01", None), ("2026-06-20", None),
    ("2026-03-31", "outside 2026-Q2 (2026-04-01 to 2026-06-30)"),
    ("2026-06-21", "after the day it is recorded (2026-06-20)"),
    ("2099-01-01", "after the day it is recorded"),
])
def test_a_quarters_matter_happened_in_the_quarter_and_not_after_today(happened: str | None,
                                                                        refused: str | None) -> None:
    found = date_findings(ZJG, finding("2026-Q2", happened), date(2026, 6, 20))
    assert (refused is None) == (found == [])
    if refused:
        assert found[0][0] == "occurred_on" and refused in found[0][1]


def test_zz_counts_a_case_of_an_earlier_year_in_the_year_of_its_decision_but_never_a_later_one() -> None:
    today = date(2027, 1, 8)  # 1月10日前汇总
    assert date_findings(ZZ, finding("2026", "2023-05-04"), today) == []
    later = date_findings(ZZ, finding("2026", "2027-01-02"), today)
    assert later == [("occurred_on", "2027-01-02 is after the end of 2026 (2026-12-31)")]
    assert date_findings(ZJG, finding("2026-Q2", "2023-05-04"), date(2026, 6, 20)) != []
