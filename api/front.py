"""The recording front (issue 12): a plain recording answered before the middleware stack and the routing.

With 8 clients the SQLite server is bound by its event loop's CPU, and between the request log and the route's
`_plain` the Starlette/FastAPI layers (error and telemetry middlewares, the body limits, the exception wrappers,
the matching over every route) cost about as much as `_plain` itself. The front is called first (api/app.py) and
answers POST /periods/{code}/facts and …/facts/batch itself when `_plain` does, with the same steps the
ordinary way takes, so the same bytes: the request log's id, metrics and line (api/requests_log.py), the
declared body limit (api/limits.py), `_plain` (api/routers/facts.py) on the same scope the route would see
(app, route, path parameters), and the app's own exception handlers for a refusal (api/problems.py), or, for
an error without one, what the error middleware does (the 500 problem, not through the request log, raised on).

Whatever it is not sure of goes to the full app unchanged: another method or path, a body declared over the
limit, a request `_plain` leaves to FastAPI (no bearer token, another content type, a path, key or body that
does not validate), a body that passes the limit as it streams or is not received whole (the client left). The
messages it already received are replayed to the full app before the rest. An app with a middleware the front
does not know of, or other limits or a root path, has no front.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request

from api.exact import ExactRequest
from api.limits import BodyLimit, body_limit, declared_over
from api.requests_log import Entry, RequestLog
from api.routers import facts

PLAIN_PATH = re.compile(r"/periods/([^/]+)/facts(/batch)?")
# Middlewares whose work for a recording the front does itself (RequestLog, BodyLimit) or which do nothing
# visible for it (SessionMiddleware: the session is neither read nor changed, so no cookie is set).
KNOWN = (RequestLog, BodyLimit, SessionMiddleware)


class Unfinished(Exception):  # noqa: N818 - a signal, not an error
    """The body passed its limit as it streamed or was not received whole: the full app answers."""


class Front:
    def __init__(self, app: FastAPI, full: Any, metrics: Any):
        self.app, self.full = app, full
        self.log = RequestLog(None, metrics)  # for its record()
        self.routes = {route.path.endswith("/batch"): route for route in facts.router.routes}
        handlers = app.exception_handlers
        self.unexpected = handlers[Exception]  # what ServerErrorMiddleware answers with
        self.handlers = {kind: handler for kind, handler in handlers.items() if kind not in (500, Exception)}

    @classmethod
    def of(cls, app: FastAPI, full: Any) -> Front | None:
        """The front of the app (`full` answers what the front does not), or None when the app has layers or
        settings the front does not stand in for."""
        layers = {m.cls: m for m in app.user_middleware}
        known = set(layers) <= set(KNOWN) and {RequestLog, BodyLimit} <= set(layers)
        if not known or layers[BodyLimit].args or layers[BodyLimit].kwargs or app.max_body_size is not None:
            return None
        if app.root_path or Exception not in app.exception_handlers:
            return None
        if any(isinstance(kind, int) for kind in app.exception_handlers):  # handlers by status: not looked up here
            return None
        return cls(app, full, layers[RequestLog].kwargs["metrics"])

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        plain = scope["method"] == "POST" and not scope.get("root_path")
        found = PLAIN_PATH.fullmatch(scope["path"]) if plain else None
        limit = body_limit(scope)
        if found is None or declared_over(scope, limit):
            await self.full(scope, receive, send)
            return
        batch = found.group(2) is not None
        mine = {**scope, "app": self.app, "route": self.routes[batch], "path_params": {"code": found.group(1)},
                "state": {**scope.get("state", {})}}  # the full app gets the scope as it came
        received: list[dict[str, Any]] = []
        seen = 0

        async def receiving() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            received.append(message)
            seen += len(message.get("body", b""))
            if message["type"] != "http.request" or seen > limit:
                raise Unfinished
            return message  # type: ignore[no-any-return]

        request = ExactRequest(mine, receiving)
        entry = Entry(mine, send)
        try:
            if await self._logged(request, batch, entry):
                return
        except Exception as exc:  # without a handler: as ServerErrorMiddleware, outside the request log
            if not entry.answered:
                await (await self.unexpected(Request(mine), exc))(mine, receive, send)
            raise
        await self.full(scope, _replaying(received, receive) if received else receive, send)

    async def _logged(self, request: Request, batch: bool, entry: Entry) -> bool:
        """Answer the request, logged and counted as RequestLog does; False (nothing sent, nothing logged): the
        full app's."""
        ours = True  # False: the full app answers and logs it
        try:
            response = await self._answer(request, batch)
            if response is None:
                ours = False
                return False
            await response(request.scope, request.receive, entry.send)
            return True
        finally:
            if ours:
                self.log.record(request.scope, entry)

    async def _answer(self, request: Request, batch: bool) -> Any:
        """`_plain`'s response, the handler's for what it raised, or None for the full app."""
        try:
            return await facts._plain(request, batch)
        except Unfinished:
            return None
        except Exception as exc:
            handler = next((self.handlers[kind] for kind in type(exc).__mro__ if kind in self.handlers), None)
            if handler is None:
                raise
            response = await handler(request, exc)
            exc.__traceback__ = None  # as Starlette: a reused exception would gather tracebacks
            return response


def _replaying(received: list[dict[str, Any]], receive: Any) -> Any:
    """A receive that gives the messages the front already received, then the rest."""
    left = iter(received)

    async def replayed() -> dict[str, Any]:
        message = next(left, None)
        return message if message is not None else await receive()  # type: ignore[no-any-return]

    return replayed
