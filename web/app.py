"""The whole service for people and programs: the HTTP API, the pages, sessions, local assets, /docs.

The composition of the outer rings: api.app builds the API; this adds the pages (web/pages),
the signed session cookie, the static files and Swagger UI / ReDoc served from web/static.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from api.app import create_app as create_api
from service.bootstrap import Service
from service.session_key import session_secret
from service.settings import Settings
from web import docs
from web.jobs import Jobs
from web.pages import ROUTERS
from web.staging import Staging

STATIC = Path(__file__).resolve().parent / "static"
SESSION_HOURS = 10


def create_app(
    settings: Settings | None = None, service: Service | None = None, clock: Callable[[], datetime] | None = None
) -> FastAPI:
    """The API and the pages on one app (the service is built in the lifespan unless one is given)."""
    settings = service.settings if service is not None else (settings or Settings.from_env())
    app = create_api(settings=settings, service=service, clock=clock, docs=False)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie="scoreledger_session",
        max_age=SESSION_HOURS * 3600,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    docs.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.state.jobs, app.state.staging = Jobs(), Staging()  # long work behind pages; uploads awaiting confirmation
    return app
