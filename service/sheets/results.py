"""The results and records the exports and the publication read, from the service's views."""

from __future__ import annotations

from typing import Any

import orjson

from domain.scheme.model import Scheme
from domain.scheme.periods import period_parts
from domain.scoring.results import PeriodResult
from domain.scoring.year import year_of_quarters
from projections.period_input import key_of
from service.bootstrap import Service
from service.errors import NotFound


def period_results(service: Service, code: str) -> dict[str, Any]:
    """A period's current results (the views, caught up), with the log position they are as of."""
    service.runner.catch_up()
    stored = service.views.results(key_of(service.settings.bureau, code))
    if stored is None:
        raise NotFound(f"period {code} does not exist or has no results yet")
    return {**orjson.loads(stored[1]), "as_of": stored[0]}


def period_scheme(service: Service, code: str) -> Scheme:
    period = service.ledger.period(code)
    return service.ledger.scheme(period.scheme, period.scheme_version)


def folded(service: Service, code: str) -> Any:
    """The period as the log folds it: subjects, facts, seals, publication date."""
    service.runner.catch_up()
    found = service.runner.fold.periods.get(key_of(service.settings.bureau, code))
    if found is None:
        raise NotFound(f"period {code} does not exist")
    return found


def period_appeals(service: Service, code: str) -> list[dict[str, Any]]:
    service.runner.catch_up()
    return [a for a in service.runner.fold.appeals.values() if a["period"] == code]


def year_results(service: Service, year: str) -> tuple[Scheme, list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """G6: the year's quarters that exist, and each subject's year grade from their grades."""
    quarters, scheme = [], None
    for code in period_parts(year, "quarter"):
        try:
            quarters.append(period_results(service, code))
            scheme = scheme or period_scheme(service, code)
        except NotFound:
            continue
    if scheme is None:
        raise NotFound(f"no quarter of {year} has results")
    typed = [PeriodResult.model_validate({k: v for k, v in q.items() if k != "as_of"}) for q in quarters]
    grades = {g.subject: g.model_dump(mode="json") for g in year_of_quarters(scheme, typed)} if scheme.year else {}
    return scheme, quarters, grades
