"""Which roles may open which pages (the reads and commands check again in the service layer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from service.accounts import AccountView
from service.policy import require
from service.tokens import Actor
from web.auth import signed_in


def admin_only(account: Annotated[AccountView, Depends(signed_in)]) -> Actor:
    """The administrator's actor; Forbidden for any other role."""
    return require(account.actor(), "admin")


def role_in(*roles: str):  # type: ignore[no-untyped-def]
    """A dependency admitting only the given roles (Forbidden otherwise), giving the actor."""

    def check(account: Annotated[AccountView, Depends(signed_in)]) -> Actor:
        return require(account.actor(), *roles)

    return check
