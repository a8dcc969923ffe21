"""Audit: verify a period (every seal, every row) against the bureau's key, export its bundle for offline
checks; the bureau's public key and its signed checkpoints with consistency proofs, for anyone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from api.deps import CurrentActor, ServiceDep
from api.metrics import verification_done
from api.routers.common import json_response
from service import audit
from service.read_models import Verification

router = APIRouter(tags=["audit"])
PeriodPath = Annotated[str, Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$", examples=["2026-Q1"])]
Root = Annotated[str | None, Query(pattern=r"^[0-9a-fA-F]{64}$", description="A Merkle root the caller holds.")]


@router.get("/periods/{code}/verification", operation_id="verify_period", response_model=Verification)
def verification(
    code: PeriodPath, service: ServiceDep, actor: CurrentActor, request: Request, expect_root: Root = None
) -> Response:
    """Replay and check every seal (signature, Merkle roots, results) and every stored event: ok, or each finding."""
    report = audit.verification(service, actor, code, expect_root)
    verification_done(request.app, report["ok"])
    return json_response(report)


@router.get("/periods/{code}/bundle", operation_id="export_bundle")
def bundle(code: PeriodPath, service: ServiceDep, actor: CurrentActor) -> Response:
    """The period bundle (its own events byte for byte, the log's leaf hashes, witness) for `verify --bundle`,
    streamed."""
    return StreamingResponse(audit.bundle(service, actor, code), media_type="application/json",
                             headers={"Content-Disposition": f'attachment; filename="{code}.bundle.json"'})


@router.get("/keys", operation_id="public_keys")
def keys(service: ServiceDep) -> Response:
    """The bureau's public verifier key for seals (no sign-in: anyone may check a publication)."""
    return json_response(audit.keys(service))


@router.get("/checkpoints", operation_id="list_checkpoints")
def checkpoints(service: ServiceDep) -> Response:
    """Every signed checkpoint (seal) in the log, oldest first."""
    return json_response(audit.checkpoints(service))


@router.get("/checkpoints/consistency", operation_id="consistency_proof")
def consistency(service: ServiceDep, old: Annotated[int, Query(alias="from", ge=0, le=2**53)],
                new: Annotated[int, Query(alias="to", ge=0, le=2**53)]) -> Response:
    """The RFC 6962 consistency proof from one tree size to another: the log between them only grew."""
    return json_response(audit.consistency(service, old, new))
