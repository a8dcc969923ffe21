"""Request JSON parsed exactly: numbers with a fraction become Decimal, never binary floats."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


class ExactRequest(Request):
    """A request whose JSON body keeps 92.55 as Decimal("92.55")."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = json.loads(await self.body(), parse_float=Decimal)
        return self._json


class ExactRoute(APIRoute):
    """Routes that hand their handlers an ExactRequest."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            return await original(ExactRequest(request.scope, request.receive))

        return handler
