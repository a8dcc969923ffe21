"""How one item turns a recorded fact into points: deduction, bonus and rating rules."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from domain.scheme.base import Code, Fraction, NonNegative, Points, Strict, Whole


class Graded(Strict):
    """D6/B1: the value depends on an attribute of the fact (rank, severity, level)."""

    by: Code = Field(description="The fact attribute that selects the value, e.g. rank.")
    values: dict[Code, NonNegative] = Field(min_length=1)


class Multiplier(Strict):
    """D7: a factor chosen by a fact attribute (found by the province: double)."""

    by: Code
    values: dict[Code, NonNegative] = Field(min_length=1)


class Range(Strict):
    """Points decided per finding within bounds (ZZ 5 to 10; JS within 5)."""

    min: NonNegative = NonNegative(0)  # type: ignore[call-arg]
    max: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise ValueError("range min is above its max")
        return self


class Shortfall(Strict):
    """D9: points lost per step of a missed fraction, or in proportion to the item."""

    step: Fraction | None = None
    points: NonNegative | None = None
    proportional: bool = False

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        stepped = self.step is not None and self.points is not None
        if stepped == self.proportional:
            raise ValueError("give either step and points, or proportional: true")
        return self


class Repeat(Strict):
    """One D10 threshold: a consequence once a count of reminders is reached."""

    at_least: Whole = Field(ge=1)
    points: NonNegative


class Repeats(Strict):
    """D10: consequences after N reminders on one matter, or on distinct matters."""

    same_matter: Repeat | None = None
    distinct_matters: Repeat | None = None


class InProportion(Strict):
    """D9: the item scores in proportion to the pieces recorded on another item, out of a quota."""

    item: Code = Field(description="The item whose counted facts (Σ count) are the pieces done.")
    quota: Whole = Field(ge=1, description="Pieces the item's full points need.")


DEDUCT_WAYS = ("per", "graded", "range", "zero_item", "shortfall", "repeats", "shares", "in_proportion")


class DeductRule(Strict):
    """Exactly one way of valuing a finding, optionally with a finder multiplier (D7)."""

    per: NonNegative | None = Field(None, description="D1: points per occurrence or person-time.")
    graded: Graded | None = Field(None, description="D6: points by an attribute of the finding.")
    range: Range | None = Field(None, description="Points decided per finding, within bounds.")
    zero_item: bool = Field(False, description="D5: one finding voids the whole item.")
    shortfall: Shortfall | None = Field(None, description="D9: shortfall scaling.")
    repeats: Repeats | None = Field(None, description="D10: repeat thresholds.")
    shares: dict[Code, NonNegative] | None = Field(None, description="D11: points per liable role.")
    in_proportion: InProportion | None = Field(
        None, description="D9: max × (quota − pieces done) / quota, worked out from another item's facts."
    )
    void_at: Whole | None = Field(
        None, ge=1, description="D5/D10: this many occurrences or more (以上 includes the number) void the item."
    )
    multiplier: Multiplier | None = Field(None, description="D7: factor by finder.")

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [w for w in DEDUCT_WAYS if getattr(self, w) not in (None, False)]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(DEDUCT_WAYS)}; got {given or 'none'}")
        return self

    @property
    def way(self) -> str:
        return next(w for w in DEDUCT_WAYS if getattr(self, w) not in (None, False))


class Steps(Strict):
    """B5: points per whole unit of an amount, optionally from a threshold with a base."""

    unit: Points = Field(gt=0)
    points: NonNegative
    threshold: NonNegative | None = None
    base: NonNegative = NonNegative(0)  # type: ignore[call-arg]


BONUS_WAYS = ("per", "levels", "rank_award", "steps", "range")


class BonusRule(Strict):
    """Exactly one way of valuing a bonus fact."""

    per: NonNegative | None = Field(None, description="Points per piece or occurrence.")
    levels: dict[Code, NonNegative] | None = Field(None, description="B1: points by awarding level.")
    rank_award: dict[Code, NonNegative] | None = Field(None, description="B4: points by decided rank.")
    steps: Steps | None = Field(None, description="B5: step scale over an amount.")
    range: Range | None = Field(None, description="Points decided per fact, within bounds.")
    beyond_quota: Whole | None = Field(
        None, ge=1, description="D9: the first N pieces (lowest points first) fill a quota and earn nothing here."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [w for w in BONUS_WAYS if getattr(self, w) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(BONUS_WAYS)}; got {given or 'none'}")
        return self

    @property
    def way(self) -> str:
        return next(w for w in BONUS_WAYS if getattr(self, w) is not None)


class RatingRule(Strict):
    """R1-R3: weighted roles, each role's raters averaged, converted to the item's max."""

    scale: Points = Field(gt=0, description="R2: the scale raters score on, e.g. 100.")
    roles: dict[Code, Points] = Field(min_length=1, description="R1: weight of each rater role.")

    @model_validator(mode="after")
    def _positive_weights(self) -> Self:
        if any(w <= 0 for w in self.roles.values()):
            raise ValueError("every role weight must be above 0")
        return self
