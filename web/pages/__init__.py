"""The pages, one module per area; ROUTERS is what web.app includes (add a new module's router here)."""

from web.pages import (
    accounts,
    admin,
    appeals,
    audit,
    home,
    outputs,
    patterns,
    public,
    rating,
    recording,
    results,
    sheets,
    signin,
)

ROUTERS = [signin.router, home.router, accounts.router, admin.router, patterns.router, results.router,
           recording.router, rating.router, appeals.router, audit.router, sheets.router, outputs.router, public.router]
