"""Helpers shared by routers: JSON responses with ETags, links to the next page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import Request, Response


def json_response(body: Any, status: int = 200, etag: int | None = None) -> Response:
    headers = {"ETag": f'"{etag}"'} if etag is not None else None
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def paged(request: Request, body: dict[str, Any], cursor: str) -> dict[str, Any]:
    """The body with `next` turned from the query's continuation value into a link to the next page (the same
    request with `cursor` set to it), or None on the last page."""
    following = body.get("next")
    if following is None:
        return body
    params = {**request.query_params, cursor: str(following)}
    return {**body, "next": f"{request.url.path}?{urlencode(params)}"}
