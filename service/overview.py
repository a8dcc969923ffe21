"""Reads every signed-in person needs: the list of periods and one period's overview.

(Added by the web work beside service/queries.py: these reads were not there. They apply no
redaction: a period's status, scheme, groups and publication are for everyone signed in.)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from domain.calendar import appeal_deadline
from domain.texts.catalog import group_name
from projections.period_input import PeriodInput, key_of
from service.errors import NotFound


class Publication(BaseModel):
    """One seal: what was published, where in the log, with which proofs."""

    position: int = Field(description="The log position the results were sealed at.")
    published_at: int = Field(description="The log position of the publication event.")
    merkle_root: str
    results_hash: str
    event_count: int


class PeriodRow(BaseModel):
    """A period as the list shows it."""

    period: str
    scheme: str
    scheme_version: int
    scheme_title: str
    status: str = Field(description="open, closed or published")
    subjects: int
    published_on: date | None = None
    appeal_deadline: date | None = Field(None, description="P2: the last day to appeal (working days).")
    appeal_window_working_days: int


class GroupRow(BaseModel):
    group: str
    name: str
    subjects: int


class PeriodOverview(PeriodRow):
    """One period: its binding, groups, publication and the facts that came too late."""

    version: int
    scheme_hash: str
    groups: list[GroupRow]
    publications: list[Publication]
    late_facts: int
    facts: int


class PeriodList(BaseModel):
    periods: list[PeriodRow]


def status_of(period: PeriodInput) -> str:
    return "published" if period.seals else ("closed" if period.closed_at is not None else "open")


def period_rows(service: Any) -> PeriodList:
    """Every period of the bureau, newest code first."""
    service.runner.catch_up()
    mine = [p for p in service.runner.meta.periods.values() if p.bureau == service.settings.bureau]
    return PeriodList(periods=[_row(service, p) for p in sorted(mine, key=lambda p: p.code, reverse=True)])


def period_overview(service: Any, code: str) -> PeriodOverview:
    """One period's overview; NotFound when there is no such period."""
    service.runner.catch_up()
    key = key_of(service.settings.bureau, code)
    period = service.runner.meta.periods.get(key)
    if period is None:
        raise NotFound(f"period {code} does not exist")
    facts = service.runner.fact_counts(key)  # while folded lazily: counted without folding every fact (issue 12)
    if facts is None:
        period = service.runner.fold.periods[key]
        facts = (len(period.facts), len(period.late))
    scheme = service.ledger.scheme(period.scheme, period.scheme_version)
    counts: dict[str, int] = {}
    for subject in period.subjects.values():
        counts[subject.get("group", "all")] = counts.get(subject.get("group", "all"), 0) + 1
    groups = [GroupRow(group=g, name=group_name(scheme.groups, g), subjects=n) for g, n in sorted(counts.items())]
    seals = [Publication.model_validate(s) for s in period.seals]
    return PeriodOverview(**_row(service, period).model_dump(), version=period.version,
                          scheme_hash=period.scheme_hash, groups=groups, publications=seals,
                          late_facts=facts[1], facts=facts[0])


def _row(service: Any, period: PeriodInput) -> PeriodRow:
    scheme = service.ledger.scheme(period.scheme, period.scheme_version)
    days = scheme.publication.appeal_window_working_days
    published = date.fromisoformat(period.published_on) if period.published_on else None
    deadline = appeal_deadline(published, days, service.ledger.calendar) if published else None
    return PeriodRow(period=period.code, scheme=period.scheme, scheme_version=period.scheme_version,
                     scheme_title=scheme.title, status=status_of(period), subjects=len(period.subjects),
                     published_on=published, appeal_deadline=deadline, appeal_window_working_days=days)
