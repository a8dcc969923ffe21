"""The rater's sheet (测评): every subject it rates on every rating item of its role, the scale shown,
saved as one batch; a changed value is recorded as a correction of the rater's earlier rating (R1-R3)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import Path, Request, Response
from fastapi.responses import RedirectResponse

from domain.errors import InvalidInput
from domain.scheme.nodes import RatingItem
from domain.scoring.applicability import applicable_ids
from domain.texts.catalog import text, translate_message
from domain.texts.names import scheme_glossary
from service import queries
from service.errors import Forbidden
from service.policy import require
from service.recording import record
from web.auth import ServiceDep, SignedIn
from web.render import render
from web.routing import page, pages

router = pages()
PeriodCode = Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$")


def _sheet(service: ServiceDep, account: SignedIn, code: str) -> dict[str, Any]:
    """The items the rater's role rates, the subjects each applies to, and the rater's live ratings."""
    actor = require(account.actor(), "rater")
    period = queries.folded_period(service, code)
    scheme = service.ledger.scheme(period.scheme, period.scheme_version)
    bound = actor.rater_roles()  # name -> the role it rates under (R1)
    rater, role = next(iter(bound.items()), ("", ""))
    items = [i for i in scheme.items.values() if isinstance(i, RatingItem) and role in i.rating.roles]
    subjects = sorted(period.subjects.values(), key=lambda s: s["id"])
    applies = {kind: applicable_ids(scheme, kind) for kind in {s["kind"] for s in subjects}}
    return {"period": code, "rater": rater, "role": role,
            "items": [{"item": i.id, "title": i.title, "article": i.article, "scale": i.rating.scale, "max": i.max}
                      for i in items],
            "subjects": [{"subject": s["id"], "name": s["name"], "items": [i.id for i in items
                                                                         if i.id in applies[s["kind"]]]}
                         for s in subjects],
            "ratings": _live(period.facts, (rater,)), "status": queries.period_status(period)}


def _live(facts: dict[str, dict[str, Any]], raters: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """The rater's ratings that still count, by "item/subject": value and fact id (R3: one per rater)."""
    replaced = {f.get("corrects") for f in facts.values()} | {f.get("target") for f in facts.values()}
    live = {}
    for fact in facts.values():
        if fact.get("type") == "rating" and fact.get("rater") in raters and fact["id"] not in replaced:
            live[f"{fact['item']}/{fact['subject']}"] = {"value": str(fact["value"]), "id": fact["id"]}
    return live


@page(router, "/period/{code}/rate")
def sheet(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode) -> Response:
    return render(request, "rate.html", _sheet(service, account, code), notice=request.session.pop("notice", ""),
                  values={}, errors={})


@router.post("/period/{code}/rate")
async def save(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode) -> Response:
    """Save the sheet: new values become ratings, changed ones corrections; unchanged and blank ones nothing."""
    model = _sheet(service, account, code)
    form = await request.form()
    values = {k[2:]: str(v).strip() for k, v in form.multi_items() if k.startswith("v:")}
    facts, cells, errors = [], [], {}
    for cell, typed in values.items():
        item, subject = cell.split("/", 1)
        earlier = model["ratings"].get(cell)
        if not typed or (earlier and _same(earlier["value"], typed)):
            continue
        fact = {"type": "rating", "item": item, "subject": subject, "role": model["role"], "rater": model["rater"],
                "value": typed, **({"scale_confirmed": True} if form.get("confirm_scale") else {})}
        facts.append({**fact, **({"corrects": earlier["id"]} if earlier else {})})
        cells.append(cell)
    if not facts:
        errors["form"] = text("rate.nothing")
    else:
        try:
            result = record(service, account.actor(), code, facts, request.app.state.clock().isoformat())
        except (InvalidInput, Forbidden) as exc:
            errors = _errors(exc, cells, service, code)
        else:
            request.session["notice"] = text("rate.saved", n=len(result["facts"]))
            return RedirectResponse(f"/period/{code}/rate", status_code=303)
    return render(request, "rate.html", model, status=422, values=values, errors=errors, notice="")


def _same(a: str, b: str) -> bool:
    try:
        return Decimal(a) == Decimal(b)
    except InvalidOperation:
        return False


def _errors(exc: Exception, cells: list[str], service: ServiceDep, code: str) -> dict[str, str]:
    period = queries.known_period(service, code)
    names = scheme_glossary(service.ledger.scheme(period.scheme, period.scheme_version))
    if not isinstance(exc, InvalidInput):
        return {"form": translate_message(str(exc), names)}
    errors: dict[str, str] = {}
    for problem in exc.problems:
        found = re.match(r"(?:recorded )?facts\[(\d+)\]", problem.path)
        key = cells[int(found.group(1))] if found and int(found.group(1)) < len(cells) else "form"
        errors[key] = translate_message(problem.message, names)
    return errors or {"form": translate_message(exc.title, names)}
