"""What scoring produces: scorecard trees, subject results and period results.

Every number carries its explanation: the rule (catalog id and article), the facts
that count, and the facts superseded, exempted, retracted or cut.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from domain.canonical import canonical_bytes, walked

Status = Literal["counted", "superseded", "exempted", "retracted", "corrected"]


class Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def canonical(self) -> bytes:
        """The canonical bytes of this result: the same input gives the same bytes."""
        return canonical_bytes(self)


class Line(Result):
    """One fact's (or a group of facts') contribution to an item."""

    facts: list[str]
    points: Decimal
    status: Status
    recorded_by: list[str]
    note: str | None = None
    by: list[str] = Field(default_factory=list, description="Facts that superseded, exempted or retracted it.")
    occurred_on: date | None = Field(None, description="When the matter happened, if recorded.")


class NodeResult(Result):
    """One node of a scorecard: its maximum, raw and applied points, what a cap or floor cut."""

    id: str
    title: str
    article: str | None = None
    office: str | None = None
    rules: list[str] = Field(description="Catalog ids of the mechanisms applied here.")
    max: Decimal | None = None
    raw: Decimal
    applied: Decimal
    cut: Decimal = Decimal(0)
    overflow: Decimal = Decimal(0)
    weight: Decimal | None = None
    cut_facts: list[str] = Field(default_factory=list)
    incomplete: list[str] = Field(default_factory=list)
    lines: list[Line] = Field(default_factory=list)
    children: list[NodeResult] = Field(default_factory=list)

    def find(self, node_id: str) -> NodeResult:
        """The node with this id in this subtree; KeyError when absent."""
        found = self.maybe(node_id)
        if found is None:
            raise KeyError(node_id)
        return found

    def maybe(self, node_id: str) -> NodeResult | None:
        if self.id == node_id:
            return self
        for child in self.children:
            found = child.maybe(node_id)
            if found is not None:
                return found
        return None


class OutcomeResult(Result):
    """G5: a subject's grade in one further outcome of the scheme (a prize, an allowance band...)."""

    id: str
    grade: str | None
    eligible: bool
    reasons: list[str] = Field(default_factory=list)


class SubjectResult(Result):
    """One subject's result for a period: total, rank in its group, grade and why."""

    subject: str
    name: str
    group: str
    kind: str
    total: Decimal
    rank: int
    grade: str | None
    eligible: bool
    flags: list[str] = Field(default_factory=list)
    grade_reasons: list[str] = Field(default_factory=list)
    decisions: list[Line] = Field(default_factory=list, description="Vetoes, affirmations, conditions.")
    card: NodeResult
    outcomes: list[OutcomeResult] | None = Field(None, description="G5: the scheme's further outcomes, if any.")


class SetAside(Result):
    """A stored fact that could not be applied (domain/scoring/vetting.py): named, never counted."""

    fact: str = Field(description="Its id ('' when the stored fact has none).")
    position: int = Field(description="Its position in the log.")
    problems: list[str]


class PeriodResult(Result):
    """Every subject's result for one period under one scheme (bound by its content hash)."""

    scheme: str
    scheme_version: int
    scheme_hash: str
    period: str
    set_aside: list[SetAside] | None = Field(None, description="Stored facts that could not be applied.")
    subjects: list[SubjectResult]

    def subject(self, subject_id: str) -> SubjectResult:
        for result in self.subjects:
            if result.subject == subject_id:
                return result
        raise KeyError(subject_id)

    def ranking(self, group: str) -> list[SubjectResult]:
        """A group's subjects in rank order."""
        return [s for s in self.subjects if s.group == group]


class YearSubjectResult(Result):
    """G6: a subject's year grade from its quarters' grades."""

    subject: str
    quarter_grades: dict[str, str | None]
    grade: str
    flags: list[str] = Field(default_factory=list)
    ruled_out: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)


class YearResult(Result):
    """G6: every subject's year grade, with the quarter results it came from."""

    scheme: str
    scheme_hash: str
    year: str
    subjects: list[YearSubjectResult]
    quarters: list[PeriodResult]

    def subject(self, subject_id: str) -> YearSubjectResult:
        for result in self.subjects:
            if result.subject == subject_id:
                return result
        raise KeyError(subject_id)


walked(Line, NodeResult, OutcomeResult, SubjectResult, SetAside, PeriodResult, YearSubjectResult, YearResult)

R = TypeVar("R", bound=Result)
_setattr = object.__setattr__


def trusted(cls: type[R], values: dict[str, Any], fields_set: set[str]) -> R:
    """A result built without validation, for the scoring hot path (a period has ~10 nodes and lines per fact).

    `values` holds every field, defaults included, in declaration order, each already of its
    field's exact type (Decimals as Decimals, fresh lists); `fields_set` names the ones given,
    as validation would record them (it may be shared: copies and updates make their own).
    tests/unit/test_canonical_fast.py checks built results against validated ones."""
    model = cls.__new__(cls)
    _setattr(model, "__dict__", values)
    _setattr(model, "__pydantic_fields_set__", fields_set)
    _setattr(model, "__pydantic_extra__", None)
    _setattr(model, "__pydantic_private__", None)
    return model
