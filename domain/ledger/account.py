"""Accounts people sign in with: a user name, a password hash, a role and its scope.

The same roles and scopes as bearer tokens (domain/ledger/token.py: a rater's scope entries are
`name=role`). Creating, disabling, enabling, changing a password and changing the role and scope
(regranting) are events in the log; the
demo's accounts are marked and sign in only while the service runs the demo. The AccountBook
lists every user name, for the administrator's page.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.errors import ScoreledgerError
from domain.ledger.ids import NAMESPACE

BOOK_ID = uuid5(NAMESPACE, "accounts")


class AccountStateError(ScoreledgerError):
    """Raised when an account is already in the state a change asks for."""


def account_id(username: str) -> UUID:
    return uuid5(NAMESPACE, f"account:{username}")


class Account(Aggregate):
    """One person's sign-in: role and scope as a token's, the password only as its hash."""

    TOPIC = "scoreledger:Account"

    class Event(Aggregate.Event):
        TOPIC = "scoreledger:Account.Event"
        actor: str
        at: str

    class Created(Aggregate.Created, Event):
        TOPIC = "scoreledger:Account.Created"
        username: str
        name: str
        role: str
        scope: list[str]
        demo: bool
        password_hash: str

    class PasswordChanged(Event):
        TOPIC = "scoreledger:Account.PasswordChanged"
        password_hash: str

        def apply(self, account: Account) -> None:
            account.password_hash = self.password_hash
            account.password_version += 1

    class Regranted(Event):
        TOPIC = "scoreledger:Account.Regranted"
        role: str
        scope: list[str]

        def apply(self, account: Account) -> None:
            account.role, account.scope = self.role, list(self.scope)

    class Disabled(Event):
        TOPIC = "scoreledger:Account.Disabled"

        def apply(self, account: Account) -> None:
            account.disabled = True

    class Enabled(Event):
        TOPIC = "scoreledger:Account.Enabled"

        def apply(self, account: Account) -> None:
            account.disabled = False

    @staticmethod
    def create_id(username: str, **_: Any) -> UUID:
        return account_id(username)

    def __init__(
        self, username: str, name: str, role: str, scope: list[str], demo: bool, password_hash: str,
        actor: str, at: str,
    ) -> None:
        self.username, self.name, self.role, self.scope = username, name, role, list(scope)
        self.demo, self.password_hash = demo, password_hash
        self.disabled, self.password_version = False, 1

    def change_password(self, password_hash: str, actor: str, at: str) -> None:
        self.trigger_event(self.PasswordChanged, password_hash=password_hash, actor=actor, at=at)

    def regrant(self, role: str, scope: list[str], actor: str, at: str) -> None:
        """A new role and scope, from the next request on (sessions read the account each time)."""
        if role == self.role and list(scope) == self.scope:
            raise AccountStateError(f"account {self.username} already has this role and scope")
        self.trigger_event(self.Regranted, role=role, scope=list(scope), actor=actor, at=at)

    def disable(self, actor: str, at: str) -> None:
        if self.disabled:
            raise AccountStateError(f"account {self.username} is already disabled")
        self.trigger_event(self.Disabled, actor=actor, at=at)

    def enable(self, actor: str, at: str) -> None:
        if not self.disabled:
            raise AccountStateError(f"account {self.username} is not disabled")
        self.trigger_event(self.Enabled, actor=actor, at=at)


class AccountBook(Aggregate):
    """Every user name, in the order the accounts were created."""

    TOPIC = "scoreledger:AccountBook"

    class Event(Aggregate.Event):
        TOPIC = "scoreledger:AccountBook.Event"
        actor: str
        at: str

    class Opened(Aggregate.Created, Event):
        TOPIC = "scoreledger:AccountBook.Opened"

    class Listed(Event):
        TOPIC = "scoreledger:AccountBook.Listed"
        username: str

        def apply(self, book: AccountBook) -> None:
            book.usernames.append(self.username)

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return BOOK_ID

    def __init__(self, actor: str, at: str) -> None:
        self.usernames: list[str] = []

    def list(self, username: str, actor: str, at: str) -> None:
        self.trigger_event(self.Listed, username=username, actor=actor, at=at)
