"""The pages, one module per area; ROUTERS is what web.app includes (add a new module's router here)."""

from web.pages import accounts, home, patterns, signin

ROUTERS = [signin.router, home.router, accounts.router, patterns.router]
