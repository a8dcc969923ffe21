"""Pure scoring: facts and a scheme in, explained scorecards, rankings and grades out."""

from domain.scoring.engine import score_period
from domain.scoring.results import (
    Line,
    NodeResult,
    OutcomeResult,
    PeriodResult,
    SubjectResult,
    YearResult,
    YearSubjectResult,
)
from domain.scoring.year import score_year

__all__ = [
    "Line",
    "NodeResult",
    "OutcomeResult",
    "PeriodResult",
    "SubjectResult",
    "YearResult",
    "YearSubjectResult",
    "score_period",
    "score_year",
]
