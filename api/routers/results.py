"""Reading results: a scorecard with its explanation, rankings, grades, a subject's history; all with as_of."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.deps import CurrentActor, ServiceDep
from api.routers.common import json_response
from service import queries
from service.read_models import Grades, History, Rankings, Scorecard
from service.rollup import year_rollup

router = APIRouter(prefix="/periods/{code}", tags=["results"])
PeriodPath = Annotated[str, Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$", examples=["2026-Q1"])]
AsOf = Annotated[
    str | None,
    Query(
        description="A log position (e.g. 120) or an ISO timestamp with zone; default: now.",
        max_length=40,
        examples=["120"],
    ),
]
Subject = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.\-]+$", max_length=64)]


@router.get("/scorecards/{subject}", operation_id="get_scorecard", response_model=Scorecard)
def scorecard(
    code: PeriodPath, subject: Subject, service: ServiceDep, actor: CurrentActor, as_of: AsOf = None
) -> Response:
    """One subject's scorecard tree: every number with its rule, article, facts and recorders."""
    return json_response(queries.scorecard(service, actor, code, subject, as_of))


@router.get("/rankings", operation_id="get_rankings", response_model=Rankings)
def rankings(
    code: PeriodPath,
    service: ServiceDep,
    actor: CurrentActor,
    as_of: AsOf = None,
    group: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Rankings per group (S2): total, rank, grade, eligibility, in rank order."""
    return json_response(queries.rankings(service, actor, code, as_of, group))


@router.get("/grades", operation_id="get_grades", response_model=Grades)
def grades(code: PeriodPath, service: ServiceDep, actor: CurrentActor, as_of: AsOf = None) -> Response:
    """Every subject's grade and eligibility, with the reasons."""
    return json_response(queries.grades(service, actor, code, as_of))


@router.get("/history", operation_id="get_history", response_model=History)
def history(
    code: PeriodPath,
    service: ServiceDep,
    actor: CurrentActor,
    subject: Annotated[str | None, Query(max_length=64)] = None,
    item: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The recorded facts of a subject or an item, in log order, with their positions and recorders."""
    return json_response(queries.history(service, actor, code, subject, item))


@router.get("/rollup", operation_id="get_rollup")
def rollup(code: PeriodPath, service: ServiceDep, actor: CurrentActor) -> Response:
    """A year from its parts, nothing entered again: quarters' grades by the year rules (G6), or the year's
    and its half-years' facts together (C4)."""
    return json_response(year_rollup(service, actor, code))
