"""AccessToken: a bearer token, stored only as its hash, carrying a role and a scope, an expiry, and
whether it belongs to the demo (valid only while the service runs the demo)."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.ledger.ids import NAMESPACE

ROLES = ("admin", "recorder", "rater", "auditor", "reviewer", "subject")


def token_id(token_hash: str) -> UUID:
    return uuid5(NAMESPACE, f"token:{token_hash}")


class AccessToken(Aggregate):
    """Who a token speaks for: principal, role and scope (offices, rater name or subject)."""

    TOPIC = "scoreledger:AccessToken"

    class Event(Aggregate.Event):
        TOPIC = "scoreledger:AccessToken.Event"
        actor: str
        at: str

    class Issued(Aggregate.Created, Event):
        TOPIC = "scoreledger:AccessToken.Issued"
        class_version = 2
        token_hash: str
        principal: str
        role: str
        scope: list[str]
        expires_at: str | None
        demo: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 tokens never expired; the demo's were issued by the actor "demo"."""
            state["expires_at"] = None
            state["demo"] = state.get("actor") == "demo"

    class Revoked(Event):
        TOPIC = "scoreledger:AccessToken.Revoked"

        def apply(self, token: AccessToken) -> None:
            token.revoked = True

    @staticmethod
    def create_id(token_hash: str, **_: Any) -> UUID:
        return token_id(token_hash)

    def __init__(
        self,
        token_hash: str,
        principal: str,
        role: str,
        scope: list[str],
        expires_at: str | None,
        demo: bool,
        actor: str,
        at: str,
    ) -> None:
        self.token_hash, self.principal, self.role, self.scope = token_hash, principal, role, list(scope)
        self.expires_at, self.demo, self.issued_at = expires_at, demo, at
        self.revoked = False

    def revoke(self, actor: str, at: str) -> None:
        if not self.revoked:
            self.trigger_event(self.Revoked, actor=actor, at=at)
