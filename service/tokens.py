"""Issuing, listing, revoking and checking bearer tokens: opaque to clients, stored hashed, every use
attributable, expiring when asked; the demo's tokens are valid only while the service runs the demo."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from domain.errors import InvalidInput, Problem, ScoreledgerError
from domain.ledger.token import ROLES, AccessToken, token_id
from service.errors import NotFound
from service.ledger import Command, LedgerBase

TOKEN_TOPICS = ["scoreledger:AccessToken.Issued", "scoreledger:AccessToken.Revoked"]


class Unauthenticated(ScoreledgerError):
    """Raised when a request carries no token, or one that is unknown, revoked, expired or the demo's."""


@dataclass(frozen=True)
class Actor:
    """The principal behind a request, its role and its scope."""

    principal: str
    role: str
    scope: tuple[str, ...]

    def may(self, *roles: str) -> bool:
        return self.role in roles

    def rater_roles(self) -> dict[str, str]:
        """A rater's scope: each entry `name=role` binds a rater name to the role it rates under (R1); an
        entry without a role binds none, so that token rates under no role."""
        return dict(entry.split("=", 1) for entry in self.scope if "=" in entry) if self.role == "rater" else {}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_scope(role: str, scope: list[str]) -> None:
    """Refuse a role or scope no token could act under (a rater's entries are `name=role`, R1)."""
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}; roles: {', '.join(ROLES)}", [Problem("role", role)])
    if role == "rater":
        unbound = [e for e in scope if "=" not in e or not all(e.split("=", 1))]
        if unbound or not scope:
            raise InvalidInput(
                "a rater's scope names each rater with the role it rates under, e.g. principal-1=principal (R1)",
                [Problem("scope", ", ".join(unbound) or "(empty)")],
            )


def issue_token(
    ledger: LedgerBase,
    principal: str,
    role: str,
    scope: list[str],
    actor: str,
    at: str,
    token: str | None = None,
    expires_at: str | None = None,
    demo: bool = False,
) -> str:
    """Create a token (or register a given one, for the demo) and return it; only its hash is stored."""
    check_scope(role, scope)
    token = token or f"sl_{secrets.token_urlsafe(32)}"
    digest = hash_token(token)
    if ledger.maybe(token_id(digest)) is None:
        issued = AccessToken(
            token_hash=digest,
            principal=principal,
            role=role,
            scope=scope,
            expires_at=expires_at,
            demo=demo,
            actor=actor,
            at=at,
        )
        ledger.save(issued)
    return token


def actor_for(ledger: LedgerBase, token: str, now: datetime | None = None, demo: bool = False) -> Actor:
    """The actor a token speaks for; Unauthenticated when unknown, revoked, expired at `now`, or a demo
    token while the service does not run the demo."""
    return _actor_of(_token(ledger, _id_of(hash_token(token))), now, demo)


def _actor_of(found: Any, now: datetime | None, demo: bool) -> Actor:
    if not isinstance(found, AccessToken) or found.revoked:
        raise Unauthenticated("the bearer token is unknown or revoked")
    if found.expires_at is not None and now is not None and now >= datetime.fromisoformat(found.expires_at):
        raise Unauthenticated(f"the bearer token expired at {found.expires_at}")
    if found.demo and not demo:
        raise Unauthenticated("demo tokens are valid only while the service runs the demo (serve --demo)")
    return Actor(found.principal, found.role, tuple(found.scope))


STORES_READ_IN_GROUP = ("eventsourcing.postgres", "eventsourcing.sqlite")  # whose group commit reads the token's stream


def kept_actor(
    ledger: LedgerBase, token: str, now: datetime | None = None, demo: bool = False
) -> tuple[Actor, Callable[[Command], Command]] | None:
    """A recording's actor without a read on the event loop (issue 12: on PostgreSQL the read of the token's stream
    was a quarter of the loop's time, a round trip; on SQLite a local read, still ~3% of a recording's CPU): the
    actor of a token kept here as `actor_for` would give it if the token has not grown, and what makes its group
    commit check that (the token's stream joins the streams the group reads first; `Command.check`, run before the
    command's key is looked up, refuses it as `actor_for` would when the token grew into a revoked, expired or
    other one). None when the token is not kept or the store is neither PostgreSQL nor SQLite (then `actor_for`)."""
    if type(ledger.recorder).__module__ not in STORES_READ_IN_GROUP:
        return None
    aggregate_id = _id_of(hash_token(token))
    kept = ledger.__dict__.get("known_tokens", {}).get(aggregate_id)
    if kept is None:
        return None
    version, found = kept
    actor = _actor_of(found, now, demo)

    def check() -> None:
        current = ledger.maybe(aggregate_id)  # in a group: as its first round trip read it
        if current is None or current.version != version:
            if current is not None:  # kept as it is now, refused or not: a revoked one is refused on the loop next
                ledger.__dict__.setdefault("known_tokens", {})[aggregate_id] = (current.version, current)
            if _actor_of(current, now, demo) != actor:
                raise Unauthenticated("the bearer token changed; send the request again")

    def checked(command: Command) -> Command:
        streams = command.streams
        return replace(command, check=check,
                       streams=lambda: [*(streams() if streams is not None else []), aggregate_id])

    return actor, checked


KNOWN = 10_000  # tokens kept per ledger; beyond it the cache starts again


@lru_cache(maxsize=KNOWN)
def _id_of(digest: str) -> UUID:
    """The token's aggregate id from its hash (uuid5 was 2% of a recording's event-loop CPU, issue 12)."""
    return token_id(digest)


def _token(ledger: LedgerBase, token: UUID) -> Any | None:
    """The token's aggregate as stored now: a token looked up before is kept with its version and taken again
    only when its stream has grown since (revoked: one indexed read of nothing newer, instead of the
    repository's read, copy and fast-forward, issue 12). Exact: a revocation appended by any process is an
    event of the token, seen by the next lookup."""
    known: dict[UUID, tuple[int, Any]] = ledger.__dict__.setdefault("known_tokens", {})
    kept = known.get(token)
    if kept is not None and not _grew(ledger, token, kept[0]):
        return kept[1]
    found = ledger.maybe(token)
    if isinstance(found, AccessToken):
        if len(known) >= KNOWN:
            known.clear()
        known[token] = (found.version, found)
    return found


def _grew(ledger: LedgerBase, token: UUID, version: int) -> bool:
    """Whether the token's stream holds an event after `version`. On an SQLite file, read on a connection of
    this thread's own in autocommit (each read sees every commit before it), not through the library's pool,
    whose locks cost more than the read when the writer thread uses the pool too."""
    recorder = ledger.recorder
    pool = getattr(getattr(recorder, "datastore", None), "pool", None)
    table = getattr(recorder, "events_table_name", None)
    if type(recorder).__module__ != "eventsourcing.sqlite" or pool is None or table is None \
            or getattr(pool, "is_sqlite_memory_mode", True):
        return bool(recorder.select_events(token, gt=version, limit=1))
    readers: threading.local = ledger.__dict__.setdefault("token_readers", threading.local())
    reader = getattr(readers, "connection", None)
    if reader is None:
        name = str(pool.db_name)
        reader = readers.connection = sqlite3.connect(name, uri=name.startswith("file:"), isolation_level=None,
                                                      check_same_thread=False)
    rows = reader.execute(f"SELECT 1 FROM {table} WHERE originator_id = ? AND originator_version > ? LIMIT 1",  # noqa: S608
                          (token.hex, version)).fetchall()
    return bool(rows)


def list_tokens(ledger: LedgerBase) -> list[dict[str, Any]]:
    """Every token ever issued (never the token itself): id, principal, role, scope, issued, expiry, state."""
    tokens: dict[str, dict[str, Any]] = {}
    position = 0
    while True:
        rows = ledger.recorder.select_notifications(start=position, limit=1000, topics=TOKEN_TOPICS,
                                                    inclusive_of_start=False)
        for row in rows:
            token = ledger.repository.get(row.originator_id, version=row.originator_version)
            tokens[str(row.originator_id)] = _listed(token)
        if len(rows) < 1000:
            return sorted(tokens.values(), key=lambda t: (t["issued_at"], t["id"]))
        position = rows[-1].id


def revoke(ledger: LedgerBase, token_uuid: str, actor: str, at: str) -> dict[str, Any]:
    """Revoke a token by its id (as listed); revoking twice changes nothing."""
    try:
        found = ledger.maybe(UUID(token_uuid))
    except ValueError:
        found = None
    if not isinstance(found, AccessToken):
        raise NotFound(f"no token with id {token_uuid}")
    found.revoke(actor, at)
    ledger.save(found)
    return _listed(found)


def revoke_token(ledger: LedgerBase, token: str, actor: str, at: str) -> None:
    """Revoke a token given the token itself."""
    revoke(ledger, str(token_id(hash_token(token))), actor, at)


def _listed(token: AccessToken) -> dict[str, Any]:
    return {
        "id": str(token.id),
        "principal": token.principal,
        "role": token.role,
        "scope": list(token.scope),
        "issued_at": token.issued_at,
        "expires_at": token.expires_at,
        "demo": token.demo,
        "revoked": token.revoked,
    }
