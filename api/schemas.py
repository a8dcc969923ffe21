"""Request and response schemas; fact bodies are the fact vocabulary less what the server assigns."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model
from pydantic import Strict as PydanticStrict
from pydantic.fields import FieldInfo

from api.limits import MAX_BATCH
from domain.facts import (
    AffirmationDecision,
    Bonus,
    ConditionMet,
    Deduction,
    Exemption,
    FactId,
    PeriodCode,
    Rating,
    Retraction,
    Subject,
    VetoDecision,
)
from domain.ledger.token import ROLES
from domain.scheme.base import WHOLE_MAX, Code

SERVER_FIELDS = {"id", "period", "recorded_by"}


class StrictIn(BaseModel):
    """Request bodies: unknown fields refused, no coercion (a boolean is not a number)."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _lax_dates(info: FieldInfo) -> Any:
    """Dates arrive as ISO strings in JSON: strictness would refuse them."""
    if "date" in str(info.annotation):
        return Annotated[info.annotation, PydanticStrict(False)]
    return info.annotation


def _create(model: type[BaseModel]) -> type[BaseModel]:
    fields: dict[str, Any] = {
        name: (_lax_dates(info), info)
        for name, info in model.model_fields.items()
        if name not in SERVER_FIELDS
    }
    return create_model(f"{model.__name__}Create", __base__=StrictIn, **fields)  # type: ignore[call-overload,no-any-return]


DeductionCreate = _create(Deduction)
BonusCreate = _create(Bonus)
RatingCreate = _create(Rating)
VetoCreate = _create(VetoDecision)
AffirmationCreate = _create(AffirmationDecision)
ConditionCreate = _create(ConditionMet)
ExemptionCreate = _create(Exemption)
RetractionCreate = _create(Retraction)

FactCreate = Annotated[
    DeductionCreate
    | BonusCreate
    | RatingCreate
    | VetoCreate
    | AffirmationCreate
    | ConditionCreate
    | ExemptionCreate
    | RetractionCreate,  # type: ignore[valid-type]
    Field(discriminator="type"),
]


class FactsBatch(StrictIn):
    facts: list[FactCreate] = Field(min_length=1, max_length=MAX_BATCH)


class PeriodCreate(StrictIn):
    code: PeriodCode
    scheme: Code
    version: int = Field(ge=1, le=WHOLE_MAX)
    carry_over: bool = Field(False, description="S2/S4: register the previous period's subjects and groups.")
    leave_out: list[Code] = Field(default_factory=list, max_length=10000, description="Subjects not carried over.")


class SubjectsCreate(StrictIn):
    subjects: list[Subject] = Field(min_length=1, max_length=10000)


class PublishIn(StrictIn):
    published_on: date | None = Field(None, strict=False, description="Default: today (Asia/Shanghai).")


class BindSchemeIn(StrictIn):
    version: int = Field(ge=1, le=WHOLE_MAX)
    reason: str = Field(min_length=1, max_length=2000)


class AppealCreate(StrictIn):
    subject: Code
    contested: list[FactId] = Field(default_factory=list, max_length=100, description="P3: the contested facts.")
    items: list[Code] = Field(
        default_factory=list, max_length=50, description="P3: contested items whose fact is missing from the record."
    )
    reasons: str = Field(min_length=1, max_length=4000)
    evidence: list[str] = Field(default_factory=list, max_length=50)


class UpholdIn(StrictIn):
    corrections: list[FactCreate] = Field(min_length=1, max_length=100)
    reasons: str = Field(min_length=1, max_length=4000)


class RejectIn(StrictIn):
    reasons: str = Field(min_length=1, max_length=4000)


class WhatIfIn(StrictIn):
    facts: list[FactCreate] = Field(min_length=1, max_length=MAX_BATCH)


class TokenCreate(StrictIn):
    principal: str = Field(min_length=1, max_length=200)
    role: Literal[ROLES]  # type: ignore[valid-type]
    scope: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list,
        max_length=100,
        description="Offices (recorder), `rater=role` entries (rater, R1) or subject ids (subject).",
    )
    expires_at: AwareDatetime | None = Field(None, strict=False, description="When the token stops working.")


class Recorded(BaseModel):
    """What an append returns: the facts' ids, the log position, the subjects' updated scores."""

    facts: list[str]
    position: int | None
    replayed: bool
    scores: dict[str, str] = Field(
        default_factory=dict,
        description="The updated total of each subject the facts concern (read your writes); its rank and grade "
        "follow in the rankings a moment later.",
    )
