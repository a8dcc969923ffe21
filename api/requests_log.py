"""Per request: a request id, metrics, one structured log line (route, status, time, principal; never a token).

A pure ASGI middleware (no body buffering). The request id is the caller's `X-Request-ID` when it is a
short plain token, else a new one; it is echoed in the response. The principal is what authentication
put on the request's state (api/deps.py), so a refused token leaves no trace of itself.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

log = logging.getLogger("scoreledger.access")
REQUEST_ID = re.compile(r"[A-Za-z0-9._\-]{1,64}")


def header(scope: dict[str, Any], name: bytes) -> bytes | None:
    """A request header's raw value (the last of its name, as dict(headers) gives it), without
    building a dict of them all."""
    found = None
    for key, value in scope.get("headers") or ():
        if key == name:
            found = value
    return found


def route_of(scope: dict[str, Any]) -> str:
    """The matched route's template (/periods/{code}/…), never the raw path: bounded label values."""
    route = scope.get("route")
    return str(getattr(route, "path", "unmatched"))


class Entry:
    """One request's log entry as it is made: its id (also put on the request's state), when it started, the
    status answered (500 until a response starts), and the send that echoes the id in the response."""

    __slots__ = ("request_id", "started", "status", "answered", "_send")

    def __init__(self, scope: dict[str, Any], send: Any):
        given = (header(scope, b"x-request-id") or b"").decode("latin-1")
        self.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = self.request_id
        self.started, self.status, self.answered, self._send = time.perf_counter(), 500, False, send

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status, self.answered = int(message["status"]), True
            message.setdefault("headers", []).append((b"x-request-id", self.request_id.encode()))
        await self._send(message)


class RequestLog:
    def __init__(self, app: Any, metrics: Any):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        entry = Entry(scope, send)
        try:
            await self.app(scope, receive, entry.send)
        finally:
            self.record(scope, entry)

    def record(self, scope: dict[str, Any], entry: Entry) -> None:
        """The request's metrics and log line (also the recording front's, api/front.py)."""
        route, status, seconds = route_of(scope), entry.status, time.perf_counter() - entry.started
        self.metrics.observe(scope["method"], route, status, seconds)
        if not log.isEnabledFor(logging.INFO):  # the record's fields are not built for nobody (issue 12)
            return
        log.info(
            "%s %s %s", scope["method"], route, status,
            extra={"request_id": entry.request_id, "principal": scope["state"].get("principal"),
                   "method": scope["method"], "route": route, "path": scope.get("path"), "status": status,
                   "duration_ms": round(seconds * 1000, 2)},
        )
