"""Periods: open under a scheme version, register subjects, re-bind, close, publish (seal)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from api.deps import ClockDep, CurrentActor, IdempotencyKey, IfMatch, ServiceDep, at, in_flight, require
from api.exact import ExactRoute
from api.routers.common import json_response
from api.schemas import BindSchemeIn, PeriodCreate, PublishIn, SubjectsCreate
from service import queries
from service.read_models import PeriodDetail
from service.tokens import Actor

router = APIRouter(prefix="/periods", tags=["periods"], route_class=ExactRoute)
Admin = Annotated[Actor, Depends(require("admin"))]
PeriodPath = Annotated[str, Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$", examples=["2026-Q1"])]


@router.post(
    "",
    status_code=201,
    responses={
        201: {
            "links": {
                "RegisterSubjects": {"operationId": "register_subjects", "parameters": {"code": "$request.body#/code"}},
                "GetPeriod": {"operationId": "get_period", "parameters": {"code": "$request.body#/code"}},
            }
        }
    },
    operation_id="open_period",
)
def open_period(
    body: PeriodCreate, service: ServiceDep, actor: Admin, clock: ClockDep, key: IdempotencyKey = None
) -> Response:
    """Open a period bound to a scheme version (by its content hash); `carry_over` registers the previous
    period's subjects and groups with it (less `leave_out`)."""
    with in_flight(key, actor):
        result = service.ledger.open_period(
            body.code, body.scheme, body.version, actor.principal, at(clock), key=key,
            carry_over=body.carry_over, leave_out=body.leave_out,
        )
    return json_response(result, 201, etag=1)


@router.get("/{code}", operation_id="get_period", response_model=PeriodDetail)
def get_period(code: PeriodPath, service: ServiceDep, actor: CurrentActor) -> Response:
    """A period's status, scheme binding, subjects and seals; the ETag is its version."""
    body = queries.period_overview(service, actor, code)
    return json_response(body, etag=body["version"])


@router.post("/{code}/subjects", operation_id="register_subjects")
def register_subjects(
    code: PeriodPath,
    body: SubjectsCreate,
    service: ServiceDep,
    actor: Admin,
    clock: ClockDep,
    version: IfMatch,
    key: IdempotencyKey = None,
) -> Response:
    """Register subjects (S2) in an open period, all or none."""
    with in_flight(key, actor):
        if version is not None:
            service.ledger.period(code, version)
        result = service.ledger.register_subjects(code, body.subjects, actor.principal, at(clock), key=key)
    return json_response(result, etag=result.get("version"))


@router.post("/{code}/scheme", operation_id="bind_scheme")
def bind_scheme(
    code: PeriodPath,
    body: BindSchemeIn,
    service: ServiceDep,
    actor: Admin,
    clock: ClockDep,
    version: IfMatch,
    key: IdempotencyKey = None,
) -> Response:
    """Bind the open period to an amended version of its scheme from now on."""
    with in_flight(key, actor):
        result = service.ledger.bind_scheme(
            code, body.version, body.reason, actor.principal, at(clock), expected_version=version, key=key
        )
    return json_response(result)


@router.post("/{code}/close", operation_id="close_period")
def close_period(
    code: PeriodPath, service: ServiceDep, actor: Admin, clock: ClockDep, version: IfMatch, key: IdempotencyKey = None
) -> Response:
    """Close the period: facts appended later never count, except appeal corrections."""
    with in_flight(key, actor):
        result = service.ledger.close_period(code, actor.principal, at(clock), expected_version=version, key=key)
    return json_response(result, etag=result.get("version"))


@router.post("/{code}/publish", operation_id="publish_period")
def publish(
    code: PeriodPath,
    body: PublishIn,
    service: ServiceDep,
    actor: Admin,
    clock: ClockDep,
    version: IfMatch,
    key: IdempotencyKey = None,
) -> Response:
    """Publish (P1): seal the results as of the log's end; returns the seal."""
    published_on: date = body.published_on or clock().date()
    with in_flight(key, actor):
        result = service.ledger.publish(
            code, published_on, actor.principal, at(clock), expected_version=version, key=key
        )
    return json_response(result, etag=result.get("version"))
