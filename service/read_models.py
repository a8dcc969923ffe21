"""The shapes of what the reads return: the API declares them, the pages validate into them.

One model per read (service.queries and the web work's reads), so a generated client gets
typed results and a page is built from the same model as its JSON twin. Numbers are exact
decimals, written as canonical text (`"89.5"`), as everywhere in the API.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.scoring.results import SubjectResult


class Head(BaseModel):
    """Which results these are: the scheme version they were scored under and the log position."""

    scheme: str
    scheme_version: int
    scheme_hash: str
    period: str
    as_of: int = Field(description="The log position the results are as of.")


class ScoredSubject(SubjectResult):
    """A subject's result as stored and sent: a subject without a grade has none written."""

    grade: str | None = None


class Scorecard(Head):
    result: ScoredSubject


class RankingRow(BaseModel):
    subject: str
    name: str
    group: str
    kind: str
    total: Decimal
    rank: int
    grade: str | None
    eligible: bool
    flags: list[str]


class Rankings(Head):
    groups: dict[str, list[RankingRow]]
    next: str | int | None = Field(
        None, description="Where the next page starts: a link in the API, the cursor or position in service.queries; "
        "None on the last page."
    )


class GradeRow(RankingRow):
    reasons: list[str]


class Grades(Head):
    grades: list[GradeRow]
    next: str | int | None = Field(
        None, description="Where the next page starts: a link in the API, the cursor or position in service.queries; "
        "None on the last page."
    )


class HistoryEntry(BaseModel):
    model_config = ConfigDict(extra="allow")

    position: int
    fact: dict[str, Any] = Field(description="The fact as recorded (fields as in domain/facts.py).")


class History(BaseModel):
    period: str
    subject: str | None
    item: str | None
    facts: list[HistoryEntry]
    next: str | int | None = Field(
        None, description="Where the next page starts: a link in the API, the cursor or position in service.queries; "
        "None on the last page."
    )


class AppealOut(BaseModel):
    appeal: str
    period: str
    subject: str
    status: str = Field(description="filed, accepted, upheld or rejected")
    contested: list[str]
    reasons: str
    evidence: list[str]
    filed_on: date
    deadline: date
    decide_by: date | None
    overdue: bool
    filed_at: int
    history: list[dict[str, Any]]


class AppealList(BaseModel):
    appeals: list[AppealOut]
    next: str | int | None = Field(
        None, description="Where the next page starts: a link in the API, the cursor or position in service.queries; "
        "None on the last page."
    )


class Standing(BaseModel):
    total: Decimal
    rank: int
    grade: str | None
    eligible: bool


class Cause(BaseModel):
    position: int
    fact: str | None
    type: str | None
    by: str | None
    appeal: str | None


class Change(BaseModel):
    model_config = ConfigDict(extra="allow")

    subject: str
    before: Standing | None
    after: Standing | None
    items: list[Any] = Field(description="Changed items: ids (what-if) or {item, title, before, after}.")
    events: list[Cause]
    knock_on: bool = Field(description="Changed only because others moved (rank, quota).")


class Comparison(BaseModel):
    model_config = ConfigDict(extra="allow")

    period: str
    scheme_hash: list[str]
    changes: list[Change]


class Lowered(BaseModel):
    subject: str
    before: str
    after: str


class WhatIf(Comparison):
    appeal: str
    lowered: list[Lowered] = Field(
        default_factory=list,
        description="Parties other than the appellant whose own total the decision would lower: upholding it "
        "would be refused (P5, review F9).",
    )


class AppealComparison(Comparison):
    appeal: str
    from_: int = Field(alias="from", description="The sealed position compared from.")
    to: int


class SubjectOut(BaseModel):
    id: str
    name: str
    group: str
    kind: str


class PeriodDetail(BaseModel):
    period: str
    scheme: str
    scheme_version: int
    scheme_hash: str
    status: str = Field(description="open, closed or published")
    version: int
    subjects: list[SubjectOut]
    seals: list[dict[str, Any]]
    published_on: date | None = None
    late_facts: list[str]


class SchemeRow(BaseModel):
    scheme: str
    version: int
    title: str
    content_hash: str


class SchemeList(BaseModel):
    schemes: list[SchemeRow]


class Verification(BaseModel):
    period: str
    ok: bool
    checked_events: int
    checked_seals: int
    verified_seals: list[Any] = Field(description="The seals whose signature verified against the bureau's key.")
    findings: list[str]
    notes: list[str]


class LogEvent(BaseModel):
    position: int
    stream: str
    version: int
    topic: str
    state: dict[str, Any]


class LogPage(BaseModel):
    events: list[LogEvent]
    next: str | None = Field(description="The URL of the next page, if any.")
