"""A year rolled up from its parts, nothing entered again (G6, C4).

G6 (QF 四): a quarterly scheme with year rules grades the year from the quarters' published grades;
the quarters are read as they stand (each under the scheme version bound to it). C4 (IND 五 半年考核
扣分累计列为年度考核扣分): a year scheme with `parts` scores the year from its own facts and those
recorded in its part periods (2026-H1, 2026-H2), for the subjects registered in any of them.
"""

from __future__ import annotations

from typing import Any

import orjson

from domain.canonical import plain
from domain.errors import FactsInvalid, Problem
from domain.facts import Subject, typed_facts
from domain.scheme.periods import period_kind, period_parts
from domain.scoring import PeriodResult, score_period
from domain.scoring.year import year_of_quarters
from projections.period_input import key_of
from projections.scoring import scheme_for
from service.bootstrap import Service
from service.errors import NotFound
from service.policy import STAFF, require
from service.readers import period_result
from service.tokens import Actor


def year_rollup(service: Service, actor: Actor, year: str) -> dict[str, Any]:
    """The year from its quarters' grades (G6) or from its own and its parts' facts (C4)."""
    require(actor, *STAFF)
    if period_kind(year) != "year":
        raise FactsInvalid("a roll-up is of a year", [Problem("code", f"{year} is not a year: give e.g. {year[:4]}")])
    service.runner.catch_up()
    fold, bureau = service.runner.fold, service.settings.bureau
    own = fold.periods.get(key_of(bureau, year))
    quarters = [q for q in period_parts(year, "quarter") if key_of(bureau, q) in fold.periods]
    if own is None and quarters:
        return _from_quarters(service, year, quarters)
    if own is None:
        raise NotFound(f"neither the year {year} nor any of its quarters is a period")
    scheme = scheme_for(fold, own.scheme_hash)
    if scheme.period.parts is None:
        raise FactsInvalid(
            f"scheme {scheme.scheme} v{scheme.version} rolls nothing up into its year",
            [Problem("code", "it has neither year rules over quarters (G6) nor parts (C4)")],
        )
    parts = [p for p in period_parts(year, scheme.period.parts) if key_of(bureau, p) in fold.periods]
    inputs = [own, *(fold.periods[key_of(bureau, p)] for p in parts)]
    subjects: dict[str, dict[str, Any]] = {}
    for period in reversed(inputs):  # the year's own registration wins
        subjects.update(period.subjects)
    facts = typed_facts([f for period in inputs for f in period.facts.values()], f"the facts of {year} and its parts")
    result = score_period(scheme, [Subject.model_validate(s) for s in subjects.values()], facts, year)
    return {"year": year, "rule": "C4", "parts": parts, "result": plain(result)}


def _period_result(stored: bytes) -> PeriodResult:
    """A period's stored canonical results as a model."""
    return period_result(orjson.loads(stored))


def _from_quarters(service: Service, year: str, quarters: list[str]) -> dict[str, Any]:
    fold, bureau = service.runner.fold, service.settings.bureau
    results = []
    for quarter in quarters:
        stored = service.views.results(key_of(bureau, quarter))
        if stored is None:
            raise NotFound(f"quarter {quarter} has no results yet")
        results.append(_period_result(stored[1]))
    scheme = scheme_for(fold, fold.periods[key_of(bureau, quarters[-1])].scheme_hash)
    if scheme.year is None:
        raise FactsInvalid(
            f"scheme {scheme.scheme} v{scheme.version} has no year rules", [Problem("code", "no G6 rules to apply")]
        )
    graded = {r.period: {s.subject: s.grade for s in r.subjects} for r in results}
    rows = year_of_quarters(scheme, graded)  # each subject graded in every quarter opened
    return {"year": year, "rule": "G6", "parts": quarters,
            "result": {"scheme": scheme.scheme, "scheme_hash": scheme.content_hash, "subjects": plain(rows)}}
