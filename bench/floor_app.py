"""The floor for recording over HTTP: a minimal FastAPI endpoint on the same server stack."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Response


def create_app() -> FastAPI:
    app = FastAPI()

    @app.post("/periods/{code}/facts", status_code=201)
    def record(code: str, body: dict[str, Any]) -> Response:
        return Response(b'{"facts":["floor"]}', status_code=201, media_type="application/json")

    @app.post("/periods/{code}/facts/batch", status_code=201)
    def record_batch(code: str, body: dict[str, Any]) -> Response:
        return Response(b'{"facts":["floor"]}', status_code=201, media_type="application/json")

    return app
