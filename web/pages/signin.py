"""Signing in and out: a user name and password open a session; failures slow further tries down."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse

from domain.errors import InvalidInput
from domain.texts.catalog import text
from service.accounts import SignInFailed, own_password, sign_in
from web.auth import THROTTLE, ServiceDep, SignedIn, ensure_form_token, start_session
from web.forms import field_errors
from web.render import render
from web.routing import page, pages

router = pages()


def _safe_next(target: str) -> str:
    """Only a path of this site (never //host or a scheme) is followed after signing in."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@page(router, "/login")
def login_page(request: Request, next: str = "/") -> Response:  # noqa: A002 - the query parameter's name
    model = {"next": _safe_next(next), "username": "", "message": "", "failed": False}
    return render(request, "login.html", model, csrf=ensure_form_token(request))


@router.post("/login")
def login(
    request: Request,
    service: ServiceDep,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=400)] = "/",  # noqa: A002
) -> Response:
    """Sign in; after FREE failures (per account and per address) each try waits longer."""
    keys = (f"user:{username}", f"addr:{request.client.host if request.client else '?'}")
    wait = THROTTLE.wait(*keys)
    model = {"next": _safe_next(next), "username": username, "failed": True}
    if wait:
        model["message"] = text("signin.wait", seconds=wait)
        return render(request, "login.html", model, status=429, csrf=ensure_form_token(request))
    try:
        found = sign_in(service.ledger, username, password, demo=service.settings.demo)
    except SignInFailed as exc:
        THROTTLE.failed(*keys)
        model["message"] = text("account.disabled") if "disabled" in str(exc) else text("signin.failed")
        return render(request, "login.html", model, status=401, csrf=ensure_form_token(request))
    THROTTLE.succeeded(keys[0])
    start_session(request, found)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@page(router, "/account")
def account_page(request: Request, account: SignedIn) -> Response:
    return render(request, "account.html", {"username": account.username})


@router.post("/account")
def change_own_password(
    request: Request,
    account: SignedIn,
    service: ServiceDep,
    current: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """A new password, given the current one; the session ends (sign in again with the new one)."""
    clock = request.app.state.clock
    try:
        own_password(service.ledger, account.username, current, password, clock().isoformat(),
                     demo=service.settings.demo)
    except SignInFailed:
        errors = {"current": text("account.wrong_current")}
        return render(request, "account.html", {"username": account.username}, status=422, errors=errors)
    except InvalidInput as exc:
        return render(request, "account.html", {"username": account.username}, status=422, errors=field_errors(exc))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
