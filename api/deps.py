"""Dependencies: the service, the clock, the acting token, If-Match and idempotency keys."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.problems import InFlight
from domain.errors import InvalidInput, Problem
from service import policy
from service.bootstrap import Service
from service.tokens import Actor, Unauthenticated, actor_for

# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in its thread pool,
# and each such hop cost more CPU than the dependency itself (issue 12, profile of recording).


async def get_service(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


async def get_clock(request: Request) -> Callable[[], datetime]:
    return request.app.state.clock  # type: ignore[no-any-return]


ServiceDep = Annotated[Service, Depends(get_service)]
ClockDep = Annotated[Callable[[], datetime], Depends(get_clock)]


bearer = HTTPBearer(auto_error=False, description="A token from `scoreledger tokens create` (or a demo token).")


async def current_actor(
    request: Request,
    service: ServiceDep,
    clock: ClockDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None,
) -> Actor:
    """The actor behind the bearer token (401 without a valid one); its principal goes into the request log.

    Looked up on the event loop: the token's aggregate is in the repository's cache and brought up to date
    with one indexed read of its newer events (none, unless revoked), which costs less than the hop to the
    thread pool a plain `def` dependency takes (issue 12: the hop was a fifth of a recording's CPU)."""
    if credentials is None or not credentials.credentials:
        raise Unauthenticated("send Authorization: Bearer <token>")
    actor = actor_for(service.ledger, credentials.credentials.strip(), clock(), demo=service.settings.demo)
    request.state.principal = actor.principal
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require(*roles: str) -> Callable[[Actor], Coroutine[Any, Any, Actor]]:
    """A dependency that admits only the given roles (403 otherwise)."""

    async def check(actor: CurrentActor) -> Actor:
        return policy.require(actor, *roles)

    return check


async def if_match(if_match: Annotated[str | None, Header(alias="If-Match")] = None) -> int | None:
    """The version a client saw (ETag "n"); 412 comes later when it is not current."""
    if if_match is None:
        return None
    found = re.fullmatch(r'\s*(?:W/)?"?(\d{1,18})"?\s*', if_match)
    if found is None:
        raise InvalidInput('If-Match must be a version ETag such as "3"', [Problem("If-Match", if_match)])
    return int(found.group(1))


IfMatch = Annotated[int | None, Depends(if_match)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]

_INFLIGHT: set[str] = set()
_LOCK = threading.Lock()


@contextmanager
def in_flight(key: str | None, actor: Actor) -> Iterator[None]:
    """409 while another request of the same principal with the same idempotency key is being processed."""
    if key is None:
        yield
        return
    key = f"{actor.principal}\x1f{key}"  # keys are the client's: another principal's same key is another key
    with _LOCK:
        if key in _INFLIGHT:
            raise InFlight(f"a request with idempotency key {key!r} is still in progress")
        _INFLIGHT.add(key)
    try:
        yield
    finally:
        with _LOCK:
            _INFLIGHT.discard(key)


def at(clock: Callable[[], datetime]) -> str:
    return clock().isoformat()
