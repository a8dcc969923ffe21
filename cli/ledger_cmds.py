"""Ledger commands: replay, compare, verify (a period or an offline bundle), export, rebuild."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from domain.canonical import canonical_bytes
from projections.runner import ProjectionRunner
from replay.asof import canonical_as_of, fold_log, result_as_of
from replay.bundle import make_bundle, read_bundle, verify_bundle, write_bundle
from replay.compare import compare
from replay.verify import Report, verify_records
from service.bootstrap import Service, build
from service.readonly import build_for_reading

out = Console()
Period = Annotated[str, typer.Argument(help="Period code, e.g. 2026-Q1.")]


def _progress(total: int, label: str) -> tuple[Progress, object]:
    bar = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not sys.stderr.isatty(),
    )
    task = bar.add_task(label, total=total)
    return bar, lambda position: bar.update(task, completed=position)


def _read_all(service: Service, label: str = "reading the log") -> list:  # type: ignore[type-arg]
    total = service.ledger.recorder.max_notification_id() or 0
    bar, advance = _progress(total, label)
    with bar:
        _, records = fold_log(service.ledger.recorder, progress=advance)
    return records


def _report(report: Report) -> None:
    if report.ok:
        out.print(
            f"[green]OK[/] {report.period}: {report.checked_events} events, {report.checked_seals} seal(s) verified"
        )
        return
    out.print(f"[bold red]FAILED[/] {report.period}: {len(report.findings)} finding(s)")
    for finding in report.findings:
        out.print(f"  [red]✗[/] {finding}")
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    @app.command()
    def verify(
        target: Annotated[str, typer.Argument(help="A period code, or a bundle file to check offline.")],
    ) -> None:
        """Replay and check every seal and every stored event; OK or exactly what diverges."""
        if Path(target).is_file():
            data = read_bundle(Path(target))
            _report(verify_bundle(data))
            return
        service = build_for_reading()
        try:
            service.runner.catch_up()
            _report(
                verify_records(_read_all(service, "verifying"), service.views.leaves(), target, service.settings.bureau)
            )
        finally:
            service.close()

    @app.command()
    def export(period: Period, bundle: Annotated[Path, typer.Argument(help="Where to write the bundle.")]) -> None:
        """Write a period bundle (scheme, events, seals, witness) for offline verification."""
        service = build_for_reading()
        try:
            service.runner.catch_up()
            records = _read_all(service, "exporting")
            write_bundle(make_bundle(records, service.views.leaves(), period, service.settings.bureau), bundle)
            out.print(f"wrote {bundle} ({len(records)} events)")
        finally:
            service.close()

    @app.command()
    def replay(
        period: Period, as_of: Annotated[int | None, typer.Option(help="Log position (default: now).")] = None
    ) -> None:
        """A period's results as of a log position, as canonical JSON."""
        service = build_for_reading()
        try:
            source, workers = service.ledger.recorder, os.cpu_count() or 1
            pieces = canonical_as_of(source, period, as_of, service.settings.bureau, workers)
            for piece in pieces:  # a group at a time: a province's results are never held whole
                sys.stdout.buffer.write(piece)
            sys.stdout.buffer.write(b"\n")
        finally:
            service.close()

    @app.command("compare")
    def compare_cmd(
        period: Period,
        before: Annotated[int, typer.Option("--from")],
        after: Annotated[int | None, typer.Option("--to")] = None,
    ) -> None:
        """Before/after between two log positions: totals, ranks, grades, items and causes."""
        service = build_for_reading()
        try:
            source = service.ledger.recorder
            old = result_as_of(source, period, before, service.settings.bureau)
            new = result_as_of(source, period, after, service.settings.bureau)
            _, records = fold_log(source, upto=after)
            sys.stdout.buffer.write(canonical_bytes(compare(old, new, [r for r in records if r.position > before])))
            sys.stdout.write("\n")
        finally:
            service.close()

    @app.command()
    def rebuild() -> None:
        """Rebuild every view from position zero (byte-identical to the views it replaces)."""
        service = build()
        try:
            service.views.reset()
            runner = ProjectionRunner(service.ledger.recorder, service.views, page=service.settings.page_size)
            total = service.ledger.recorder.max_notification_id() or 0
            bar, advance = _progress(total, "rebuilding views")
            with bar:
                position = runner.catch_up(progress=advance)  # type: ignore[arg-type]
            out.print(f"views rebuilt up to position {position}")
        finally:
            service.close()
