"""The recording office's page (录入): deductions and bonuses in its own sections only (S5), several
rows at once, each attribute a choice from the scheme; its recent entries with what each did to the
total; retractions and exemptions of its own entries. Errors are shown beside their fields."""

from __future__ import annotations

import re
from typing import Any

from fastapi import Path, Query, Request, Response
from fastapi.responses import RedirectResponse

from domain.errors import InvalidInput
from domain.scheme.nodes import BonusItem, DeductionItem
from domain.texts.catalog import text, translate_message
from domain.texts.names import scheme_glossary
from service import queries
from service.errors import Forbidden
from service.readers import Reader, open_results
from service.recording import record
from service.sheets.cells import CellError
from service.sheets.parties import parties
from service.sheets.vocabulary import Vocabulary
from web.auth import ServiceDep, SignedIn
from web.fact_form import fact_from_row, fields_for, recordable_items, recordable_subjects
from web.forms import field_errors
from web.render import render
from web.routing import page, pages

router = pages()
PeriodCode = Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$")
ROWS = 5
RECENT = 30


def _scheme(service: ServiceDep, code: str) -> Any:
    period = queries.known_period(service, code)
    return service.ledger.scheme(period.scheme, period.scheme_version), period


@page(router, "/period/{code}/record")
def record_page(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode) -> Response:
    return _form(request, account, service, code, [{} for _ in range(ROWS)], {}, request.session.pop("notice", ""))


@router.get("/period/{code}/record/fields")
def item_fields(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode,
                row: int = Query(0, ge=0, lt=100)) -> Response:
    """The inputs one row needs for the item chosen in it (htmx sends the row's select: `r{row}.item`)."""
    item = request.query_params.get(f"r{row}.item", "")[:64]
    scheme, _ = _scheme(service, code)
    return render(request, "_fact_fields.html", {"fields": [f.__dict__ for f in fields_for(scheme, item)]},
                  row=row, values={}, errors={})


@router.post("/period/{code}/record")
async def record_rows(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode) -> Response:
    """Record the filled rows as one batch (all or none); refusals come back beside their fields."""
    form = await request.form()
    asked = str(form.get("rows", ROWS))
    rows: list[dict[str, str]] = [{} for _ in range(int(asked) if asked.isdigit() and int(asked) <= 50 else ROWS)]
    for key, value in form.multi_items():
        found = re.fullmatch(r"r(\d{1,2})\.(.+)", key)
        if found and int(found.group(1)) < len(rows):
            rows[int(found.group(1))][found.group(2)] = str(value)
    scheme, period = _scheme(service, code)
    made = [(i, fact_from_row(scheme, row)) for i, row in enumerate(rows)]
    facts = [(i, f) for i, f in made if f is not None]
    if not facts:
        return _form(request, account, service, code, rows, {"form": text("record.empty")}, "", 422)
    unread = _with_parties(scheme, period.subjects, facts, rows)
    if unread:
        return _form(request, account, service, code, rows, unread, "", 422)
    at = request.app.state.clock().isoformat()
    try:
        result = record(service, account.actor(), code, [f for _, f in facts], at)
    except Forbidden as exc:
        errors = _row_errors(str(exc), [i for i, _ in facts], scheme)
        return _form(request, account, service, code, rows, errors, "", 403)
    except InvalidInput as exc:
        return _form(request, account, service, code, rows, _problems(exc, [i for i, _ in facts], scheme), "", 422)
    request.session["notice"] = _changed(service, code, result)
    return RedirectResponse(f"/period/{code}/record", status_code=303)


@router.post("/period/{code}/record/retract")
async def retract(request: Request, account: SignedIn, service: ServiceDep, code: str = PeriodCode) -> Response:
    """Retract (撤销) or exempt (免扣) one of the office's own entries, with a reason or a ground."""
    form = await request.form()
    target, how = str(form.get("target", "")), str(form.get("how", "retract"))
    fact = ({"type": "exemption", "target": target, "ground": str(form.get("ground", ""))} if how == "exempt"
            else {"type": "retraction", "target": target, "reason": str(form.get("reason", "")).strip() or "录入有误"})
    result = record(service, account.actor(), code, [fact], request.app.state.clock().isoformat())
    request.session["notice"] = _changed(service, code, result)
    return RedirectResponse(f"/period/{code}/record", status_code=303)


def _with_parties(scheme: Any, subjects: dict[str, dict[str, Any]], facts: list[tuple[int, dict[str, Any]]],
                  rows: list[dict[str, str]]) -> dict[str, str]:
    """D11/B6: the parties each row names, read as the sheets read them, into its fact; the problems by field."""
    vocabulary, errors = Vocabulary.of(scheme, subjects), {}
    for i, fact in facts:
        written, item = rows[i].get("parties", "").strip(), scheme.items.get(fact["item"])
        if not written or not isinstance(item, (DeductionItem, BonusItem)):
            continue
        if fact.get("subject"):
            errors[f"r{i}.parties"] = text("sheets.parties_or_subject")
            continue
        try:
            fact["parties"] = parties(vocabulary, item, written)
        except CellError as exc:
            errors[f"r{i}.parties"] = str(exc)
    return errors


def _changed(service: ServiceDep, code: str, result: dict[str, Any]) -> str:
    names = {s: v.get("name", s) for s, v in queries.known_period(service, code).subjects.items()}
    moves = "；".join(text("record.moved", name=names.get(s, s), before=b, after=result["after"].get(s, b))
                     for s, b in result["before"].items())
    return text("record.done", n=len(result["facts"]), moves=moves)


def _row_errors(message: str, rows: list[int], scheme: Any) -> dict[str, str]:
    found = re.match(r"facts\[(\d+)\]: (.*)", message)
    if not found:
        return {"form": translate_message(message, scheme_glossary(scheme))}
    row = rows[int(found.group(1))]
    return {f"r{row}.item": translate_message(found.group(2), scheme_glossary(scheme))}


def _problems(exc: InvalidInput, rows: list[int], scheme: Any) -> dict[str, str]:
    errors: dict[str, str] = {}
    names = scheme_glossary(scheme)
    for problem in exc.problems:
        found = re.match(r"(?:recorded )?facts\[(\d+)\]\.?(?:(?:deduction|bonus)\.)?([^ ]*)", problem.path)
        key = f"r{rows[int(found.group(1))]}.{found.group(2) or 'item'}" if found and int(found.group(1)) < len(rows) \
            else "form"
        message = translate_message(problem.message, names)
        errors[key] = f"{errors[key]}；{message}" if key in errors else message
    if not errors:
        errors["form"] = field_errors(exc, names).get("form", translate_message(exc.title, names))
    return errors


def _form(request: Request, account: SignedIn, service: ServiceDep, code: str, rows: list[dict[str, str]],
          errors: dict[str, str], notice: str, status: int = 200) -> Response:
    scheme, period = _scheme(service, code)
    actor = account.actor()
    items = recordable_items(scheme, actor.scope, period.subjects)
    offered = recordable_subjects(scheme, actor.scope, period.subjects, [i for i, _, _ in items])
    subjects = sorted(offered, key=lambda s: s["id"])
    mine = queries.history(service, actor, code, recorded_by=actor.principal, newest_first=True, limit=RECENT)
    recent = _with_points(service, code, mine["facts"])
    model = {"period": code, "status": queries.period_status(period), "rows": rows, "recent": recent,
             "items": [{"item": i, "label": label} for i, label, _ in items]}
    row_fields = [[f.__dict__ for f in fields_for(scheme, r.get("item", ""))] for r in rows]
    return render(request, "record.html", model, status=status, errors=errors, notice=notice, subjects=subjects,
                  row_fields=row_fields, names=scheme_glossary(scheme), grounds=scheme.exemption_grounds,
                  titles={i: n.title for i, n in scheme.nodes.items()},
                  roles=(scheme.labels or {})["role"].values if "role" in (scheme.labels or {}) else {},
                  offices="、".join(scheme.offices.get(o, o) for o in actor.scope),
                  subject_names={s["id"]: s["name"] for s in period.subjects.values()})


def _with_points(service: ServiceDep, code: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each entry with the points its line now gives the subject and the line's status: only the scorecards of
    the entries' subjects are read (a province's results are never decoded whole for a recording page)."""
    named = sorted({s for e in entries for s in _subjects_of(e["fact"])})

    def cards(reader: Reader) -> list[dict[str, Any]]:
        return [found for found in map(reader.subject, named) if found is not None]

    try:
        scored = open_results(service, code, None, cards)
    except Exception:  # noqa: BLE001 - a period without results yet shows its entries without points
        return entries
    lines: dict[str, tuple[str, str]] = {}

    def walk(node: dict[str, Any]) -> None:
        for line in node.get("lines", []):
            for fact in line["facts"]:
                lines.setdefault(fact, (line["points"], line["status"]))
        for child in node.get("children", []):
            walk(child)

    for subject in scored:
        walk(subject["card"])
    shown = [(e, lines.get(e["fact"]["id"], ("", ""))) for e in entries]
    return [{**e, "points": points, "line_status": status} for e, (points, status) in shown]


def _subjects_of(fact: dict[str, Any]) -> set[str]:
    parties = [p.get("subject") for p in fact.get("parties") or [] if isinstance(p, dict)]
    return {s for s in [fact.get("subject"), *parties] if isinstance(s, str)}
