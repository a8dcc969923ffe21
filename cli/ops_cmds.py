"""Operations commands: backup and restore; refusals as one line (Chinese, then English), no traceback."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from domain.errors import InvalidInput, ScoreledgerError
from domain.texts.catalog import translate
from service.backup import BackupDoesNotVerify, backup
from service.backup_check import LogCheck
from service.notify.run import run_notifier
from service.ops_texts import line
from service.readonly import StoreMissing
from service.restore import RestoreRefused, restore
from service.settings import Settings
from service.signing import read_public_keys
from service.stores import StoreBusy

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class App(typer.Typer):
    """The scoreledger command: a ScoreledgerError ends it with one line and exit code 1."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except ScoreledgerError as exc:
            err.print(escape(refusal(exc)))
            sys.exit(1)


def refusal(exc: ScoreledgerError) -> str:
    """The one line a refused command prints."""
    if isinstance(exc, StoreBusy):
        return line("store_busy")
    if isinstance(exc, StoreMissing):
        return line("store_missing", detail=exc)
    detail = " ".join(str(exc.title if isinstance(exc, InvalidInput) else exc).split())
    return line("refused", detail=detail, detail_zh=translate("error", detail) or detail)


def _findings(findings: list[str]) -> None:
    for finding in findings:
        err.print(f"  [red]✗[/] {escape(finding)}")


def _anchoring(settings: Settings, restored: LogCheck) -> None:
    """What the restored log was checked against among the checkpoints the service signed."""
    if restored.not_extended:
        _findings(restored.not_extended)
        err.print(line("restore_rolled_back", path=settings.anchor_file()))
    elif restored.anchored is not None:
        out.print(line("restore_anchored", count=restored.anchors, size=restored.anchored))
    elif restored.seals:
        err.print(line("restore_unanchored", path=settings.anchor_file()))


def register(app: typer.Typer) -> None:
    @app.command("backup")
    def backup_cmd(
        dest: Annotated[Path, typer.Argument(help="A new directory for the backup.")],
        key: Annotated[list[str] | None, typer.Option(help="The bureau's public verifier key (default: the "
                                                           "configured signing key's).")] = None,
    ) -> None:
        """Back up the store while the service runs (SQLite online backup; PostgreSQL logical export), verified."""
        try:
            manifest = backup(Settings.from_env(), dest, keys=read_public_keys(list(key or [])))
        except BackupDoesNotVerify as exc:
            err.print(escape(str(exc)))
            _findings(exc.findings)
            raise typer.Exit(1) from None
        out.print(line("backup_written", dest=dest, position=manifest["position"], events=manifest["event_count"],
                       periods=len(manifest["periods"]), seals=manifest["seals"]))

    @app.command("restore")
    def restore_cmd(
        source: Annotated[Path, typer.Argument(help="A backup directory.")],
        key: Annotated[list[str] | None, typer.Option(help="The bureau's public verifier key (default: the "
                                                           "configured signing key's).")] = None,
        checkpoint: Annotated[list[Path] | None, typer.Option(help="A copy of the checkpoint file (or a signed "
                                                              "checkpoint) the backup must extend.")] = None,
        accept_rollback: Annotated[bool, typer.Option("--accept-rollback", help="Restore a backup that does not "
                                                      "extend the signed checkpoints (what was signed after it is "
                                                      "lost; publishing refuses until re-anchored).")] = False,
    ) -> None:
        """Restore a backup into the configured, empty store; a backup that does not verify (every digest, every
        seal against the bureau's key) or does not extend the checkpoints the service signed is refused."""
        settings = Settings.from_env()
        try:
            restored = restore(source, settings, read_public_keys(list(key or [])), list(checkpoint or []),
                               accept_rollback)
        except RestoreRefused as exc:
            err.print(line("restore_refused"))
            err.print(escape(str(exc)))
            _findings(exc.findings)
            raise typer.Exit(1) from None
        out.print(line("restored", source=source, position=restored.position, events=restored.events,
                       periods=", ".join(restored.periods) or "-", seals=restored.seals, root=restored.merkle_root))
        _anchoring(settings, restored)


    @app.command("notify")
    def notify_cmd(
        once: Annotated[bool, typer.Option("--once", help="One round, then exit (cron).")] = False,
        today: Annotated[str | None, typer.Option(help="Evaluate the windows as of this date (YYYY-MM-DD).")] = None,
    ) -> None:
        """Send reminders (appeals filed, windows closing in 2 working days, decisions overdue); one per bureau."""
        import logging.config

        from api.jsonlog import logging_config

        settings = Settings.from_env()
        logging.config.dictConfig(logging_config(settings.log_format))
        run_notifier(settings, once, date.fromisoformat(today) if today else None)
