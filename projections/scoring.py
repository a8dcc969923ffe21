"""From a folded period to its results: the pure engine on the facts that count."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.errors import ScoreledgerError
from domain.scheme.loader import validate_scheme
from domain.scheme.model import Scheme
from domain.scoring import PeriodResult
from projections.collector import collector_paused
from projections.groups import by_group, groups_of, members_by_group, part
from projections.period_input import LogFold, PeriodInput

__all__ = ["SchemeMismatch", "groups_of", "scheme_for", "score_groups", "score_input"]
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
    with collector_paused():  # millions of results and facts, all kept: the collector would only rescan them
        return by_group(scheme, period)


def score_groups(
    fold: LogFold, period: PeriodInput, groups: set[str], extra: Sequence[dict[str, Any]] = ()
) -> PeriodResult:
    """The results of some groups of a folded period, with proposed facts added (a what-if).

    Ranks, quotas and grades never reach across groups, so these are exactly the groups' part of
    the whole period's results. Proposed facts are checked against the facts of those groups, as
    recording checks a batch against the streams it touches.
    """
    scheme = scheme_for(fold, period.scheme_hash)
    members = [s for g, listed in members_by_group(period).items() if g in groups for s in listed]
    with collector_paused():
        subjects = part(scheme, period, groups, members, extra)
    return PeriodResult(scheme=scheme.scheme, scheme_version=scheme.version, scheme_hash=scheme.content_hash,
                        period=period.code, subjects=subjects)
