"""Grades, rankings, vetoes and year roll-ups (V1-V5, G1-G7)."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from domain.numbers import RoundingMode
from domain.scheme.base import Code, Fraction, Points, Strict, Text, Whole


class Quota(Strict):
    """G2/G3: at most this many of a group get the grade, best ranked first."""

    share: Fraction | None = Field(None, description="G2: a share of the group, e.g. 0.4.")
    n: Whole | None = Field(None, ge=0, description="G3: a number per group.")
    n_by_group: dict[Code, Whole] | None = Field(None, description="G3: a number for each group.")
    round: RoundingMode = Field(RoundingMode.floor, description="How share x group size becomes a count.")
    of: Literal["graded", "all"] = Field(
        "graded", description="Group size for a share: graded subjects, or all (V5 included)."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if sum(x is not None for x in (self.share, self.n, self.n_by_group)) != 1:
            raise ValueError("give exactly one of share, n, n_by_group")
        return self


class GradeRule(Strict):
    """One grade's conditions; rules are tried in order and the first that holds wins."""

    grade: Text
    min: Points | None = Field(None, description="G1: lowest total (inclusive).")
    below: Points | None = Field(None, description="G1: total must be below this (exclusive).")
    quota: Quota | None = None
    bottom: Whole | None = Field(None, ge=1, description="G4: among the last N of the group's ranking.")
    requires: list[Code] = Field(default_factory=list, description="G5: conditions recorded as met.")
    excellence: bool = Field(False, description="V1: refused to a subject that lost eligibility.")
    scope: Literal["group", "period"] | None = Field(
        None, description="G3/G4: rank within the subject's group (default) or over the whole period."
    )
    note: str | None = None

    @model_validator(mode="after")
    def _scoped(self) -> Self:
        if self.scope == "period" and self.quota is not None and self.quota.n_by_group is not None:
            raise ValueError("a quota by group cannot rank over the whole period (scope: period)")
        return self


class Grading(Strict):
    """The grades, best first, and the rules that assign them."""

    grades: list[Text] = Field(min_length=1, description="Every grade, best first (V3 moves down it).")
    rules: list[GradeRule] = Field(min_length=1)


class Ranking(Strict):
    """S2/G7: how subjects rank within their group and how ties are settled."""

    ties: Literal["competition", "dense"] = Field("competition", description="competition: 1,2,2,4; dense: 1,2,2,3.")
    tiebreak: list[Code] = Field(default_factory=list, description="Node ids compared in order, higher first.")
    quota_boundary: Literal["exclude", "include"] = Field(
        "exclude", description="G7: a tie across a quota boundary: all tied get it, or none do."
    )


class Veto(Strict):
    """V1/V2/V3/V5: a one-vote decision and what it does to the subject's result."""

    id: Code
    title: Text
    article: Text | None = None
    ineligible: bool = Field(False, description="V1: loses eligibility for excellence.")
    grade: Text | None = Field(None, description="V2: the grade it forces.")
    at_most: Text | None = Field(None, description="V2: the best grade it allows (a worse one stands).")
    downgrade: Whole = Field(0, ge=0, description="V3: levels it lowers the grade by.")
    not_graded: bool = Field(False, description="V5: a comment but no grade.")

    @model_validator(mode="after")
    def _has_effect(self) -> Self:
        if not (self.ineligible or self.grade or self.at_most or self.downgrade or self.not_graded):
            raise ValueError("a veto needs an effect: ineligible, grade, at_most, downgrade or not_graded")
        if self.grade and self.at_most:
            raise ValueError("give grade (forced) or at_most (a cap), not both")
        return self


class Affirmation(Strict):
    """V4: a one-vote affirmation that sets the grade."""

    id: Code
    title: Text
    article: Text | None = None
    grade: Text
    requires: list[Code] | None = Field(None, description="V4/G5: conditions recorded as met for it to count.")
    unless_vetoed: bool | None = Field(None, description="V4: no effect while any veto is counted on the subject.")


class Condition(Strict):
    """G5: a prerequisite that must be recorded as met for some grades."""

    id: Code
    title: Text
    article: Text | None = None


class Outcome(Strict):
    """G5: a further named outcome (a prize, an allowance band...) graded by its own rules and quotas."""

    id: Code
    title: Text
    article: Text | None = None
    grading: Grading
    vetoes: list[Code] | None = Field(None, description="The vetoes acting on it (absent: every veto).")
    affirmations: list[Code] | None = Field(None, description="The affirmations acting on it (absent: all).")
    note: str | None = None


class YearRule(Strict):
    """G6: a consequence of the quarters' grades for the year."""

    count: Text = Field(description="The quarter grade counted.")
    at_least: Whole | None = Field(None, ge=1)
    all_quarters: bool = False
    grade: Text | None = Field(None, description="The year grade it sets (later rules win).")
    flag: Code | None = Field(None, description="A mark such as priority_excellent.")
    not_grade: Text | None = Field(None, description="A year grade it rules out.")

    @model_validator(mode="after")
    def _one_condition(self) -> Self:
        if (self.at_least is None) == (not self.all_quarters):
            raise ValueError("give either at_least or all_quarters: true")
        if not (self.grade or self.flag or self.not_grade):
            raise ValueError("a year rule needs grade, flag or not_grade")
        return self


class YearGrading(Strict):
    """G6: the year's grade from the quarters' grades."""

    grades: list[Text] = Field(min_length=1, description="Year grades, best first.")
    default: Text = Field(description="The year grade when no rule sets one.")
    rules: list[YearRule] = Field(min_length=1)
