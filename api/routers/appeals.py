"""Appeals (P2-P5): file in time, accept, uphold with corrections or reject; compare; what-if."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from api.deps import ClockDep, CurrentActor, IdempotencyKey, IfMatch, ServiceDep, at, in_flight, require
from api.exact import ExactRoute
from api.routers.common import json_response, paged
from api.schemas import AppealCreate, RejectIn, UpholdIn, WhatIfIn
from service import queries
from service.comparison import appeal_comparison
from service.errors import Forbidden
from service.policy import require_subject
from service.read_models import AppealComparison, AppealList, AppealOut, WhatIf
from service.tokens import Actor

router = APIRouter(tags=["appeals"], route_class=ExactRoute)
Reviewer = Annotated[Actor, Depends(require("reviewer"))]
AppealPath = Annotated[str, Path(pattern=r"^[a-f0-9]{16}$")]
PeriodPath = Annotated[str, Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$", examples=["2026-Q1"])]


@router.post(
    "/periods/{code}/appeals",
    status_code=201,
    operation_id="file_appeal",
    responses={
        201: {
            "links": {
                "AcceptAppeal": {"operationId": "accept_appeal", "parameters": {"appeal": "$response.body#/appeal"}},
                "GetAppeal": {"operationId": "get_appeal", "parameters": {"appeal": "$response.body#/appeal"}},
            }
        }
    },
)
def file_appeal(
    code: PeriodPath,
    body: AppealCreate,
    service: ServiceDep,
    actor: CurrentActor,
    clock: ClockDep,
    key: IdempotencyKey = None,
) -> Response:
    """File an appeal against named facts or items of a published period, within the working-day window (P2, P3)."""
    if actor.role != "subject":
        raise Forbidden("appeals are filed by a subject's representative, for its own subject")
    require_subject(actor, body.subject, "files appeals")
    with in_flight(key, actor):
        result = service.ledger.file_appeal(
            code,
            body.subject,
            body.contested,
            body.reasons,
            body.evidence,
            clock().date(),
            actor.principal,
            at(clock),
            key=key,
            items=body.items,
        )
    return json_response(result, 201, etag=1)


@router.get("/appeals", operation_id="list_appeals", response_model=AppealList)
def list_appeals(
    request: Request,
    service: ServiceDep,
    actor: CurrentActor,
    clock: ClockDep,
    overdue: Annotated[bool, Query(description="Only accepted appeals past their decision date.")] = False,
    after: Annotated[int, Query(ge=0, le=2**63 - 1, description="Continue after this filing position.")] = 0,
    limit: Annotated[int, Query(ge=1, le=queries.PAGE_MAX, description="Appeals in a page.")] = queries.PAGE,
) -> Response:
    """Appeals in the order filed (a subject: its own); `overdue=true`: decisions past their window; `next` links
    the following page."""
    body = queries.appeals(service, actor, clock().date(), overdue, after, limit)
    return json_response(paged(request, body, "after"))


@router.get("/appeals/{appeal}", operation_id="get_appeal", response_model=AppealOut)
def get_appeal(appeal: AppealPath, service: ServiceDep, actor: CurrentActor, clock: ClockDep) -> Response:
    """One appeal with its history; the ETag is its version."""
    found = queries.appeal(service, actor, appeal, clock().date())
    return json_response(found, etag=len(found["history"]))


@router.post("/appeals/{appeal}/accept", operation_id="accept_appeal")
def accept(
    appeal: AppealPath,
    service: ServiceDep,
    actor: Reviewer,
    clock: ClockDep,
    version: IfMatch,
    key: IdempotencyKey = None,
) -> Response:
    """Accept an appeal; the decision is due within the decision window (P4)."""
    with in_flight(key, actor):
        result = service.ledger.accept_appeal(
            appeal, clock().date(), actor.principal, at(clock), expected_version=version, key=key
        )
    return json_response(result, etag=result.get("version"))


@router.post("/appeals/{appeal}/uphold", operation_id="uphold_appeal")
def uphold(
    appeal: AppealPath,
    body: UpholdIn,
    service: ServiceDep,
    actor: Reviewer,
    clock: ClockDep,
    version: IfMatch,
    key: IdempotencyKey = None,
) -> Response:
    """Uphold: the corrections (retractions or corrected facts of contested facts) are recorded with it (P5)."""
    corrections = [c.model_dump(mode="json", exclude_none=True) for c in body.corrections]
    with in_flight(key, actor):
        result = service.ledger.uphold_appeal(
            appeal,
            corrections,
            body.reasons,
            clock().date(),
            actor.principal,
            at(clock),
            expected_version=version,
            key=key,
        )
    service.runner.wait_for(result["position"])
    return json_response(result)


@router.post("/appeals/{appeal}/reject", operation_id="reject_appeal")
def reject(
    appeal: AppealPath,
    body: RejectIn,
    service: ServiceDep,
    actor: Reviewer,
    clock: ClockDep,
    version: IfMatch,
    key: IdempotencyKey = None,
) -> Response:
    """Reject: the contested values stand; the decision is recorded (P5)."""
    with in_flight(key, actor):
        result = service.ledger.reject_appeal(
            appeal, body.reasons, clock().date(), actor.principal, at(clock), expected_version=version, key=key
        )
    return json_response(result)


@router.get("/appeals/{appeal}/comparison", operation_id="compare_appeal", response_model=AppealComparison)
def comparison(appeal: AppealPath, service: ServiceDep, actor: CurrentActor) -> Response:
    """Before (as published) and after (now), per subject, with causes and knock-ons."""
    return json_response(appeal_comparison(service, actor, appeal))


@router.post("/appeals/{appeal}/what-if", operation_id="what_if_appeal", response_model=WhatIf)
def what_if_appeal(appeal: AppealPath, body: WhatIfIn, service: ServiceDep, actor: CurrentActor) -> Response:
    """The ripple of a proposed decision, computed on a copy: nothing is appended."""
    facts = [f.model_dump(mode="json", exclude_none=True) for f in body.facts]
    return json_response(queries.what_if(service, actor, appeal, facts))
