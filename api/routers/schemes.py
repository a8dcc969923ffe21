"""Schemes: upload (YAML or JSON; every problem located) and list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.deps import ClockDep, CurrentActor, IdempotencyKey, ServiceDep, at, in_flight, require
from api.routers.common import json_response
from domain.scheme.loader import load_scheme_text
from service import queries
from service.read_models import SchemeList
from service.tokens import Actor

router = APIRouter(prefix="/schemes", tags=["schemes"])
Admin = Annotated[Actor, Depends(require("admin"))]


@router.post(
    "",
    status_code=201,
    operation_id="upload_scheme",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
async def upload_scheme(
    request: Request, service: ServiceDep, actor: Admin, clock: ClockDep, key: IdempotencyKey = None
) -> Response:
    """Register a scheme version; invalid files are refused with every problem, its path and line."""
    text = (await request.body()).decode("utf-8", errors="replace")
    scheme = load_scheme_text(text, source="request body")
    with in_flight(key, actor):
        result = service.ledger.register_scheme(scheme, actor.principal, at(clock), key=key)
    return json_response(result, 201)


@router.get("", operation_id="list_schemes", response_model=SchemeList)
def list_schemes(service: ServiceDep, actor: CurrentActor) -> Response:
    """Every registered scheme version with its content hash."""
    return json_response(queries.schemes(service, actor))
