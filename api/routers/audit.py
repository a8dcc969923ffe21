"""Audit: verify a period (every seal, every row) and export its bundle for offline checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from api.deps import ServiceDep, require
from api.routers.common import json_response
from replay.asof import fold_log
from replay.bundle import make_bundle
from replay.verify import verify_records
from service.queries import folded_period
from service.read_models import Verification
from service.tokens import Actor

router = APIRouter(prefix="/periods/{code}", tags=["audit"])
Auditor = Annotated[Actor, Depends(require("auditor", "reviewer", "admin"))]
PeriodPath = Annotated[str, Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$", examples=["2026-Q1"])]


@router.get("/verification", operation_id="verify_period", response_model=Verification)
def verification(code: PeriodPath, service: ServiceDep, actor: Auditor) -> Response:
    """Replay and check every seal and every stored event: ok, or each finding located."""
    folded_period(service, code)
    _, records = fold_log(service.ledger.recorder)
    report = verify_records(records, service.views.leaves(), code, service.settings.bureau)
    return json_response(
        {
            "period": code,
            "ok": report.ok,
            "checked_events": report.checked_events,
            "checked_seals": report.checked_seals,
            "findings": report.findings,
        }
    )


@router.get("/bundle", operation_id="export_bundle")
def bundle(code: PeriodPath, service: ServiceDep, actor: Auditor) -> Response:
    """The period bundle (rows byte for byte, witness, seals) for `scoreledger verify BUNDLE`."""
    folded_period(service, code)
    _, records = fold_log(service.ledger.recorder)
    return json_response(make_bundle(records, service.views.leaves(), code, service.settings.bureau))
