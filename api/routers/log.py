"""The log itself, for auditors: keyset pagination over positions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.deps import ServiceDep, require
from api.routers.common import json_response
from service.audit_reads import shown_state
from service.read_models import LogPage
from service.tokens import Actor

router = APIRouter(prefix="/log", tags=["audit"])
Auditor = Annotated[Actor, Depends(require("auditor", "admin"))]


@router.get("", operation_id="read_log", response_model=LogPage)
def read_log(
    service: ServiceDep,
    actor: Auditor,
    after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """Events after a position, in order; `next` is the cursor for the following page."""
    rows = service.ledger.recorder.select_notifications(start=after, limit=limit, inclusive_of_start=False)
    events = [
        {
            "position": r.id,
            "stream": str(r.originator_id),
            "version": r.originator_version,
            "topic": r.topic,
            "state": shown_state(r.state),
        }
        for r in rows
    ]
    following = f"/log?after={rows[-1].id}&limit={limit}" if len(rows) == limit else None
    return json_response({"events": events, "next": following})
