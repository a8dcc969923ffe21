"""The fact vocabulary: immutable records of what was found, decided and corrected.

These values are the payloads of the stored events; a fact is never edited. A
correction names the fact it corrects (``corrects``), a retraction names its target.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any, Literal, Self

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_serializer,
    model_validator,
)

from domain.errors import FactsInvalid, Problem
from domain.scheme.base import Code, NonNegative, Points, Strict, Text

FactId = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:\-]+$")]
MAX_PARTIES = 100  # subjects sharing one fact (D11, B6)
PeriodCode = Annotated[str, StringConstraints(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$")]


class Subject(Strict):
    """S2: a scored department, unit or person, in its group, of its kind."""

    id: Code
    name: Text
    group: Code = "all"
    kind: Code
    unit: Code | None = Field(None, description="D11: the unit (科室) a person belongs to, for facts naming it.")

    @model_serializer(mode="wrap")
    def _unit_when_given(self, handler: SerializerFunctionWrapHandler) -> Any:
        # a subject without a unit is stored exactly as before units existed
        data = handler(self)
        if isinstance(data, dict) and data.get("unit") is None:
            data.pop("unit", None)
        return data


class Party(Strict):
    """One subject sharing a fact, with its role (D11 liable role, B6 lead or co-unit); or, when recorded,
    a unit (科室) standing for each of its members (expanded before the fact is stored, domain.units)."""

    subject: Code | None = None
    unit: Code | None = Field(None, description="D11: every member of this unit, with this role (when recorded).")
    role: Code

    @model_validator(mode="after")
    def _one_party(self) -> Self:
        if (self.subject is None) == (self.unit is None):
            raise ValueError("a party names a subject or a unit")
        return self


class FactBase(Strict):
    """What every fact records: its id, period, who recorded it and on what evidence."""

    id: FactId
    period: PeriodCode
    recorded_by: Text = Field(description="The principal who recorded it.")
    evidence: str | None = Field(None, max_length=2000, description="Evidence reference.")
    occurred_on: date | None = Field(None, description="When the matter happened.")


class Attributed(FactBase):
    """A fact against one item for one subject, or shared among parties."""

    item: Code
    subject: Code | None = None
    parties: list[Party] | None = Field(None, min_length=1, max_length=MAX_PARTIES)
    count: int = Field(1, ge=1, le=10000, description="D1: occurrences or person-times.")
    amount: NonNegative | None = Field(None, description="Points within a range, or a B5 amount.")
    situation: Code | None = Field(None, description="D4/B2: facts of one situation count once.")
    corrects: FactId | None = Field(None, description="The earlier fact this one replaces.")

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.subject is None) == (self.parties is None):
            raise ValueError("give either subject or parties")
        named = [p.subject or f"unit {p.unit}" for p in self.parties or []]
        if len(set(named)) != len(named):
            twice = sorted({s for s in named if named.count(s) > 1})
            raise ValueError(f"a subject is a party once: {', '.join(twice)} named more than once (D11, B6)")
        return self

    def targets(self) -> list[Party | None]:
        return list(self.parties) if self.parties else [None]


class Deduction(Attributed):
    """A finding that takes points off (D1-D11)."""

    type: Literal["deduction"] = "deduction"
    attributes: dict[Code, Code] = Field(default_factory=dict, description="D6/D7: rank, finder...")
    shortfall: NonNegative | None = Field(None, le=1, description="D9: fraction missed, 0 to 1.")
    matter: Code | None = Field(None, description="D10: the matter a reminder concerns.")


class Bonus(Attributed):
    """A commendation, award or achievement that adds points (B1-B6)."""

    type: Literal["bonus"] = "bonus"
    level: Code | None = Field(None, description="B1: awarding level.")
    rank: Code | None = Field(None, description="B4: the rank decided for it.")


class Rating(FactBase):
    """One rater's rating of one subject on one rating item (R1-R3)."""

    type: Literal["rating"] = "rating"
    item: Code
    subject: Code
    role: Code
    rater: Text
    value: Points = Field(
        ge=0,
        description="R2: on the item's rating scale (its rating.scale, e.g. 100), converted to the item's points; "
        "a value at most the item's points on a larger scale is refused unless scale_confirmed.",
    )
    corrects: FactId | None = None
    scale_confirmed: bool | None = Field(
        None, description="R2: the value is meant on the scale although it is at most the item's points."
    )


class VetoDecision(FactBase):
    """A one-vote veto decided for a subject (V1, V2, V3, V5)."""

    type: Literal["veto"] = "veto"
    veto: Code
    subject: Code


class AffirmationDecision(FactBase):
    """A one-vote affirmation decided for a subject (V4)."""

    type: Literal["affirmation"] = "affirmation"
    affirmation: Code
    subject: Code


class ConditionMet(FactBase):
    """G5: a prerequisite recorded as met by a subject."""

    type: Literal["condition"] = "condition"
    condition: Code
    subject: Code


class Exemption(FactBase):
    """D8: a decision that a recorded deduction does not count, on a declared ground."""

    type: Literal["exemption"] = "exemption"
    target: FactId
    ground: Code


class Retraction(FactBase):
    """A decision that an earlier fact no longer counts; the fact itself stays in the log."""

    type: Literal["retraction"] = "retraction"
    target: FactId
    reason: Text


Fact = Annotated[
    Deduction | Bonus | Rating | VetoDecision | AffirmationDecision | ConditionMet | Exemption | Retraction,
    Field(discriminator="type"),
]


_FACTS: TypeAdapter[Fact] = TypeAdapter(Fact)


def typed_facts(facts: Sequence[dict[str, Any]], what: str = "the facts") -> list[Fact]:
    """Facts as typed facts; every malformed one is reported at once (`facts[i].field`), nothing typed half."""
    typed, problems = [], []
    for index, fact in enumerate(facts):
        try:
            typed.append(_FACTS.validate_python(fact))
        except ValidationError as exc:
            problems += [
                Problem(f"facts[{index}]." + ".".join(map(str, e["loc"])), e["msg"])
                for e in exc.errors(include_url=False)
            ]
    if problems:
        raise FactsInvalid(f"{len(problems)} problem(s) in {what}", problems)
    return typed
