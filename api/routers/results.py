"""Reading results: a scorecard with its explanation, rankings, grades, a subject's history; all with as_of."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from api.deps import CurrentActor, ServiceDep, require
from api.problems import Forbidden
from api.routers.common import folded_period, json_response, results
from service.errors import NotFound
from service.tokens import Actor

router = APIRouter(prefix="/periods/{code}", tags=["results"])
Staff = Annotated[Actor, Depends(require("admin", "auditor", "reviewer", "recorder", "rater"))]
PeriodPath = Annotated[str, Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$", examples=["2026-Q1"])]
AsOf = Annotated[
    str | None,
    Query(
        description="A log position (e.g. 120) or an ISO timestamp with zone; default: now.",
        max_length=40,
        examples=["120"],
    ),
]
Subject = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.\-]+$", max_length=64)]


@router.get("/scorecards/{subject}", operation_id="get_scorecard")
def scorecard(
    code: PeriodPath, subject: Subject, service: ServiceDep, actor: CurrentActor, as_of: AsOf = None
) -> Response:
    """One subject's scorecard tree: every number with its rule, article, facts and recorders."""
    if actor.role == "subject" and subject not in actor.scope:
        raise Forbidden("a subject's representative reads only its own scorecard")
    data = results(service, code, as_of)
    found = next((s for s in data["subjects"] if s["subject"] == subject), None)
    if found is None:
        raise NotFound(f"subject {subject} is not scored in {code}")
    return json_response({**_head(data), "result": found})


@router.get("/rankings", operation_id="get_rankings")
def rankings(
    code: PeriodPath,
    service: ServiceDep,
    actor: Staff,
    as_of: AsOf = None,
    group: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Rankings per group (S2): total, rank, grade, eligibility and further outcomes (G5), in rank order."""
    data = results(service, code, as_of)
    groups: dict[str, list[dict[str, Any]]] = {}
    for s in data["subjects"]:
        if group is None or s["group"] == group:
            groups.setdefault(s["group"], []).append(_row(s))
    return json_response({**_head(data), "groups": groups})


@router.get("/grades", operation_id="get_grades")
def grades(code: PeriodPath, service: ServiceDep, actor: Staff, as_of: AsOf = None) -> Response:
    """Every subject's grade and eligibility, with the reasons."""
    data = results(service, code, as_of)
    rows = [{**_row(s, reasons=True), "reasons": s.get("grade_reasons", [])} for s in data["subjects"]]
    return json_response({**_head(data), "grades": rows})


@router.get("/history", operation_id="get_history")
def history(
    code: PeriodPath,
    service: ServiceDep,
    actor: CurrentActor,
    subject: Annotated[str | None, Query(max_length=64)] = None,
    item: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The recorded facts of a subject or an item, in log order, with their positions and recorders."""
    if actor.role == "subject" and (subject is None or subject not in actor.scope):
        raise Forbidden("a subject's representative reads only its own history")
    period = folded_period(service, code)
    rows = []
    for fact_id, fact in period.facts.items():
        named = {fact.get("subject")} | {p["subject"] for p in fact.get("parties") or []} | {fact_id.split(":", 1)[0]}
        if (subject is None or subject in named) and (item is None or fact.get("item") == item):
            rows.append({"position": period.positions[fact_id], "fact": fact})
    rows.sort(key=lambda r: r["position"])
    return json_response({"period": code, "subject": subject, "item": item, "facts": rows})


def _head(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in ("scheme", "scheme_version", "scheme_hash", "period", "as_of")}


def _row(s: dict[str, Any], reasons: bool = False) -> dict[str, Any]:
    row = {k: s.get(k) for k in ("subject", "name", "group", "kind", "total", "rank", "grade", "eligible", "flags")}
    if s.get("outcomes") is not None:  # G5: a scheme's further outcomes, published beside the grade
        keys = ("grade", "eligible", "reasons") if reasons else ("grade", "eligible")
        row["outcomes"] = {o["id"]: {k: o.get(k) for k in keys} for o in s["outcomes"]}
    return row
