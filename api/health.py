"""Liveness and readiness for load balancers and systemd: no token, no body worth caching."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.deps import ServiceDep
from api.routers.common import json_response
from service.lag import projection_lag

router = APIRouter(tags=["operations"], include_in_schema=False)  # for probes and Prometheus: docs/deployment.md


@router.get("/healthz", operation_id="health")
def healthz() -> Response:
    """The process is up and answering."""
    return json_response({"status": "ok"})


@router.get("/readyz", operation_id="ready", responses={503: {"description": "Not ready: the store or the views"}})
def readyz(service: ServiceDep) -> Response:
    """Ready when the store answers and the views are caught up within the configured bounds."""
    settings = service.settings
    try:
        lag = projection_lag(service)
    except Exception as exc:  # noqa: BLE001 - any failure to reach the store means not ready
        return json_response({"status": "not ready", "store": "unreachable", "detail": type(exc).__name__}, 503)
    behind = lag.events > settings.ready_max_lag_events or lag.seconds > settings.ready_max_lag_seconds
    body = {
        "status": "not ready" if behind else "ready",
        "store": "reachable",
        "log_position": lag.log_position,
        "views_position": lag.views_position,
        "lag_events": lag.events,
        "lag_seconds": round(lag.seconds, 3),
        "bounds": {"events": settings.ready_max_lag_events, "seconds": settings.ready_max_lag_seconds},
    }
    return json_response(body, 503 if behind else 200)


@router.get("/metrics", operation_id="metrics", response_class=PlainTextResponse)
def metrics(request: Request) -> Response:
    """Prometheus text format."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
