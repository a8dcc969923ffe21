"""Web accounts: created, regranted (a new role and scope), disabled, re-enabled and given new
passwords by events; signing in.

Passwords are hashed with argon2 (argon2-cffi); only the hash is stored, in the event. Every
check a change needs runs before anything is appended, each problem named by its field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.errors import InvalidInput, Problem, ScoreledgerError
from domain.ledger.account import BOOK_ID, Account, AccountBook, account_id
from domain.ledger.token import ROLES
from service.errors import Conflict, NotFound
from service.ledger import LedgerBase
from service.tokens import Actor

HASHER = PasswordHasher()
USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,40}$")
MIN_PASSWORD = 8
SCOPED = {"recorder": "offices", "rater": "rater", "subject": "subject"}


class SignInFailed(ScoreledgerError):
    """Raised when a user name and password do not match an enabled account (which of them is not said)."""


@dataclass(frozen=True)
class AccountView:
    """An account as pages show it: never its password hash."""

    username: str
    name: str
    role: str
    scope: tuple[str, ...]
    demo: bool
    disabled: bool
    password_version: int

    def actor(self) -> Actor:
        return Actor(self.username, self.role, self.scope)

    @property
    def rater_role(self) -> str | None:
        """The role a rater account rates under (its first `name=role` entry)."""
        return next(iter(self.actor().rater_roles().values()), None)


def view(account: Account) -> AccountView:
    return AccountView(account.username, account.name, account.role, tuple(account.scope), account.demo,
                       account.disabled, account.password_version)


def rater_scope(role: str, scope: list[str], rater_role: str | None) -> list[str]:
    """A rater's entries as `name=role`: a bare name takes the rating role chosen beside it."""
    if role != "rater" or not rater_role:
        return scope
    return [entry if "=" in entry else f"{entry}={rater_role}" for entry in scope]


def check_new_account(username: str, name: str, role: str, scope: list[str], password: str) -> list[Problem]:
    """Every problem with a new account's fields, each named by its field."""
    problems = []
    if not USERNAME.match(username):
        problems.append(Problem("username", "a user name has 2 to 40 letters, digits, '.', '_' or '-'"))
    if not name.strip():
        problems.append(Problem("name", "give the account holder's name"))
    return problems + check_grant(role, scope) + check_password(password)


def check_grant(role: str, scope: list[str]) -> list[Problem]:
    """Every problem with a role and its scope, as a token's (domain/ledger/token.py)."""
    problems = []
    if role not in ROLES:
        problems.append(Problem("role", f"unknown role {role!r}"))
    elif role in SCOPED and not scope:
        problems.append(Problem("scope", f"a {role} account needs its {SCOPED[role]}"))
    elif role == "subject" and len(scope) != 1:
        problems.append(Problem("scope", "a subject account speaks for exactly one subject"))
    if role == "rater" and any("=" not in e or not all(e.split("=", 1)) for e in scope):
        problems.append(Problem("rater_role", "a rater account needs the rating role it rates as"))
    return problems


def check_password(password: str, field: str = "password") -> list[Problem]:
    if len(password) < MIN_PASSWORD:
        return [Problem(field, f"a password has at least {MIN_PASSWORD} characters")]
    return []


def create_account(
    ledger: LedgerBase,
    username: str,
    name: str,
    role: str,
    scope: list[str],
    password: str,
    actor: str,
    at: str,
    rater_role: str | None = None,
    key: str | None = None,
    demo: bool = False,
) -> dict[str, Any]:
    """Create an account; refused with every problem (and nothing appended) when a field is wrong."""
    scope = rater_scope(role, [s.strip() for s in scope if s.strip()], rater_role)
    problems = check_new_account(username, name, role, scope, password)
    if problems:
        raise InvalidInput("the account was not created", problems)
    digest = HASHER.hash(password)

    def decide() -> tuple[list[Any], dict[str, Any]]:
        if ledger.maybe(account_id(username)) is not None:
            raise Conflict(f"the user name {username} is taken")
        book = ledger.maybe(BOOK_ID) or AccountBook(actor=actor, at=at)
        account = Account(username=username, name=name.strip(), role=role, scope=scope, demo=demo,
                          password_hash=digest, actor=actor, at=at)
        book.list(username, actor, at)
        return [account, book], {"username": username, "role": role, "scope": scope}

    request = [username, name, role, scope, demo]
    return ledger.run(decide, key=key, request=request, actor=actor, at=at)


def account(ledger: LedgerBase, username: str) -> Account:
    found = ledger.maybe(account_id(username)) if USERNAME.match(username) else None
    if not isinstance(found, Account):
        raise NotFound(f"account {username} does not exist")
    return found


def accounts(ledger: LedgerBase) -> list[AccountView]:
    """Every account, in the order they were created."""
    book = ledger.maybe(BOOK_ID)
    return [view(account(ledger, name)) for name in (book.usernames if book else [])]


def change(ledger: LedgerBase, username: str, how: str, actor: str, at: str, password: str = "") -> dict[str, Any]:
    """Disable, enable, or set a new password (`how`: disable, enable, password)."""
    if how == "password":
        problems = check_password(password)
        if problems:
            raise InvalidInput("the password was not changed", problems)
    digest = HASHER.hash(password) if how == "password" else ""

    def decide() -> tuple[list[Any], dict[str, Any]]:
        found = account(ledger, username)
        if how == "disable":
            found.disable(actor, at)
        elif how == "enable":
            found.enable(actor, at)
        else:
            found.change_password(digest, actor, at)
        return [found], {"username": username, "disabled": found.disabled}

    return ledger.run(decide, key=None, request=[username, how], actor=actor, at=at)


def regrant(
    ledger: LedgerBase,
    username: str,
    role: str,
    scope: list[str],
    actor: str,
    at: str,
    rater_role: str | None = None,
) -> dict[str, Any]:
    """Give an account a new role and scope (a person moves from 督查科 to 人事教育科, a rater becomes a
    reviewer); refused with every problem, and nothing appended, when they are wrong. An administrator
    cannot take the administrator's role from their own account: nobody would be left to give it back."""
    scope = rater_scope(role, [s.strip() for s in scope if s.strip()], rater_role)
    problems = check_grant(role, scope)
    if username == actor and role != "admin":
        problems.append(Problem("role", "an administrator cannot take the administrator's role from their own account"))
    if problems:
        raise InvalidInput("the role was not changed", problems)

    def decide() -> tuple[list[Any], dict[str, Any]]:
        found = account(ledger, username)
        found.regrant(role, scope, actor, at)
        return [found], {"username": username, "role": role, "scope": scope}

    return ledger.run(decide, key=None, request=[username, "regrant", role, scope], actor=actor, at=at)


def sign_in(ledger: LedgerBase, username: str, password: str, demo: bool = False) -> AccountView:
    """The account a user name and password open; SignInFailed otherwise (the same words either way).
    A demo account opens only while the service runs the demo (`demo`)."""
    try:
        found = account(ledger, username)
    except NotFound:
        HASHER.hash(password)  # the same work as a wrong password: timing does not tell names apart
        raise SignInFailed("the user name or password is wrong") from None
    try:
        HASHER.verify(found.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise SignInFailed("the user name or password is wrong") from None
    if found.disabled:
        raise SignInFailed("this account is disabled; ask the administrator")
    if found.demo and not demo:
        raise SignInFailed("the user name or password is wrong")
    return view(found)


def own_password(ledger: LedgerBase, username: str, current: str, new: str, at: str,
                 demo: bool = False) -> dict[str, Any]:
    """A signed-in person's new password, given the current one."""
    sign_in(ledger, username, current, demo)
    return change(ledger, username, "password", username, at, new)
