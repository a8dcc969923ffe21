"""Running the service and issuing tokens from the command line."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from service.bootstrap import build
from service.ops_texts import line
from service.tokens import issue_token

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
        """Run the HTTP service (OpenAPI at /docs) on the configured store."""
        import uvicorn

        from api.app import create_app
        from api.jsonlog import logging_config
        from service.settings import Settings
        from service.stores import hold, sqlite_version_report

        settings = Settings.from_env()
        if settings.store == "sqlite":
            out.print(f"store: {sqlite_version_report()}")
        if demo:
            _load_demo(host, port)
        if settings.store == "sqlite":  # refused here, in one line, rather than in the server's start-up
            hold(settings.data_dir / "log.sqlite")
        uvicorn.run(create_app(), host=host, port=port, log_config=logging_config(settings.log_format))

    @tokens.command("create")
    def create(
        principal: str,
        role: str,
        scope: Annotated[list[str] | None, typer.Option(help="Offices, rater name or subject ids.")] = None,
    ) -> None:
        """Create a bearer token for a principal, role and scope; it is printed once."""
        service = build()
        try:
            now = datetime.now(ZoneInfo("Asia/Shanghai")).isoformat()
            token = issue_token(service.ledger, principal, role, list(scope or []), "cli", now)
        finally:
            service.close()
        out.print(token)


def _load_demo(host: str, port: int) -> None:
    from service.demo import DEMO_TOKENS, load_demo

    service = build()
    try:
        loaded = load_demo(service, datetime.now(ZoneInfo("Asia/Shanghai")).isoformat())
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
    out.print(f"open http://{host}:{port}/docs, click Authorize, paste a token")
