"""Builders shared by the catalog tests: subjects, facts and small schemes written inline.

Each inline scheme copies the values of one source document (seeds/ beside the catalog);
the tests work their expectations out by hand from those values.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from domain.facts import (
    AffirmationDecision,
    Bonus,
    ConditionMet,
    Deduction,
    Fact,
    FactBase,
    Party,
    Rating,
    Retraction,
    Subject,
    VetoDecision,
)
from domain.scheme.loader import load_scheme_file, load_scheme_text
from domain.scheme.model import Scheme
from domain.scoring import PeriodResult, score_period

ROOT = Path(__file__).resolve().parents[2]
ZJG = load_scheme_file(ROOT / "schemes" / "zjg.yaml")
QUARTER = "2026-Q1"
YEAR = "2026"


def scheme(text: str) -> Scheme:
    """A scheme written inline (indentation of the literal removed)."""
    return load_scheme_text(textwrap.dedent(text), source="<inline>")


def subject(sid: str, name: str = "科室", *, group: str = "all", kind: str = "department") -> Subject:
    return Subject(id=sid, name=name, group=group, kind=kind)


def deduction(
    fid: str,
    who: str | None,
    item: str,
    *,
    period: str = QUARTER,
    count: int = 1,
    recorded_by: str = "督查科",
    on: date | None = None,
    parties: Sequence[tuple[str, str]] | None = None,
    **extra: Any,
) -> Deduction:
    """A finding; `attributes`, `situation`, `amount`, `shortfall`, `matter`, `corrects` pass through."""
    return Deduction(
        id=fid,
        period=period,
        recorded_by=recorded_by,
        item=item,
        subject=who,
        parties=[Party(subject=s, role=r) for s, r in parties] if parties else None,
        count=count,
        occurred_on=on,
        **extra,
    )


def bonus(
    fid: str,
    who: str | None,
    item: str,
    *,
    period: str = QUARTER,
    count: int = 1,
    recorded_by: str = "督查科",
    on: date | None = None,
    parties: Sequence[tuple[str, str]] | None = None,
    **extra: Any,
) -> Bonus:
    """A commendation; `level`, `rank`, `amount`, `situation`, `corrects` pass through."""
    return Bonus(
        id=fid,
        period=period,
        recorded_by=recorded_by,
        item=item,
        subject=who,
        parties=[Party(subject=s, role=r) for s, r in parties] if parties else None,
        count=count,
        occurred_on=on,
        **extra,
    )


def rating(
    fid: str, who: str, item: str, role: str, rater: str, value: str, *, period: str = QUARTER, **extra: Any
) -> Rating:
    return Rating(
        id=fid,
        period=period,
        recorded_by="督查科",
        item=item,
        subject=who,
        role=role,
        rater=rater,
        value=Decimal(value),
        **extra,
    )


def veto(fid: str, who: str, code: str, *, period: str = QUARTER) -> VetoDecision:
    return VetoDecision(id=fid, period=period, recorded_by="考核领导小组", veto=code, subject=who)


def affirmation(fid: str, who: str, code: str, *, period: str = QUARTER) -> AffirmationDecision:
    return AffirmationDecision(id=fid, period=period, recorded_by="考核领导小组", affirmation=code, subject=who)


def condition(fid: str, who: str, code: str, *, period: str = YEAR) -> ConditionMet:
    return ConditionMet(id=fid, period=period, recorded_by="档案局", condition=code, subject=who)


def retraction(fid: str, target: str, *, period: str = QUARTER, reason: str = "核实有误") -> Retraction:
    return Retraction(id=fid, period=period, recorded_by="考核领导小组", target=target, reason=reason)


def score(
    scheme_: Scheme, subjects: Sequence[Subject], facts: Sequence[FactBase], period: str = QUARTER
) -> PeriodResult:
    """Score a period; `facts` may be a list of any one kind of fact."""
    return score_period(scheme_, subjects, cast(Sequence[Fact], facts), period)


def assessed(fid: str, who: str, item: str, value: str, *, period: str = YEAR, role: str = "assessor") -> Rating:
    """A one-role rating (scale = max): an assessed score recorded as is."""
    return rating(fid, who, item, role, "考评组", value, period=period)


def statuses(result: PeriodResult, who: str, node: str) -> dict[str, str]:
    """Each fact's status on one node of one subject's card."""
    return {fid: line.status for line in result.subject(who).card.find(node).lines for fid in line.facts}


def dec(text: str) -> Decimal:
    return Decimal(text)
