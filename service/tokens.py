"""Issuing and checking bearer tokens: opaque to clients, stored hashed, every use attributable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from domain.errors import ScoreledgerError
from domain.ledger.token import ROLES, AccessToken, token_id
from service.errors import NotFound
from service.ledger import LedgerBase


class Unauthenticated(ScoreledgerError):
    """Raised when a request carries no token, or one that is unknown or revoked."""


@dataclass(frozen=True)
class Actor:
    """The principal behind a request, its role and its scope."""

    principal: str
    role: str
    scope: tuple[str, ...]

    def may(self, *roles: str) -> bool:
        return self.role in roles


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    ledger: LedgerBase, principal: str, role: str, scope: list[str], actor: str, at: str, token: str | None = None
) -> str:
    """Create a token (or register a given one, for demos) and return it; only its hash is stored."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    token = token or f"sl_{secrets.token_urlsafe(32)}"
    digest = hash_token(token)
    if ledger.maybe(token_id(digest)) is None:
        ledger.save(AccessToken(token_hash=digest, principal=principal, role=role, scope=scope, actor=actor, at=at))
    return token


def actor_for(ledger: LedgerBase, token: str, cache: dict[str, Any] | None = None) -> Actor:
    """The actor a token speaks for; Unauthenticated when unknown or revoked."""
    digest = hash_token(token)
    found = ledger.maybe(token_id(digest))
    if not isinstance(found, AccessToken) or found.revoked:
        raise Unauthenticated("the bearer token is unknown or revoked")
    return Actor(found.principal, found.role, tuple(found.scope))


def revoke_token(ledger: LedgerBase, token: str, actor: str, at: str) -> None:
    found = ledger.maybe(token_id(hash_token(token)))
    if not isinstance(found, AccessToken):
        raise NotFound("no such token")
    found.revoke(actor, at)
    ledger.save(found)
