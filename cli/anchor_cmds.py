"""`scoreledger checkpoints`: the anchor file of signed checkpoints (F4/F5): show it, re-establish a lost one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from replay.anchor import AnchorInvalid
from service.anchor_setup import AnchorRefused, anchor_keys, held_anchors, reestablish
from service.ops_texts import line
from service.settings import Settings
from service.signing import read_public_keys

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
Keys = Annotated[list[str] | None, typer.Option(help="The bureau's public verifier key (default: the configured "
                                                     "signing key's).")]


def register(app: typer.Typer) -> None:
    checkpoints = typer.Typer(no_args_is_help=True, help="The checkpoint file: every checkpoint the service signed.")
    app.add_typer(checkpoints, name="checkpoints")

    @checkpoints.command("show")
    def show(key: Keys = None) -> None:
        """Check every entry of the checkpoint file with the bureau's key and show the newest."""
        settings = Settings.from_env()
        path = settings.anchor_file()
        try:
            held = held_anchors(settings, anchor_keys(settings, read_public_keys(list(key or []))))
        except AnchorInvalid as exc:
            err.print(escape(str(exc)))
            raise typer.Exit(1) from None
        top = held.newest()
        if top is None:
            out.print(line("anchor_none", path=path))
            return
        out.print(line("anchor_show", path=path, count=len(held.entries), size=top.checkpoint.size,
                       root=top.checkpoint.root.hex(), period=top.checkpoint.extension("period")))

    @checkpoints.command("anchor")
    def anchor(
        source: Annotated[list[Path] | None, typer.Option(
            "--from", help="A copy of the checkpoint file you kept elsewhere, or a signed checkpoint.")] = None,
        from_store: Annotated[bool, typer.Option("--from-store", help="Last resort: verify every seal of the store "
                                                 "with the key and anchor its newest checkpoint.")] = False,
        key: Keys = None,
    ) -> None:
        """Re-establish a lost checkpoint file: from kept copies (checked against the key and the log) and/or the
        store's newest verified seal; refuses while a checkpoint file exists."""
        settings = Settings.from_env()
        try:
            written = reestablish(settings, list(source or []), from_store, read_public_keys(list(key or [])))
        except AnchorRefused as exc:
            err.print(line("anchor_refused"))
            err.print(escape(str(exc)))
            for finding in exc.findings:
                err.print(f"  [red]✗[/] {escape(finding)}")
            raise typer.Exit(1) from None
        top = max((e.checkpoint.size for e in written), default=0)
        out.print(line("anchor_written", path=settings.anchor_file(), count=len(written), size=top))
        if from_store:
            out.print(line("anchor_from_store"))
