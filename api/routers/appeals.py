"""Appeals (P2-P5): file in time, accept, uphold with corrections or reject; compare; what-if."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Query, Response

from api.deps import ClockDep, CurrentActor, IdempotencyKey, IfMatch, ServiceDep, at, in_flight, require
from api.exact import ExactRoute
from api.problems import Forbidden
from api.routers.common import folded_period, json_response
from api.schemas import AppealCreate, RejectIn, UpholdIn, WhatIfIn
from domain.canonical import canonical_bytes
from projections.period_input import key_of
from projections.scoring import what_if_groups
from replay.asof import fold_log, result_as_of
from replay.compare import compare, proposed_facts
from service.bootstrap import Service
from service.errors import NotFound
from service.tokens import Actor

router = APIRouter(tags=["appeals"], route_class=ExactRoute)
Reviewer = Annotated[Actor, Depends(require("reviewer"))]
Readers = Annotated[Actor, Depends(require("reviewer", "auditor", "admin"))]
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
    """File an appeal against named facts of a published period, within the working-day window (P2, P3)."""
    if actor.role != "subject" or body.subject not in actor.scope:
        raise Forbidden("appeals are filed by a subject's representative, for its own subject")
    with in_flight(key):
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
        )
    return json_response(result, 201, etag=1)


@router.get("/appeals", operation_id="list_appeals")
def list_appeals(
    service: ServiceDep,
    actor: CurrentActor,
    clock: ClockDep,
    overdue: Annotated[bool, Query(description="Only accepted appeals past their decision date.")] = False,
) -> Response:
    """Every appeal with its status and dates (a subject: its own); `overdue=true`: decisions past their window."""
    if actor.role not in ("subject", "reviewer", "auditor", "admin"):
        raise Forbidden(f"role {actor.role} does not read appeals")
    rows = [_public(a, clock().date().isoformat()) for a in _appeals(service).values()
            if actor.role != "subject" or a["subject"] in actor.scope]
    if overdue:
        rows = [r for r in rows if r["overdue"]]
    return json_response({"appeals": sorted(rows, key=lambda r: r["filed_at"])})


@router.get("/appeals/{appeal}", operation_id="get_appeal")
def get_appeal(appeal: AppealPath, service: ServiceDep, actor: CurrentActor, clock: ClockDep) -> Response:
    """One appeal with its history; the ETag is its version."""
    if actor.role not in ("subject", "reviewer", "auditor", "admin"):
        raise Forbidden(f"role {actor.role} does not read appeals")
    found = _appeal(service, appeal)
    if actor.role == "subject" and found["subject"] not in actor.scope:
        raise Forbidden("a subject's representative reads only its own appeals")
    return json_response(_public(found, clock().date().isoformat()), etag=len(found["history"]))


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
    with in_flight(key):
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
    with in_flight(key):
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
    with in_flight(key):
        result = service.ledger.reject_appeal(
            appeal, body.reasons, clock().date(), actor.principal, at(clock), expected_version=version, key=key
        )
    return json_response(result)


@router.get("/appeals/{appeal}/comparison", operation_id="compare_appeal")
def comparison(appeal: AppealPath, service: ServiceDep, actor: Readers) -> Response:
    """Before (as published) and after (now), per subject, with causes and knock-ons."""
    found = _appeal(service, appeal)
    period = folded_period(service, found["period"])
    if not period.seals:
        raise NotFound(f"period {found['period']} has no publication to compare with")
    sealed = int(period.seals[_seal_before(period.seals, found)]["position"])
    source = service.ledger.recorder
    before = result_as_of(source, found["period"], sealed, service.settings.bureau)
    after = result_as_of(source, found["period"], None, service.settings.bureau)
    _, records = fold_log(source)
    body = compare(before, after, [r for r in records if r.position > sealed])
    return json_response({"appeal": appeal, "from": sealed, "to": records[-1].position if records else 0, **body})


@router.post("/appeals/{appeal}/what-if", operation_id="what_if_appeal")
def what_if_appeal(appeal: AppealPath, body: WhatIfIn, service: ServiceDep, actor: Reviewer) -> Response:
    """The ripple of a proposed decision, computed on a copy: nothing is appended."""
    found = _appeal(service, appeal)
    service.runner.catch_up()
    proposed = [
        {**f.model_dump(mode="json", exclude_none=True), "recorded_by": actor.principal, "id": f"proposed:{i}"}
        for i, f in enumerate(body.facts)
    ]
    runner = service.runner
    with runner.lock:  # the fold and the kept scorecards, as of one position
        period = runner.fold.periods[key_of(service.settings.bureau, found["period"])]
        typed = proposed_facts(proposed, period.code)  # every malformed fact reported, as recording would
        now, then = what_if_groups(runner.fold, period, typed, runner.cards)
    return json_response({"appeal": appeal, **orjson.loads(canonical_bytes(compare(now, then)))})


def _appeals(service: Service) -> dict[str, dict[str, Any]]:
    service.runner.catch_up()
    return {a["appeal"]: a for a in service.runner.fold.appeals.values()}


def _appeal(service: Service, appeal: str) -> dict[str, Any]:
    found = _appeals(service).get(appeal)
    if found is None:
        raise NotFound(f"appeal {appeal} does not exist")
    return found


def _public(a: dict[str, Any], today: str) -> dict[str, Any]:
    decide_by = next((h.get("decide_by") for h in a["history"] if h.get("decide_by")), None)
    return {
        "appeal": a["appeal"],
        "period": a["period"],
        "subject": a["subject"],
        "status": a["status"],
        "contested": a["contested"],
        "reasons": a["reasons"],
        "evidence": a["evidence"],
        "filed_on": a["filed_on"],
        "deadline": a["deadline"],
        "decide_by": decide_by,
        "overdue": a["status"] == "accepted" and decide_by is not None and today > decide_by,
        "filed_at": a["filed_at"],
        "history": a["history"],
    }


def _seal_before(seals: list[dict[str, Any]], appeal: dict[str, Any]) -> int:
    """The last seal published before the appeal was filed."""
    index = 0
    for i, seal in enumerate(seals):
        if seal["published_at"] < appeal["filed_at"]:
            index = i
    return index
