"""Running the service and issuing tokens from the command line."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from domain.errors import InvalidInput
from service.bootstrap import build
from service.errors import NotFound
from service.ops_texts import line
from service.settings import Settings
from service.signing import create_key, load_key
from service.tokens import issue_token, list_tokens, revoke

SHANGHAI = ZoneInfo("Asia/Shanghai")

out = Console()


def register(app: typer.Typer) -> None:
    tokens = typer.Typer(no_args_is_help=True, help="Bearer tokens: create them (only their hash is stored).")
    app.add_typer(tokens, name="tokens")

    @app.command()
    def serve(
        host: str = "127.0.0.1",
        port: int = 8000,
        demo: Annotated[bool, typer.Option(help="Load the demo bureau into an empty store.")] = False,
    ) -> None:
        """Run the service: the web pages at /, the HTTP API (OpenAPI at /docs), on the configured store."""
        import uvicorn

        from api.jsonlog import logging_config
        from service.stores import hold, sqlite_version_report
        from web.app import create_app

        settings = Settings.from_env()
        if settings.store == "sqlite":
            out.print(f"store: {sqlite_version_report()}")
        if demo:
            settings = settings.model_copy(update={"demo": True, "signing_key": _demo_key(settings)})
            _load_demo(host, port)
        if settings.store == "sqlite":  # refused here, in one line, rather than in the server's start-up
            hold(settings.data_dir / "log.sqlite")
        uvicorn.run(create_app(settings), host=host, port=port, log_config=logging_config(settings.log_format))

    @tokens.command("create")
    def create(
        principal: str,
        role: str,
        scope: Annotated[
            list[str] | None, typer.Option(help="Offices (recorder), rater=role (rater), subject ids (subject).")
        ] = None,
        days: Annotated[int | None, typer.Option(help="Valid for this many days (default: until revoked).")] = None,
    ) -> None:
        """Create a bearer token for a principal, role and scope; it is printed once."""
        service = build()
        try:
            now = datetime.now(SHANGHAI)
            expires = (now + timedelta(days=days)).isoformat() if days else None
            token = issue_token(service.ledger, principal, role, list(scope or []), "cli", now.isoformat(),
                                expires_at=expires)
        except InvalidInput as exc:
            out.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from None
        finally:
            service.close()
        out.print(token)

    @tokens.command("list")
    def listed() -> None:
        """Every token issued: id, principal, role, scope, expiry, revoked (never the token itself)."""
        service = build()
        try:
            table = Table(title="tokens")
            for column in ("id", "principal", "role", "scope", "issued", "expires", "state"):
                table.add_column(column)
            for t in list_tokens(service.ledger):
                state = "revoked" if t["revoked"] else ("demo" if t["demo"] else "valid")
                table.add_row(t["id"], t["principal"], t["role"], ", ".join(t["scope"]), t["issued_at"][:16],
                              (t["expires_at"] or "-")[:16], state)
            out.print(table)
        finally:
            service.close()

    @tokens.command("revoke")
    def revoked(token_id: str) -> None:
        """Revoke a token by the id `tokens list` shows."""
        service = build()
        try:
            found = revoke(service.ledger, token_id, "cli", datetime.now(SHANGHAI).isoformat())
        except NotFound as exc:
            out.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from None
        finally:
            service.close()
        out.print(f"revoked {found['id']} ({found['principal']}, {found['role']})")


def _demo_key(settings: Settings) -> Path:
    """The demo signs its seals with a demo key kept beside its store (a bureau keeps its own elsewhere)."""
    if settings.signing_key is not None:
        return settings.signing_key
    path = settings.data_dir / "demo-signing.key"
    if not path.exists():
        create_key(path, "scoreledger-demo")
    out.print(f"demo signing key: {path} (public: {load_key(path).public.verifier()})")
    return path


def _load_demo(host: str, port: int) -> None:
    from service.demo import DEMO_ACCOUNTS, DEMO_TOKENS, load_demo

    service = build()
    try:
        loaded = load_demo(service, datetime.now(SHANGHAI).isoformat())
    finally:
        service.close()
    key = {"loaded": "demo_loaded", "resumed": "demo_resumed", "present": "demo_present"}.get(loaded.status)
    text = line(key, detail=loaded.summary(), detail_en=loaded.summary("en")) if key else line("store_not_demo")
    out.print(text, soft_wrap=True)
    table = Table(title="demo tokens (Authorization: Bearer <token>)")
    for column in ("role", "token", "principal", "scope"):
        table.add_column(column)
    for role, (token, principal, scope) in DEMO_TOKENS.items():
        table.add_row(role, token, principal, ", ".join(scope))
    out.print(table)
    accounts = Table(title=f"demo accounts: sign in at http://{host}:{port}/")
    for column in ("role", "user name", "password", "name", "scope"):
        accounts.add_column(column)
    for role, (username, password, name, scope) in DEMO_ACCOUNTS.items():
        accounts.add_row(role, username, password, name, ", ".join(scope))
    out.print(accounts)
    out.print(f"pages: http://{host}:{port}/ · API: http://{host}:{port}/docs (click Authorize, paste a token)")
