"""Appeals (P2-P5) for the subject, the reviewer and the auditor: the published list (公示) with the
window counted down in working days, the appeal form, the queue by decide-by date, the appeal's page
with its before/after preview (what-if), accept, uphold with corrections, reject; the comparison."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Path, Query, Request, Response
from fastapi.responses import RedirectResponse

from domain.texts.names import scheme_glossary
from service import queries
from service.comparison import compare_appeal
from service.policy import require, require_subject
from service.publication import publication_window, published_list
from web.auth import ServiceDep, SignedIn
from web.render import render
from web.routing import page, pages

router = pages()
PeriodCode = Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$")
AppealId = Path(pattern=r"^[a-f0-9]{16}$")
Text = Annotated[str, Form(max_length=4000)]


def _today(request: Request) -> Any:
    return request.app.state.clock().date()


def _names(service: ServiceDep, code: str) -> Any:
    period = queries.known_period(service, code)
    return scheme_glossary(service.ledger.scheme(period.scheme, period.scheme_version))


@page(router, "/period/{code}/publication")
def publication(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode) -> Response:
    """The published list as sealed; for a subject's representative, its window and the way to appeal."""
    model = published_list(service, account.actor(), code, _today(request))
    return render(request, "publication.html", model, names=_names(service, code))


@page(router, "/period/{code}/appeal")
def appeal_form(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode) -> Response:
    actor = account.actor()
    subject = actor.scope[0] if actor.scope else None
    require_subject(actor, subject, "files appeals")
    listed = publication_window(service, code, _today(request))  # the window, not the period's rows
    facts = queries.history(service, actor, code, subject, limit=queries.PAGE_MAX)["facts"]
    model = {**{k: listed[k] for k in ("period", "appeal_deadline", "working_days_left", "published_on")},
             "subject": subject, "facts": facts}
    scheme = service.ledger.scheme(listed["scheme"], _version(service, code))
    titles = {i: n.title for i, n in scheme.nodes.items()}
    return render(request, "appeal_form.html", model, titles=titles, items=sorted(scheme.items))


def _version(service: ServiceDep, code: str) -> int:
    return queries.known_period(service, code).scheme_version


@router.post("/period/{code}/appeal")
async def file(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode) -> Response:
    """File the appeal: refused (and nothing appended) after the window or without a contested fact."""
    form = await request.form()
    actor = account.actor()
    subject = actor.scope[0] if actor.scope else None
    require_subject(actor, subject, "files appeals")
    contested = [str(v) for v in form.getlist("contested")]
    items = [str(v) for v in form.getlist("items") if str(v)]
    evidence = [line.strip() for line in str(form.get("evidence", "")).splitlines() if line.strip()]
    result = service.ledger.file_appeal(code, str(subject), contested, str(form.get("reasons", "")), evidence,
                                        _today(request), actor.principal, request.app.state.clock().isoformat(),
                                        items=items)
    return RedirectResponse(f"/appeal/{result['appeal']}", status_code=303)


@page(router, "/queue")
def queue(request: Request, account: SignedIn, service: ServiceDep) -> Response:
    """Appeals by decide-by date (then filing date), overdue ones marked; a subject sees its own."""
    found = queries.appeals(service, account.actor(), _today(request))["appeals"]
    found.sort(key=lambda a: (a["status"] in ("upheld", "rejected"), a["decide_by"] or "9999", a["filed_on"]))
    return render(request, "appeals.html", {"appeals": found})


@page(router, "/appeal/{name}")
def appeal_page(request: Request, account: SignedIn, service: ServiceDep, name: str = AppealId) -> Response:
    found = queries.appeal(service, account.actor(), name, _today(request))
    period = queries.known_period(service, found["period"])
    facts = queries.appeal_facts(service, found)
    contested = [{"id": f, **facts.get(f, {})} for f in found["contested"]]
    scheme = service.ledger.scheme(period.scheme, period.scheme_version)
    return render(request, "appeal.html", found, contested=contested, names=scheme_glossary(scheme),
                  titles={i: n.title for i, n in scheme.nodes.items()},
                  subjects={s: v["name"] for s, v in period.subjects.items()})


def _corrections(form: Any, found: dict[str, Any], service: ServiceDep) -> list[dict[str, Any]]:
    """The corrections the reviewer chose for each contested fact: retract it, or record it corrected."""
    facts = queries.appeal_facts(service, found)
    out = []
    for fact_id in found["contested"]:
        how, original = str(form.get(f"how:{fact_id}", "keep")), facts.get(fact_id, {})
        if how == "retract":
            out.append({"type": "retraction", "target": fact_id, "reason": str(form.get("reasons", "")) or "申诉更正"})
        elif how == "correct":
            field = "value" if original.get("type") == "rating" else "count"
            kept = {k: v for k, v in original.items() if k not in ("id", "period", "recorded_by", "corrects")}
            out.append({**kept, field: str(form.get(f"new:{fact_id}", "")).strip(), "corrects": fact_id})
    return out


@router.post("/appeal/{name}/accept")
def accept(request: Request, account: SignedIn, service: ServiceDep, name: str = AppealId,
           version: Annotated[int, Form(ge=0)] = 0) -> Response:
    actor = require(account.actor(), "reviewer")
    service.ledger.accept_appeal(name, _today(request), actor.principal, request.app.state.clock().isoformat(),
                                 expected_version=version or None)
    return RedirectResponse(f"/appeal/{name}", status_code=303)


@router.post("/appeal/{name}/preview")
async def preview(request: Request, account: SignedIn, service: ServiceDep, name: str = AppealId) -> Response:
    """What the chosen corrections would change, for the appellant and everyone else: nothing is appended."""
    actor = require(account.actor(), "reviewer")
    found = queries.appeal(service, actor, name, _today(request))
    corrections = _corrections(await request.form(), found, service)
    ripple = queries.what_if(service, actor, name, corrections) if corrections else {"appeal": name, "changes": []}
    subjects = {s: v["name"] for s, v in queries.known_period(service, found["period"]).subjects.items()}
    return render(request, "_ripple.html", ripple, appellant=found["subject"], subjects=subjects)


@router.post("/appeal/{name}/decide")
async def decide(request: Request, account: SignedIn, service: ServiceDep, name: str = AppealId) -> Response:
    """Uphold with the chosen corrections (P5), or reject: the contested values stand."""
    actor = require(account.actor(), "reviewer")
    form = await request.form()
    found = queries.appeal(service, actor, name, _today(request))
    reasons, at = str(form.get("reasons", "")).strip(), request.app.state.clock().isoformat()
    if form.get("decision") == "uphold":
        service.ledger.uphold_appeal(name, _corrections(form, found, service), reasons, _today(request),
                                     actor.principal, at)
    else:
        service.ledger.reject_appeal(name, reasons, _today(request), actor.principal, at)
    service.runner.catch_up()
    return RedirectResponse(f"/appeal/{name}", status_code=303)


@page(router, "/appeal/{name}/compare")
def appeal_compare(request: Request, account: SignedIn, service: ServiceDep, name: str = AppealId,
                   page: int = Query(1, ge=1, le=10**7)) -> Response:
    model = compare_appeal(service, account.actor(), name, _today(request), page)
    return render(request, "compare.html", model, names=_names(service, model["period"]), typed_from="", typed_to="")


