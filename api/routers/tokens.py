"""Tokens: administrators issue, list and revoke bearer tokens for a role and scope; only the hash is stored."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from api.deps import ClockDep, ServiceDep, at, require
from api.routers.common import json_response
from api.schemas import TokenCreate
from service.tokens import Actor, issue_token, list_tokens, revoke

router = APIRouter(prefix="/tokens", tags=["tokens"])
Admin = Annotated[Actor, Depends(require("admin"))]
TokenId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]


@router.post("", status_code=201, operation_id="issue_token")
def issue(body: TokenCreate, service: ServiceDep, actor: Admin, clock: ClockDep) -> Response:
    """Issue a token; it is shown once, and only its hash is kept."""
    expires = body.expires_at.isoformat() if body.expires_at is not None else None
    token = issue_token(
        service.ledger, body.principal, body.role, body.scope, actor.principal, at(clock), expires_at=expires
    )
    return json_response(
        {"token": token, "principal": body.principal, "role": body.role, "scope": body.scope, "expires_at": expires},
        201,
    )


@router.get("", operation_id="list_tokens")
def listed(service: ServiceDep, actor: Admin) -> Response:
    """Every token issued (never the token itself): id, principal, role, scope, expiry, revoked."""
    return json_response({"tokens": list_tokens(service.ledger)})


@router.post("/{token_id}/revoke", operation_id="revoke_token")
def revoked(token_id: TokenId, service: ServiceDep, actor: Admin, clock: ClockDep) -> Response:
    """Revoke a token by its id; from now on it authenticates nothing."""
    return json_response(revoke(service.ledger, token_id, actor.principal, at(clock)))
