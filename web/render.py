"""Rendering a page from its model, or the model itself as the page's JSON twin (path + ".json")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel

from domain.numbers import canonical_str
from web import filters

TEMPLATES = Path(__file__).resolve().parent / "templates"
ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
filters.install(ENV)


def plain(model: Any) -> Any:
    """The model as JSON-ready values: numbers as their canonical text, the same as the API's."""
    if isinstance(model, BaseModel):
        return plain(model.model_dump(mode="python"))
    if isinstance(model, dict):
        return {str(k): plain(v) for k, v in model.items()}
    if isinstance(model, (list, tuple)):
        return [plain(v) for v in model]
    if isinstance(model, Decimal):
        return canonical_str(model)
    if isinstance(model, date):
        return model.isoformat()
    return model


def wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json")


def render(request: Request, template: str, model: Any, status: int = 200, **context: Any) -> Response:
    """The page, or its JSON twin: both from `model` (extra context is only for the HTML)."""
    if wants_json(request):
        return Response(orjson.dumps(plain(model)), status_code=status, media_type="application/json")
    context = {"errors": {}, "form": {}, **context}
    html = ENV.get_template(template).render(request=request, model=model, page=page_context(request), **context)
    return HTMLResponse(html, status_code=status)


def page_context(request: Request) -> dict[str, Any]:
    """What the base layout needs: the signed-in account and the form token."""
    return {
        "account": getattr(request.state, "account", None),
        "csrf": request.session.get("csrf", "") if "session" in request.scope else "",
        "path": request.url.path,
    }
