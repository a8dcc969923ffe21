"""Schemes: upload (YAML or JSON; every problem located) and list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.deps import ClockDep, IdempotencyKey, ServiceDep, at, in_flight, require
from api.routers.common import json_response
from domain.scheme.loader import load_scheme_text
from service.tokens import Actor

router = APIRouter(prefix="/schemes", tags=["schemes"])
Admin = Annotated[Actor, Depends(require("admin"))]
Reader = Annotated[Actor, Depends(require("admin", "auditor", "reviewer", "recorder", "rater"))]


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
    with in_flight(key):
        result = service.ledger.register_scheme(scheme, actor.principal, at(clock), key=key)
    return json_response(result, 201)


@router.get("", operation_id="list_schemes")
def list_schemes(service: ServiceDep, actor: Reader) -> Response:
    """Every registered scheme version with its content hash."""
    service.runner.catch_up()
    schemes = [
        {"scheme": d["scheme"], "version": d["version"], "title": d["title"], "content_hash": h}
        for h, d in sorted(service.runner.fold.schemes.items(), key=lambda i: (i[1]["scheme"], i[1]["version"]))
    ]
    return json_response({"schemes": schemes})
