"""Tokens: administrators issue bearer tokens for a role and scope; only the hash is stored."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from api.deps import ClockDep, ServiceDep, at, require
from api.routers.common import json_response
from api.schemas import TokenCreate
from service.tokens import Actor, issue_token

router = APIRouter(prefix="/tokens", tags=["tokens"])
Admin = Annotated[Actor, Depends(require("admin"))]


@router.post("", status_code=201, operation_id="issue_token")
def issue(body: TokenCreate, service: ServiceDep, actor: Admin, clock: ClockDep) -> Response:
    """Issue a token; it is shown once, and only its hash is kept."""
    token = issue_token(service.ledger, body.principal, body.role, body.scope, actor.principal, at(clock))
    return json_response({"token": token, "principal": body.principal, "role": body.role, "scope": body.scope}, 201)
