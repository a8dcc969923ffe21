"""Recording: one fact or a batch (all or nothing); the response carries the updated scores."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError

from api.deps import ClockDep, IdempotencyKey, ServiceDep, at, in_flight, require
from api.exact import ExactRequest, ExactRoute
from api.routers.common import json_response
from api.schemas import FactCreate, FactsBatch, Recorded
from domain.numbers import canonical_str
from domain.scheme.model import Scheme
from domain.scheme.offices import Groups
from projections.period_input import key_of
from service import policy
from service.bootstrap import Service
from service.ledger import Command
from service.policy import check_recording
from service.tokens import Actor, actor_for, kept_actor

RECORDERS = ("admin", "recorder", "rater")
PERIOD = r"\d{4}(-H[12]|-Q[1-4])?"


class RecordRoute(ExactRoute):
    """The recording routes, answered without FastAPI's dependency solving when the request is plain (issue
    12: solving this route's dependencies was about a third of a recording's event-loop CPU): the same steps
    in the same order (the token and its role first, raising as `current_actor`/`require` do; then the path,
    the Idempotency-Key and the body validated by the same schema). Anything else (no or another
    authorization scheme, another content type, a path, key or body that does not validate) goes the
    ordinary way, which answers exactly as before (the 401/422 problems). Served, a plain request is answered by
    `_plain` before it gets here, by the recording front (api/front.py)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        ordinary = APIRoute.get_route_handler(self)
        batch = self.path.endswith("/batch")

        async def handler(request: Request) -> Response:
            exact = ExactRequest(request.scope, request.receive)
            answer = await _plain(exact, batch)
            return answer if answer is not None else await ordinary(exact)

        return handler


router = APIRouter(prefix="/periods/{code}/facts", tags=["facts"], route_class=RecordRoute)
Recorder = Annotated[Actor, Depends(require(*RECORDERS))]
PeriodPath = Annotated[str, Path(pattern=f"^{PERIOD}$", examples=["2026-Q1"])]
ONE: TypeAdapter[Any] = TypeAdapter(FactCreate)
PLAIN_PERIOD = re.compile(PERIOD)


async def _plain(request: Request, batch: bool) -> Response | None:
    """The recording of a plain request, or None to let FastAPI's route answer (see RecordRoute)."""
    headers = request.headers
    media = headers.get("content-type")
    if media is None or media.partition(";")[0].strip().lower() != "application/json":
        return None
    authorization = headers.get("authorization")
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if not (scheme and token) or scheme.lower() != "bearer":
        return None
    service: Service = request.app.state.service
    clock = request.app.state.clock
    kept = kept_actor(service.ledger, token, clock(), demo=service.settings.demo)  # PostgreSQL: checked in the group
    if kept is not None and kept[0].role not in RECORDERS:
        kept = None  # refused here only as the token stands now
    actor = kept[0] if kept is not None else actor_for(service.ledger, token, clock(), demo=service.settings.demo)
    request.state.principal = actor.principal
    policy.require(actor, *RECORDERS)
    code = request.path_params.get("code")
    key = headers.get("idempotency-key")
    if (
        not isinstance(code, str)
        or PLAIN_PERIOD.fullmatch(code) is None
        or (key is not None and not 1 <= len(key) <= 200)
    ):
        return None
    try:
        data = await request.json()
        if batch:
            facts = [f.model_dump(mode="json", exclude_none=True) for f in FactsBatch.model_validate(data).facts]
        else:
            facts = [ONE.validate_python(data, from_attributes=True).model_dump(mode="json", exclude_none=True)]
    except (ValueError, ValidationError):  # json.JSONDecodeError is a ValueError
        return None
    return await _record(service, code, facts, actor, clock, key, kept[1] if kept is not None else None)


@router.post("", status_code=201, response_model=Recorded, operation_id="record_fact")
async def record_fact(
    code: PeriodPath,
    body: FactCreate,
    service: ServiceDep,
    actor: Recorder,
    clock: ClockDep,
    key: IdempotencyKey = None,
) -> Response:
    """Record one deduction, bonus, rating, veto, affirmation, condition, exemption or retraction."""
    return await _record(service, code, [body.model_dump(mode="json", exclude_none=True)], actor, clock, key)


@router.post("/batch", status_code=201, response_model=Recorded, operation_id="record_facts")
async def record_batch(
    code: PeriodPath,
    body: FactsBatch,
    service: ServiceDep,
    actor: Recorder,
    clock: ClockDep,
    key: IdempotencyKey = None,
) -> Response:
    """Record a batch of facts: all are appended in one transaction, or none."""
    facts = [f.model_dump(mode="json", exclude_none=True) for f in body.facts]
    return await _record(service, code, facts, actor, clock, key)


async def _record(
    service: Service, code: str, facts: list[dict[str, Any]], actor: Actor, clock: ClockDep, key: str | None,
    checked: Callable[[Command], Command] | None = None,
) -> Response:
    """The command goes to the process's group commit (service/group_commit.py): appended with the others
    waiting at that moment, answered alone; the request awaits it without holding a thread."""

    def authorize(scheme: Scheme, prepared: list[dict[str, Any]], known: Mapping[str, dict[str, Any]],
                  groups: Groups) -> None:
        check_recording(actor, scheme, prepared, known, groups)

    def then(result: dict[str, Any]) -> dict[str, Any]:
        """In the writer, after the commit: fold to it (the views, ranks and grades, follow a moment later)."""
        service.runner.fold_to(result["position"])
        return {**result, "scores": _scores(service, code, result["facts"])}

    writer = service.group_writer()
    with in_flight(key, actor):
        answer = await service.ledger.record_facts(
            code, facts, actor.principal, at(clock), key=key, authorize=authorize,
            submit=lambda command: writer.submit(checked(command) if checked is not None else command, then),
        )
    return json_response(answer, 201)


def _scores(service: Service, code: str, fact_ids: list[str]) -> dict[str, str]:
    """Read your writes: the current totals of the subjects the facts concern, scored for them alone (their
    group is ranked and graded in the views a moment later, by the view keeper or the next read)."""
    key = key_of(service.settings.bureau, code)
    return {s: canonical_str(total) for s, total in service.runner.fact_totals(key, fact_ids).items()}
