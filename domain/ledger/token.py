"""AccessToken: a bearer token, stored only as its hash, carrying a role and a scope."""

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
        token_hash: str
        principal: str
        role: str
        scope: list[str]

    class Revoked(Event):
        TOPIC = "scoreledger:AccessToken.Revoked"

        def apply(self, token: AccessToken) -> None:
            token.revoked = True

    @staticmethod
    def create_id(token_hash: str, **_: Any) -> UUID:
        return token_id(token_hash)

    def __init__(self, token_hash: str, principal: str, role: str, scope: list[str], actor: str, at: str) -> None:
        self.token_hash, self.principal, self.role, self.scope = token_hash, principal, role, list(scope)
        self.revoked = False

    def revoke(self, actor: str, at: str) -> None:
        if not self.revoked:
            self.trigger_event(self.Revoked, actor=actor, at=at)
