"""Which roles may open which pages (the reads and commands themselves check again in the service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from api.problems import Forbidden
from service.accounts import AccountView
from web.auth import signed_in


def admin_only(account: Annotated[AccountView, Depends(signed_in)]) -> object:
    """The administrator's actor; Forbidden for any other role."""
    if account.role != "admin":
        raise Forbidden(f"role {account.role} may not do this; allowed: admin")
    return account.actor()
