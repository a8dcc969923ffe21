"""Who is signed in (a signed session cookie), form tokens against CSRF, and slowed-down sign-ins."""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Annotated

from fastapi import Depends, Request

from domain.errors import ScoreledgerError
from service.accounts import AccountView, account, view
from service.bootstrap import Service
from service.errors import NotFound
from service.throttle import SignInThrottle
from service.tokens import Actor, Unauthenticated

THROTTLE = SignInThrottle(time.monotonic)


class FormExpired(ScoreledgerError):
    """Raised when a form comes back without the session's form token (CSRF, or a stale page)."""


def service_of(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


ServiceDep = Annotated[Service, Depends(service_of)]


def signed_in(request: Request) -> AccountView:
    """The enabled account of the session; Unauthenticated (the sign-in page) otherwise."""
    name, stamp = request.session.get("user"), request.session.get("pv")
    if not isinstance(name, str):
        raise Unauthenticated("sign in first")
    try:
        found = view(account(service_of(request).ledger, name))
    except NotFound:
        found = None
    demo_off = found is not None and found.demo and not service_of(request).settings.demo
    if found is None or found.disabled or found.password_version != stamp or demo_off:
        request.session.clear()  # disabled, or the password changed since: sign in again
        raise Unauthenticated("sign in first")
    request.state.account = found
    return found


SignedIn = Annotated[AccountView, Depends(signed_in)]


def actor_of(account: SignedIn) -> Actor:
    return account.actor()


async def form_token(request: Request) -> None:
    """POSTs carry the session's form token (a form field, or the X-CSRF-Token header for htmx)."""
    if request.method != "POST":
        return
    wanted = request.session.get("csrf")
    given = request.headers.get("x-csrf-token") or (await request.form()).get("csrf")
    if not wanted or not isinstance(given, str) or not hmac.compare_digest(wanted, given):
        raise FormExpired("the form has expired; reload the page and send it again")


def start_session(request: Request, found: AccountView) -> None:
    request.session.clear()
    request.session.update({"user": found.username, "pv": found.password_version, "csrf": secrets.token_urlsafe(24)})


def ensure_form_token(request: Request) -> str:
    """The session's form token, made on first use (the sign-in form needs one before anyone signs in)."""
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(24)
    return str(request.session["csrf"])
