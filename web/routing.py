"""Page routes: each page and its JSON twin, refusals shown as a Chinese message page."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute, APIRouter

from api.problems import KINDS
from domain.errors import InvalidInput, ScoreledgerError
from domain.texts.catalog import text, translate_message
from domain.texts.zh import TEXTS
from service.names import period_glossary
from service.tokens import Unauthenticated
from web.auth import FormExpired, form_token
from web.render import render, wants_json

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class PageRoute(APIRoute):
    """A page: a refusal becomes the message page (or its JSON), never a stack trace or English."""

    def get_route_handler(self) -> Handler:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except Unauthenticated:
                if request.method == "GET" and not wants_json(request):
                    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
                return refusal(request, 401, "unauthenticated", text("signin.needed"))
            except FormExpired:
                return refusal(request, 403, "form-expired", text("message.form_expired"))
            except RequestValidationError as exc:
                return refusal(request, 422, "invalid-request", text("message.bad_request"),
                               [translate_message(str(e.get("msg", ""))) for e in exc.errors()])
            except ScoreledgerError as exc:
                return refused(request, exc)

        return handler


def refused(request: Request, exc: ScoreledgerError) -> Response:
    """The message page for a refused action: the problem's Chinese title and the reason in Chinese."""
    kind = next((k for k in type(exc).__mro__ if k in KINDS), None)
    status, slug, _ = KINDS[kind] if kind else (400, "refused", "")
    code = request.path_params.get("code")
    names = period_glossary(request.app.state.service, code if isinstance(code, str) else None)
    if isinstance(exc, InvalidInput):
        detail = translate_message(exc.title, names)
        errors = [translate_message(p.message, names) for p in exc.problems]
    else:
        detail, errors = translate_message(str(exc), names), []
    return refusal(request, status, slug, detail, errors)


def refusal(request: Request, status: int, slug: str, detail: str, errors: list[str] | None = None) -> Response:
    key = f"problem.{slug}"
    model = {"status": status, "type": slug, "title": text(key) if key in _KNOWN else text("message.refused"),
             "detail": detail, "errors": errors or []}
    return render(request, "message.html", model, status=status)


_KNOWN = {k for k in TEXTS if k.startswith("problem.")}


def pages(**kwargs: Any) -> APIRouter:
    """A router of pages: hidden from the API's OpenAPI document, every POST checked for its form token."""
    return APIRouter(route_class=PageRoute, include_in_schema=False, dependencies=[Depends(form_token)], **kwargs)


def page(router: APIRouter, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a GET page at `path` and its JSON twin at `path.json` (the twin first: `{code}` would take it)."""

    def register(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        twin = "/index.json" if path == "/" else f"{path}.json"
        router.add_api_route(twin, endpoint, methods=["GET"], **kwargs)
        router.add_api_route(path, endpoint, methods=["GET"], **kwargs)
        return endpoint

    return register
