"""`scoreledger facts import`: a quarter's facts file (JSON lines, millions of them) into an open period.

For the operator migrating a quarter (from the old spreadsheets or system) or loading one prepared
elsewhere; an office's workbook goes through `scoreledger sheets import` (preview, then all or nothing).
It runs as the holder of an administrator's token (--token or SCORELEDGER_TOKEN): the facts are recorded
under its principal, every office's alike, and its subjects registered (S2), which only the leading
group's administrators may do. The work is service/bulk_file.py's: batches of --batch facts, each one
transaction under an idempotency key, so a run interrupted or refused and run again records nothing twice.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from cli.ops_cmds import refusal
from domain.errors import Problem, ScoreledgerError
from domain.texts.catalog import Glossary, translate
from service.bootstrap import Service, build
from service.bulk_file import BATCH, BulkOutcome, ImportStopped, import_files
from service.errors import Forbidden
from service.names import period_glossary
from service.ops_texts import line
from service.tokens import actor_for

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
SHANGHAI = ZoneInfo("Asia/Shanghai")
IMPORTERS = ("admin",)  # who may import a facts file: it records every office's facts and registers subjects


def _bar(total: int, label: str) -> Progress:
    bar = Progress(TextColumn(label), BarColumn(), TaskProgressColumn(), DownloadColumn(), TimeRemainingColumn(),
                   console=err, transient=True, disable=not sys.stderr.isatty())
    bar.add_task(label, total=total)
    return bar


def register(app: typer.Typer) -> None:
    facts = typer.Typer(no_args_is_help=True, help="Facts files: import a quarter's facts (JSON lines) in bulk.")
    app.add_typer(facts, name="facts")

    @facts.command("import")
    def import_cmd(
        period: Annotated[str, typer.Argument(help="Period code, e.g. 2026-Q1 (open).")],
        file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The facts file, JSON lines.")],
        token: Annotated[str, typer.Option(envvar="SCORELEDGER_TOKEN", help="An administrator's token (or "
                                           "SCORELEDGER_TOKEN).")],
        subjects: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="A file of subject lines "
                                                      "(type: subject) to register first.")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every line as the import would; record "
                                              "nothing.")] = False,
        batch: Annotated[int, typer.Option(min=1, max=50_000, help="Facts per transaction.")] = BATCH,
    ) -> None:
        """Import a facts file (JSON lines: subjects first, then facts) into an open period, in batches of one
        transaction each. A refused batch stops the import at its line: the lines before it stay recorded,
        nothing from it on. Run again with the same file (or the file corrected), batches recorded before are
        skipped: nothing is recorded twice. --dry-run names every problem with its line and records nothing."""
        files = [*([subjects] if subjects is not None else []), file]
        try:
            service = build()
        except ScoreledgerError as exc:
            _refuse(exc)
            return
        try:
            _run(service, token, period, files, dry_run, batch)
        except ScoreledgerError as exc:
            _refuse(exc)
        finally:
            service.close()


def _refuse(exc: ScoreledgerError) -> None:
    err.print(escape(refusal(exc)))
    raise typer.Exit(1)


def _run(service: Service, token: str, period: str, files: list[Path], dry_run: bool, batch: int) -> None:
    now = datetime.now(SHANGHAI)
    actor = actor_for(service.ledger, token, now, demo=service.settings.demo)
    if actor.role not in IMPORTERS:
        raise Forbidden(f"importing a facts file is for administrators (it records every office's facts and "
                        f"registers subjects); role {actor.role} may not")
    recorder = service.ledger.recorder
    before = recorder.max_notification_id() or 0
    total = sum(path.stat().st_size for path in files)
    started = time.perf_counter()
    with _bar(total, line("bulk_checking" if dry_run else "bulk_importing", period=period)) as bar:
        task = bar.task_ids[0]
        try:
            outcome = import_files(service.ledger, period, files, actor.principal, now.isoformat(),
                                   check_only=dry_run, batch=batch,
                                   progress=lambda done: bar.update(task, completed=done))
        except ImportStopped as exc:
            outcome = exc.outcome
    seconds = time.perf_counter() - started
    after = recorder.max_notification_id() or 0
    glossary = period_glossary(service, period)
    if dry_run:
        _checked(outcome, period, glossary)
        return
    _summary(outcome, period, before, after, seconds)
    if outcome.problems:
        _stopped(outcome, glossary)


def _summary(outcome: BulkOutcome, period: str, before: int, after: int, seconds: float) -> None:
    report = outcome.report
    recorded = outcome.recorded_facts
    positions = f"{before + 1}–{after}" if after > before else "—"
    out.print(line("bulk_done", period=period, facts=recorded, subjects=outcome.recorded_subjects,
                   batches=report.batches, skipped=report.skipped, events=after - before, positions=positions,
                   seconds=f"{seconds:.1f}", rate=f"{recorded / seconds:,.0f}" if seconds > 0 else "-",
                   sha=outcome.sha256))


def _stopped(outcome: BulkOutcome, glossary: Glossary) -> None:
    path, number = outcome.stopped_at or (Path("?"), 0)
    err.print(escape(line("bulk_stopped", file=path.name, line=number, n=len(outcome.problems))))
    _problems(outcome.problems, glossary)
    raise typer.Exit(1)


def _checked(outcome: BulkOutcome, period: str, glossary: Glossary) -> None:
    report = outcome.report
    if not outcome.problems:
        out.print(line("bulk_checked", period=period, items=outcome.items, facts=outcome.recorded_facts,
                       subjects=outcome.recorded_subjects, batches=report.batches, skipped=report.skipped,
                       sha=outcome.sha256))
        return
    err.print(escape(line("bulk_check_problems", period=period, n=len(outcome.problems))))
    _problems(outcome.problems, glossary)
    raise typer.Exit(1)


def _problems(problems: list[Problem], glossary: Glossary) -> None:
    """Each problem at its line, in Chinese where the catalog reads it (the English after it)."""
    for problem in problems:
        chinese = translate("error", problem.message, glossary) or problem.message
        shown = line("bulk_problem", line=problem.line, where=problem.path, message=chinese)
        err.print(f"  [red]✗[/] {escape(shown)}")
