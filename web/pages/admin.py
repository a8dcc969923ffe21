"""The administrator's period pages: open a period from a scheme, register subjects (or copy them
from an earlier period), close, publish (after the warnings: incomplete ratings, missing raters)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Form, Path, Request, Response
from fastapi.responses import RedirectResponse

from domain.errors import InvalidInput, Problem
from domain.facts import Subject
from domain.texts.catalog import text, translate
from domain.texts.names import scheme_glossary
from service import queries
from service.tokens import Actor
from web.auth import ServiceDep
from web.forms import field_errors
from web.policy import admin_only
from web.render import render
from web.routing import page, pages

router = pages()
Admin = Annotated[Actor, Depends(admin_only)]
PeriodCode = Path(pattern=r"^\d{4}(-H[12]|-Q[1-4])?$")


def _now(request: Request) -> str:
    return str(request.app.state.clock().isoformat())


@page(router, "/new/period")
def new_period(request: Request, actor: Admin, service: ServiceDep) -> Response:
    return render(request, "period_new.html", queries.schemes(service, actor), form={})


@router.post("/new/period")
def open_period(request: Request, actor: Admin, service: ServiceDep,
                code: Annotated[str, Form(max_length=20)] = "",
                scheme: Annotated[str, Form(max_length=80)] = "") -> Response:
    """Open a period bound to a registered scheme version (`CODE:version`)."""
    name, _, version = scheme.partition(":")
    problems = []
    if not re.fullmatch(r"\d{4}(-H[12]|-Q[1-4])?", code):
        problems.append(Problem("code", "a period code is a year, a half or a quarter, e.g. 2026-Q2"))
    if not version.isdigit():
        problems.append(Problem("scheme", "choose the scheme version"))
    try:
        if problems:
            raise InvalidInput("the period was not opened", problems)
        service.ledger.open_period(code, name, int(version), actor.principal, _now(request))
    except InvalidInput as exc:
        return render(request, "period_new.html", queries.schemes(service, actor), status=422,
                      errors=field_errors(exc), form={"code": code, "scheme": scheme})
    return RedirectResponse(f"/period/{code}/subjects", status_code=303)


@page(router, "/period/{code}/subjects")
def subjects_page(request: Request, actor: Admin, service: ServiceDep, code: str = PeriodCode) -> Response:
    return _subjects(request, service, code, {}, "", 200)


def _subjects(request: Request, service: ServiceDep, code: str, errors: dict[str, str], typed: str,
              status: int) -> Response:
    period = queries.known_period(service, code)
    earlier = sorted(p.code for p in service.runner.meta.periods.values() if p.code != code and p.subjects)
    model = {"period": code, "status": queries.period_status(period), "version": period.version,
             "subjects": sorted(period.subjects.values(), key=lambda s: s["id"]), "earlier": earlier}
    scheme = service.ledger.scheme(period.scheme, period.scheme_version)
    return render(request, "subjects.html", model, status=status, errors=errors, typed=typed,
                  notice=request.session.pop("notice", ""), groups=scheme.groups or {}, kinds=scheme.subject_kinds)


@router.post("/period/{code}/subjects")
def register(request: Request, actor: Admin, service: ServiceDep, code: str = PeriodCode,
             lines: Annotated[str, Form(max_length=200_000)] = "",
             copy_from: Annotated[str, Form(max_length=20)] = "") -> Response:
    """Register subjects typed one per line (编号,名称,组别,类别), or those of an earlier period, all or none."""
    try:
        subjects = _copied(service, code, copy_from) if copy_from else _typed(lines)
        result = service.ledger.register_subjects(code, subjects, actor.principal, _now(request))
    except InvalidInput as exc:
        return _subjects(request, service, code, field_errors(exc), lines, 422)
    request.session["notice"] = text("subjects.done", n=len(result["subjects"]))
    return RedirectResponse(f"/period/{code}/subjects", status_code=303)


def _typed(lines: str) -> list[Subject]:
    subjects, problems = [], []
    for number, line in enumerate((x for x in lines.splitlines() if x.strip()), start=1):
        parts = [p.strip() for p in re.split(r"[,，\t]", line)]
        if len(parts) != 4:
            problems.append(Problem(f"line {number}", "give id, name, group and kind"))
            continue
        try:
            subjects.append(Subject(id=parts[0], name=parts[1], group=parts[2] or "all", kind=parts[3]))
        except ValueError:
            problems.append(Problem(f"line {number}", "give id, name, group and kind"))
    if problems or not subjects:
        raise InvalidInput("subject refused", problems or [Problem("lines", "give id, name, group and kind")])
    return subjects


def _copied(service: ServiceDep, code: str, source: str) -> list[Subject]:
    have = set(queries.known_period(service, code).subjects)
    found = queries.known_period(service, source).subjects.values()
    return [Subject.model_validate(s) for s in sorted(found, key=lambda s: s["id"]) if s["id"] not in have]


@router.post("/period/{code}/close")
def close(request: Request, actor: Admin, service: ServiceDep, code: str = PeriodCode,
          version: Annotated[int, Form(ge=0)] = 0) -> Response:
    """Close the period as seen (version): later facts never count, except appeal corrections."""
    service.ledger.close_period(code, actor.principal, _now(request), expected_version=version)
    return RedirectResponse(f"/period/{code}/publish", status_code=303)


@page(router, "/period/{code}/publish")
def publish_page(request: Request, actor: Admin, service: ServiceDep, code: str = PeriodCode) -> Response:
    period = queries.known_period(service, code)
    today = request.app.state.clock().date()
    model = {"period": code, "status": queries.period_status(period), "version": period.version,
             "warnings": _warnings(service, code), "published_on": today.isoformat()}
    return render(request, "publish.html", model)


@router.post("/period/{code}/publish")
def publish(request: Request, actor: Admin, service: ServiceDep, code: str = PeriodCode,
            version: Annotated[int, Form(ge=0)] = 0,
            published_on: Annotated[date | None, Form()] = None) -> Response:
    """Seal the results as of the log's end and publish them (P1)."""
    day = published_on or request.app.state.clock().date()
    service.ledger.publish(code, day, actor.principal, _now(request), expected_version=version)
    return RedirectResponse(f"/period/{code}", status_code=303)


def _warnings(service: ServiceDep, code: str) -> list[dict[str, Any]]:
    """Incomplete ratings and missing raters, subject by subject, from the current results (read a page at a
    time: a province's results are never decoded whole for this page)."""
    period = queries.known_period(service, code)
    names = scheme_glossary(service.ledger.scheme(period.scheme, period.scheme_version))
    out: list[dict[str, Any]] = []

    def visit(subject: dict[str, Any]) -> None:
        missing = [f"{node['title']}：{translate('incomplete', m, names) or m}" for node in _nodes(subject["card"])
                   for m in node.get("incomplete", [])]
        if missing:
            out.append({"subject": subject["subject"], "name": subject["name"], "missing": missing})

    try:
        queries.scan(service, code, None, visit)
    except Exception:  # noqa: BLE001 - no results yet: nothing to warn about
        return []
    return out


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node] + [n for child in node.get("children", []) for n in _nodes(child)]
