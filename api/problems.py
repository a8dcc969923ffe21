"""RFC 9457 problem details: one handler per error kind, the same body shape everywhere."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.calendar import CalendarNotCovered
from domain.errors import InvalidInput, ScoreledgerError
from domain.ledger.account import AccountStateError
from domain.ledger.appeal import AppealStateError
from domain.ledger.period import PeriodStateError
from domain.ledger.scheme_book import SchemeVersionExists
from domain.texts.catalog import ENGLISH, NO_GLOSSARY, Glossary, language, text, translate_message
from projections.schemes import SchemeMismatch
from replay.asof import PeriodNotInLog
from service.anchoring import AnchorUnavailable, LogRewritten
from service.errors import (
    AppealLate,
    Conflict,
    Forbidden,
    IdempotencyKeyReused,
    NotFound,
    OutcomeUnknown,
    SavedUnanswered,
    VersionMismatch,
)
from service.group_commit import WriterClosed
from service.messages import say
from service.names import period_glossary
from service.replays import ReplayBusy
from service.signing import SigningKeyError
from service.stores import StoreBusy
from service.tokens import Unauthenticated

log = logging.getLogger("scoreledger.api")
BASE = "https://scoreledger.invalid/problems/"
MEDIA_TYPE = "application/problem+json"


class InFlight(ScoreledgerError):
    """Raised when a request with the same idempotency key is still being processed."""


class TooLarge(ScoreledgerError):
    """Raised when a request body is over the documented limit."""


# kind -> (status, type slug, title); looked up along the exception's MRO
KINDS: dict[type[BaseException], tuple[int, str, str]] = {
    InvalidInput: (422, "invalid-input", "The input was refused"),
    NotFound: (404, "not-found", "Not found"),
    Unauthenticated: (401, "unauthenticated", "Authentication required"),
    Forbidden: (403, "forbidden", "Not allowed for this role or scope"),
    VersionMismatch: (412, "version-mismatch", "The resource changed (If-Match)"),
    InFlight: (409, "in-flight", "A request with this idempotency key is in progress"),
    Conflict: (409, "conflict", "Conflicting concurrent change"),
    IdempotencyKeyReused: (422, "idempotency-key-reused", "Idempotency key reused with another body"),
    PeriodStateError: (409, "period-state", "The period does not allow this now"),
    AppealStateError: (409, "appeal-state", "The appeal does not allow this now"),
    AccountStateError: (409, "account-state", "The account is already so"),
    AppealLate: (422, "appeal-window-closed", "The window has closed"),
    SchemeVersionExists: (409, "scheme-version-exists", "This scheme version exists with other content"),
    CalendarNotCovered: (422, "calendar-not-covered", "No working-day calendar covers the date"),
    TooLarge: (413, "too-large", "Request body too large"),
    StoreBusy: (503, "store-busy", "The store is held by another process"),
    ReplayBusy: (503, "replay-busy", "Another as-of replay is running"),
    WriterClosed: (503, "writer-closed", "The service is closing"),
    OutcomeUnknown: (503, "outcome-unknown", "Whether the request was saved cannot be told"),
    SavedUnanswered: (500, "saved-unanswered", "Saved, but its answer could not be made"),
    SigningKeyError: (503, "signing-key", "The seal signing key is not available"),
    LogRewritten: (409, "log-rewritten", "The log does not extend the last signed checkpoint"),
    AnchorUnavailable: (503, "checkpoint-anchor", "The checkpoint anchor is missing or cannot be trusted"),
    SchemeMismatch: (409, "scheme-unavailable", "The period's scheme cannot be loaded from the log"),
    PeriodNotInLog: (404, "not-in-log", "Not in the log at that position"),
}


_TITLES = set(ENGLISH)


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    instance: str,
    lang: str = "en",
    names: Glossary = NO_GLOSSARY,
    more_headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem body; in Chinese (title, detail, each error's message) when the request asked for zh."""
    if lang != "en":
        title = text(f"problem.{slug}", lang) if f"problem.{slug}" in _TITLES else translate_message(title, lang=lang)
        detail = translate_message(detail, names, lang)
        if "errors" in extra:
            extra["errors"] = [{**e, "message": translate_message(e["message"], names, lang)} for e in extra["errors"]]
    body = {"type": BASE + slug, "title": title, "status": status, "detail": detail, "instance": instance, **extra}
    headers = {"Content-Language": "zh-CN" if lang == "zh" else "en", **(more_headers or {})}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def lang_of(request: Request) -> str:
    """English unless the request prefers Chinese (Accept-Language: zh)."""
    return language(request.headers.get("accept-language"))


async def scoreledger_error(request: Request, exc: Exception) -> JSONResponse:
    kind = next((k for k in type(exc).__mro__ if k in KINDS), None)
    status, slug, title = KINDS[kind] if kind else (400, "refused", "Refused")
    extra: dict[str, Any] = {}
    if isinstance(exc, InvalidInput):
        extra["errors"] = [
            {"path": p.path, "message": p.message, **({"line": p.line} if p.line else {})} for p in exc.problems
        ]
        detail = exc.title
    else:
        detail = str(exc)
    if isinstance(exc, AppealLate):
        extra["deadline"] = exc.deadline
    lang = lang_of(request)
    names = _names(request) if lang != "en" else NO_GLOSSARY
    waits = isinstance(exc, ReplayBusy | WriterClosed | OutcomeUnknown)
    more = {"Retry-After": str(exc.retry_after)} if waits else None
    return problem(status, slug, title, detail, request.url.path, lang, names, more, **extra)


def _names(request: Request) -> Glossary:
    """The scheme's names for the period the request concerns (codes stay codes when it cannot be told)."""
    found = re.match(r"^/periods/([^/]+)", request.url.path)
    try:
        return period_glossary(request.app.state.service, found.group(1) if found else None)
    except Exception:  # noqa: BLE001 - a name lookup never hides the problem it decorates
        return NO_GLOSSARY


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    errors = [{"path": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]  # type: ignore[attr-defined]
    return problem(
        422,
        "invalid-request",
        "The request is malformed",
        f"{len(errors)} problem(s) in the request",
        request.url.path,
        lang_of(request),
        errors=errors,
    )


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    status = getattr(exc, "status_code", 500)
    if status == 413:  # a streamed body over the limit (api/limits.py), as a declared one is answered
        return problem(413, "too-large", "Request body too large", str(getattr(exc, "detail", "")), request.url.path)
    return problem(
        status,
        f"http-{status}",
        str(getattr(exc, "detail", "")) or "Error",
        str(getattr(exc, "detail", "")),
        request.url.path,
        lang_of(request),
    )


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})  # a failure of these changed nothing


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug: still a problem body, never a bare text/plain 500 (the traceback goes to the log). A read changed
    nothing; of a write it is not known here whether it failed before its save or after it (review, issue 12: the
    text said nothing was appended whatever the method), so the text says how to find out and resend safely."""
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    reading = request.method in SAFE_METHODS
    detail = say("error.internal" if reading else "error.internal_write")
    return problem(500, "internal", "Internal error", detail, request.url.path, lang_of(request))


def install(app: FastAPI) -> None:
    """Register the handlers: domain and service errors, request validation, plain HTTP errors."""
    app.add_exception_handler(Exception, unexpected_error)
    app.add_exception_handler(ScoreledgerError, scoreledger_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
