"""From a folded period to its results: the pure engine on the facts that count."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from domain.errors import ScoreledgerError
from domain.facts import Fact, Subject
from domain.scheme.loader import validate_scheme
from domain.scheme.model import Scheme
from domain.scoring import PeriodResult, score_period
from projections.period_input import LogFold, PeriodInput

_FACT: TypeAdapter[Any] = TypeAdapter(Fact)
_SCHEMES: dict[str, Scheme] = {}


class SchemeMismatch(ScoreledgerError):
    """Raised when a stored scheme document no longer hashes to the hash it was registered under."""


def scheme_for(fold: LogFold, content_hash: str) -> Scheme:
    """The scheme registered under a content hash, re-validated and its hash re-checked."""
    cached = _SCHEMES.get(content_hash)
    if cached is not None:
        return cached
    document = fold.schemes.get(content_hash)
    if document is None:
        raise SchemeMismatch(f"no scheme with content hash {content_hash} is registered in the log")
    scheme = validate_scheme(document)
    if scheme.content_hash != content_hash:
        raise SchemeMismatch(f"the stored scheme document hashes to {scheme.content_hash}, not {content_hash}")
    _SCHEMES[content_hash] = scheme
    return scheme


def score_input(fold: LogFold, period: PeriodInput) -> PeriodResult:
    """Score a folded period under the scheme bound to it at the fold's position."""
    scheme = scheme_for(fold, period.scheme_hash)
    subjects = [Subject.model_validate(s) for s in period.subjects.values()]
    facts = [_FACT.validate_python(f) for f in period.facts.values()]
    return score_period(scheme, subjects, facts, period.code)
