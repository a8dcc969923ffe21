"""The administrator's accounts page: create (role and scope as tokens), change a role and scope, disable,
enable, reset a password."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Path, Request, Response
from fastapi.responses import RedirectResponse

from domain.errors import InvalidInput
from domain.ledger.token import ROLES
from domain.texts.catalog import text
from domain.texts.zh import WORDS
from service.accounts import accounts, change, create_account, regrant
from service.tokens import Actor
from web.auth import ServiceDep
from web.forms import field_errors
from web.policy import admin_only
from web.render import render
from web.routing import page, pages

router = pages()
Admin = Annotated[Actor, Depends(admin_only)]
Username = Path(pattern=r"^[A-Za-z0-9_.\-]{2,40}$")
RATER_ROLES = ("principal", "supervising", "main", "leadership", "colleagues", "democratic", "assessor", "panel")


def _page(request: Request, service: ServiceDep, status: int = 200, **context: object) -> Response:
    model = {"accounts": [{**a.__dict__, "rater_role": a.rater_role} for a in accounts(service.ledger)]}
    service.runner.catch_up()
    offices = {c: n for d in service.runner.meta.schemes.values() for c, n in d.get("offices", {}).items()}
    roles = [(r, WORDS.get(r, r)) for r in ROLES]
    rater_roles = [("", "—")] + [(r, WORDS.get(r, r)) for r in RATER_ROLES]
    return render(request, "accounts.html", model, status=status, roles=roles, rater_roles=rater_roles,
                  offices=offices, **context)


@page(router, "/accounts")
def accounts_page(request: Request, actor: Admin, service: ServiceDep) -> Response:
    notice = request.session.pop("notice", "")
    return _page(request, service, notice=notice)


@router.post("/accounts")
def create(
    request: Request,
    actor: Admin,
    service: ServiceDep,
    username: Annotated[str, Form(max_length=80)] = "",
    name: Annotated[str, Form(max_length=80)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    scope: Annotated[str, Form(max_length=400)] = "",
    rater_role: Annotated[str, Form(max_length=40)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Create an account; every wrong field is shown beside it and nothing is appended."""
    form = {"username": username, "name": name, "role": role, "scope": scope, "rater_role": rater_role}
    scopes = [s for s in scope.replace("，", ",").split(",")]
    try:
        create_account(service.ledger, username, name, role, scopes, password, actor.principal,
                       request.app.state.clock().isoformat(), rater_role=rater_role or None)
    except InvalidInput as exc:
        return _page(request, service, 422, form=form, errors=field_errors(exc))
    request.session["notice"] = text("accounts.created", username=username)
    return RedirectResponse("/accounts", status_code=303)


@router.post("/accounts/{username}/grant")
def grant(
    request: Request,
    actor: Admin,
    service: ServiceDep,
    username: str = Username,
    role: Annotated[str, Form(max_length=20)] = "",
    scope: Annotated[str, Form(max_length=400)] = "",
    rater_role: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """A new role and scope for an account, an event; its problems are shown in its own row, nothing appended."""
    scopes = [s for s in scope.replace("，", ",").split(",")]
    try:
        regrant(service.ledger, username, role, scopes, actor.principal, request.app.state.clock().isoformat(),
                rater_role=rater_role or None)
    except InvalidInput as exc:
        grant_form = {"username": username, "role": role, "scope": scope, "rater_role": rater_role}
        return _page(request, service, 422, form={}, grant_form=grant_form, grant_errors=field_errors(exc))
    request.session["notice"] = text("accounts.regranted", username=username, role=WORDS.get(role, role))
    return RedirectResponse("/accounts", status_code=303)


@router.post("/accounts/{username}/{how}")
def update(
    request: Request,
    actor: Admin,
    service: ServiceDep,
    username: str = Username,
    how: str = Path(pattern="^(disable|enable|password)$"),
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Disable, enable, or give a new password: each an event in the log."""
    change(service.ledger, username, how, actor.principal, request.app.state.clock().isoformat(), password)
    request.session["notice"] = text("accounts.changed", username=username)
    return RedirectResponse("/accounts", status_code=303)

