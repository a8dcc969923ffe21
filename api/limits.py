"""Request size limits (documented in the OpenAPI description): bodies over MAX_BODY get 413.

A body is measured by its Content-Length when it declares one, else as it streams (chunked): the
overflow is raised as an HTTP 413 from the body's receive, so that FastAPI, which answers 400 to any
other failure while reading a body, passes it on to the 413 problem handler (api/problems.py).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.exceptions import HTTPException

from api.problems import MEDIA_TYPE
from api.requests_log import header
from service.sheets.parsing import MAX_BYTES

MAX_BODY = 1_048_576  # bytes
MAX_BATCH = 500  # facts in one batch
MAX_UPLOAD = MAX_BYTES  # bytes of a spreadsheet upload (service.sheets.parsing)
UPLOADS = re.compile(r"^/periods/[^/]+/imports(/preview)?$|^/period/[^/]+/import$")  # the API's and the page's


class BodyLimit:
    """ASGI middleware: refuse a body over the limit, by Content-Length or as it streams."""

    def __init__(self, app: Any, limit: int = MAX_BODY):
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope, self.limit)
        if declared_over(scope, limit):
            await self._refuse(scope, send, limit)
            return
        seen = 0

        async def counted() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise Overflow(limit)
            return message  # type: ignore[no-any-return]

        try:
            await self.app(scope, counted, send)
        except Overflow:
            await self._refuse(scope, send, limit)

    async def _refuse(self, scope: dict[str, Any], send: Any, limit: int) -> None:
        import orjson

        from domain.texts.catalog import language, text, translate_message

        headers = dict(scope.get("headers") or [])
        lang = language(headers.get(b"accept-language", b"").decode("latin-1"))
        body = orjson.dumps(
            {
                "type": "https://scoreledger.invalid/problems/too-large",
                "title": text("problem.too-large", lang),
                "status": 413,
                "detail": translate_message(limit_text(limit), lang=lang),
                "instance": scope["path"],
            }
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


def body_limit(scope: dict[str, Any], limit: int = MAX_BODY) -> int:
    """The limit on the request's body: an upload's, else the given one."""
    return MAX_UPLOAD if UPLOADS.match(scope.get("path", "")) else limit


def declared_over(scope: dict[str, Any], limit: int) -> bool:
    """Whether the request's Content-Length declares a body over the limit."""
    declared = header(scope, b"content-length")
    return declared is not None and declared.isdigit() and int(declared) > limit


TOO_LARGE = "Request body too large"


def limit_text(limit: int) -> str:
    return f"the limit is {limit} bytes"


class Overflow(HTTPException):
    """Raised when a streamed body passes its limit (an HTTPException: FastAPI re-raises those as they are)."""

    def __init__(self, limit: int):
        super().__init__(413, limit_text(limit))
