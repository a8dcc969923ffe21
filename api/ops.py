"""What an operator needs from the app: /healthz, /readyz, /metrics, the request log and the view keeper."""

from __future__ import annotations

from fastapi import FastAPI

from api import health
from api.metrics import Metrics
from api.requests_log import RequestLog
from service.keeper import ViewKeeper


def install(app: FastAPI) -> None:
    """Routes and the request middleware (outermost, so refused bodies are counted and logged too)."""
    app.state.metrics = Metrics(app)
    app.include_router(health.router)
    app.add_middleware(RequestLog, metrics=app.state.metrics)


def started(app: FastAPI) -> None:
    """Once the service is built: count its appends, keep its views caught up."""
    service = app.state.service
    service.ledger.append_listeners.append(app.state.metrics.appended.inc)
    app.state.keeper = ViewKeeper(service.runner, service.settings.keeper_interval_ms / 1000).start()


def stopping(app: FastAPI) -> None:
    app.state.keeper.stop()
    listeners = app.state.service.ledger.append_listeners
    if app.state.metrics.appended.inc in listeners:
        listeners.remove(app.state.metrics.appended.inc)
