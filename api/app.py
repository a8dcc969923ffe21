"""The FastAPI app: routers, problem details, limits; the service comes from the composition root."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig

from api import ops, problems
from api.front import Front
from api.limits import MAX_BATCH, MAX_BODY, BodyLimit
from api.openapi import install_openapi
from api.routers import appeals, audit, facts, log, periods, results, schemes, sheets, tokens
from service.bootstrap import Service, build
from service.settings import Settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
# FastAPI's own OpenTelemetry hooks, unused here (the service's metrics are api/metrics.py): off, since asking
# for the providers on every request was ~4% of a recording's event-loop CPU (issue 12).
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}
DESCRIPTION = f"""Every deduction, bonus, rating, veto and appeal decision is an immutable event; results
replay exactly and explain themselves. Errors are RFC 9457 problem details. POSTs that append take
`Idempotency-Key`; state changes on periods and appeals take `If-Match` with the version (ETag) seen.
Limits: request bodies {MAX_BODY} bytes (413 beyond), batches {MAX_BATCH} facts. Authenticate with
`Authorization: Bearer <token>`."""


GC_THRESHOLDS = (20_000, 50, 1000)  # CPython's default: (700, 10, 10)
FULL_COLLECTION_EVERY = 600.0  # seconds: the bound on how long cyclic garbage can wait under light traffic


def collect_rarely() -> None:
    """A server process: what startup built moved out of the cyclic collector's way (gc.freeze) and the
    collections made rarer. The process keeps many long-lived objects (the fold, the kept subjects and
    their memos), which every full collection walked: with the defaults, SQLite, 8 clients, 1.48 ms of CPU
    per recording and p99 208 ms at 32 clients; with these 1.36 ms and 76 ms (issue 12). The service's own
    objects hold few reference cycles; a full collection still runs, only much less often (after 1,000
    middle-generation collections, ~10^9 allocations; with 100 instead, it came back within a 5-s level:
    1.54-1.68 ms). Under full load that is about a minute; under light traffic it could be hours, so a
    thread also collects fully every FULL_COLLECTION_EVERY seconds: cyclic garbage never waits longer."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    threading.Thread(target=_collect_every, args=(FULL_COLLECTION_EVERY,), name="scoreledger-collector",
                     daemon=True).start()


def _collect_every(seconds: float) -> None:
    while True:
        time.sleep(seconds)
        gc.collect()


class App(FastAPI):
    """The FastAPI app with the recording front (api/front.py) before its middleware stack: the server calls this
    first. The front is made at the first request, when the app is composed (web/app.py adds to it)."""

    front: Front | None = None
    fronted = True  # False: every request the full app's (the tests compare the two)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.fronted:
            if self.front is None:
                self.front = Front.of(self, super().__call__)
                self.fronted = self.front is not None
            if self.front is not None:
                await self.front(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings | None = None,
    service: Service | None = None,
    clock: Callable[[], datetime] | None = None,
    docs: bool = False,
) -> FastAPI:
    """Build the app; the service is built in the lifespan unless one is given (tests).

    /docs and /redoc come from web.app with assets served locally; `docs=True` adds FastAPI's own."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = service is None
        app.state.service = service or build(settings)
        app.state.clock = clock or (lambda: datetime.now(SHANGHAI))
        app.state.service.runner.catch_up()
        if own:
            collect_rarely()
        ops.started(app)
        try:
            yield
        finally:
            ops.stopping(app)
            if own:
                app.state.service.close()

    app = App(title="scoreledger", version="0.1.0", description=DESCRIPTION, lifespan=lifespan,
              docs_url="/docs" if docs else None, redoc_url="/redoc" if docs else None, telemetry=NO_TELEMETRY)
    problems.install(app)
    for module in (schemes, periods, facts, sheets, results, appeals, audit, log, tokens):
        app.include_router(module.router)
    app.add_middleware(BodyLimit)
    ops.install(app)
    install_openapi(app)
    return app
