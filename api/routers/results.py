"""Reading results: a scorecard with its explanation, rankings and grades a page at a time, a subject's history,
and the whole results streamed; as_of (auditors, reviewers, administrators) reads them as they were."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from api.deps import CurrentActor, ServiceDep, require
from api.routers.common import json_response, paged
from service import queries, result_streams
from service.read_models import Grades, History, Rankings, Scorecard
from service.rollup import year_rollup
from service.tokens import Actor

router = APIRouter(prefix="/periods/{code}", tags=["results"])
PeriodPath = Annotated[str, Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$", examples=["2026-Q1"])]
AsOf = Annotated[
    str | None,
    Query(
        description="A log position (e.g. 120) or an ISO timestamp with zone; default: now. Auditors, reviewers "
        "and administrators only. At a seal's position the sealed results are read; elsewhere the log is replayed "
        "(one replay at a time: 503 with Retry-After when busy).",
        max_length=40,
        examples=["120"],
    ),
]
Subject = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.\-]+$", max_length=64)]
Cursor = Annotated[
    str | None, Query(max_length=400, description="From the `next` link of the previous page.")
]
Rows = Annotated[int, Query(ge=1, le=queries.ROWS_MAX, description="Subjects in a page.")]
After = Annotated[int, Query(ge=0, le=2**63 - 1, description="Continue after this log position (from `next`).")]
Limit = Annotated[int, Query(ge=1, le=queries.PAGE_MAX, description="Facts in a page.")]
Auditor = Annotated[Actor, Depends(require("auditor", "reviewer", "admin"))]


@router.get("/scorecards/{subject}", operation_id="get_scorecard", response_model=Scorecard)
def scorecard(
    code: PeriodPath, subject: Subject, service: ServiceDep, actor: CurrentActor, as_of: AsOf = None
) -> Response:
    """One subject's scorecard tree: every number with its rule, article, facts and recorders."""
    return json_response(queries.scorecard(service, actor, code, subject, as_of))


@router.get("/rankings", operation_id="get_rankings", response_model=Rankings)
def rankings(
    request: Request,
    code: PeriodPath,
    service: ServiceDep,
    actor: CurrentActor,
    as_of: AsOf = None,
    group: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Cursor = None,
    limit: Rows = queries.ROWS,
) -> Response:
    """Rankings per group (S2): total, rank, grade, eligibility, in rank order; `next` links the following page."""
    body = queries.rankings(service, actor, code, as_of, group, cursor, limit)
    return json_response(paged(request, body, "cursor"))


@router.get("/grades", operation_id="get_grades", response_model=Grades)
def grades(
    request: Request,
    code: PeriodPath,
    service: ServiceDep,
    actor: CurrentActor,
    as_of: AsOf = None,
    cursor: Cursor = None,
    limit: Rows = queries.ROWS,
) -> Response:
    """Every subject's grade and eligibility, with the reasons; `next` links the following page."""
    return json_response(paged(request, queries.grades(service, actor, code, as_of, cursor, limit), "cursor"))


@router.get("/history", operation_id="get_history", response_model=History)
def history(
    request: Request,
    code: PeriodPath,
    service: ServiceDep,
    actor: CurrentActor,
    subject: Annotated[str | None, Query(max_length=64)] = None,
    item: Annotated[str | None, Query(max_length=64)] = None,
    after: After = 0,
    limit: Limit = queries.PAGE,
) -> Response:
    """The recorded facts of a subject or an item, in log order, with their positions and recorders; `next` links
    the following page."""
    return json_response(paged(request, queries.history(service, actor, code, subject, item, after, limit), "after"))


@router.get("/results", operation_id="get_results", response_class=StreamingResponse)
def results(code: PeriodPath, service: ServiceDep, actor: Auditor, as_of: AsOf = None) -> StreamingResponse:
    """The period's whole results, canonical bytes streamed (as of a seal their SHA-256 is its results hash)."""
    position, pieces = result_streams.stream(service, code, as_of)
    return StreamingResponse(pieces, media_type="application/json", headers={"X-As-Of": str(position)})


@router.get("/rollup", operation_id="get_rollup")
def rollup(code: PeriodPath, service: ServiceDep, actor: CurrentActor) -> Response:
    """A year from its parts, nothing entered again: quarters' grades by the year rules (G6), or the year's
    and its half-years' facts together (C4)."""
    return json_response(year_rollup(service, actor, code))
