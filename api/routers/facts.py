"""Recording: one fact or a batch (all or nothing); the response carries the updated scores."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response

from api.deps import ClockDep, IdempotencyKey, ServiceDep, at, in_flight, require
from api.exact import ExactRoute
from api.routers.common import json_response
from api.schemas import FactCreate, FactsBatch, Recorded
from domain.numbers import canonical_str
from domain.scheme.model import Scheme
from domain.scheme.offices import Groups
from projections.fact_index import named_subjects
from projections.period_input import key_of
from service.bootstrap import Service
from service.policy import check_recording
from service.tokens import Actor

router = APIRouter(prefix="/periods/{code}/facts", tags=["facts"], route_class=ExactRoute)
Recorder = Annotated[Actor, Depends(require("admin", "recorder", "rater"))]
PeriodPath = Annotated[str, Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$", examples=["2026-Q1"])]


@router.post("", status_code=201, response_model=Recorded, operation_id="record_fact")
def record_fact(
    code: PeriodPath,
    body: FactCreate,
    service: ServiceDep,
    actor: Recorder,
    clock: ClockDep,
    key: IdempotencyKey = None,
) -> Response:
    """Record one deduction, bonus, rating, veto, affirmation, condition, exemption or retraction."""
    return _record(service, code, [body.model_dump(mode="json", exclude_none=True)], actor, clock, key)


@router.post("/batch", status_code=201, response_model=Recorded, operation_id="record_facts")
def record_batch(
    code: PeriodPath,
    body: FactsBatch,
    service: ServiceDep,
    actor: Recorder,
    clock: ClockDep,
    key: IdempotencyKey = None,
) -> Response:
    """Record a batch of facts: all are appended in one transaction, or none."""
    facts = [f.model_dump(mode="json", exclude_none=True) for f in body.facts]
    return _record(service, code, facts, actor, clock, key)


def _record(
    service: Service, code: str, facts: list[dict[str, Any]], actor: Actor, clock: ClockDep, key: str | None
) -> Response:
    def authorize(scheme: Scheme, prepared: list[dict[str, Any]], known: dict[str, dict[str, Any]],
                  groups: Groups) -> None:
        check_recording(actor, scheme, prepared, known, groups)

    with in_flight(key, actor):
        result = service.ledger.record_facts(code, facts, actor.principal, at(clock), key=key, authorize=authorize)
    service.runner.fold_to(result["position"])  # the views (ranks, grades) follow a moment later
    return json_response({**result, "scores": _scores(service, code, result["facts"])}, 201)


def _scores(service: Service, code: str, fact_ids: list[str]) -> dict[str, str]:
    """Read your writes: the current totals of the subjects the facts concern, scored for them alone (their
    group is ranked and graded in the views a moment later, by the view keeper or the next read)."""
    key = key_of(service.settings.bureau, code)
    period = service.runner.fold.periods.get(key)
    if period is None:
        return {}
    facts = [period.facts[i] for i in fact_ids if i in period.facts]
    subjects = set().union(*(named_subjects(period.facts, f) for f in facts))
    return {s: canonical_str(total) for s, total in service.runner.scored_totals(key, subjects).items()}
